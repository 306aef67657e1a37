package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// top is how many of the longest tasks the report classifies.
const top = 15

func (r *run) print(w io.Writer, source string) {
	wall := r.end.Sub(r.start)
	hosts := map[string]bool{}
	for _, t := range r.tasks {
		for h := range t.hosts {
			hosts[h] = true
		}
	}
	fmt.Fprintf(w, "time to a Ready cluster: %s\n\n", source)
	fmt.Fprintf(w, "wall %s, from the first event to the recap: %d plays, %d tasks and handlers, %d hosts\n",
		dur(wall), len(r.plays), len(r.tasks), len(hosts))
	if !r.finished {
		fmt.Fprintln(w, "the stream has no recap: the run did not finish, times are up to its last event")
	}

	fmt.Fprintln(w, "\nplays")
	tw := table(w)
	fmt.Fprintln(tw, "  wall\ttasks\tplay")
	for _, p := range r.plays {
		line := fmt.Sprintf("  %s\t%d\t%s", dur(p.end.Sub(p.start)), p.tasks, p.name)
		if p.free {
			host, took := r.chain(p)
			line += fmt.Sprintf(" (strategy free: its slowest chain is %s's, %s; a task's wall below is its slowest host's time)", host, dur(took))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()

	fmt.Fprintln(w, "\ncritical path: every task in order, its slowest host and that host's time")
	tw = table(w)
	fmt.Fprintln(tw, "  #\twall\tslowest host\tits time\thosts\twait\ttask")
	for i, t := range r.tasks {
		host, took := "-", "-"
		if s := t.slowest(); s != nil {
			host, took = s.host, dur(s.took())
			if s.delegate != "" {
				host += "→" + s.delegate
			}
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%s\t%s\n", i+1, dur(t.wall()), host, took, len(t.hosts), t.kind(), t.label())
	}
	tw.Flush()

	fmt.Fprintf(w, "\nthe %d longest tasks and what they waited for\n", min(top, len(r.tasks)))
	byWall := make([]int, len(r.tasks))
	for i := range byWall {
		byWall[i] = i
	}
	sort.SliceStable(byWall, func(a, b int) bool { return r.tasks[byWall[a]].wall() > r.tasks[byWall[b]].wall() })
	tw = table(w)
	fmt.Fprintln(tw, "  #\twall\tof the run\twait\ttask")
	for _, i := range byWall[:min(top, len(byWall))] {
		t := r.tasks[i]
		line := fmt.Sprintf("  %d\t%s\t%s\t%s\t%s", i+1, dur(t.wall()), percent(t.wall(), wall), t.kind(), t.label())
		if t.retries > 0 {
			line += fmt.Sprintf(" (%d retries, %s retrying, slack up to %s)", t.retries, dur(t.retryTime()), dur(t.slack()))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nhosts: time working, and as a task's slowest host")
	type hostTime struct {
		name              string
		busy, asSlowest   time.Duration
		tasks, slowestFor int
	}
	per := map[string]*hostTime{}
	for h := range hosts {
		per[h] = &hostTime{name: h}
	}
	for _, t := range r.tasks {
		for h, s := range t.hosts {
			per[h].busy += s.took()
			per[h].tasks++
		}
		if s := t.slowest(); s != nil {
			per[s.host].asSlowest += s.took()
			per[s.host].slowestFor++
		}
	}
	list := make([]*hostTime, 0, len(per))
	for _, h := range per {
		list = append(list, h)
	}
	sort.Slice(list, func(a, b int) bool {
		if list[a].asSlowest != list[b].asSlowest {
			return list[a].asSlowest > list[b].asSlowest
		}
		return list[a].name < list[b].name
	})
	tw = table(w)
	fmt.Fprintln(tw, "  host\tworking\ttasks\tslowest in\tfor")
	for _, h := range list {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\n", h.name, dur(h.busy), h.tasks, h.slowestFor, dur(h.asSlowest))
	}
	tw.Flush()

	busy, byKind, slack := r.waits()
	fmt.Fprintln(w, "\nwhere the wall time went: the slowest host's time of each task (in a free play, the tasks of its slowest chain), by wait")
	tw = table(w)
	for _, k := range []string{kindPackage, kindImage, kindKubeadm, kindService, kindPoll, kindSleep, kindOther} {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", k, dur(byKind[k]), percent(byKind[k], wall))
	}
	fmt.Fprintf(tw, "  engine overhead\t%s\t%s\t(no host working: wall minus the above)\n", dur(wall-busy), percent(wall-busy, wall))
	tw.Flush()

	var need time.Duration
	var parts []string
	for _, k := range unavoidable {
		need += byKind[k]
		parts = append(parts, fmt.Sprintf("%s %s", k, dur(byKind[k])))
	}
	need -= slack
	fmt.Fprintf(w, "\nunavoidable %s = %s - poll slack %s\n", dur(need), strings.Join(parts, " + "), dur(slack))
	if need > 0 {
		fmt.Fprintf(w, "wall / unavoidable %.2f\n", wall.Seconds()/need.Seconds())
	} else {
		fmt.Fprintln(w, "wall / unavoidable: no unavoidable wait in this run")
	}
}

// label is a task's name as the report shows it: a handler says so.
func (t *task) label() string {
	if t.handler {
		return "handler: " + t.name
	}
	return t.name
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// dur is a duration to the tenth of a second: the lab's waits are seconds
// to minutes, and milliseconds would be noise.
func dur(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	d = d.Round(100 * time.Millisecond)
	s := d.Seconds()
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%s%.1fs", neg, s)
	case d < time.Hour:
		m := int(d / time.Minute)
		return fmt.Sprintf("%s%dm%04.1fs", neg, m, s-float64(m*60))
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	return fmt.Sprintf("%s%dh%02dm%04.1fs", neg, h, m, s-float64(h*3600+m*60))
}

func percent(d, of time.Duration) string {
	if of <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*d.Seconds()/of.Seconds())
}

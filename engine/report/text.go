package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Text writes Ansible-like output.
type Text struct {
	W         io.Writer
	Color     bool
	Verbosity int
	// ShowDiff prints --diff output.
	ShowDiff bool
	// Timing adds the elapsed time under the recap and the slowest hosts
	// to a task's summary (off for golden tests).
	Timing bool
	// Summary is the most hosts a task shows a line each for: a task on
	// more prints one summary line (failures still in full), and a recap
	// of more lists the hosts that failed, then counts the others. 0:
	// never summarise. -v (Verbosity > 0) shows every host's line again.
	Summary int
	// Live redraws a progress line while a summarised task runs: for a
	// terminal only, never for pipes and logs.
	Live bool

	now   func() time.Time // the progress line's clock; time.Now if nil
	sum   *summary         // the running task's, if summarised
	live  bool             // the progress line is on the screen
	drawn time.Time        // when it was drawn last
}

const (
	green  = "\x1b[0;32m"
	yellow = "\x1b[0;33m"
	red    = "\x1b[0;31m"
	cyan   = "\x1b[0;36m"
	purple = "\x1b[0;35m"
	reset  = "\x1b[0m"
)

func (t *Text) paint(color, s string) string {
	if !t.Color {
		return s
	}
	return color + s + reset
}

func banner(title string) string {
	n := 79 - len(title)
	if n < 3 {
		n = 3
	}
	return title + " " + strings.Repeat("*", n)
}

// PlayStart implements Reporter.
func (t *Text) PlayStart(p Play) {
	t.flush()
	title := "PLAY [" + p.Name + "]"
	if p.Check {
		title = "PLAY [" + p.Name + "] (check mode)"
	}
	fmt.Fprintf(t.W, "\n%s\n", banner(title))
}

// TaskStart implements Reporter.
func (t *Text) TaskStart(name string, kind TaskKind) {
	t.flush()
	word := "TASK"
	if kind == KindHandler {
		word = "RUNNING HANDLER"
	}
	fmt.Fprintf(t.W, "\n%s\n", banner(word+" ["+name+"]"))
}

// Result implements Reporter.
func (t *Text) Result(r *HostResult) {
	if t.summarised(r) {
		return
	}
	host := "[" + r.Host + "]"
	if r.Delegate != "" && r.Delegate != r.Host {
		host = "[" + r.Host + " -> " + r.Delegate + "]"
	}
	if t.ShowDiff && !r.NoLog {
		for _, d := range r.Diffs {
			io.WriteString(t.W, t.colorDiff(Unified(d.Path, d.Before, d.After)))
		}
	}
	item := ""
	if r.Item != "" {
		item = " => (item=" + r.Item + ")"
	}
	var line, color string
	switch r.Status {
	case OK:
		line, color = "ok: "+host+item, green
	case Changed:
		line, color = "changed: "+host+item, yellow
	case Skipped:
		line, color = "skipping: "+host+item, cyan
	case Unreachable:
		line, color = "fatal: "+host+": UNREACHABLE! => "+t.payload(r, true), red
	case Failed:
		if r.Item != "" {
			line, color = "failed: "+host+item+" => "+t.payload(r, true), red
		} else {
			line, color = "fatal: "+host+": FAILED! => "+t.payload(r, true), red
		}
	}
	if r.Status == Failed && r.Output != "" {
		// A module's report (health_report's table) matters most when
		// it failed.
		line += "\n" + r.Output
	}
	if r.Status == OK || r.Status == Changed {
		switch {
		case r.Output != "":
			line += " => " + r.Output
		case t.Verbosity > 0 && !r.Loop:
			line += " => " + t.payload(r, false)
		}
	}
	fmt.Fprintln(t.W, t.paint(color, line))
	if r.Ignored {
		fmt.Fprintln(t.W, t.paint(cyan, "...ignoring"))
	}
}

func (t *Text) payload(r *HostResult, failed bool) string {
	if r.NoLog {
		return `{"censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result"}`
	}
	data := r.Data
	if data == nil || (failed && t.Verbosity == 0) {
		data = map[string]any{"msg": r.Msg}
		if failed && r.Data != nil {
			for _, k := range []string{"rc", "stderr", "stdout", "cmd"} {
				if v, ok := r.Data[k]; ok && v != "" && v != nil {
					data[k] = v
				}
			}
		}
	}
	return compactJSON(data)
}

func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}

func (t *Text) colorDiff(d string) string {
	if !t.Color {
		return d
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(d, "\n") {
		switch {
		case strings.HasPrefix(l, "+"):
			b.WriteString(green + strings.TrimSuffix(l, "\n") + reset + "\n")
		case strings.HasPrefix(l, "-"):
			b.WriteString(red + strings.TrimSuffix(l, "\n") + reset + "\n")
		case strings.HasPrefix(l, "@@"):
			b.WriteString(cyan + strings.TrimSuffix(l, "\n") + reset + "\n")
		default:
			b.WriteString(l)
		}
	}
	return b.String()
}

// Warn implements Reporter.
func (t *Text) Warn(msg string) {
	if s := t.sum; s != nil {
		// Between tasks (NO MORE HOSTS LEFT) the task's summary comes
		// first; within one it goes on after the warning.
		if s.commit(); s.done >= s.hosts {
			t.flush()
		}
	}
	t.clearLive()
	fmt.Fprintln(t.W, t.paint(purple, "[WARNING]: "+msg))
}

// Retrying implements Reporter.
func (t *Text) Retrying(host, task string, left int) {
	if t.sum != nil {
		t.sum.retried++ // thousands of hosts waiting: counted, not listed
		return
	}
	fmt.Fprintln(t.W, t.paint(red, fmt.Sprintf("FAILED - RETRYING: [%s]: %s (%d retries left).", host, task, left)))
}

// Recap implements Reporter. Past Summary hosts it lists the hosts that
// failed or were unreachable, then one line of totals for those that
// changed something and one for the others.
func (t *Text) Recap(stats []*HostStats, elapsed time.Duration) {
	t.flush()
	fmt.Fprintf(t.W, "\n%s\n", banner("PLAY RECAP"))
	if t.Summary > 0 && len(stats) > t.Summary && t.Verbosity == 0 {
		changed, unchanged := &HostStats{}, &HostStats{}
		var nChanged, nUnchanged int
		for _, s := range stats {
			switch {
			case s.Failed > 0 || s.Unreachable > 0:
				t.recapLine(s.Host, s)
			case s.Changed > 0:
				changed.add(s)
				nChanged++
			default:
				unchanged.add(s)
				nUnchanged++
			}
		}
		if nChanged > 0 {
			t.recapLine(plural(nChanged, "host")+" changed", changed)
		}
		if nUnchanged > 0 {
			t.recapLine(plural(nUnchanged, "host")+" unchanged", unchanged)
		}
	} else {
		for _, s := range stats {
			t.recapLine(s.Host, s)
		}
	}
	if t.Timing {
		fmt.Fprintf(t.W, "\nelapsed: %s\n", elapsed.Round(time.Millisecond))
	}
}

func (t *Text) recapLine(name string, s *HostStats) {
	color := green
	switch {
	case s.Failed > 0 || s.Unreachable > 0:
		color = red
	case s.Changed > 0:
		color = yellow
	}
	fmt.Fprintf(t.W, "%s : %s %s %s %s %s %s %s\n", t.paint(color, fmt.Sprintf("%-26s", name)),
		t.count("ok", s.OK, green), t.count("changed", s.Changed, yellow),
		t.count("unreachable", s.Unreachable, red), t.count("failed", s.Failed, red),
		t.count("skipped", s.Skipped, cyan), t.count("rescued", s.Rescued, green),
		t.count("ignored", s.Ignored, purple))
}

func (t *Text) count(name string, n int, color string) string {
	s := fmt.Sprintf("%s=%d", name, n)
	pad := strings.Repeat(" ", max(0, len(name)+5-len(s)))
	if n > 0 {
		s = t.paint(color, s)
	}
	return s + pad
}

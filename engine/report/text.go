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
	// Timing adds the elapsed time under the recap (off for golden tests).
	Timing bool
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
func (t *Text) PlayStart(name string, check bool) {
	title := "PLAY [" + name + "]"
	if check {
		title = "PLAY [" + name + "] (check mode)"
	}
	fmt.Fprintf(t.W, "\n%s\n", banner(title))
}

// TaskStart implements Reporter.
func (t *Text) TaskStart(name string, kind TaskKind) {
	word := "TASK"
	if kind == KindHandler {
		word = "RUNNING HANDLER"
	}
	fmt.Fprintf(t.W, "\n%s\n", banner(word+" ["+name+"]"))
}

// Result implements Reporter.
func (t *Text) Result(r *HostResult) {
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
	fmt.Fprintln(t.W, t.paint(purple, "[WARNING]: "+msg))
}

// Retrying implements Reporter.
func (t *Text) Retrying(host, task string, left int) {
	fmt.Fprintln(t.W, t.paint(red, fmt.Sprintf("FAILED - RETRYING: [%s]: %s (%d retries left).", host, task, left)))
}

// Recap implements Reporter.
func (t *Text) Recap(stats []*HostStats, elapsed time.Duration) {
	fmt.Fprintf(t.W, "\n%s\n", banner("PLAY RECAP"))
	for _, s := range stats {
		color := green
		switch {
		case s.Failed > 0 || s.Unreachable > 0:
			color = red
		case s.Changed > 0:
			color = yellow
		}
		name := fmt.Sprintf("%-26s", s.Host)
		fmt.Fprintf(t.W, "%s : %s %s %s %s %s %s %s\n", t.paint(color, name),
			t.count("ok", s.OK, green), t.count("changed", s.Changed, yellow),
			t.count("unreachable", s.Unreachable, red), t.count("failed", s.Failed, red),
			t.count("skipped", s.Skipped, cyan), t.count("rescued", s.Rescued, green),
			t.count("ignored", s.Ignored, purple))
	}
	if t.Timing {
		fmt.Fprintf(t.W, "\nelapsed: %s\n", elapsed.Round(time.Millisecond))
	}
}

func (t *Text) count(name string, n int, color string) string {
	s := fmt.Sprintf("%s=%d", name, n)
	pad := strings.Repeat(" ", max(0, len(name)+5-len(s)))
	if n > 0 {
		s = t.paint(color, s)
	}
	return s + pad
}

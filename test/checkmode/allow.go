package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Allowed is a known, documented difference between --check and the real
// run: every mismatch of the task (or handler) named Task in the play
// named Play, on any host, item or occurrence. Some tasks differ by
// design, a command whose changed_when reads output that --check never
// produces, a task with check_mode: false that changes for real under
// --check and finds nothing left to do after; each says why in Reason.
type Allowed struct {
	Play, Task, Reason string
}

// ReadAllow reads an allow list: one PLAY<TAB>TASK<TAB>REASON a line;
// blank lines and lines starting with # are comments. Names match
// exactly, no patterns: an entry excuses one task, where everyone can see
// it.
func ReadAllow(file string, r io.Reader) ([]*Allowed, error) {
	var list []*Allowed
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		f := strings.SplitN(text, "\t", 3)
		if len(f) != 3 || f[0] == "" || f[1] == "" || strings.TrimSpace(f[2]) == "" {
			return nil, fmt.Errorf("%s:%d: want PLAY<TAB>TASK<TAB>REASON, each non-empty", file, line)
		}
		list = append(list, &Allowed{Play: f[0], Task: f[1], Reason: strings.TrimSpace(f[2])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return list, nil
}

// allowFor is the entry that excuses a mismatch of t, or nil.
func allowFor(list []*Allowed, t Task) *Allowed {
	for _, a := range list {
		if a.Play == t.Play && a.Task == t.Name {
			return a
		}
	}
	return nil
}

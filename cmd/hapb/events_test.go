package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// TestEvents runs a playbook on the implicit localhost with --events: the
// file gets the JSON events, with times, beside the output asked for, and
// replaces what was there, readable by its owner only.
func TestEvents(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yml")
	if err := os.WriteFile(pb, []byte(`- hosts: localhost
  gather_facts: false
  tasks:
    - name: say hi
      debug:
        msg: hi
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		existing bool   // the file exists already, mode 0644, with other content
		stdout   string // in what the command prints
		err      string // in the error; "": none
	}{
		{name: "text on stdout", stdout: "TASK [say hi]"},
		{name: "json on stdout too", args: []string{"--output", "json"}, stdout: `"event":"task"`},
		{name: "truncates an existing file", existing: true, stdout: "PLAY RECAP"},
		{name: "no such directory", args: []string{"--events", filepath.Join(dir, "missing", "e.jsonl")},
			err: "--events: open " + filepath.Join(dir, "missing", "e.jsonl")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := filepath.Join(dir, "events"+string(rune('a'+i))+".jsonl")
			if tt.existing {
				if err := os.WriteFile(events, []byte(strings.Repeat("old\n", 1000)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"hapb", "run", pb, "--no-color", "--events", events}, tt.args...)
			var out bytes.Buffer
			app := newApp()
			app.Writer, app.ErrWriter = &out, &out
			err := app.Run(interspersed(args, app.Commands))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				if ec, ok := err.(cli.ExitCoder); !ok || ec.ExitCode() != 1 {
					t.Errorf("error %v, want exit code 1", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Errorf("output lacks %q:\n%s", tt.stdout, out.String())
			}
			st, err := os.Stat(events)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("events file mode %v, want 0600", st.Mode().Perm())
			}
			b, _ := os.ReadFile(events)
			var kinds []string
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var ev map[string]any
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Fatalf("events line %q: %v", l, err)
				}
				if _, err := time.Parse(time.RFC3339Nano, ev["ts"].(string)); err != nil {
					t.Errorf("events line %q: ts: %v", l, err)
				}
				kinds = append(kinds, ev["event"].(string))
			}
			if got, want := strings.Join(kinds, " "), "play task result recap"; got != want {
				t.Errorf("events %s, want %s", got, want)
			}
		})
	}
}

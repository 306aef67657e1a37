package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*/report.golden")

// The printed report, end to end: testdata/synthetic has every kind of
// difference in a site.yml-like run; testdata/recorded is hapb's own
// output (recorded from testdata/recorded/playbook.yml), which must compare
// clean with its allow list.
func TestGolden(t *testing.T) {
	for _, dir := range []string{"synthetic", "recorded"} {
		t.Run(dir, func(t *testing.T) {
			d := filepath.Join("testdata", dir)
			var out, errs strings.Builder
			code := run([]string{"-allow", filepath.Join(d, "allow.tsv"), filepath.Join(d, "check.jsonl"), filepath.Join(d, "real.jsonl")}, &out, &errs)
			got := fmt.Sprintf("%s\nexit: %d\n", out.String(), code)
			golden := filepath.Join(d, "report.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			if errs.Len() > 0 {
				t.Errorf("stderr: %s", errs.String())
			}
		})
	}
}

// Exit codes: 0 the runs agree, 1 a mismatch, 2 input it cannot use.
func TestExit(t *testing.T) {
	syn := func(f string) string { return filepath.Join("testdata", "synthetic", f) }
	rec := func(f string) string { return filepath.Join("testdata", "recorded", f) }
	bad := filepath.Join(t.TempDir(), "bad.tsv")
	os.WriteFile(bad, []byte("prepare\tprobe\n"), 0o644)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"agree", []string{"-allow", rec("allow.tsv"), rec("check.jsonl"), rec("real.jsonl")}, 0, ""},
		{"the allow flag after the files", []string{rec("check.jsonl"), rec("real.jsonl"), "-allow", rec("allow.tsv")}, 0, ""},
		{"a mismatch", []string{rec("check.jsonl"), rec("real.jsonl")}, 1, ""},
		{"a run against itself", []string{syn("check.jsonl"), syn("check.jsonl")}, 2, "a --check run, not the real one"},
		{"swapped", []string{syn("real.jsonl"), syn("check.jsonl")}, 2, "not a --check run"},
		{"a missing file", []string{syn("check.jsonl"), syn("none.jsonl")}, 2, "no such file"},
		{"not a stream", []string{syn("check.jsonl"), syn("allow.tsv")}, 2, "allow.tsv:1: not a JSON event"},
		{"a bad allow list", []string{"-allow", bad, syn("check.jsonl"), syn("real.jsonl")}, 2, "bad.tsv:1: want PLAY<TAB>TASK<TAB>REASON"},
		{"one file", []string{syn("check.jsonl")}, 2, "usage: checkmode"},
		{"an unknown flag", []string{"-x", syn("check.jsonl"), syn("real.jsonl")}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errs strings.Builder
			if code := run(c.args, &out, &errs); code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, errs.String())
			}
			if !strings.Contains(errs.String(), c.stderr) {
				t.Errorf("stderr %q, want %q in it", errs.String(), c.stderr)
			}
		})
	}
}

package test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// hapbBin is built once for the whole suite.
var hapbBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "hapb-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hapbBin = filepath.Join(dir, "hapb")
	build := exec.Command("go", "build", "-o", hapbBin, "../cmd/hapb")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hapb:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Volatile parts of the output: timings and temporary paths.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?m)^elapsed: .*\n`), ""},
	{regexp.MustCompile(`"(start|end|delta)": ?"[^"]*"`), `"$1":"X"`},
	{regexp.MustCompile(`"elapsed_ms":[0-9]+`), `"elapsed_ms":0`},
	{regexp.MustCompile(`"ts":"[^"]*"`), `"ts":"X"`},
	{regexp.MustCompile(`/tmp/hapb-case-[0-9]+`), "$TMP"},
}

// TestPlaybooks runs every case under playbooks/. A case is a folder with
// playbook.yml, optionally an `inventory` (default: hosts h1, h2 and h3 on
// the local connection), an `args` file with extra command-line arguments,
// and golden.txt holding the expected output and exit code. Cases run in a
// fresh temporary directory, exported as $TMP for the playbook.
func TestPlaybooks(t *testing.T) {
	cases, err := filepath.Glob("playbooks/*/playbook.yml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no playbook cases: %v", err)
	}
	for _, pb := range cases {
		dir := filepath.Dir(pb)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			runCase(t, dir)
		})
	}
}

func runCase(t *testing.T, dir string) {
	tmp, err := os.MkdirTemp("", "hapb-case-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	args := []string{"run", filepath.Join(dir, "playbook.yml"), "--no-color", "-e", "tmp=" + tmp}
	if inv := filepath.Join(dir, "inventory"); exists(inv) {
		args = append(args, "-i", inv)
	} else {
		args = append(args, "-i", "playbooks/local.ini")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "args")); err == nil {
		args = append(args, strings.Fields(strings.ReplaceAll(string(b), "$TMP", tmp))...)
	}
	cmd := exec.Command(hapbBin, args...)
	cmd.Env = append(os.Environ(), "TMP="+tmp, "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(out.String(), tmp, "$TMP")
	for _, v := range volatile {
		got = v.re.ReplaceAllString(got, v.with)
	}
	got = fmt.Sprintf("%s\nexit: %d\n", got, code)
	golden := filepath.Join(dir, "golden.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)\noutput:\n%s", err, got)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (rerun with -update if intended):\n%s", golden, lineDiff(string(want), got))
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// lineDiff shows the first differing lines, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q\n\nfull output:\n%s", i+1, wl, gl, got)
		}
	}
	return ""
}

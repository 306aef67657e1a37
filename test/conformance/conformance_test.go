// Package conformance runs each scenario under cases/ twice, once through
// ansible-playbook (ansible-core 2.14, the local connection) and once through
// hapb, and compares what a user relies on: which tasks ran on which host with
// which status, the messages of debug tasks (how the cases show registered
// values and variables), the recap counts and the exit code.
//
// A case is a folder holding the scenario in hapb's dialect (hapb.yml: Go
// templates and expr conditions) and in Ansible's (ansible.yml: Jinja), or one
// playbook.yml when the scenario has no template or condition; an optional
// `inventory` (default inventory.ini: h1 h2 h3 on the local connection); and
// an optional case.yml:
//
//	about: what the case checks
//	args: [--check, --diff]         # given to both
//	differences:                    # by design; each must be seen, or the case fails
//	  - ansible: "  h1 failed msg=…"  # a line (or lines) of Ansible's trace…
//	    hapb: "  h1 failed msg=…"     # …and hapb's in its place ("" on either
//	                                  # side: lines only the other shows)
//	    why: the reason
//	per_host: true            # strategy free: hosts interleave, so compare
//	                          # each host's own sequence of results
//	refused: what hapb says   # hapb refuses the scenario at load (exit 1,
//	                          # its message holds this); Ansible runs it
//
// Without ansible-playbook the suite skips, except under CI=true, where it
// fails: a skipped conformance suite proves nothing.
package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var (
	hapbBin  string
	ansible  string
	keepRuns = flag.Bool("keep", false, "print both traces of every case, also when they agree")
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "hapb-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// HAPB_BIN runs a binary built already (make builds bin/hapb).
	if hapbBin = os.Getenv("HAPB_BIN"); hapbBin == "" {
		hapbBin = filepath.Join(dir, "hapb")
		build := exec.Command("go", "build", "-o", hapbBin, "../../cmd/hapb")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building hapb:", err)
			os.Exit(1)
		}
	}
	ansible, _ = exec.LookPath("ansible-playbook")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// caseSpec is case.yml.
type caseSpec struct {
	About       string       `yaml:"about"`
	Args        []string     `yaml:"args"`
	Differences []difference `yaml:"differences"`
	Refused     string       `yaml:"refused"`
	PerHost     bool         `yaml:"per_host"`
}

type difference struct {
	Ansible string `yaml:"ansible"`
	Hapb    string `yaml:"hapb"`
	Why     string `yaml:"why"`
}

func TestConformance(t *testing.T) {
	if ansible == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-playbook is not installed (test/install-deps installs it): the conformance suite cannot run, and under CI a skip is a failure")
		}
		t.Skip("ansible-playbook is not installed (test/install-deps installs it): conformance suite skipped")
	}
	dirs, err := filepath.Glob("cases/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			runCase(t, dir)
		})
	}
}

func runCase(t *testing.T, dir string) {
	var spec caseSpec
	if b, err := os.ReadFile(filepath.Join(dir, "case.yml")); err == nil {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&spec); err != nil {
			t.Fatalf("%s/case.yml: %v", dir, err)
		}
	}
	hapbPB, ansiblePB := filepath.Join(dir, "hapb.yml"), filepath.Join(dir, "ansible.yml")
	if shared := filepath.Join(dir, "playbook.yml"); exists(shared) {
		hapbPB, ansiblePB = shared, shared
	}
	inv := filepath.Join(dir, "inventory")
	if !exists(inv) {
		inv = "inventory.ini"
	}
	a := run(t, ansible, ansiblePB, inv, spec.Args, true, spec.PerHost)
	h := run(t, hapbBin, hapbPB, inv, spec.Args, false, spec.PerHost)
	if spec.Refused != "" {
		// A refusal: hapb loads nothing and says what to write instead,
		// where Ansible runs the scenario (its trace shows it did).
		if h.trace != "\nEXIT 1\n" || !strings.Contains(h.stderr, spec.Refused) {
			t.Errorf("hapb did not refuse with %q:\n%s\n%s", spec.Refused, h.trace, h.stderr)
		}
		if !strings.Contains(a.trace, "\nPLAY ") {
			t.Errorf("ansible-playbook ran no play, so this is no refusal of something Ansible does:\n%s\n%s", a.trace, a.stderr)
		}
		return
	}
	for _, d := range spec.Differences {
		if d.Why == "" || d.Hapb == d.Ansible {
			t.Errorf("%s/case.yml: a declared difference needs a why and two different lines", dir)
		}
		if d.Ansible == "" { // lines only hapb's trace has
			if !strings.Contains(h.trace, "\n"+d.Hapb+"\n") {
				t.Errorf("declared difference not seen in hapb's trace: %q", d.Hapb)
			}
			h.trace = strings.Replace(h.trace, "\n"+d.Hapb+"\n", "\n", 1)
			continue
		}
		if d.Hapb == "" { // lines only Ansible's trace has
			if !strings.Contains(a.trace, "\n"+d.Ansible+"\n") {
				t.Errorf("declared difference not seen in ansible-playbook's trace: %q", d.Ansible)
			}
			a.trace = strings.Replace(a.trace, "\n"+d.Ansible+"\n", "\n", 1)
			continue
		}
		if !strings.Contains(h.trace, "\n"+d.Hapb+"\n") {
			t.Errorf("declared difference not seen in hapb's trace: %q", d.Hapb)
		}
		h.trace = strings.Replace(h.trace, "\n"+d.Hapb+"\n", "\n"+d.Ansible+"\n", 1)
	}
	if a.trace != h.trace {
		t.Errorf("hapb differs from ansible-playbook (- ansible, + hapb):\n%s\nansible stderr:\n%s\nhapb stderr:\n%s",
			diff(a.trace, h.trace), a.stderr, h.stderr)
	} else if *keepRuns {
		t.Logf("trace:\n%s", a.trace)
	}
}

type outcome struct{ trace, stderr string }

// run runs one of the two tools on the case and returns its normalised trace.
func run(t *testing.T, bin, pb, inv string, extra []string, isAnsible, perHost bool) outcome {
	tmp := t.TempDir()
	args := []string{"-i", inv, pb, "-e", "tmp=" + tmp}
	env := append(os.Environ(), "TMP="+tmp, "NO_COLOR=1")
	if isAnsible {
		cb, _ := filepath.Abs("callback")
		env = append(env,
			"ANSIBLE_CALLBACK_PLUGINS="+cb, "ANSIBLE_STDOUT_CALLBACK=hapb_trace",
			"ANSIBLE_PYTHON_INTERPRETER=auto_silent", "ANSIBLE_RETRY_FILES_ENABLED=false",
			"ANSIBLE_LOCAL_TEMP="+tmp, "ANSIBLE_HOME="+tmp, "ANSIBLE_NOCOLOR=1",
			"ANSIBLE_DEPRECATION_WARNINGS=false", "ANSIBLE_LOCALHOST_WARNING=false")
	} else {
		args = append([]string{"run", "--output", "json", "--no-color"}, args...)
	}
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	tr, perr := trace(stdout.Bytes(), code, perHost)
	if perr != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", bin, perr, stdout.String(), stderr.String())
	}
	// Paths as the cases name them, wherever the checkout is.
	wd, _ := os.Getwd()
	tr = strings.ReplaceAll(strings.ReplaceAll(tr, tmp, "$TMP"), wd+"/", "")
	return outcome{tr, strings.ReplaceAll(stderr.String(), tmp, "$TMP")}
}

type event struct {
	Event    string                    `json:"event"`
	Name     string                    `json:"name"`
	Host     string                    `json:"host"`
	Status   string                    `json:"status"`
	Item     any                       `json:"item"`
	Msg      any                       `json:"msg"`
	Ignored  bool                      `json:"ignored"`
	Censored bool                      `json:"censored"`
	Delegate string                    `json:"delegate"`
	Task     string                    `json:"task"`
	Hosts    map[string]map[string]int `json:"hosts"`
}

// trace turns a run's JSON lines into the text the suite compares: one line a
// play (a serial batch repeats no play line), a task or handler, each host's
// result (sorted by host: Ansible writes them as they finish), the recap and
// the exit code. A skipped result carries no message (the two tools word the
// reason differently); every other message is compared, as text. perHost
// writes, instead of tasks, each host's own sequence of tasks and results,
// for strategy free, where hosts interleave as they go.
func trace(out []byte, code int, perHost bool) (string, error) {
	var b strings.Builder
	b.WriteString("\n")
	var block []string // the current task's result lines
	flush := func() {
		sort.SliceStable(block, func(i, j int) bool { return hostOf(block[i]) < hostOf(block[j]) })
		for _, l := range block {
			b.WriteString(l + "\n")
		}
		block = nil
	}
	lastPlay, header := "", ""
	var hostLines []string // perHost: "host: TASK name: status…"
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 || line[0] != '{' {
			continue
		}
		var ev event
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber() // numbers as written: 1.0 is not 1
		if err := dec.Decode(&ev); err != nil {
			return "", fmt.Errorf("a line that is not an event: %q: %v", line, err)
		}
		switch ev.Event {
		case "play":
			flush()
			if ev.Name != lastPlay {
				fmt.Fprintf(&b, "PLAY %s\n", ev.Name)
			}
			lastPlay = ev.Name
		case "task", "handler":
			flush()
			header = strings.ToUpper(ev.Event) + " " + ev.Name
			if !perHost {
				b.WriteString(header + "\n")
			}
		case "result":
			l := fmt.Sprintf("  %s %s", ev.Host, ev.Status)
			if ev.Delegate != "" {
				l += " -> " + ev.Delegate
			}
			if ev.Item != nil {
				l += " item=" + text(ev.Item)
			}
			if ev.Ignored {
				l += " ignored"
			}
			if ev.Censored {
				l += " censored"
			}
			if m := text(ev.Msg); m != "" && ev.Status != "skipped" {
				l += " msg=" + m
			}
			if perHost {
				// The task's name (a handler's too): Ansible's results name
				// it, hapb shows its header right before the result.
				task := strings.SplitN(header, " ", 2)[len(strings.SplitN(header, " ", 2))-1]
				if ev.Task != "" {
					task = ev.Task
				}
				hostLines = append(hostLines, ev.Host+": "+task+":"+strings.TrimPrefix(l, "  "+ev.Host))
				continue
			}
			block = append(block, l)
		case "recap":
			flush()
			sort.SliceStable(hostLines, func(i, j int) bool {
				return strings.SplitN(hostLines[i], ":", 2)[0] < strings.SplitN(hostLines[j], ":", 2)[0]
			})
			for _, l := range hostLines {
				b.WriteString(l + "\n")
			}
			hostLines = nil
			hosts := make([]string, 0, len(ev.Hosts))
			for h := range ev.Hosts {
				hosts = append(hosts, h)
			}
			sort.Strings(hosts)
			for _, h := range hosts {
				s := ev.Hosts[h]
				fmt.Fprintf(&b, "RECAP %s ok=%d changed=%d unreachable=%d failed=%d skipped=%d rescued=%d ignored=%d\n",
					h, s["ok"], s["changed"], s["unreachable"], s["failed"], s["skipped"], s["rescued"], s["ignored"])
			}
		}
	}
	flush()
	fmt.Fprintf(&b, "EXIT %d\n", code)
	return b.String(), sc.Err()
}

func hostOf(l string) string { return strings.Fields(l)[0] }

// text is a message or item as one line: strings as they are, anything else
// as compact JSON with sorted keys, so 1 and "1" agree (Ansible's debug gives
// the native value where hapb's msg is text).
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.ReplaceAll(v, "\n", `\n`)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// diff marks the lines of each trace the other lacks, in order (the traces
// are short; a longest common subsequence is enough).
func diff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			out.WriteString("  " + x[i] + "\n")
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + y[j] + "\n")
			j++
		default:
			out.WriteString("- " + x[i] + "\n")
			i++
		}
	}
	return out.String()
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

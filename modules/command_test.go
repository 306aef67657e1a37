package modules

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hapb/hapb/engine/conn/conntest"
)

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"echo hi", []string{"echo", "hi"}},
		{"  a   b  ", []string{"a", "b"}},
		{`kubeadm init --config '/etc/k 8s.yaml'`, []string{"kubeadm", "init", "--config", "/etc/k 8s.yaml"}},
		{`echo "a \"b\" $HOME \x"`, []string{"echo", `a "b" $HOME \x`}},
		{`a\ b c\\d`, []string{"a b", `c\d`}},
		{`x''y ""`, []string{"xy", ""}},
		{"echo $(id) | cat", []string{"echo", "$(id)", "|", "cat"}},
	}
	for _, tt := range tests {
		got, err := splitCommandLine(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`'open`, `"open`} {
		if _, err := splitCommandLine(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCommandLocal(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		module  string
		args    map[string]any
		changed bool
		failed  bool
		rc      int
		stdout  string
	}{
		{"command", map[string]any{"cmd": "echo 'a  b' $HOME"}, true, false, 0, "a  b $HOME"},
		{"command", map[string]any{"argv": []any{"printf", "%s|", "x y", "z"}}, true, false, 0, "x y|z|"},
		{"command", map[string]any{"cmd": "cat", "stdin": "in"}, true, false, 0, "in"},
		{"command", map[string]any{"cmd": "pwd", "chdir": dir}, true, false, 0, dir},
		{"command", map[string]any{"cmd": "false"}, true, true, 1, ""},
		{"shell", map[string]any{"cmd": "echo one; echo two >&2; exit 3"}, true, true, 3, "one"},
		{"shell", map[string]any{"cmd": "echo $0", "executable": "/bin/bash"}, true, false, 0, "/bin/bash"},
		{"shell", map[string]any{"cmd": "touch made", "chdir": dir, "creates": "made"}, true, false, 0, ""},
		{"shell", map[string]any{"cmd": "exit 1", "chdir": dir, "creates": "ma*"}, false, false, 0, "skipped, since ma* exists"},
		{"shell", map[string]any{"cmd": "exit 1", "removes": dir + "/nothing here"}, false, false, 0, "skipped, since " + dir + "/nothing here does not exist"},
		{"command", map[string]any{"cmd": "rm made", "chdir": dir, "removes": "made"}, true, false, 0, ""},
	}
	for _, tt := range tests {
		r := mustPlanApply(t, tt.module, localTask(false, false), tt.args)
		if r.Changed != tt.changed || r.Failed != tt.failed || r.Data["rc"] != tt.rc || r.Data["stdout"] != tt.stdout {
			t.Errorf("%s %v: changed=%v failed=%v rc=%v stdout=%q msg=%q", tt.module, tt.args, r.Changed, r.Failed, r.Data["rc"], r.Data["stdout"], r.Msg)
		}
		for _, k := range []string{"cmd", "rc", "stdout", "stderr", "stdout_lines", "stderr_lines", "start", "end", "delta"} {
			if _, ok := r.Data[k]; !ok {
				t.Errorf("%s %v: no %s in result", tt.module, tt.args, k)
			}
		}
	}
	r := mustPlanApply(t, "shell", localTask(false, false), map[string]any{"cmd": "echo one; echo two >&2; exit 3"})
	if r.Msg != "non-zero return code" || !reflect.DeepEqual(r.Data["stderr_lines"], []string{"two"}) {
		t.Errorf("failure result: %q %v", r.Msg, r.Data)
	}
}

// In check mode the command does not run, but the registered result has
// every field a later task reads.
func TestCommandCheckMode(t *testing.T) {
	dir := t.TempDir()
	task := localTask(true, false)
	r := mustPlanApply(t, "shell", task, map[string]any{"cmd": "touch " + dir + "/x"})
	if _, err := os.Stat(dir + "/x"); err == nil {
		t.Fatal("check mode ran the command")
	}
	if !r.Changed || r.Data["rc"] != 0 || r.Data["stdout"] != "" || !strings.HasPrefix(r.Msg, "would run: touch") {
		t.Errorf("check result %+v", r)
	}
	f := conntest.New()
	r = mustPlanApply(t, "command", &Task{Conn: f, Check: true}, map[string]any{"cmd": "kubeadm init", "creates": "/etc/kubernetes/admin.conf"})
	if !r.Changed || len(f.Log) != 1 || !strings.Contains(f.Log[0], "/etc/kubernetes/admin.conf") {
		t.Errorf("changed=%v log:\n%s", r.Changed, f)
	}
}

func TestCommandFake(t *testing.T) {
	f := conntest.New().On("kubeadm", 0, "ok\n")
	r := mustPlanApply(t, "command", &Task{Conn: f}, map[string]any{"argv": []any{"kubeadm", "token", "create", "it's"}})
	if len(f.Log) != 1 || f.Log[0] != `kubeadm token create 'it'\''s'` || r.Data["stdout"] != "ok" {
		t.Errorf("log:\n%s\nresult %v", f, r.Data)
	}
	f = conntest.New().On("hapb-guard", 0, "creates\n")
	r = mustPlanApply(t, "command", &Task{Conn: f}, map[string]any{"cmd": "kubeadm init", "creates": "/etc/kubernetes/admin.conf"})
	if r.Changed || f.Ran("kubeadm init") {
		t.Errorf("ran although creates exists:\n%s", f)
	}
	for _, args := range []map[string]any{{}, {"cmd": "a", "argv": []any{"b"}}, {"cmd": "'x"}} {
		if _, err := planApply(t, "command", &Task{Conn: conntest.New()}, args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestCommandGuardMissingChdir(t *testing.T) {
	r := mustPlanApply(t, "command", localTask(true, false), map[string]any{"cmd": "make", "chdir": "/nonexistent/dir", "creates": "out"})
	if !r.Changed || r.Failed {
		t.Errorf("check mode with a missing chdir: %+v", r)
	}
}

// A command killed by its timeout must not register rc 0.
func TestCommandTimeoutRC(t *testing.T) {
	for _, module := range []string{"command", "shell"} {
		task := localTask(false, false)
		task.Timeout = 200 * time.Millisecond
		r, err := planApply(t, module, task, map[string]any{"cmd": "sleep 5"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: got %v, want a timeout", module, err)
		}
		if r.Data["rc"] != -1 {
			t.Errorf("%s: rc %v, want -1", module, r.Data["rc"])
		}
	}
}

package modules

import (
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/modules/remote"
)

// fakeFS answers probes from the Fake's Files, so a plan after an apply
// sees what the apply uploaded. Every file is a root-owned regular file in
// an existing directory.
func fakeFS(f *conntest.Fake) *conntest.Fake {
	return f.OnFunc(remote.ProbeName, func(cmd *conn.Cmd) (*conn.Result, error) {
		p, o, _ := remote.ParseProbeArgs(cmd.Args)
		info := &remote.PathInfo{Path: p, ParentDir: true}
		if b, ok := f.Files[p]; ok {
			info = &remote.PathInfo{Path: p, ParentDir: true, Exists: true, Type: "file", Mode: uint32(f.Modes[p].Perm()),
				Owner: "root", Group: "root", Size: int64(len(b)), MTime: 1700000000, Readable: true, Writable: true,
				SHA256: sha256Hex(b), Content: b, HasContent: true}
		}
		return &conn.Result{Stdout: remote.FormatProbe(info, o)}, nil
	})
}

func TestContentModulesFake(t *testing.T) {
	tests := []struct {
		module string
		args   map[string]any
		want   string
	}{
		{"copy", map[string]any{"content": "x\n", "dest": "/etc/x"}, "x\n"},
		{"lineinfile", map[string]any{"path": "/etc/x", "line": "y", "create": true}, "y\n"},
		{"blockinfile", map[string]any{"path": "/etc/x", "block": "b", "create": true}, "# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n"},
	}
	for _, tt := range tests {
		f := fakeFS(conntest.New())
		task := &Task{Conn: f, Become: conn.Become{User: "root"}, Check: true, Diff: true}
		r := mustPlanApply(t, tt.module, task, tt.args)
		if !r.Changed || len(f.Files) != 0 || len(r.Diffs) != 1 || r.Diffs[0].After != tt.want {
			t.Errorf("%s check: changed=%v files=%v diffs=%+v", tt.module, r.Changed, f.Files, r.Diffs)
		}
		task.Check = false
		mustPlanApply(t, tt.module, task, tt.args)
		if got := string(f.Files["/etc/x"]); got != tt.want {
			t.Errorf("%s wrote %q", tt.module, got)
		}
		n := len(f.Log)
		if r := mustPlanApply(t, tt.module, task, tt.args); r.Changed || len(f.Log) != n+1 {
			t.Errorf("%s again: changed=%v, %d calls:\n%s", tt.module, r.Changed, len(f.Log)-n, f)
		}
		for _, l := range f.Log {
			if !strings.HasPrefix(l, "[as root] ") && !strings.HasPrefix(l, "upload ") {
				t.Errorf("%s: %q runs without become", tt.module, l)
			}
		}
	}
}

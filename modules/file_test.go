package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/modules/remote"
)

// fileLocalCases are file tasks run on this machine.
var fileLocalCases = []struct {
	name  string
	setup func(dir string)
	args  func(dir string) map[string]any
	check func(t *testing.T, dir string)
}{
	{
		name: "directory with parents and mode",
		args: func(d string) map[string]any {
			return map[string]any{"path": d + "/a/b", "state": "directory", "mode": "0750"}
		},
		check: func(t *testing.T, d string) {
			for _, p := range []string{d + "/a", d + "/a/b"} {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o750 || !fi.IsDir() {
					t.Errorf("%s: %v %v", p, fi, err)
				}
			}
		},
	},
	{
		name:  "file mode octal int",
		setup: func(d string) { os.WriteFile(d+"/f", []byte("x"), 0o600) },
		args:  func(d string) map[string]any { return map[string]any{"path": d + "/f", "mode": 0o644} },
		check: func(t *testing.T, d string) { wantMode(t, d+"/f", 0o644) },
	},
	{
		name:  "file mode symbolic",
		setup: func(d string) { os.WriteFile(d+"/f", []byte("x"), 0o600) },
		args:  func(d string) map[string]any { return map[string]any{"path": d + "/f", "mode": "g+r,o=r"} },
		check: func(t *testing.T, d string) { wantMode(t, d+"/f", 0o644) },
	},
	{
		name:  "owner by id",
		setup: func(d string) { os.WriteFile(d+"/f", []byte("x"), 0o600) },
		args: func(d string) map[string]any {
			return map[string]any{"path": d + "/f", "owner": "65534", "group": "65534"}
		},
		check: func(t *testing.T, d string) {
			fi, _ := os.Stat(d + "/f")
			if s := fileOwnerIDs(fi); s != "65534:65534" {
				t.Errorf("owner %s", s)
			}
		},
	},
	{
		name:  "symlink",
		setup: func(d string) { os.WriteFile(d+"/target", []byte("x"), 0o644) },
		args: func(d string) map[string]any {
			return map[string]any{"path": d + "/l", "src": "target", "state": "link"}
		},
		check: func(t *testing.T, d string) {
			if got, _ := os.Readlink(d + "/l"); got != "target" {
				t.Errorf("link -> %q", got)
			}
		},
	},
	{
		name: "retarget symlink",
		setup: func(d string) {
			os.WriteFile(d+"/target", []byte("x"), 0o644)
			os.Symlink("old", d+"/l")
		},
		args: func(d string) map[string]any {
			return map[string]any{"path": d + "/l", "src": d + "/target", "state": "link"}
		},
		check: func(t *testing.T, d string) {
			if got, _ := os.Readlink(d + "/l"); got != d+"/target" {
				t.Errorf("link -> %q", got)
			}
		},
	},
	{
		name:  "hard link",
		setup: func(d string) { os.WriteFile(d+"/target", []byte("x"), 0o644) },
		args: func(d string) map[string]any {
			return map[string]any{"path": d + "/h", "src": d + "/target", "state": "hard"}
		},
		check: func(t *testing.T, d string) {
			a, _ := os.Stat(d + "/h")
			b, _ := os.Stat(d + "/target")
			if !os.SameFile(a, b) {
				t.Error("not the same file")
			}
		},
	},
	{
		name: "touch new file",
		args: func(d string) map[string]any {
			return map[string]any{"path": d + "/t", "state": "touch", "mode": "0600",
				"modification_time": "preserve", "access_time": "preserve"}
		},
		check: func(t *testing.T, d string) { wantMode(t, d+"/t", 0o600) },
	},
	{
		name: "absent tree",
		setup: func(d string) {
			os.MkdirAll(d+"/x/y", 0o755)
			os.WriteFile(d+"/x/y/f", nil, 0o644)
		},
		args: func(d string) map[string]any { return map[string]any{"path": d + "/x", "state": "absent"} },
		check: func(t *testing.T, d string) {
			if _, err := os.Lstat(d + "/x"); !os.IsNotExist(err) {
				t.Errorf("still there: %v", err)
			}
		},
	},
	{
		name: "recurse",
		setup: func(d string) {
			os.MkdirAll(d+"/r/s", 0o700)
			os.WriteFile(d+"/r/s/f", nil, 0o600)
		},
		args: func(d string) map[string]any {
			return map[string]any{"path": d + "/r", "state": "directory", "recurse": true, "mode": "u=rwX,g=rX,o=rX"}
		},
		check: func(t *testing.T, d string) {
			wantMode(t, d+"/r/s", 0o755)
			wantMode(t, d+"/r/s/f", 0o644)
		},
	},
}

func TestFileLocal(t *testing.T) {
	for _, tt := range fileLocalCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(dir)
			}
			checkIdempotent(t, "file", dir, tt.args(dir))
			tt.check(t, dir)
		})
	}
}

func wantMode(t *testing.T, p string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
	}
}

func TestFileLocalErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/f", nil, 0o644)
	os.Mkdir(dir+"/d", 0o755)
	tests := []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"path": dir + "/missing", "state": "file"}, "is absent"},
		{map[string]any{"path": dir + "/d", "state": "file"}, "is a directory"},
		{map[string]any{"path": dir + "/f", "state": "directory"}, "already exists as a file"},
		{map[string]any{"path": dir + "/f", "state": "link", "src": "d"}, "refusing to convert"},
		{map[string]any{"path": dir + "/l", "state": "link", "src": "nowhere"}, "src file does not exist"},
		{map[string]any{"path": dir + "/h", "state": "hard", "src": dir + "/nowhere"}, "src does not exist"},
	}
	for _, tt := range tests {
		r := mustPlanApply(t, "file", localTask(false, false), tt.args)
		if !r.Failed || !strings.Contains(r.Msg, tt.msg) {
			t.Errorf("%v: failed=%v msg=%q, want %q", tt.args, r.Failed, r.Msg, tt.msg)
		}
	}
	// force makes a link to a missing target
	checkIdempotent(t, "file", dir, map[string]any{"path": dir + "/l", "state": "link", "src": "nowhere", "force": true})
}

func TestFileDiff(t *testing.T) {
	dir := t.TempDir()
	r := mustPlanApply(t, "file", localTask(true, true), map[string]any{"path": filepath.Join(dir, "n"), "state": "directory", "mode": "0700"})
	if len(r.Diffs) != 1 || !strings.Contains(r.Diffs[0].Before, "state: absent") || !strings.Contains(r.Diffs[0].After, "state: directory\nmode: 0700") {
		t.Errorf("diff %+v", r.Diffs)
	}
}

func TestFileFake(t *testing.T) {
	f := conntest.New()
	f.On(remote.ProbeName, 0, string(remote.FormatProbe(&remote.PathInfo{ParentDir: true, Exists: true, Type: "file", Mode: 0o644,
		Owner: "root", Group: "root", Size: 3, MTime: 1700000000, Readable: true, Writable: true}, remote.ProbeOpts{})))
	task := &Task{Conn: f, Vars: map[string]any{}}
	r := mustPlanApply(t, "file", task, map[string]any{"path": "/etc/it's", "mode": "0600", "owner": "etcd"})
	if !r.Changed || !f.Ran(`chown -- etcd '/etc/it'\''s' && chmod 0600 -- '/etc/it'\''s'`) {
		t.Errorf("changed=%v log:\n%s", r.Changed, f)
	}
	// check mode: the probe only
	f2 := conntest.New()
	f2.On(remote.ProbeName, 0, string(remote.FormatProbe(&remote.PathInfo{ParentDir: true}, remote.ProbeOpts{})))
	r = mustPlanApply(t, "file", &Task{Conn: f2, Check: true}, map[string]any{"path": "/srv/x", "state": "directory"})
	if !r.Changed || len(f2.Log) != 1 {
		t.Errorf("changed=%v log:\n%s", r.Changed, f2)
	}
}

func TestFileTouchExisting(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/f", nil, 0o600)
	tests := []struct {
		args    map[string]any
		changed bool
		msg     string
	}{
		{map[string]any{"state": "touch"}, true, "times updated"},
		{map[string]any{"state": "touch", "modification_time": "preserve", "access_time": "preserve"}, false, ""},
		{map[string]any{"state": "touch", "modification_time": "preserve", "access_time": "preserve", "mode": "0640"}, true, "mode 0600 -> 0640"},
	}
	for _, tt := range tests {
		tt.args["path"] = dir + "/f"
		r := mustPlanApply(t, "file", localTask(false, false), tt.args)
		if r.Changed != tt.changed || r.Msg != tt.msg {
			t.Errorf("%v: changed=%v msg=%q", tt.args, r.Changed, r.Msg)
		}
	}
}

package modules

import (
	"os"
	"strings"
	"testing"
)

// Expected outputs follow Ansible's lineinfile.
func TestLineinfileEdit(t *testing.T) {
	const hosts = "127.0.0.1 localhost\n10.0.0.1 m1\n# end\n"
	tests := []struct {
		name, in string
		args     map[string]any
		out, msg string
	}{
		{"append", hosts, map[string]any{"line": "10.0.0.2 m2"}, hosts + "10.0.0.2 m2\n", "line added"},
		{"present already", hosts, map[string]any{"line": "10.0.0.1 m1"}, hosts, ""},
		{"append to file without final newline", "a", map[string]any{"line": "b"}, "a\nb\n", "line added"},
		{"empty file", "", map[string]any{"line": "b"}, "b\n", "line added"},
		{"replace last match", "x=1\nx=2\ny\n", map[string]any{"regexp": "^x=", "line": "x=3"}, "x=1\nx=3\ny\n", "line replaced"},
		{"replace first match", "x=1\nx=2\ny\n", map[string]any{"regexp": "^x=", "line": "x=3", "firstmatch": true}, "x=3\nx=2\ny\n", "line replaced"},
		{"regexp no match, line exists", "x=3\n", map[string]any{"regexp": "^y=", "line": "x=3"}, "x=3\n", ""},
		{"regexp match same", "x=3\n", map[string]any{"regexp": "^x=", "line": "x=3"}, "x=3\n", ""},
		{"insertafter last match", "[a]\nk\n[a]\nl\n", map[string]any{"line": "new", "insertafter": `^\[a\]`}, "[a]\nk\n[a]\nnew\nl\n", "line added"},
		{"insertafter at end", "k\n[a]\n", map[string]any{"line": "new", "insertafter": `^\[a\]`}, "k\n[a]\nnew\n", "line added"},
		{"insertafter no match appends", "k\n", map[string]any{"line": "new", "insertafter": `^zz`}, "k\nnew\n", "line added"},
		{"insertbefore", "a\nb\n", map[string]any{"line": "new", "insertbefore": `^b`}, "a\nnew\nb\n", "line added"},
		{"insertbefore BOF", "a\n", map[string]any{"line": "new", "insertbefore": "BOF"}, "new\na\n", "line added"},
		{"regexp wins over insertafter", "x=1\n[s]\n", map[string]any{"line": "x=2", "regexp": "^x=", "insertafter": `^\[s\]`}, "x=2\n[s]\n", "line replaced"},
		{"backrefs", "SELINUX=enforcing\n", map[string]any{"regexp": `^(SELINUX)=.*`, "line": `\1=disabled`, "backrefs": true}, "SELINUX=disabled\n", "line replaced"},
		{"backrefs named and dollar", "port 22\n", map[string]any{"regexp": `^port (?P<n>\d+)`, "line": `port \g<n> $x`, "backrefs": true}, "port 22 $x\n", "line replaced"},
		{"backrefs no match leaves file", "a\n", map[string]any{"regexp": `^b(.*)`, "line": `\1`, "backrefs": true}, "a\n", ""},
		{"absent by regexp", "a\n#x\nb\n#y\n", map[string]any{"regexp": "^#", "state": "absent"}, "a\nb\n", "2 line(s) removed"},
		{"absent by line", "a\nb\na\n", map[string]any{"line": "a", "state": "absent"}, "b\n", "2 line(s) removed"},
		{"absent by search_string", "a.b\naxb\n", map[string]any{"search_string": "a.b", "state": "absent"}, "axb\n", "1 line(s) removed"},
		{"swap off fstab", "/dev/sda1 / ext4\n/swap.img none swap sw 0 0\n", map[string]any{"regexp": `^([^#].*\sswap\s.*)$`, "line": `# \1`, "backrefs": true}, "/dev/sda1 / ext4\n# /swap.img none swap sw 0 0\n", "line replaced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := dir + "/f"
			os.WriteFile(path, []byte(tt.in), 0o644)
			args := map[string]any{"path": path}
			for k, v := range tt.args {
				args[k] = v
			}
			before := treeSum(t, dir)
			r := mustPlanApply(t, "lineinfile", localTask(true, true), args)
			if treeSum(t, dir) != before {
				t.Fatal("check mode changed the file")
			}
			if r.Changed != (tt.in != tt.out) || r.Msg != tt.msg {
				t.Errorf("check: changed=%v msg=%q, want msg %q", r.Changed, r.Msg, tt.msg)
			}
			if r.Changed && (len(r.Diffs) != 1 || r.Diffs[0].Before != tt.in || r.Diffs[0].After != tt.out) {
				t.Errorf("diff %+v", r.Diffs)
			}
			mustPlanApply(t, "lineinfile", localTask(false, false), args)
			if b, _ := os.ReadFile(path); string(b) != tt.out {
				t.Errorf("got\n%q\nwant\n%q", b, tt.out)
			}
			if r := mustPlanApply(t, "lineinfile", localTask(false, false), args); r.Changed {
				t.Errorf("second run changed: %s", r.Msg)
			}
		})
	}
}

func TestLineinfileFileStates(t *testing.T) {
	dir := t.TempDir()
	r := mustPlanApply(t, "lineinfile", localTask(false, false), map[string]any{"path": dir + "/nope", "line": "x"})
	if !r.Failed || !strings.Contains(r.Msg, "does not exist") {
		t.Errorf("missing file: failed=%v msg=%q", r.Failed, r.Msg)
	}
	r = mustPlanApply(t, "lineinfile", localTask(false, false), map[string]any{"path": dir + "/nope", "line": "x", "state": "absent"})
	if r.Changed || r.Failed {
		t.Errorf("absent on missing file: %+v", r)
	}
	checkIdempotent(t, "lineinfile", dir, map[string]any{"path": dir + "/new", "line": "x", "create": true, "mode": "0600"})
	wantMode(t, dir+"/new", 0o600)
	// attributes alone
	checkIdempotent(t, "lineinfile", dir, map[string]any{"path": dir + "/new", "line": "x", "mode": "0644"})
	// backup
	r = mustPlanApply(t, "lineinfile", localTask(false, false), map[string]any{"path": dir + "/new", "line": "y", "backup": true})
	if b, err := os.ReadFile(r.Data["backup_file"].(string)); err != nil || string(b) != "x\n" {
		t.Errorf("backup: %q %v", b, err)
	}
	for _, args := range []map[string]any{
		{"path": dir + "/new"},
		{"path": dir + "/new", "line": "x", "regexp": "("},
		{"path": dir + "/new", "line": "x", "backrefs": true},
		{"path": dir + "/new", "line": "x", "insertafter": "a", "insertbefore": "b"},
	} {
		if _, err := planApply(t, "lineinfile", localTask(false, false), args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// Edits go through a link to its target, as Ansible's do.
func TestLineinfileFollowsLink(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/real", []byte("a\n"), 0o644)
	os.Symlink("real", dir+"/link")
	checkIdempotent(t, "lineinfile", dir, map[string]any{"path": dir + "/link", "line": "b"})
	if b, _ := os.ReadFile(dir + "/real"); string(b) != "a\nb\n" {
		t.Errorf("target %q", b)
	}
	if fi, _ := os.Lstat(dir + "/link"); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("link replaced by a file")
	}
}

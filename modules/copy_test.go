package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/modules/remote"
)

func TestCopyLocal(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/files", 0o755)
	os.WriteFile(dir+"/files/app.conf", []byte("a=1\n"), 0o640)
	os.Mkdir(dir+"/etc", 0o755)

	// content, with a mode
	checkIdempotent(t, "copy", dir, map[string]any{"content": "hello\n", "dest": dir + "/etc/hello", "mode": "0600"})
	wantMode(t, dir+"/etc/hello", 0o600)

	// src from files/, into a directory dest, mode preserved from src
	r := checkIdempotent(t, "copy", dir, map[string]any{"src": "app.conf", "dest": dir + "/etc", "mode": "preserve"})
	if b, _ := os.ReadFile(dir + "/etc/app.conf"); string(b) != "a=1\n" {
		t.Errorf("content %q", b)
	}
	wantMode(t, dir+"/etc/app.conf", 0o640)
	if r.Data["dest"] != dir+"/etc/app.conf" {
		t.Errorf("dest %v", r.Data["dest"])
	}

	// replacing keeps the existing mode when none is given; backup keeps the old file
	os.Chmod(dir+"/etc/hello", 0o604)
	r = checkIdempotent(t, "copy", dir, map[string]any{"content": "bye\n", "dest": dir + "/etc/hello", "backup": true})
	wantMode(t, dir+"/etc/hello", 0o604)
	bf, _ := r.Data["backup_file"].(string)
	if b, err := os.ReadFile(bf); err != nil || string(b) != "hello\n" || !strings.HasPrefix(bf, dir+"/etc/hello.") {
		t.Errorf("backup %q: %q %v", bf, b, err)
	}

	// force=false leaves a differing file alone
	r = mustPlanApply(t, "copy", localTask(false, false), map[string]any{"content": "other\n", "dest": dir + "/etc/hello", "force": false})
	if r.Changed {
		t.Error("force=false replaced the file")
	}
}

func TestCopyDiff(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/f", []byte("one\ntwo\n"), 0o644)
	os.WriteFile(dir+"/bin", []byte("\x00\x01"), 0o644)
	tests := []struct {
		dest, content, before, after string
	}{
		{dir + "/f", "one\n2\n", "one\ntwo\n", "one\n2\n"},
		{dir + "/new", "x\n", "", "x\n"},
		{dir + "/bin", "text\n", "(binary, 2 bytes, sha256 ", "text\n"},
	}
	for _, tt := range tests {
		r := mustPlanApply(t, "copy", localTask(true, true), map[string]any{"content": tt.content, "dest": tt.dest})
		if len(r.Diffs) != 1 || !strings.HasPrefix(r.Diffs[0].Before, tt.before) || r.Diffs[0].After != tt.after {
			t.Errorf("%s: diffs %+v", tt.dest, r.Diffs)
		}
	}
}

func TestCopyValidate(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "sudoers")
	os.WriteFile(dest, []byte("old\n"), 0o440)
	r := mustPlanApply(t, "copy", localTask(false, false), map[string]any{
		"content": "bad\n", "dest": dest, "validate": "grep -q good %s"})
	if !r.Failed || !strings.Contains(r.Msg, "failed to validate") {
		t.Fatalf("failed=%v msg=%q", r.Failed, r.Msg)
	}
	if b, _ := os.ReadFile(dest); string(b) != "old\n" {
		t.Fatalf("dest changed: %q", b)
	}
	if m, _ := filepath.Glob(dir + "/.hapb*"); len(m) != 0 {
		t.Fatalf("left %v", m)
	}
	checkIdempotent(t, "copy", dir, map[string]any{"content": "good\n", "dest": dest, "validate": "grep -q good %s", "backup": true})
	wantMode(t, dest, 0o440)
}

func TestCopyErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"content": "x", "dest": dir + "/no/such/f"}, "does not exist"},
		{map[string]any{"content": "x", "dest": dir}, "is a directory"},
	}
	for _, tt := range tests {
		r := mustPlanApply(t, "copy", localTask(false, false), tt.args)
		if !r.Failed || !strings.Contains(r.Msg, tt.msg) {
			t.Errorf("%v: failed=%v msg=%q", tt.args, r.Failed, r.Msg)
		}
	}
	for _, args := range []map[string]any{
		{"dest": dir + "/x"},
		{"src": "nowhere", "dest": dir + "/x"},
		{"src": "a", "content": "b", "dest": dir + "/x"},
		{"content": "b", "dest": dir + "/x", "validate": "true"},
	} {
		if _, err := planApply(t, "copy", localTask(false, false, dir), args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestCopyFake(t *testing.T) {
	sum := sha256Hex([]byte("hi\n"))
	file := func(mode uint32, sum string) *remote.PathInfo {
		return &remote.PathInfo{Path: "/etc/x", ParentDir: true, Exists: true, Type: "file", Mode: mode, Owner: "root", Group: "root",
			Size: 3, MTime: 1, Readable: true, Writable: true, SHA256: sum}
	}
	tests := []struct {
		name    string
		probe   *remote.PathInfo
		changed bool
		log     []string
	}{
		{"same", file(0o644, sum), false, []string{"hapb-probe"}},
		{"differs", file(0o644, "abc"), true, []string{"hapb-probe", "upload /etc/x"}},
		{"mode only", file(0o777, sum), true, []string{"hapb-probe", "chmod 0644 -- /etc/x"}},
		{"absent", &remote.PathInfo{Path: "/etc/x", ParentDir: true}, true, []string{"hapb-probe", "upload /etc/x"}},
	}
	for _, tt := range tests {
		f := conntest.New().On(remote.ProbeName, 0, string(remote.FormatProbe(tt.probe, remote.ProbeOpts{Checksum: true})))
		task := &Task{Conn: f, Become: conn.Become{User: "root"}}
		r := mustPlanApply(t, "copy", task, map[string]any{"content": "hi\n", "dest": "/etc/x", "mode": "0644"})
		if r.Changed != tt.changed || len(f.Log) != len(tt.log) {
			t.Errorf("%s: changed=%v log:\n%s", tt.name, r.Changed, f)
			continue
		}
		for i, want := range tt.log {
			if !strings.Contains(f.Log[i], want) {
				t.Errorf("%s: call %d = %q, want %q", tt.name, i, f.Log[i], want)
			}
		}
		if tt.name == "differs" && f.Modes["/etc/x"] != 0o644 {
			t.Errorf("uploaded mode %v", f.Modes["/etc/x"])
		}
	}
}

func TestCopyRemoteSrc(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/admin.conf", []byte("kubeconfig\n"), 0o600)
	os.Mkdir(dir+"/kube", 0o700)
	checkIdempotent(t, "copy", dir, map[string]any{"src": dir + "/admin.conf", "dest": dir + "/kube/config", "remote_src": true, "mode": "0640"})
	if b, _ := os.ReadFile(dir + "/kube/config"); string(b) != "kubeconfig\n" {
		t.Fatalf("copied %q", b)
	}
	wantMode(t, dir+"/kube/config", 0o640)
	os.WriteFile(dir+"/admin.conf", []byte("v2\n"), 0o600)
	args := map[string]any{"src": dir + "/admin.conf", "dest": dir + "/kube/", "remote_src": true, "backup": true, "validate": "grep -q v2 %s"}
	r := mustPlanApply(t, "copy", localTask(true, true), args)
	if !r.Changed || r.Diffs[0].After != "v2\n" {
		t.Fatalf("check: %+v", r)
	}
	r = checkIdempotent(t, "copy", dir, args)
	if _, ok := r.Data["backup_file"]; ok {
		t.Errorf("backup of a new file: %v", r.Data)
	}
	if b, _ := os.ReadFile(dir + "/kube/admin.conf"); string(b) != "v2\n" {
		t.Fatalf("copied %q", b)
	}
	wantMode(t, dir+"/kube/admin.conf", 0o644) // a new file without mode
	os.WriteFile(dir+"/admin.conf", []byte("v3\n"), 0o600)
	r = mustPlanApply(t, "copy", localTask(false, false), args)
	if !r.Failed || !strings.Contains(r.Msg, "failed to validate") {
		t.Errorf("validation: %+v", r)
	}
	args["validate"] = "grep -q v3 %s"
	r = mustPlanApply(t, "copy", localTask(false, false), args)
	if b, _ := os.ReadFile(r.Data["backup_file"].(string)); string(b) != "v2\n" {
		t.Errorf("backup %q", b)
	}
	if m, _ := filepath.Glob(dir + "/kube/.hapb*"); len(m) != 0 {
		t.Errorf("left %v", m)
	}
	r = mustPlanApply(t, "copy", localTask(false, false), map[string]any{"src": dir + "/none", "dest": dir + "/x", "remote_src": true})
	if !r.Failed {
		t.Error("missing remote src did not fail")
	}
}

func TestCopyDirLocal(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/files/manifests/sub", 0o755)
	os.WriteFile(dir+"/files/manifests/a.yaml", []byte("a\n"), 0o644)
	os.WriteFile(dir+"/files/manifests/sub/b.yaml", []byte("b\n"), 0o600)
	os.Mkdir(dir+"/etc", 0o755)

	// "src/" copies the content, "src" the directory itself
	args := map[string]any{"src": "manifests/", "dest": dir + "/etc/k8s", "mode": "0640", "directory_mode": "0750"}
	checkIdempotent(t, "copy", dir, args)
	if b, _ := os.ReadFile(dir + "/etc/k8s/sub/b.yaml"); string(b) != "b\n" {
		t.Fatalf("copied %q", b)
	}
	wantMode(t, dir+"/etc/k8s/sub", 0o750)
	wantMode(t, dir+"/etc/k8s/a.yaml", 0o640)
	checkIdempotent(t, "copy", dir, map[string]any{"src": "manifests", "dest": dir + "/etc"})
	if b, _ := os.ReadFile(dir + "/etc/manifests/a.yaml"); string(b) != "a\n" {
		t.Fatalf("copied %q", b)
	}
	wantMode(t, dir+"/etc/manifests/sub/b.yaml", 0o644)

	// a changed file keeps its mode on the host
	os.WriteFile(dir+"/files/manifests/a.yaml", []byte("a2\n"), 0o644)
	os.Chmod(dir+"/etc/manifests/a.yaml", 0o604)
	r := checkIdempotent(t, "copy", dir, map[string]any{"src": "manifests", "dest": dir + "/etc"})
	if !strings.Contains(r.Msg, "changed "+dir+"/etc/manifests/a.yaml") {
		t.Errorf("msg %q", r.Msg)
	}
	wantMode(t, dir+"/etc/manifests/a.yaml", 0o604)

	os.WriteFile(dir+"/etc/k8s-file", nil, 0o644)
	r = mustPlanApply(t, "copy", localTask(false, false, dir), map[string]any{"src": "manifests/", "dest": dir + "/etc/k8s-file"})
	if !r.Failed {
		t.Errorf("dir over a file: %+v", r)
	}
}

func TestCopySpecialBits(t *testing.T) {
	dir := t.TempDir()
	checkIdempotent(t, "copy", dir, map[string]any{"content": "#!/bin/sh\n", "dest": dir + "/suid", "mode": "04755"})
	fi, _ := os.Stat(dir + "/suid")
	if fi.Mode()&os.ModeSetuid == 0 || fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v", fi.Mode())
	}
}

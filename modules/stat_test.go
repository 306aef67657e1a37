package modules

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn/conntest"
)

func TestStatLocal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/f", []byte("hello\n"), 0o640)
	os.Symlink("f", dir+"/l")
	tests := []struct {
		args map[string]any
		want map[string]any
	}{
		{map[string]any{"path": dir + "/f"}, map[string]any{"exists": true, "isreg": true, "mode": "0640", "size": int64(6),
			"checksum": sha256Hex([]byte("hello\n")), "pw_name": "root", "uid": 0, "readable": true}},
		{map[string]any{"path": dir + "/l"}, map[string]any{"exists": true, "islnk": true, "lnk_target": "f"}},
		{map[string]any{"path": dir + "/l", "follow": true}, map[string]any{"isreg": true, "islnk": false}},
		{map[string]any{"path": dir}, map[string]any{"isdir": true}},
		{map[string]any{"path": dir + "/none"}, map[string]any{"exists": false}},
		{map[string]any{"path": dir + "/f", "get_checksum": false}, map[string]any{"checksum": nil}},
	}
	for _, tt := range tests {
		r := mustPlanApply(t, "stat", localTask(false, false), tt.args)
		st := r.Data["stat"].(map[string]any)
		if r.Changed || r.Failed {
			t.Errorf("%v: %+v", tt.args, r)
		}
		for k, v := range tt.want {
			if st[k] != v {
				t.Errorf("%v: stat.%s = %#v, want %#v", tt.args, k, st[k], v)
			}
		}
	}
}

func TestProbeFails(t *testing.T) {
	f := conntest.New().On("hapb-probe", 2, "")
	if _, err := probePath(t.Context(), &Task{Conn: f}, "/x", probeOpts{}); err == nil || !strings.Contains(err.Error(), "stat /x") {
		t.Errorf("failed probe: %v", err)
	}
}

func TestSlurpFetchLocal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/admin.conf", []byte("kubeconfig\n"), 0o600)
	r := mustPlanApply(t, "slurp", localTask(false, false), map[string]any{"src": dir + "/admin.conf"})
	if b, _ := base64.StdEncoding.DecodeString(r.Data["content"].(string)); string(b) != "kubeconfig\n" || r.Changed {
		t.Errorf("slurp %v", r.Data)
	}
	r = mustPlanApply(t, "slurp", localTask(false, false), map[string]any{"src": dir + "/none"})
	if !r.Failed {
		t.Error("slurp of a missing file did not fail")
	}

	out := t.TempDir()
	args := map[string]any{"src": dir + "/admin.conf", "dest": out}
	before := treeSum(t, out)
	if r := mustPlanApply(t, "fetch", localTask(true, false), args); !r.Changed || treeSum(t, out) != before {
		t.Fatalf("fetch check mode: %+v", r)
	}
	mustPlanApply(t, "fetch", localTask(false, false), args)
	got := filepath.Join(out, "localhost", dir, "admin.conf")
	if b, _ := os.ReadFile(got); string(b) != "kubeconfig\n" {
		t.Fatalf("fetched %q", b)
	}
	wantMode(t, got, 0o600)
	if r := mustPlanApply(t, "fetch", localTask(false, false), args); r.Changed {
		t.Fatal("second fetch changed")
	}
	flat := map[string]any{"src": dir + "/admin.conf", "dest": out + "/flat/", "flat": true}
	mustPlanApply(t, "fetch", localTask(false, false), flat)
	if b, _ := os.ReadFile(out + "/flat/admin.conf"); string(b) != "kubeconfig\n" {
		t.Fatalf("flat fetch %q", b)
	}
	r = mustPlanApply(t, "fetch", localTask(false, false), map[string]any{"src": dir + "/none", "dest": out})
	if !r.Failed {
		t.Error("fetch of a missing file did not fail")
	}
	r = mustPlanApply(t, "fetch", localTask(false, false), map[string]any{"src": dir + "/none", "dest": out, "fail_on_missing": false})
	if r.Failed || r.Changed {
		t.Errorf("fail_on_missing=false: %+v", r)
	}
}

// TestFetchHostName: an inventory host name is a directory under dest,
// never a way out of it.
func TestFetchHostName(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/f", []byte("data\n"), 0o600)
	out := filepath.Join(t.TempDir(), "a", "b")
	for _, host := range []string{"../..", "..", ".", "x/../../..", ""} {
		task := localTask(false, false)
		task.Host = host
		r, err := planApply(t, "fetch", task, map[string]any{"src": dir + "/f", "dest": out})
		if err == nil || !strings.Contains(err.Error(), "cannot be a directory name") {
			t.Errorf("host %q: got %v %+v, want a refusal", host, err, r)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(out)), "*", dir, "f")); len(m) > 0 {
		t.Errorf("fetched outside dest: %v", m)
	}
}

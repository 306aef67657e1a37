package modules

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// step is one task of a check-mode sequence.
type step struct {
	module string
	args   map[string]any
}

type outcome struct {
	changed, failed, unknown bool
}

// runSteps runs steps in dir on this machine, in check mode (with planned
// effects, as the executor keeps them) or for real, and returns each
// task's outcome. Paths in args may use D for dir.
func runSteps(t *testing.T, dir string, check bool, steps []step) []outcome {
	t.Helper()
	var effects, controller *Effects
	if check {
		effects, controller = &Effects{}, &Effects{}
	}
	var out []outcome
	for _, s := range steps {
		args := map[string]any{}
		for k, v := range s.args {
			if str, ok := v.(string); ok {
				v = strings.ReplaceAll(str, "D/", dir+"/")
			}
			args[k] = v
		}
		task := localTask(check, false, dir)
		task.Effects, task.Controller = effects, controller
		r, err := planApply(t, s.module, task, args)
		out = append(out, outcome{changed: r.Changed, failed: r.Failed || err != nil, unknown: r.Unknown})
	}
	return out
}

// checkSequences are task sequences run in check mode and for real.
var checkSequences = []struct {
	name    string
	steps   []step
	unknown []int // tasks check mode must call unknown until applied
}{
	{"lineinfile creates the file blockinfile edits", []step{
		{"lineinfile", map[string]any{"path": "D/f", "line": "a", "create": true}},
		{"blockinfile", map[string]any{"path": "D/f", "block": "b"}},
		{"lineinfile", map[string]any{"path": "D/f", "line": "a"}},
	}, nil},
	{"copy into a directory nothing creates", []step{
		{"copy", map[string]any{"content": "x\n", "dest": "D/none/x"}},
	}, nil},
	{"copy into a directory file creates", []step{
		{"file", map[string]any{"path": "D/new/sub", "state": "directory"}},
		{"copy", map[string]any{"content": "x\n", "dest": "D/new/sub/x"}},
		{"copy", map[string]any{"content": "x\n", "dest": "D/new/sub/x"}},
		{"template", map[string]any{"src": "t.tmpl", "dest": "D/new/t"}},
	}, nil},
	{"the same content twice", []step{
		{"copy", map[string]any{"content": "one\n", "dest": "D/c", "mode": "0600"}},
		{"copy", map[string]any{"content": "one\n", "dest": "D/c", "mode": "0600"}},
		{"file", map[string]any{"path": "D/c", "mode": "0600"}},
		{"file", map[string]any{"path": "D/c", "mode": "0640"}},
		{"lineinfile", map[string]any{"path": "D/c", "line": "one"}},
	}, nil},
	{"touch then edit", []step{
		{"file", map[string]any{"path": "D/t", "state": "touch"}},
		{"lineinfile", map[string]any{"path": "D/t", "line": "x"}},
		{"blockinfile", map[string]any{"path": "D/t", "block": "y"}},
	}, nil},
	{"removed then edited", []step{
		{"copy", map[string]any{"content": "e\n", "dest": "D/e"}},
		{"file", map[string]any{"path": "D/e", "state": "absent"}},
		{"lineinfile", map[string]any{"path": "D/e", "line": "x"}},
		{"file", map[string]any{"path": "D/e", "state": "file"}},
	}, nil},
	{"a directory where a file goes", []step{
		{"file", map[string]any{"path": "D/d", "state": "directory"}},
		{"lineinfile", map[string]any{"path": "D/d", "line": "x", "create": true}},
	}, nil},
	{"a link to a planned file", []step{
		{"copy", map[string]any{"content": "l\n", "dest": "D/target"}},
		{"file", map[string]any{"path": "D/link", "src": "D/target", "state": "link"}},
		{"file", map[string]any{"path": "D/link", "src": "D/target", "state": "link"}},
	}, nil},
	// A command may make anything: what depends on a path it could
	// make is unknown until applied, never a guess.
	{"after a command", []step{
		{"command", map[string]any{"cmd": "true"}},
		{"lineinfile", map[string]any{"path": "D/m/x", "line": "x", "create": true}},
		{"copy", map[string]any{"content": "x\n", "dest": "D/m/y"}},
	}, []int{1, 2}},
	{"owner and mode set once, then kept", []step{
		{"copy", map[string]any{"content": "o\n", "dest": "D/owned", "owner": strconv.Itoa(os.Getuid()), "mode": "0600"}},
		{"file", map[string]any{"path": "D/owned", "owner": strconv.Itoa(os.Getuid()), "mode": "0600"}},
		{"copy", map[string]any{"content": "p\n", "dest": "D/owned"}},
		{"file", map[string]any{"path": "D/owned", "owner": strconv.Itoa(os.Getuid()), "mode": "0600"}},
		{"file", map[string]any{"path": "D/dir", "state": "directory", "group": strconv.Itoa(os.Getgid())}},
		{"file", map[string]any{"path": "D/dir", "state": "directory", "group": strconv.Itoa(os.Getgid())}},
	}, nil},
	// reload: false, so the real run never touches this machine's sysctls.
	{"sysctl keys into one file", []step{
		{"sysctl", map[string]any{"name": "net.ipv4.ip_forward", "value": "1", "sysctl_file": "D/k8s.conf", "reload": false}},
		{"sysctl", map[string]any{"name": "vm.swappiness", "value": "0", "sysctl_file": "D/k8s.conf", "reload": false}},
		{"sysctl", map[string]any{"name": "net.ipv4.ip_forward", "value": "1", "sysctl_file": "D/k8s.conf", "reload": false}},
		{"lineinfile", map[string]any{"path": "D/k8s.conf", "line": "vm.swappiness = 0"}},
	}, nil},
	{"slurp reads what an earlier task would write", []step{
		{"copy", map[string]any{"content": "s\n", "dest": "D/read"}},
		{"slurp", map[string]any{"src": "D/read"}},
		{"file", map[string]any{"path": "D/read", "state": "absent"}},
		{"slurp", map[string]any{"src": "D/read"}},
	}, nil},
	{"creates and removes see planned paths", []step{
		{"copy", map[string]any{"content": "c\n", "dest": "D/made"}},
		{"command", map[string]any{"cmd": "touch D/made", "creates": "D/made"}},
		{"file", map[string]any{"path": "D/made", "state": "absent"}},
		{"command", map[string]any{"cmd": "rm D/made", "removes": "D/made"}},
		{"command", map[string]any{"cmd": "true", "creates": "D/made"}},
	}, nil},
	{"remote_src from a planned file, and from what a command may make", []step{
		{"copy", map[string]any{"content": "s\n", "dest": "D/src"}},
		{"copy", map[string]any{"src": "D/src", "dest": "D/dst", "remote_src": true}},
		{"copy", map[string]any{"src": "D/src", "dest": "D/dst", "remote_src": true}},
		{"copy", map[string]any{"src": "D/none", "dest": "D/dst2", "remote_src": true}},
		{"command", map[string]any{"cmd": "true"}},
		{"copy", map[string]any{"src": "D/made", "dest": "D/dst3", "remote_src": true}},
	}, []int{5}},
	// kube_client: the admin kubeconfig fetched from a master, then copied
	// from the controller to the admin host.
	{"copy from the controller of what fetch brings there", []step{
		{"copy", map[string]any{"content": "f\n", "dest": "D/remote"}},
		{"fetch", map[string]any{"src": "D/remote", "dest": "D/ctl/", "flat": true}},
		{"copy", map[string]any{"src": "D/ctl/remote", "dest": "D/out"}},
	}, []int{2}},
	// etcd_restore: a script holds the manifests in a directory, a later
	// command with removes puts them back.
	{"removes of what a command may make", []step{
		{"command", map[string]any{"cmd": "mkdir D/hold"}},
		{"command", map[string]any{"cmd": "rmdir D/hold", "removes": "D/hold"}},
	}, []int{1}},
	// etcd_backup: a script takes the snapshot, then it is fetched.
	{"fetch of what a command makes", []step{
		{"command", map[string]any{"cmd": "sh -c 'echo s > D/snap'"}},
		{"fetch", map[string]any{"src": "D/snap", "dest": "D/ctl/", "flat": true}},
	}, []int{1}},
}

// TestCheckModeSeesEarlierTasks runs each sequence in check mode and for
// real on fresh directories: check mode must report what the real run
// does, task by task (changed, failed), or say it is unknown.
func TestCheckModeSeesEarlierTasks(t *testing.T) {
	for _, tt := range checkSequences {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			if err := os.WriteFile(filepath.Join(src, "t.tmpl"), []byte("t\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			steps := append([]step(nil), tt.steps...)
			for i, s := range steps {
				if s.module == "template" {
					steps[i].args = map[string]any{"src": filepath.Join(src, "t.tmpl"), "dest": s.args["dest"]}
				}
			}
			checkDir, realDir := t.TempDir(), t.TempDir()
			before := treeSum(t, checkDir)
			check := runSteps(t, checkDir, true, steps)
			if after := treeSum(t, checkDir); after != before {
				t.Fatalf("check mode changed the tree:\n%s", after)
			}
			real := runSteps(t, realDir, false, steps)
			unknown := map[int]bool{}
			for _, i := range tt.unknown {
				unknown[i] = true
			}
			for i := range steps {
				c, r := check[i], real[i]
				switch {
				case c.unknown != unknown[i]:
					t.Errorf("task %d (%s): check unknown=%v, want %v", i, steps[i].module, c.unknown, unknown[i])
				case c.unknown && (!c.changed || c.failed):
					t.Errorf("task %d (%s): unknown must count as a change: %+v", i, steps[i].module, c)
				case !c.unknown && (c.changed != r.changed || c.failed != r.failed):
					t.Errorf("task %d (%s): check %+v, real run %+v", i, steps[i].module, c, r)
				}
			}
		})
	}
}

// TestEffectsOfModules: what each kind of change leaves for later tasks.
func TestEffectsOfModules(t *testing.T) {
	enabled := true
	tests := []struct {
		name   string
		effs   []Effect
		check  func(e *Effects) bool
		opaque bool // an opaque change is pending
	}{
		{"yum install", yumEffects(map[string][]string{"installed": {"haproxy-2.8"}}, "installed haproxy-2.8"),
			func(e *Effects) bool { f, ok := e.Planned(PackageEffect, "haproxy"); return ok && f.State == "present" }, true},
		{"yum remove", yumEffects(map[string][]string{"removed": {"firewalld"}}, "removed firewalld"),
			func(e *Effects) bool {
				f, ok := e.Planned(PackageEffect, "firewalld")
				return ok && f.State == "absent"
			}, true},
		{"kubeadm init", kubeadmEffects("init", "would run: kubeadm init"),
			func(e *Effects) bool {
				_, ok := e.Planned(PathEffect, kubeadmAdminConf)
				return ok && kubeadmInitPlanned(e)
			}, true},
		{"kubeadm reset", kubeadmEffects("reset", "would run: kubeadm reset -f"),
			func(e *Effects) bool {
				f, ok := e.Planned(PathEffect, kubeadmKubeletConf)
				return ok && f.State == "absent"
			}, true},
		{"kubeadm token", kubeadmEffects("token_create", "would run"),
			func(e *Effects) bool { _, ok := e.Planned(PathEffect, kubeadmAdminConf); return !ok }, false},
		{"kubeadm certs renew: admin.conf rewritten, its content unknown", kubeadmEffects("certs_renew", "would run"),
			func(e *Effects) bool {
				f, ok := e.Planned(PathEffect, kubeadmAdminConf)
				return ok && f.State == "file" && !f.ContentKnown
			}, false},
		{"systemd enable", systemdEffects(nil, &systemdParams{Name: "kubelet", Enabled: &enabled}),
			func(e *Effects) bool { f, ok := e.Planned(UnitEffect, "kubelet"); return ok && f.State == "enabled" }, false},
		{"systemd start", systemdEffects(nil, &systemdParams{Name: "etcd", State: "started"}),
			func(e *Effects) bool { _, ok := e.Planned(UnitEffect, "etcd"); return ok }, true},
		{"x509", x509Effects(&x509Params{Cert: "/pki/ca.crt", Key: "/pki/ca.key"}),
			func(e *Effects) bool {
				_, ok := e.Planned(PathEffect, "/pki/ca.key")
				return ok && e.plannedDir("/pki")
			}, false},
	}
	for _, tt := range tests {
		e := &Effects{}
		e.add(tt.effs...)
		if !tt.check(e) || (len(e.Opaque()) > 0) != tt.opaque {
			t.Errorf("%s: effects %+v, opaque %q", tt.name, tt.effs, e.Opaque())
		}
	}
	var none *Effects // outside check mode
	if _, ok := none.Planned(PathEffect, "/x"); ok || none.Opaque() != nil || none.plannedDir("/") {
		t.Error("a nil *Effects plans something")
	}
}

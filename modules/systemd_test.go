package modules

import (
	"context"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
)

func systemdState(load, active, file string) string {
	return "Id=x.service\nLoadState=" + load + "\nActiveState=" + active + "\nSubState=x\nUnitFileState=" + file + "\nNeedDaemonReload=no\n"
}

func TestSystemd(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name    string
		params  systemdParams
		show    string
		changed bool
		ran     []string // commands Apply runs
		err     string
	}{
		{"start stopped", systemdParams{Name: "etcd", State: "started"}, systemdState("loaded", "inactive", "disabled"), true, []string{"systemctl start -- etcd"}, ""},
		{"started ok", systemdParams{Name: "etcd", State: "started"}, systemdState("loaded", "active", "enabled"), false, nil, ""},
		{"stop", systemdParams{Name: "etcd", State: "stopped"}, systemdState("loaded", "active", "enabled"), true, []string{"systemctl stop -- etcd"}, ""},
		{"stopped ok", systemdParams{Name: "etcd", State: "stopped"}, systemdState("loaded", "failed", "enabled"), false, nil, ""},
		{"restart always", systemdParams{Name: "etcd", State: "restarted"}, systemdState("loaded", "active", "enabled"), true, []string{"systemctl restart -- etcd"}, ""},
		{"reload running", systemdParams{Name: "haproxy", State: "reloaded"}, systemdState("loaded", "active", "enabled"), true, []string{"systemctl reload -- haproxy"}, ""},
		{"reload starts", systemdParams{Name: "haproxy", State: "reloaded"}, systemdState("loaded", "inactive", "enabled"), true, []string{"systemctl start -- haproxy"}, ""},
		{"enable+start", systemdParams{Name: "kubelet", State: "started", Enabled: &yes}, systemdState("loaded", "inactive", "disabled"), true, []string{"systemctl enable -- kubelet && systemctl start -- kubelet"}, ""},
		{"enabled ok", systemdParams{Name: "kubelet", Enabled: &yes}, systemdState("loaded", "inactive", "enabled"), false, nil, ""},
		{"static ok", systemdParams{Name: "x", Enabled: &yes}, systemdState("loaded", "inactive", "static"), false, nil, ""},
		{"disable", systemdParams{Name: "firewalld", State: "stopped", Enabled: &no}, systemdState("loaded", "active", "enabled"), true, []string{"systemctl disable -- firewalld && systemctl stop -- firewalld"}, ""},
		{"mask", systemdParams{Name: "swap.target", Masked: &yes}, systemdState("loaded", "active", "static"), true, []string{"systemctl mask -- swap.target"}, ""},
		{"masked ok", systemdParams{Name: "swap.target", Masked: &yes}, systemdState("masked", "inactive", "masked"), false, nil, ""},
		{"unmask+start", systemdParams{Name: "x", Masked: &no, State: "started"}, systemdState("masked", "inactive", "masked"), true, []string{"systemctl unmask -- x && systemctl start -- x"}, ""},
		{"no_block", systemdParams{Name: "x", State: "started", NoBlock: true}, systemdState("loaded", "inactive", "enabled"), true, []string{"systemctl start --no-block -- x"}, ""},
		{"reload needed", systemdParams{Name: "etcd", DaemonReload: true, State: "started"}, strings.Replace(systemdState("loaded", "active", "enabled"), "NeedDaemonReload=no", "NeedDaemonReload=yes", 1), true, []string{"systemctl daemon-reload"}, ""},
		{"reload not needed", systemdParams{Name: "etcd", DaemonReload: true, State: "started"}, systemdState("loaded", "active", "enabled"), false, nil, ""},
		{"unknown", systemdParams{Name: "nope", State: "started"}, systemdState("not-found", "inactive", ""), false, nil, "could not find the requested service nope"},
		{"hostile", systemdParams{Name: "a;rm -rf /", State: "started"}, systemdState("loaded", "inactive", "disabled"), true, []string{"systemctl start -- 'a;rm -rf /'"}, ""},
		{"masked conflict", systemdParams{Name: "x", Masked: &yes, State: "started"}, "", false, nil, "cannot be masked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := conntest.New().On("systemctl show", 0, tt.show)
			plan, err := systemdPlan(context.Background(), &Task{Conn: fake}, &tt.params)
			if !planErr(t, err, tt.err) {
				return
			}
			if len(fake.Log) != 1 {
				t.Errorf("Plan ran %d commands, want 1:\n%s", len(fake.Log), fake)
			}
			if plan.Changed != tt.changed || (plan.Apply != nil) != tt.changed {
				t.Fatalf("changed = %v (apply %v), want %v", plan.Changed, plan.Apply != nil, tt.changed)
			}
			if !tt.changed {
				return
			}
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.ran {
				if !fake.Ran(c) {
					t.Errorf("did not run %q:\n%s", c, fake)
				}
			}
		})
	}
}

func TestSystemdUnloadedUnit(t *testing.T) {
	fake := conntest.New().On("systemctl show", 0, systemdState("not-found", "inactive", ""))
	p := &systemdParams{Name: "etcd", DaemonReload: true, State: "started"}
	plan, err := systemdPlan(context.Background(), &Task{Conn: fake}, p)
	if err != nil || !plan.Changed {
		t.Fatalf("plan = %v, %v", plan, err)
	}
	fake = conntest.New().On("systemctl show", 0, systemdState("not-found", "inactive", ""))
	reloaded := false
	fake.OnFunc("daemon-reload", func(*conn.Cmd) (*conn.Result, error) {
		reloaded = true
		fake.On("systemctl show", 0, systemdState("loaded", "inactive", "enabled"))
		return &conn.Result{}, nil
	})
	plan, _ = systemdPlan(context.Background(), &Task{Conn: fake}, p)
	if err := plan.Apply(context.Background(), &plan.Result); err != nil {
		t.Fatal(err)
	}
	if !reloaded || !fake.Ran("systemctl start -- etcd") {
		t.Errorf("want reload then start:\n%s", fake)
	}
}

func TestSystemdDaemonReloadOnly(t *testing.T) {
	fake := conntest.New()
	plan, err := systemdPlan(context.Background(), &Task{Conn: fake}, &systemdParams{DaemonReload: true})
	if err != nil || !plan.Changed || len(fake.Log) != 0 {
		t.Fatalf("plan = %v, %v, log %v", plan, err, fake.Log)
	}
	plan.Apply(context.Background(), &plan.Result)
	if !fake.Ran("systemctl daemon-reload") {
		t.Error(fake)
	}
}

// In check mode a unit that does not exist yet is unknown until applied
// when an earlier task plans its unit file or a package; with nothing
// planned, and outside check mode, it fails as the real run does.
func TestSystemdMissingUnitInCheckMode(t *testing.T) {
	tests := []struct {
		name    string
		check   bool
		planned []Effect
		msg     string // "" for the real run's failure
	}{
		{"unit file planned", true, []Effect{{Kind: PathEffect, Name: "/etc/systemd/system/containerd.service", State: "file"}},
			"unknown until applied: unit containerd does not exist yet (an earlier task writes /etc/systemd/system/containerd.service); it would be restarted"},
		{"package planned", true, []Effect{opaqueEffect("yum: installed containerd")}, "an earlier change may install it: yum: installed containerd"},
		{"unit file removed", true, []Effect{{Kind: PathEffect, Name: "/etc/systemd/system/containerd.service", State: "absent"}}, ""},
		{"nothing planned", true, nil, ""},
		{"real run", false, nil, ""},
	}
	for _, tt := range tests {
		fake := conntest.New().On("systemctl show", 0, systemdState("not-found", "inactive", ""))
		task := &Task{Conn: fake, Check: tt.check}
		if tt.check {
			task.Effects = &Effects{}
			task.Effects.add(tt.planned...)
		}
		p := systemdParams{Name: "containerd", State: "restarted"}
		plan, err := systemdPlan(context.Background(), task, &p)
		switch {
		case tt.msg == "" && (err == nil || !strings.Contains(err.Error(), "could not find")):
			t.Errorf("%s: plan %+v, err %v; want the real run's failure", tt.name, plan, err)
		case tt.msg != "" && (err != nil || !plan.Changed || !plan.Unknown || !strings.Contains(plan.Msg, tt.msg)):
			t.Errorf("%s: plan %+v, err %v", tt.name, plan, err)
		}
	}
}

// TestSystemdPlanned: under --check a unit's state is what earlier tasks
// plan for it (etcd_restore stops etcd, then starts it: the start is a
// change), the later words winning.
func TestSystemdPlanned(t *testing.T) {
	tests := []struct {
		name    string
		earlier []systemdParams
		active  string // ActiveState after the overlay, read "active"
		file    string // UnitFileState, read "enabled"
	}{
		{"nothing planned", nil, "active", "enabled"},
		{"stopped", []systemdParams{{Name: "etcd", State: "stopped"}}, "inactive", "enabled"},
		{"stopped then started", []systemdParams{{Name: "etcd", State: "stopped"}, {Name: "etcd", State: "started"}}, "active", "enabled"},
		{"stopped then disabled", []systemdParams{{Name: "etcd", State: "stopped"}, {Name: "etcd", Enabled: new(bool)}}, "inactive", "disabled"},
		{"another unit", []systemdParams{{Name: "kubelet", State: "stopped"}}, "active", "enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Effects{}
			for _, p := range tt.earlier {
				e.add(systemdEffects(e, &p)...)
			}
			st := map[string]string{"ActiveState": "active", "UnitFileState": "enabled"}
			systemdPlanned(e, "etcd", st)
			if st["ActiveState"] != tt.active || st["UnitFileState"] != tt.file {
				t.Errorf("got %s/%s, want %s/%s", st["ActiveState"], st["UnitFileState"], tt.active, tt.file)
			}
		})
	}
}

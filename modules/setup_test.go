package modules

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/modules/remote"
)

const setupFixture = `
@@hapb os_release
NAME="Rocky Linux"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"

@@hapb uname
5.14.0-427.el9.x86_64
x86_64
master1.lab

@@hapb hostname
master1.lab

@@hapb fqdn
master1.lab.example

@@hapb route
default via 10.0.0.1 dev eth0 proto static

@@hapb addrs
1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever
2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\       valid_lft forever
2: eth0    inet 10.0.0.100/32 scope global eth0\       valid_lft forever

@@hapb meminfo
MemTotal:        4030000 kB
SwapTotal:             0 kB

@@hapb vcpus
4

@@hapb init
systemd

@@hapb selinux
Permissive

@@hapb end
`

func TestSetupParse(t *testing.T) {
	f := setupParse(remote.Parse([]byte(setupFixture)))
	want := map[string]any{
		"os_family": "RedHat", "distribution": "Rocky", "distribution_version": "9.4",
		"distribution_major_version": "9", "kernel": "5.14.0-427.el9.x86_64", "architecture": "x86_64",
		"hostname": "master1", "fqdn": "master1.lab.example", "nodename": "master1.lab",
		"memtotal_mb": 3935, "swaptotal_mb": 0, "processor_vcpus": 4, "service_mgr": "systemd",
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %#v, want %#v", k, f[k], v)
		}
	}
	def := f["default_ipv4"].(map[string]any)
	if def["address"] != "10.0.0.11" || def["interface"] != "eth0" || def["gateway"] != "10.0.0.1" || def["netmask"] != "255.255.255.0" {
		t.Errorf("default_ipv4 = %v", def)
	}
	if all := f["all_ipv4_addresses"].([]string); len(all) != 2 || all[1] != "10.0.0.100" {
		t.Errorf("all_ipv4_addresses = %v", all)
	}
	if se := f["selinux"].(map[string]any); se["status"] != "enabled" || se["mode"] != "permissive" {
		t.Errorf("selinux = %v", se)
	}
}

func TestSetupFilter(t *testing.T) {
	fake := conntest.New().On("@@hapb", 0, setupFixture)
	p := &setupParams{Filter: []string{"ansible_os_*"}}
	plan, err := setupPlan(context.Background(), &Task{Conn: fake}, p)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Changed || plan.Apply != nil {
		t.Error("setup must not change anything")
	}
	if all := plan.AllFacts(); all["ansible_os_family"] != "RedHat" || all["ansible_kernel"] != nil {
		t.Errorf("filtered facts = %v", all)
	}
	if len(fake.Log) != 1 {
		t.Errorf("want one remote command, got %d", len(fake.Log))
	}
}

func TestSetupLocal(t *testing.T) {
	plan, err := setupPlan(context.Background(), &Task{Conn: &conn.Local{}}, &setupParams{})
	if err != nil {
		t.Fatal(err)
	}
	all := plan.AllFacts()
	facts := all["ansible_facts"].(map[string]any)
	host, _ := os.Hostname()
	if facts["nodename"] != host {
		t.Errorf("nodename = %v, want %v", facts["nodename"], host)
	}
	for _, k := range []string{"kernel", "architecture", "os_family", "distribution_version"} {
		if facts[k] == "" || all["ansible_"+k] != facts[k] {
			t.Errorf("%s = %q", k, facts[k])
		}
	}
	if facts["memtotal_mb"].(int) <= 0 || facts["processor_vcpus"].(int) <= 0 {
		t.Errorf("memory/cpus: %v %v", facts["memtotal_mb"], facts["processor_vcpus"])
	}
	t.Logf("%v", facts)
}

// TestHostModulesDecode decodes minimal arguments of the host modules
// through params, so their tags (defaults, choices, aliases) are checked.
func TestHostModulesDecode(t *testing.T) {
	tests := []struct {
		module string
		args   map[string]any
		check  func(p any) bool
	}{
		{"setup", map[string]any{}, func(p any) bool { return p.(*setupParams).GatherSubset[0] == "all" }},
		{"systemd", map[string]any{"name": "etcd", "enabled": "yes"}, func(p any) bool { return *p.(*systemdParams).Enabled && p.(*systemdParams).Scope == "system" }},
		{"service", map[string]any{"name": "etcd", "state": "restarted"}, nil},
		{"systemd_service", map[string]any{"daemon_reload": true}, nil},
		{"sysctl", map[string]any{"name": "vm.swappiness", "value": 0}, func(p any) bool {
			s := p.(*sysctlParams)
			return s.Value == "0" && s.Reload && s.SysctlFile == "/etc/sysctl.conf" && s.State == "present"
		}},
		{"modprobe", map[string]any{"name": "ip_vs"}, func(p any) bool { return p.(*modprobeParams).Persistent == "disabled" }},
		{"hostname", map[string]any{"name": "master1"}, nil},
		{"selinux", map[string]any{"state": "disabled"}, func(p any) bool { return p.(*selinuxParams).ConfigFile == "/etc/selinux/config" }},
		{"wait_for", map[string]any{"port": 6443}, func(p any) bool {
			w := p.(*waitForParams)
			return w.Host == "127.0.0.1" && w.Timeout == 300 && w.State == "started" && w.Sleep == 1
		}},
		{"yum", map[string]any{"pkg": "kubelet-1.31.4, kubeadm-1.31.4", "disable_excludes": "kubernetes"}, func(p any) bool {
			return len(p.(*yumParams).Name) == 2 && p.(*yumParams).State == "present"
		}},
		{"ansible.builtin.dnf", map[string]any{"name": []any{"socat"}, "state": "latest"}, nil},
		{"x509", map[string]any{"cert": "/tmp/x.crt", "ca": true, "cn": "ca"}, func(p any) bool {
			return p.(*x509Params).KeyType == "ecdsa" && p.(*x509Params).RenewBefore == 30
		}},
		{"kubeadm", map[string]any{"action": "init", "config": "/k.yaml"}, func(p any) bool { return p.(*kubeadmParams).KubeadmBin == "kubeadm" }},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.module)
		if !ok {
			t.Errorf("%s is not registered", tt.module)
			continue
		}
		p := m.NewParams()
		if err := params.Decode(tt.args, p); err != nil {
			t.Errorf("%s: %v", tt.module, err)
			continue
		}
		if tt.check != nil && !tt.check(p) {
			t.Errorf("%s: decoded %+v", tt.module, p)
		}
		if m.Doc() == "" {
			t.Errorf("%s: no doc", tt.module)
		}
	}
	bad := []struct {
		module string
		args   map[string]any
	}{
		{"systemd", map[string]any{"name": "x", "state": "running"}},
		{"sysctl", map[string]any{"value": 1}},
		{"yum", map[string]any{"name": "x", "state": "purged"}},
		{"kubeadm", map[string]any{"action": "upgrade"}},
		{"x509", map[string]any{"cert": "/x", "cn": "x", "key_type": "dsa"}},
	}
	for _, tt := range bad {
		m, _ := Lookup(tt.module)
		if err := params.Decode(tt.args, m.NewParams()); err == nil {
			t.Errorf("%s %v: no error", tt.module, tt.args)
		}
	}
}

func TestSetupNoIproute(t *testing.T) {
	f := setupParse(remote.Parse([]byte("\n@@hapb proc_route\nIface\tDestination\tGateway \tFlags\nhost0\t00000000\t0100000A\t0003\nhost0\t0000000A\t00000000\t0001\n\n@@hapb hostname_i\n10.0.0.21 fd00::21 \n\n@@hapb end\n")))
	def := f["default_ipv4"].(map[string]any)
	if def["gateway"] != "10.0.0.1" || def["interface"] != "host0" || def["address"] != "10.0.0.21" {
		t.Errorf("default_ipv4 = %v", def)
	}
	if fmt.Sprint(f["all_ipv4_addresses"]) != "[10.0.0.21]" {
		t.Errorf("all = %v", f["all_ipv4_addresses"])
	}
}

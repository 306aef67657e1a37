package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestHostVarsMagic(t *testing.T) {
	inv, err := Load([]string{"testdata/ini/hosts", "testdata/dir"})
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata/ini/hosts")
	tests := []struct {
		host string
		key  string
		want any
	}{
		{"web01.lab", "inventory_hostname", "web01.lab"},
		{"web01.lab", "inventory_hostname_short", "web01"},
		{"web01.lab", "group_names", []string{"app", "k8s", "web"}},
		{"web01.lab", "inventory_file", abs},
		{"web01.lab", "inventory_dir", filepath.Dir(abs)},
		{"web01.lab", "http_port", 9000},            // host_vars/ beats host var beats group_vars
		{"web02.lab", "http_port", 80},              // group_vars/web beats [web:vars]
		{"db1", "db_port", 7000},                    // host_vars/db1/ directory
		{"cp1.dir", "api_port", 7000},               // host_vars/cp1.dir (no extension)
		{"cp2.dir", "api_port", 6444},               // group_vars/control.yaml beats group_vars/all/
		{"cp2.dir", "dns_domain", "override.local"}, // group_vars/all/ files merge in order
		{"lonely.example.com", "group_names", []string{"ungrouped"}},
		{"localhost", "ansible_connection", "local"}, // implicit localhost
		{"localhost", "ntp", "pool.ntp.org"},
	}
	for _, tt := range tests {
		vars := inv.HostVars(tt.host)
		if got := vars[tt.key]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("HostVars(%q)[%q] = %#v, want %#v", tt.host, tt.key, got, tt.want)
		}
	}
	if inv.HostVars("nope") != nil {
		t.Error("HostVars of an unknown host is not nil")
	}
	if got := inv.Groups()["app"]; len(got) != 14 || got[0] != "web01.lab" {
		t.Errorf("Groups()[app] = %v", got)
	}
	if got := inv.Groups()["ungrouped"]; !reflect.DeepEqual(got, []string{"lonely.example.com", "bastion"}) {
		t.Errorf("Groups()[ungrouped] = %v", got)
	}
	if h := inv.Hosts(); h[0].Name != "lonely.example.com" {
		t.Errorf("Hosts()[0] = %s, want the first ungrouped host", h[0].Name)
	}
}

func TestAddPlaybookVarsReplaces(t *testing.T) {
	inv, err := Load([]string{"testdata/ini/hosts"})
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.AddPlaybookVars("testdata/playbook"); err != nil {
		t.Fatal(err)
	}
	if got := inv.HostVars("web02.lab")["http_port"]; got != 8443 {
		t.Errorf("http_port with playbook vars = %v, want 8443", got)
	}
	if err := inv.AddPlaybookVars(""); err != nil {
		t.Fatal(err)
	}
	if got := inv.HostVars("web02.lab")["http_port"]; got != 80 {
		t.Errorf("http_port without playbook vars = %v, want 80", got)
	}
}

// writeBigInventory writes an INI inventory of n hosts in a few groups,
// with group_vars and host_vars, like a large cluster.
func writeBigInventory(tb testing.TB, n int) string {
	dir := tb.TempDir()
	var b strings.Builder
	groups := []string{"masters", "etcd", "workers", "lb"}
	for i, g := range groups {
		fmt.Fprintf(&b, "[%s]\n", g)
		for j := i; j < n; j += len(groups) {
			fmt.Fprintf(&b, "node%04d.lab ansible_host=10.0.%d.%d idx=%d\n", j, j/250, j%250, j)
		}
		fmt.Fprintf(&b, "[%s:vars]\nrole=%s\n", g, g)
	}
	b.WriteString("[k8s:children]\nmasters\nworkers\n[all:vars]\nansible_user=root\n")
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "hosts"), []byte(b.String()), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "group_vars"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "host_vars"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "group_vars", "all.yml"), []byte("ntp: [a, b]\nkube_version: 1.31.4\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "group_vars", "k8s.yml"), []byte("cni: calico\n"), 0o644))
	for j := 0; j < n; j += 10 {
		must(os.WriteFile(filepath.Join(dir, "host_vars", fmt.Sprintf("node%04d.lab.yml", j)), []byte("special: true\n"), 0o644))
	}
	return filepath.Join(dir, "hosts")
}

// BenchmarkLoadHostVars1000 is the executor's start-up cost: load an
// inventory of 1000 hosts and read every host's variables.
func BenchmarkLoadHostVars1000(b *testing.B) {
	path := writeBigInventory(b, 1000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		inv, err := Load([]string{path})
		if err != nil {
			b.Fatal(err)
		}
		for _, h := range inv.Hosts() {
			if inv.HostVars(h.Name)["role"] == nil {
				b.Fatal("role missing")
			}
		}
	}
}

// BenchmarkHostVars1000 is the per-task cost: HostVars for 1000 hosts on
// a loaded inventory.
func BenchmarkHostVars1000(b *testing.B) {
	inv, err := Load([]string{writeBigInventory(b, 1000)})
	if err != nil {
		b.Fatal(err)
	}
	hosts := inv.Hosts()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, h := range hosts {
			_ = inv.HostVars(h.Name)
		}
	}
}

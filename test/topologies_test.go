package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTopologyCheck runs playbooks/topology-check.yml (it reads only the
// inventory, run_once) against each lab topology's inventory and against
// broken variants of it, on the local connection: no lab needed. A variant
// is the inventory's hosts file edited and its group_vars linked, plus
// extra vars; the check must refuse it with the given message, or pass.
func TestTopologyCheck(t *testing.T) {
	type edit func(hosts string) string
	cases := []struct {
		name  string
		inv   string   // inventories/NAME
		hosts []edit   // edits of its hosts file
		extra []string // -e arguments
		want  string   // "" passes; else the message the refusal must hold
	}{
		// The four lab topologies pass.
		{name: "lab (lvs_haproxy, external etcd)", inv: "lab"},
		{name: "lab-stacked (masters_vip, stacked etcd)", inv: "lab-stacked"},
		{name: "lab-masters-vip (masters_vip, external etcd)", inv: "lab-masters-vip"},
		{name: "lab-local-lb (local, stacked etcd)", inv: "lab-local-lb"},
		{name: "lvs_haproxy with stacked etcd", inv: "lab", hosts: []edit{emptyGroup("etcd")}, extra: []string{"etcd_mode=stacked"}},
		{name: "local with external etcd", inv: "lab-masters-vip", extra: []string{"lb_mode=local", `{"api_vip": ""}`}},

		// Any topology: names hapb does not know.
		{name: "unknown lb_mode", inv: "lab-stacked", extra: []string{"lb_mode=kube-vip"}, want: "lb_mode must be lvs_haproxy"},
		{name: "unknown etcd_mode", inv: "lab-stacked", extra: []string{"etcd_mode=kine"}, want: "etcd_mode external or stacked: got lb_mode masters_vip, etcd_mode kine"},

		// lvs_haproxy (the default) still refuses what it refused.
		{name: "lvs_haproxy: VIP outside the directors' subnet", inv: "lab", extra: []string{"api_vip=10.9.9.9"}, want: "must be inside lb_subnet"},
		{name: "lvs_haproxy: track weight below the priority gap", inv: "lab", extra: []string{"keepalived_track_weight=-10"}, want: "must exceed the largest priority gap"},
		{name: "lvs_haproxy: no director", inv: "lab-stacked", extra: []string{"lb_mode=lvs_haproxy"}, want: "need at least one host in lvs and in haproxy"},

		// masters_vip.
		{name: "masters_vip: HAProxy on the apiserver's port", inv: "lab-masters-vip", extra: []string{"api_lb_port=6443"},
			want: "api_lb_port (6443) must be a port of its own, not the apiserver's api_port 6443"},
		{name: "masters_vip: HAProxy on etcd's client port", inv: "lab-stacked", extra: []string{"api_lb_port=2379"},
			want: "api_lb_port (2379) must be a port of its own"},
		{name: "masters_vip: no api_lb_port", inv: "lab-masters-vip", extra: []string{`{"api_lb_port": null}`},
			want: "api_lb_port (unset) must be a port of its own"},
		{name: "masters_vip: VIP outside the masters' subnet", inv: "lab-masters-vip", extra: []string{"api_vip=10.9.9.9"},
			want: "lb_mode masters_vip: VIP 10.9.9.9 must be set, inside lb_subnet 192.168.33.0/24"},
		{name: "masters_vip: VIP is a master's address", inv: "lab-stacked", extra: []string{"api_vip=192.168.33.10"},
			want: "lb_mode masters_vip: VIP 192.168.33.10 must be set"},
		{name: "masters_vip: no VIP", inv: "lab-stacked", extra: []string{`{"api_vip": ""}`},
			want: "lb_mode masters_vip: the VIP (api_vip is empty) must be set"},
		{name: "masters_vip: LVS directors too", inv: "lab-masters-vip", hosts: []edit{addHost("lvs", "lvs01 ansible_host=192.168.33.132")},
			want: "lb_mode masters_vip puts keepalived and HAProxy on the masters: the lvs group (lvs01)"},
		{name: "masters_vip: an HAProxy tier too", inv: "lab-stacked", hosts: []edit{addHost("haproxy", "haproxy01 ansible_host=192.168.33.142")},
			want: "the haproxy group (haproxy01) must be empty"},
		{name: "masters_vip: track weight below the priority gap", inv: "lab-stacked", extra: []string{"keepalived_track_weight=-20"},
			want: "|keepalived_track_weight| (-20) must exceed the largest priority gap"},
		{name: "masters_vip: a master without a priority", inv: "lab-masters-vip", extra: []string{`{"keepalived_priorities": {"master": 120, "master2": 110}}`},
			want: "must give every master a distinct priority"},
		{name: "masters_vip: equal priorities", inv: "lab-stacked", extra: []string{`{"keepalived_priorities": {"master": 120, "master2": 110, "master3": 110}}`},
			want: "must give every master a distinct priority"},
		{name: "masters_vip: virtual_router_id in use on the segment", inv: "lab-stacked", extra: []string{`{"vrrp_router_ids_in_use": [51]}`},
			want: "lb_mode masters_vip, VRRP on the masters: virtual_router_id 51 must be 1-255, the same on every master and not one of vrrp_router_ids_in_use [51]"},
		{name: "masters_vip: auth_pass longer than 8", inv: "lab-masters-vip", extra: []string{"keepalived_auth_pass=123456789"},
			want: "keepalived_auth_pass must be 1-8 characters"},

		// local.
		{name: "local: a VIP", inv: "lab-local-lb", extra: []string{"api_vip=192.168.33.130"},
			want: "lb_mode local has no VIP (every node reaches the apiservers through its own 127.0.0.1:8443), but api_vip is 192.168.33.130"},
		{name: "local: LVS directors", inv: "lab-local-lb", hosts: []edit{addHost("lvs", "lvs01 ansible_host=192.168.33.132")},
			want: "lb_mode local balances on every node itself: the lvs group (lvs01)"},
		{name: "local: an HAProxy tier", inv: "lab-local-lb", hosts: []edit{addHost("haproxy", "haproxy01 ansible_host=192.168.33.142")},
			want: "the haproxy group (haproxy01) must be empty"},
		{name: "local: the balancer on the apiserver's port", inv: "lab-local-lb", extra: []string{"api_lb_port=6443"},
			want: "api_lb_port (6443) must differ from api_port 6443"},
		{name: "local: the balancer on kubelet's port", inv: "lab-local-lb", extra: []string{"api_lb_port=10250"},
			want: "api_lb_port (10250) must differ"},

		// stacked etcd.
		{name: "stacked: two masters", inv: "lab-stacked", hosts: []edit{dropHost("master3")},
			want: "etcd_mode stacked runs one etcd member on every master, so the masters group needs an odd number of hosts, at least 3"},
		{name: "stacked: four masters", inv: "lab-local-lb", hosts: []edit{addHost("masters", "master4 ansible_host=192.168.33.8")},
			want: "odd number of hosts, at least 3 (quorum n/2+1: 2 masters lose quorum with either, 4 tolerate no more failures than 3): it has 4"},
		{name: "stacked: hosts in the etcd group", inv: "lab-stacked", hosts: []edit{addHost("etcd", "etcd01 ansible_host=192.168.33.21")},
			want: "etcd_mode stacked: kubeadm runs etcd on the masters, but the etcd group has etcd01"},
		{name: "stacked: a master in the etcd group", inv: "lab-local-lb", hosts: []edit{addHost("etcd", "master")},
			want: "but the etcd group has master"},
		{name: "stacked: no etcd group at all", inv: "lab-stacked", hosts: []edit{dropGroup("etcd")}},

		// external etcd beside the new load balancing.
		{name: "masters_vip, external etcd: two etcd members", inv: "lab-masters-vip", hosts: []edit{dropHost("etcd03")},
			want: "odd number of members"},
		{name: "masters_vip, external etcd: etcd on a master", inv: "lab-masters-vip", hosts: []edit{dropHost("etcd03"), addHost("etcd", "master3")},
			want: "both etcd and masters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src, err := filepath.Abs(filepath.Join("..", "inventories", c.inv))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(src, "hosts"))
			if err != nil {
				t.Fatal(err)
			}
			hosts := string(b)
			for _, e := range c.hosts {
				hosts = e(hosts)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(hosts), 0o644); err != nil {
				t.Fatal(err)
			}
			// The inventory's own group_vars, through a link (the loader
			// follows links, as inventories/lab-* rely on).
			if err := os.Symlink(filepath.Join(src, "group_vars"), filepath.Join(dir, "group_vars")); err != nil {
				t.Fatal(err)
			}
			args := []string{"run", "../playbooks/topology-check.yml", "-i", dir, "--no-color", "-e", "ansible_connection=local"}
			for _, e := range c.extra {
				args = append(args, "-e", e)
			}
			cmd := exec.Command(hapbBin, args...)
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err = cmd.Run()
			// fail_msg is folded YAML: compare with the whitespace collapsed.
			flat := strings.Join(strings.Fields(out.String()), " ")
			switch {
			case c.want == "" && err != nil:
				t.Errorf("the topology check refused a working inventory (%v):\n%s", err, out.String())
			case c.want != "" && err == nil:
				t.Errorf("the topology check passed; want a refusal saying %q:\n%s", c.want, out.String())
			case c.want != "" && !strings.Contains(flat, c.want):
				t.Errorf("the refusal does not say %q:\n%s", c.want, out.String())
			case c.want != "" && strings.Count(flat, "FAILED!") != 1:
				t.Errorf("want exactly one refusal:\n%s", out.String())
			}
		})
	}
}

// addHost puts line into [group], making the group if the file has none.
func addHost(group, line string) func(string) string {
	return func(hosts string) string {
		head := "[" + group + "]\n"
		if i := strings.Index(hosts, head); i >= 0 {
			i += len(head)
			return hosts[:i] + line + "\n" + hosts[i:]
		}
		return hosts + "\n" + head + line + "\n"
	}
}

// dropLines keeps the inventory lines for which drop(section, line) is false;
// section is the [group] header the line is under (the header itself included).
func dropLines(drop func(section, line string) bool) func(string) string {
	return func(hosts string) string {
		var out []string
		section := ""
		for _, l := range strings.Split(hosts, "\n") {
			if t := strings.TrimSpace(l); strings.HasPrefix(t, "[") {
				section = t
			}
			if !drop(section, l) {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
}

// dropHost removes the line that defines host.
func dropHost(host string) func(string) string {
	return dropLines(func(_, l string) bool {
		f := strings.Fields(l)
		return len(f) > 0 && f[0] == host
	})
}

// emptyGroup removes the hosts of [group], keeping the group.
func emptyGroup(group string) func(string) string {
	return dropLines(func(section, l string) bool {
		t := strings.TrimSpace(l)
		return section == "["+group+"]" && t != "" && !strings.HasPrefix(t, "[") && !strings.HasPrefix(t, "#")
	})
}

// dropGroup removes [group] and its hosts.
func dropGroup(group string) func(string) string {
	return dropLines(func(section, _ string) bool { return section == "["+group+"]" })
}

// TestTopologyCheckStopsTheRun: a refusal ends the whole run, as site.yml
// needs. The checks run once, on the first host; without any_errors_fatal
// on the play, the other hosts went on into the next plays.
func TestTopologyCheckStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	tc, err := filepath.Abs("../playbooks/topology-check.yml")
	if err != nil {
		t.Fatal(err)
	}
	pb := filepath.Join(dir, "site.yml")
	if err := os.WriteFile(pb, []byte("- import_playbook: "+tc+"\n- hosts: all\n  gather_facts: false\n  tasks:\n    - debug:\n        msg: NEXT-PLAY-RAN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ inv, extra string }{
		{"lab", `{"vrrp_router_ids_in_use": [51]}`},
		{"lab-stacked", "lb_mode=bogus"},
		{"lab-local-lb", "api_vip=192.168.33.130"},
	} {
		cmd := exec.Command(hapbBin, "run", pb, "-i", "../inventories/"+c.inv, "--no-color", "-e", "ansible_connection=local", "-e", c.extra)
		out, err := cmd.CombinedOutput()
		if err == nil || bytes.Contains(out, []byte("NEXT-PLAY-RAN")) {
			t.Errorf("%s -e %s: the run went on after the refusal (%v):\n%s", c.inv, c.extra, err, out)
		}
	}
}

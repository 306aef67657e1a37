package test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestTopologyRender renders, without the lab, the configuration files the
// load-balancer and kubeadm plays write (haproxy.cfg, keepalived.conf and
// its track script, the LVS real-server unit, kubeadm's init and join
// configurations) for every lab topology, and compares them with
// testdata/topologies/INVENTORY/HOST/ROLE/FILE (-update rewrites them).
// The plays are the real playbooks with each role replaced by a stub that
// keeps the role's defaults, vars and templates and only renders its
// templates: the `when`s and role parameters of the plays apply as in
// site.yml. For inventories/lab the golden files are the configuration the
// default topology wrote before lb_mode existed: it must not change.
func TestTopologyRender(t *testing.T) {
	playbooks := []string{"lvs-keepalived.yml", "haproxy.yml", "masters-lb.yml", "local-lb.yml", "kubeadm-init.yml", "join.yml"}
	hosts := "lvs01,haproxy01,master,master2,node1,client"
	for _, inv := range []string{"lab", "lab-stacked", "lab-masters-vip", "lab-local-lb"} {
		t.Run(inv, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			// Made here: hosts making it at once in parallel race (the file
			// module's mkdir of a missing parent fails with "File exists").
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			var site strings.Builder
			roles := map[string]bool{}
			// A role of a play (`- role: x`, `- x`) or of an import_role
			// (`name: x`); the task files an import_role names (tasks_from)
			// render nothing more than the role's main.yml does.
			roleLine := regexp.MustCompile(`(?m)^(\s*-\s+(?:role:\s*)?|\s+name:\s*)([a-z_]+)\s*$`)
			tasksFrom := regexp.MustCompile(`(?m)^\s+tasks_from:\s*(\S+)\s*$`)
			var froms []string
			for _, pb := range playbooks {
				b, err := os.ReadFile(filepath.Join("..", "playbooks", pb))
				if err != nil {
					t.Fatal(err)
				}
				// Role names (a `- name` or `- role: name` line of a roles
				// list) become their stubs.
				text := roleLine.ReplaceAllStringFunc(string(b), func(l string) string {
					m := roleLine.FindStringSubmatch(l)
					roles[m[2]] = true
					return m[1] + "stub_" + m[2]
				})
				for _, m := range tasksFrom.FindAllStringSubmatch(text, -1) {
					froms = append(froms, m[1])
				}
				if err := os.WriteFile(filepath.Join(dir, pb), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&site, "- import_playbook: %s\n", pb)
			}
			for r := range roles {
				stubRole(t, dir, r, froms)
			}
			if err := os.WriteFile(filepath.Join(dir, "site.yml"), []byte(site.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(hapbBin, "run", filepath.Join(dir, "site.yml"), "-i", "../inventories/"+inv, "--limit", hosts,
				"--no-color", "-e", "ansible_connection=local", "-e", "render_out="+out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("rendering: %v\n%s", err, b)
			}
			compareTree(t, out, filepath.Join("testdata", "topologies", inv))
		})
	}
}

// stubRole writes roles/stub_NAME: the real role's defaults, vars and
// templates (linked), and tasks that set the facts its templates read and
// render every template to render_out/HOST/NAME/; the task files in froms
// (an import_role's tasks_from) do nothing.
func stubRole(t *testing.T, dir, name string, froms []string) {
	t.Helper()
	real, err := filepath.Abs(filepath.Join("..", "roles", name))
	if err != nil {
		t.Fatal(err)
	}
	stub := filepath.Join(dir, "roles", "stub_"+name)
	if err := os.MkdirAll(filepath.Join(stub, "tasks"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"defaults", "vars", "templates"} {
		if _, err := os.Stat(filepath.Join(real, d)); err == nil {
			if err := os.Symlink(filepath.Join(real, d), filepath.Join(stub, d)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var tasks strings.Builder
	// The facts the roles' own tasks would set first (from the host or the
	// first master), with fixed values.
	facts := map[string]string{
		"kubeadm_control_plane": "kubeadm_token: abcdef.0123456789abcdef\n    kubeadm_certificate_key: \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
		"kubeadm_join":          "kubeadm_join: {token: abcdef.0123456789abcdef, certificate_key: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, ca_cert_hash: \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}",
		"lvs_keepalived":        keepalivedFacts,
		"masters_lb":            keepalivedFacts,
	}
	if f, ok := facts[name]; ok {
		fmt.Fprintf(&tasks, "- name: facts\n  set_fact:\n    %s\n", f)
	}
	fmt.Fprintf(&tasks, "- name: output directory\n  file: {path: \"{{ .render_out }}/{{ .inventory_hostname }}/%s\", state: directory}\n  delegate_to: localhost\n", name)
	tmpls, _ := filepath.Glob(filepath.Join(real, "templates", "*"))
	for _, tp := range tmpls {
		b := filepath.Base(tp)
		fmt.Fprintf(&tasks, "- name: render %s\n  template: {src: %s, dest: \"{{ .render_out }}/{{ .inventory_hostname }}/%s/%s\"}\n", b, b, name, b)
	}
	if tasks.Len() == 0 || len(tmpls) == 0 {
		tasks.WriteString("- name: nothing to render\n  debug: {msg: none}\n")
	}
	if err := os.WriteFile(filepath.Join(stub, "tasks", "main.yml"), []byte(tasks.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range froms {
		if err := os.WriteFile(filepath.Join(stub, "tasks", f), []byte("- name: nothing to render\n  debug: {msg: none}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const keepalivedFacts = `keepalived_iface: eth0
    keepalived_vip_prefix: "24"
    keepalived_priority: "{{ index .keepalived_priorities .inventory_hostname }}"
    keepalived_is_master: "{{ eq (index .keepalived_priorities .inventory_hostname | int) (values .keepalived_priorities | sort | last | int) }}"`

// compareTree compares every file under got with the same path under want
// (or writes want with -update).
func compareTree(t *testing.T, got, want string) {
	t.Helper()
	files := map[string][]byte{}
	_ = filepath.WalkDir(got, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(got, p)
			files[rel] = b
		}
		return nil
	})
	if *update {
		os.RemoveAll(want)
		for rel, b := range files {
			p := filepath.Join(want, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var names []string
	_ = filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(want, p)
			names = append(names, rel)
			if _, ok := files[rel]; !ok {
				t.Errorf("%s was not rendered", rel)
			}
		}
		return nil
	})
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("no golden files in %s (run with -update)", want)
	}
	for rel, b := range files {
		w, err := os.ReadFile(filepath.Join(want, rel))
		if err != nil {
			t.Errorf("%s: rendered but no golden file (run with -update if intended)", rel)
			continue
		}
		if !bytes.Equal(w, b) {
			t.Errorf("%s differs from its golden file (rerun with -update if intended):\n%s", rel, lineDiff(string(w), string(b)))
		}
	}
}

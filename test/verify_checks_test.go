package test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/modules"
)

// TestVerifyCrossHostChecks evaluates the cross-host checks of
// playbooks/verify.yml, as written there, over the facts the probes report
// for two directors and three etcd members: all of them reported, and a
// --limit run that reports some. A check that needs the whole group (one
// VIP holder, the leader among the members) must not fail for the hosts
// the run left out, and must still fail on what the reported hosts show.
func TestVerifyCrossHostChecks(t *testing.T) {
	lvs := func(holds string, prio int) string {
		return "FACT\tkeepalived\tactive\nFACT\tholds_vip\t" + holds + "\nFACT\tpriority\t" + strconv.Itoa(prio) + "\nFACT\tvrid\t51\n"
	}
	etcd := func(id, leader string) string {
		return "FACT\tmember_id\t" + id + "\nFACT\tleader\t" + leader + "\nFACT\traft_term\t4\n"
	}
	all := map[string]string{
		"lvs01": lvs("yes", 120), "lvs02": lvs("no", 100),
		"etcd01": etcd("7", "7"), "etcd02": etcd("8", "7"), "etcd03": etcd("9", "7"),
	}
	with := func(edits map[string]string) map[string]string {
		out := map[string]string{}
		for h, s := range all {
			out[h] = s
		}
		for h, s := range edits {
			out[h] = s
		}
		return out
	}
	tests := []struct {
		name    string
		reports map[string]string
		hosts   []string          // reported (the play's hosts)
		want    map[string]string // check -> its status, or "STATUS: saw"
	}{
		{"all reported", all, []string{"lvs01", "lvs02", "etcd01", "etcd02", "etcd03"},
			map[string]string{"VIP on exactly one director": "PASS: on lvs01", "etcd has one leader, the same for every member": "PASS"}},
		{"--limit lvs02,etcd02: the VIP and the leader elsewhere", all, []string{"lvs02", "etcd02"},
			map[string]string{"VIP on exactly one director": "PASS: not on lvs02 (the other directors are not in this run)", "etcd has one leader, the same for every member": "PASS"}},
		{"--limit lvs02 holding the VIP", with(map[string]string{"lvs01": lvs("no", 120), "lvs02": lvs("yes", 100)}), []string{"lvs02"},
			map[string]string{"VIP on exactly one director": "PASS: on lvs02"}},
		{"VIP on no director", with(map[string]string{"lvs01": lvs("no", 120)}), []string{"lvs01", "lvs02"},
			map[string]string{"VIP on exactly one director": "FAIL: on no director"}},
		{"--limit lvs01,lvs02 both holding", with(map[string]string{"lvs02": lvs("yes", 100)}), []string{"lvs01", "lvs02", "etcd01"},
			map[string]string{"VIP on exactly one director": "FAIL: on lvs01, lvs02"}},
		{"a leader that is no member", with(map[string]string{"etcd01": etcd("7", "5"), "etcd02": etcd("8", "5"), "etcd03": etcd("9", "5")}),
			[]string{"etcd01", "etcd02", "etcd03"}, map[string]string{"etcd has one leader, the same for every member": "FAIL"}},
		{"--limit etcd02,etcd03 disagreeing", with(map[string]string{"etcd03": etcd("9", "8")}), []string{"etcd02", "etcd03"},
			map[string]string{"etcd has one leader, the same for every member": "FAIL"}},
	}
	args := verifyReportArgs(t)
	m, ok := modules.Lookup("health_report")
	if !ok {
		t.Fatal("health_report is not registered")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hostvars := map[string]any{}
			for _, h := range tt.hosts {
				probe := "verify_lvs"
				if strings.HasPrefix(h, "etcd") {
					probe = "verify_etcd"
				}
				hostvars[h] = map[string]any{probe: map[string]any{"stdout": tt.reports[h], "rc": 0, "stderr": ""}}
			}
			vars := map[string]any{
				"groups":   map[string][]string{"lvs": {"lvs01", "lvs02"}, "etcd": {"etcd01", "etcd02", "etcd03"}},
				"hostvars": hostvars,
			}
			a := map[string]any{}
			for k, v := range args {
				a[k] = v
			}
			hosts := make([]any, len(tt.hosts))
			for i, h := range tt.hosts {
				hosts[i] = h
			}
			a["hosts"] = hosts
			p := m.NewParams()
			if err := params.Decode(a, p); err != nil {
				t.Fatal(err)
			}
			res, _ := modules.Execute(context.Background(), m, &modules.Task{Vars: vars}, p)
			got := map[string]string{}
			for _, r := range res.Data["rows"].([]any) {
				row := r.(map[string]any)
				if row["host"] == "-" {
					got[row["check"].(string)] = row["status"].(string) + ": " + row["saw"].(string)
				}
			}
			for check, want := range tt.want {
				g := got[check]
				if !strings.Contains(want, ": ") {
					g, _, _ = strings.Cut(g, ": ")
				}
				if g != want {
					t.Errorf("%s: %q, want %q\n%s", check, got[check], want, res.Output)
				}
			}
		})
	}
}

// verifyReportArgs are the arguments of verify.yml's health_report task.
func verifyReportArgs(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../playbooks/verify.yml")
	if err != nil {
		t.Fatal(err)
	}
	var plays []struct {
		PostTasks []map[string]any `yaml:"post_tasks"`
	}
	if err := yaml.Unmarshal(b, &plays); err != nil {
		t.Fatal(err)
	}
	for _, p := range plays {
		for _, task := range p.PostTasks {
			if a, ok := task["health_report"].(map[string]any); ok {
				return a
			}
		}
	}
	t.Fatal("verify.yml: no health_report task")
	return nil
}

package modules

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// healthVars are the variables of a small cluster: two directors, two etcd
// members, a master whose probe crashed, an unreachable host and one in
// no probed group.
func healthVars(lvs01, lvs02 string) map[string]any {
	probe := func(stdout string, rc int) map[string]any {
		return map[string]any{"stdout": stdout, "rc": rc, "stderr": ""}
	}
	return map[string]any{
		"groups": map[string][]string{ // as the runner sets it
			"lvs":  {"lvs01", "lvs02"},
			"etcd": {"etcd01", "etcd02"},
		},
		"hostvars": map[string]any{
			"lvs01":   map[string]any{"verify_lvs": probe(lvs01, 0)},
			"lvs02":   map[string]any{"verify_lvs": probe(lvs02, 0)},
			"etcd01":  map[string]any{"verify_etcd": probe("PASS\tetcd healthy\thealthy\nFACT\tleader\t7\nFACT\tmember_id\t7\nFACT\traft_term\t3\n", 0)},
			"etcd02":  map[string]any{"verify_etcd": probe("noise that is not a row\nWARN\tetcd DB size\t7 GiB, 85%\tdefragment\nFACT\tleader\t7\nFACT\tmember_id\t9\nFACT\traft_term\t3\n", 0)},
			"master":  map[string]any{"verify_master": map[string]any{"stdout": "", "rc": 127, "stderr": "bash: openssl: command not found\nmore"}},
			"gone":    map[string]any{"verify_master": map[string]any{"unreachable": true, "msg": "dial tcp: i/o timeout"}},
			"skipped": map[string]any{"verify_lvs": map[string]any{"skipped": true}},
		},
	}
}

var healthArgs = map[string]any{
	"title":  "verify",
	"hosts":  []any{"lvs01", "lvs02", "etcd01", "etcd02", "master", "gone", "skipped"},
	"probes": []any{"verify_lvs", "verify_etcd", "verify_master"},
	"checks": []any{
		map[string]any{"name": "VIP on exactly one director", "that": `count(groups.lvs, reports[#].holds_vip == "yes") == 1`,
			"saw": `join(filter(groups.lvs, reports[#].holds_vip == "yes"), ", ")`, "fix": "check keepalived"},
		map[string]any{"name": "etcd leader agreed", "that": `all(groups.etcd, reports[#].leader == reports[groups.etcd[0]].leader)`},
		map[string]any{"name": "a warning only", "that": "false", "warn": true, "fix": "look"},
		map[string]any{"name": "cannot tell", "that": `int(reports.nobody.x) > 1`},
	},
}

func TestHealthReport(t *testing.T) {
	tests := []struct {
		name           string
		lvs01, lvs02   string
		failed         bool
		pass, warn, fl int
	}{
		{"one VIP holder", "PASS\tkeepalived running\tactive\nFACT\tholds_vip\tyes\n", "PASS\tkeepalived running\tactive\nFACT\tholds_vip\tno\n", true, 5, 2, 3},
		{"VIP on both", "FACT\tholds_vip\tyes\n", "FACT\tholds_vip\tyes\n", true, 2, 2, 4},
	}
	for _, tt := range tests {
		r := mustPlanApply(t, "health_report", &Task{Vars: healthVars(tt.lvs01, tt.lvs02)}, healthArgs)
		if r.Failed != tt.failed || r.Changed || r.Data["passed"] != tt.pass || r.Data["warned"] != tt.warn || r.Data["failed"] != tt.fl {
			t.Errorf("%s: failed=%v changed=%v passed=%v warned=%v failed=%v\n%s", tt.name, r.Failed, r.Changed,
				r.Data["passed"], r.Data["warned"], r.Data["failed"], r.Output)
		}
		golden := filepath.Join("testdata", "health_report", tt.name+".txt")
		if *updateGolden {
			os.WriteFile(golden, []byte(r.Output+"\n"), 0o644)
		}
		if want, _ := os.ReadFile(golden); string(want) != r.Output+"\n" {
			t.Errorf("%s: table differs from %s (go test ./modules -run TestHealthReport -update):\n%s", tt.name, golden, r.Output)
		}
	}
}

func TestHealthReportAllPass(t *testing.T) {
	vars := healthVars("PASS\tkeepalived\tactive\nFACT\tholds_vip\tyes\n", "FACT\tholds_vip\tno\n")
	args := map[string]any{"hosts": []any{"lvs01", "lvs02"}, "probes": []any{"verify_lvs"},
		"checks": []any{healthArgs["checks"].([]any)[0]}}
	r := mustPlanApply(t, "health_report", &Task{Vars: vars}, args)
	if r.Failed || r.Msg != "health report: all 2 checks passed (0 warnings)" {
		t.Errorf("all pass: failed=%v msg=%q\n%s", r.Failed, r.Msg, r.Output)
	}
	rows := r.Data["rows"].([]any)
	if want := map[string]any{"status": "PASS", "host": "-", "check": "VIP on exactly one director", "saw": "lvs01"}; len(rows) != 2 || !equalMap(rows[1].(map[string]any), want) {
		t.Errorf("rows: %v", rows)
	}
}

func equalMap(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A --limit run reports some hosts: the cross-host checks see only the
// reported members of each group, not the ones left out of the run.
func TestHealthReportLimitedHosts(t *testing.T) {
	vars := healthVars("FACT\tholds_vip\tyes\n", "FACT\tholds_vip\tyes\n")
	args := map[string]any{"hosts": []any{"lvs01", "etcd02"}, "probes": []any{"verify_lvs", "verify_etcd"},
		"checks": healthArgs["checks"].([]any)[:2]}
	r := mustPlanApply(t, "health_report", &Task{Vars: vars}, args)
	if r.Failed || r.Data["failed"] != 0 {
		t.Errorf("limited to lvs01 and etcd02: failed=%v\n%s", r.Failed, r.Output)
	}
}

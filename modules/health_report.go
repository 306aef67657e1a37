package modules

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/hapb/hapb/engine/tmpl"
)

func init() { Define("health_report", healthReportDoc, healthReportPlan, OnController) }

// A health probe is a read-only task (usually `shell` with check_mode:
// false) whose stdout has one line per finding, fields separated by tabs:
//
//	PASS|WARN|FAIL  CHECK  SAW  FIX    a row of the report
//	FACT            KEY    VALUE       a value for the cross-host checks
//
// Other lines are ignored. What a host printed is data: it is shown, never
// rendered or evaluated.
type healthReportParams struct {
	Hosts  []string      `yaml:"hosts" required:"true" doc:"the hosts whose probes are reported; a host that answered none is a FAIL row"`
	Probes []string      `yaml:"probes" required:"true" doc:"the registered results (variable names) of the probe tasks, read on every host"`
	Checks []healthCheck `yaml:"checks" doc:"cross-host checks evaluated on the controller over the variables and reports (host -> FACT key -> value); groups holds only the reported hosts, and partial_groups names (true) the groups of which a run reported only some (--limit)"`
	Title  string        `yaml:"title" default:"health report" doc:"the report's heading"`
}

type healthCheck struct {
	Name string     `yaml:"name" required:"true" doc:"what is checked"`
	That *tmpl.Expr `yaml:"that" required:"true" doc:"an expression that holds when the check passes"`
	Saw  *tmpl.Expr `yaml:"saw" doc:"an expression for what was seen, shown in the row"`
	Fix  string     `yaml:"fix" doc:"what to do when it does not hold"`
	Warn bool       `yaml:"warn" doc:"a failing check is a warning, not a failure"`
}

// HealthRow is one row of the report.
type HealthRow struct {
	Status, Host, Check, Saw, Fix string
}

const healthReportDoc = "Gathers the findings of read-only health probes on many hosts, and cross-host checks, into one PASS/WARN/FAIL table; fails when a row failed."

var hostResultExpr = tmpl.MustCompileExpr("hostvars[host][probe]")

func healthReportPlan(ctx context.Context, t *Task, p *healthReportParams) (*Plan, error) {
	var rows []HealthRow
	reports := map[string]any{}
	env := make(map[string]any, len(t.Vars)+3)
	for k, v := range t.Vars {
		env[k] = v
	}
	for _, h := range p.Hosts {
		facts := map[string]any{}
		reports[h] = facts
		answered := false
		for _, probe := range p.Probes {
			env["host"], env["probe"] = h, probe
			v, err := hostResultExpr.Eval(env)
			r, _ := v.(map[string]any)
			if err != nil || r == nil {
				continue
			}
			if r["skipped"] == true { // not in the probe's group
				answered = true
				continue
			}
			if r["unreachable"] == true {
				rows = append(rows, HealthRow{"FAIL", h, probe, "unreachable: " + tmpl.ToString(r["msg"]), "bring the host back or fix its SSH access"})
				answered = true
				continue
			}
			answered = true
			found := parseHealthLines(h, tmpl.ToString(r["stdout"]), facts)
			rows = append(rows, found...)
			if rc, _ := r["rc"].(int); rc != 0 && len(found) == 0 {
				rows = append(rows, HealthRow{"FAIL", h, probe, fmt.Sprintf("the probe exited %d: %s", rc, firstLine(tmpl.ToString(r["stderr"]))), "run the probe by hand on the host"})
			}
		}
		if !answered {
			rows = append(rows, HealthRow{"FAIL", h, "probes", "no probe ran (unreachable, or failed before the probes)", "check the host is up and reachable over SSH"})
		}
	}
	delete(env, "host")
	delete(env, "probe")
	env["reports"] = reports
	// A check that needs a whole group (one VIP holder among the
	// directors, the etcd leader among the members) can tell a group
	// only partly reported from one that breaks the rule.
	env["groups"], env["partial_groups"] = reportedGroups(env["groups"], p.Hosts)
	for _, c := range p.Checks {
		rows = append(rows, c.eval(env))
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Status]++
	}
	data := map[string]any{"rows": healthRowsData(rows), "passed": counts["PASS"], "warned": counts["WARN"], "failed": counts["FAIL"]}
	res := Result{Data: data, Output: renderHealthTable(p.Title, rows, counts)}
	if counts["FAIL"] > 0 {
		res.Msg = fmt.Sprintf("%s: %d of %d checks failed", p.Title, counts["FAIL"], len(rows))
		return nil, Fail(res)
	}
	res.Msg = fmt.Sprintf("%s: all %d checks passed (%d warnings)", p.Title, len(rows), counts["WARN"])
	return &Plan{Result: res}, nil
}

// reportedGroups narrows the inventory's groups to the reported hosts, so
// that a cross-host check over groups.etcd, say, judges the members that
// were probed (a --limit run) and not the ones left out; partial has true
// for each group some of whose hosts were left out.
func reportedGroups(groups any, hosts []string) (reported, partial map[string]any) {
	in := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		in[h] = true
	}
	reported, partial = map[string]any{}, map[string]any{}
	gv := reflect.ValueOf(groups) // map[string][]string from the runner, map[string]any from YAML
	if gv.Kind() != reflect.Map {
		return reported, partial
	}
	for it := gv.MapRange(); it.Next(); {
		ms := reflect.Indirect(it.Value())
		if ms.Kind() == reflect.Interface {
			ms = ms.Elem()
		}
		if ms.Kind() != reflect.Slice {
			continue
		}
		var kept []any
		for i := 0; i < ms.Len(); i++ {
			if m, ok := ms.Index(i).Interface().(string); ok && in[m] {
				kept = append(kept, m)
			} else if ok {
				partial[it.Key().String()] = true
			}
		}
		if len(kept) > 0 {
			reported[it.Key().String()] = kept
		}
	}
	return reported, partial
}

func (c healthCheck) eval(env map[string]any) HealthRow {
	row := HealthRow{Status: "PASS", Host: "-", Check: c.Name}
	ok, err := c.That.Bool(env)
	if c.Saw != nil {
		if v, serr := c.Saw.Eval(env); serr == nil {
			row.Saw = tmpl.ToString(v)
		} else {
			row.Saw = "cannot tell: " + serr.Error()
		}
	}
	switch {
	case err != nil:
		row.Status, row.Saw = "FAIL", "cannot tell: "+err.Error()
	case !ok && c.Warn:
		row.Status = "WARN"
	case !ok:
		row.Status = "FAIL"
	}
	if row.Status != "PASS" {
		row.Fix = c.Fix
	}
	return row
}

// parseHealthLines reads a probe's stdout: rows for the report, facts into
// facts.
func parseHealthLines(host, out string, facts map[string]any) []HealthRow {
	var rows []HealthRow
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		switch f[0] {
		case "PASS", "WARN", "FAIL":
			if len(f) < 2 {
				continue
			}
			r := HealthRow{Status: f[0], Host: host, Check: f[1]}
			if len(f) > 2 {
				r.Saw = f[2]
			}
			if len(f) > 3 && r.Status != "PASS" {
				r.Fix = strings.Join(f[3:], " ")
			}
			rows = append(rows, r)
		case "FACT":
			if len(f) >= 3 {
				facts[f[1]] = strings.Join(f[2:], "\t")
			}
		}
	}
	return rows
}

func healthRowsData(rows []HealthRow) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		m := map[string]any{"status": r.Status, "host": r.Host, "check": r.Check, "saw": r.Saw}
		if r.Fix != "" {
			m["fix"] = r.Fix
		}
		out[i] = m
	}
	return out
}

// renderHealthTable lays the rows out in columns, failures first within
// the order the probes gave, each non-passing row followed by what to do.
func renderHealthTable(title string, rows []HealthRow, counts map[string]int) string {
	sorted := append([]HealthRow(nil), rows...)
	rank := map[string]int{"FAIL": 0, "WARN": 1, "PASS": 2}
	sort.SliceStable(sorted, func(i, j int) bool { return rank[sorted[i].Status] < rank[sorted[j].Status] })
	wh, wc := len("HOST"), len("CHECK")
	for _, r := range sorted {
		wh, wc = max(wh, len(r.Host)), max(wc, len(r.Check))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d PASS, %d WARN, %d FAIL\n", title, counts["PASS"], counts["WARN"], counts["FAIL"])
	line := func(status, host, check, text string) {
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-6s %-*s %-*s %s", status, wh, host, wc, check, text), " "))
		b.WriteByte('\n')
	}
	line("STATUS", "HOST", "CHECK", "SAW")
	for _, r := range sorted {
		line(r.Status, r.Host, r.Check, r.Saw)
		if r.Fix != "" {
			line("", "", "", "-> "+r.Fix)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

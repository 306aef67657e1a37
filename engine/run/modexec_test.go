package run

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// plans is a test module that plans to write a path, and, with Read,
// reports whether an earlier task planned it on this host.
type plans struct{}

type plansParams struct {
	Path string `yaml:"path"`
	Read bool   `yaml:"read"`
}

func (plans) Doc() string    { return "test module" }
func (plans) NewParams() any { return &plansParams{} }
func (plans) Plan(ctx context.Context, t *modules.Task, p any) (*modules.Plan, error) {
	pp := p.(*plansParams)
	if pp.Read {
		if _, ok := t.Effects.Planned(modules.PathEffect, pp.Path); ok {
			return &modules.Plan{Result: modules.Result{Msg: "planned"}}, nil
		}
		return &modules.Plan{Result: modules.Result{Failed: true, Msg: "not planned"}}, nil
	}
	return &modules.Plan{Result: modules.Result{Changed: true},
		Effects: []modules.Effect{{Kind: modules.PathEffect, Name: pp.Path, State: "file"}},
		Apply:   func(ctx context.Context, r *modules.Result) error { return nil }}, nil
}

// TestPlannedEffectsAcrossPlays: in check mode what a task plans on a host
// is seen by later tasks on that host only, in later plays too; outside
// check mode the host's state is the truth and nothing is planned.
func TestPlannedEffectsAcrossPlays(t *testing.T) {
	first, _ := tmpl.CompileExpr(`node_index == 0`)
	task := func(name string, p *plansParams, when ...*tmpl.Expr) *playbook.Task {
		return &playbook.Task{Name: name, Action: "plans", Module: plans{}, Params: p, When: when}
	}
	pb := &playbook.Playbook{Plays: []*playbook.Play{
		{Name: "make", Hosts: "all", Tasks: []*playbook.Task{task("write", &plansParams{Path: "/etc/x"}, first)}},
		{Name: "use", Hosts: "all", Tasks: []*playbook.Task{task("read", &plansParams{Path: "/etc/x/", Read: true})}},
	}}
	tests := []struct {
		check bool
		want0 string // the read task's result line on each host
		want1 string
	}{
		{true, "ok: [host0000]", "fatal: [host0001]"},
		{false, "fatal: [host0000]", "fatal: [host0001]"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		_, err := Run(context.Background(), pb, Options{Inventory: newMemInventory(2), Connector: memConnector{},
			Reporter: &report.Text{W: &out}, Check: tt.check})
		if err != nil {
			t.Fatal(err)
		}
		read := out.String()[strings.Index(out.String(), "TASK [read]"):]
		if !strings.Contains(read, tt.want0) || !strings.Contains(read, tt.want1) {
			t.Errorf("check=%v:\n%s", tt.check, read)
		}
	}
}

// TestPlannedResultConditions: under --check a change planned and not
// applied has no result yet (a command's rc and output), so changed_when
// reading it makes the task unknown until applied, and failed_when reading
// it is not asked; conditions that do not read it, and a task that runs in
// check mode too (check_mode: false), are judged as always.
func TestPlannedResultConditions(t *testing.T) {
	cond := func(src string) []*tmpl.Expr { return []*tmpl.Expr{tmpl.MustCompileExpr(src)} }
	no := false
	tests := []struct {
		name      string
		changed   []*tmpl.Expr
		failed    []*tmpl.Expr
		checkMode *bool
		want      string // in the task's output
	}{
		{"changed_when reads the result", cond(`r.msg == "x"`), nil, nil, "changed: [host0000]"},
		{"changed_when reads it (message)", cond(`r.msg == "x"`), nil, nil, "unknown until applied: changed_when reads r"},
		{"changed_when constant", cond(`false`), nil, nil, "ok: [host0000]"},
		{"failed_when reads the result", cond(`false`), cond(`r.msg == ""`), nil, "ok: [host0000]"},
		{"check_mode false judges", cond(`r.changed`), cond(`r.msg == ""`), &no, "fatal: [host0000]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := &playbook.Task{Name: "t", Action: "plans", Module: plans{}, Params: &plansParams{Path: "/etc/x"},
				Register: "r", ChangedWhen: tt.changed, FailedWhen: tt.failed, CheckMode: tt.checkMode}
			pb := &playbook.Playbook{Plays: []*playbook.Play{{Name: "p", Hosts: "all", Tasks: []*playbook.Task{task}}}}
			var out bytes.Buffer
			_, err := Run(context.Background(), pb, Options{Inventory: newMemInventory(1), Connector: memConnector{},
				Reporter: &report.Text{W: &out, Verbosity: 1}, Check: true})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("want %q in:\n%s", tt.want, out.String())
			}
		})
	}
}

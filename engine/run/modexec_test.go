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

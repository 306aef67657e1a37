package modules

import (
	"context"
	"strings"
	"testing"
)

type defineParams struct {
	N int `yaml:"n"`
}

func TestDefineCapabilities(t *testing.T) {
	plan := func(ctx context.Context, t *Task, p *defineParams) (*Plan, error) {
		return &Plan{Result: Result{Msg: strings.Repeat("x", p.N)}}, nil
	}
	tests := []struct {
		name     string
		caps     []Capability
		has      []Capability
		hasNot   []Capability
		freeForm string
	}{
		{"test_plain", nil, nil, []Capability{OnController, GathersFacts, IncludesVars, ShowsData, ChangesNoHost}, ""},
		{"test_local", []Capability{OnController, ShowsData}, []Capability{OnController, ShowsData}, []Capability{GathersFacts}, ""},
		{"test_facts", []Capability{GathersFacts, ChangesNoHost}, []Capability{GathersFacts, ChangesNoHost}, []Capability{OnController}, ""},
		{"test_free", []Capability{FreeFormArg("cmd"), IncludesVars}, []Capability{IncludesVars}, []Capability{OnController}, "cmd"},
	}
	for _, tt := range tests {
		m := Define(tt.name, "doc", plan, tt.caps...)
		defer delete(registry, tt.name)
		if got, ok := Lookup(tt.name); !ok || got != m {
			t.Errorf("%s: not registered", tt.name)
		}
		for _, c := range tt.has {
			if !Has(m, c) {
				t.Errorf("%s: lacks a capability it was given", tt.name)
			}
		}
		for _, c := range tt.hasNot {
			if Has(m, c) {
				t.Errorf("%s: has a capability it was not given", tt.name)
			}
		}
		ff, ok := m.(FreeForm)
		if ok != (tt.freeForm != "") || (ok && ff.FreeFormParam() != tt.freeForm) {
			t.Errorf("%s: free form %v", tt.name, ok)
		}
		p, ok := m.NewParams().(*defineParams)
		if !ok {
			t.Fatalf("%s: params %T", tt.name, m.NewParams())
		}
		p.N = 2
		if r, err := m.Plan(context.Background(), &Task{}, p); err != nil || r.Msg != "xx" {
			t.Errorf("%s: plan %v %v", tt.name, r, err)
		}
		if _, err := m.Plan(context.Background(), &Task{}, &struct{}{}); err == nil {
			t.Errorf("%s: wrong params accepted", tt.name)
		}
	}
}

func TestGatherer(t *testing.T) {
	if name, m, ok := Gatherer(); !ok || name != "setup" || !Has(m, ChangesNoHost) {
		t.Errorf("Gatherer() = %s, %v", name, ok)
	}
}

// Has is asked for every result a task reports: it must not allocate.
func TestHasAllocates(t *testing.T) {
	m, _ := Lookup("debug")
	if n := testing.AllocsPerRun(100, func() { Has(m, ShowsData) }); n != 0 {
		t.Errorf("Has: %v allocations a call, want 0", n)
	}
}

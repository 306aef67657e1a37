package modules

import (
	"context"
	"fmt"
)

// PlanFunc is a module's Plan over its own params type P: the params struct
// the loader decoded (or *map[string]any for free keys), never any.
type PlanFunc[P any] func(ctx context.Context, t *Task, p *P) (*Plan, error)

// Capability is an optional property of a module, given to Define. The
// executor and the loader never know modules by name: they ask the module
// through the interfaces below. It takes and returns the set by value: Has
// calls one per result, and a pointer given to a func value escapes (an
// allocation a call).
type Capability func(capabilities) capabilities

type capabilities struct {
	local, facts, included, showsData, readOnly bool
	freeForm                                    string
}

var (
	// OnController: the module never touches the host (debug, set_fact,
	// x509), so the executor opens no connection for it.
	OnController Capability = func(c capabilities) capabilities { c.local = true; return c }
	// GathersFacts: the module's facts are the host's gathered facts
	// (setup); the play's gather_facts runs it.
	GathersFacts Capability = func(c capabilities) capabilities { c.facts = true; return c }
	// IncludesVars: the module's facts are included variables
	// (include_vars), which rank below set_fact and register.
	IncludesVars Capability = func(c capabilities) capabilities { c.included = true; return c }
	// ShowsData: the result's data is what the task shows (debug).
	ShowsData Capability = func(c capabilities) capabilities { c.showsData = true; return c }
	// ChangesNoHost: the module reads a host but never changes it (stat,
	// slurp, setup; fetch writes only the controller), so Execute keeps no
	// planned effects from it.
	ChangesNoHost Capability = func(c capabilities) capabilities { c.readOnly = true; return c }
)

// FreeFormArg: a bare string (`shell: echo hi`) fills parameter param.
func FreeFormArg(param string) Capability {
	return func(c capabilities) capabilities { c.freeForm = param; return c }
}

// FactGatherer is a module that gathers the host's facts.
type FactGatherer interface{ GathersFacts() bool }

// VarsIncluder is a module whose facts are included variables.
type VarsIncluder interface{ IncludesVars() bool }

// DataShower is a module whose result data is the task's output.
type DataShower interface{ ShowsData() bool }

// ReadOnly is a module that changes no host.
type ReadOnly interface{ ChangesNoHost() bool }

// Has reports whether m has capability c (asking its interfaces), for the
// executor's glue.
func Has(m Module, c Capability) bool {
	want := c(capabilities{})
	switch {
	case want.local:
		l, ok := m.(Local)
		return ok && l.RunsLocally()
	case want.facts:
		f, ok := m.(FactGatherer)
		return ok && f.GathersFacts()
	case want.included:
		v, ok := m.(VarsIncluder)
		return ok && v.IncludesVars()
	case want.showsData:
		d, ok := m.(DataShower)
		return ok && d.ShowsData()
	case want.readOnly:
		r, ok := m.(ReadOnly)
		return ok && r.ChangesNoHost()
	}
	return false
}

// Define registers a module under name: doc is its summary for `hapb doc`
// (the parameters come from P's struct tags), plan its Plan. It returns
// the module, for aliases (dnf is yum).
func Define[P any](name, doc string, plan PlanFunc[P], caps ...Capability) Module {
	d := &definition[P]{name: name, doc: doc, plan: plan}
	for _, c := range caps {
		d.caps = c(d.caps)
	}
	var m Module = d
	if d.caps.freeForm != "" {
		m = freeForm[P]{d}
	}
	Register(name, m)
	return m
}

// definition is every module: the one place params are asserted to P.
type definition[P any] struct {
	name, doc string
	plan      PlanFunc[P]
	caps      capabilities
}

var (
	_ Module       = (*definition[struct{}])(nil)
	_ Local        = (*definition[struct{}])(nil)
	_ FactGatherer = (*definition[struct{}])(nil)
	_ DataShower   = (*definition[struct{}])(nil)
	_ VarsIncluder = (*definition[struct{}])(nil)
	_ ReadOnly     = (*definition[struct{}])(nil)
	_ FreeForm     = freeForm[struct{}]{}
)

func (d *definition[P]) Doc() string         { return d.doc }
func (d *definition[P]) NewParams() any      { return new(P) }
func (d *definition[P]) RunsLocally() bool   { return d.caps.local }
func (d *definition[P]) GathersFacts() bool  { return d.caps.facts }
func (d *definition[P]) IncludesVars() bool  { return d.caps.included }
func (d *definition[P]) ShowsData() bool     { return d.caps.showsData }
func (d *definition[P]) ChangesNoHost() bool { return d.caps.readOnly }
func (d *definition[P]) String() string      { return d.name }
func (d *definition[P]) Plan(ctx context.Context, t *Task, p any) (*Plan, error) {
	tp, ok := p.(*P)
	if !ok {
		return nil, fmt.Errorf("%s: params are %T, want %T", d.name, p, tp)
	}
	return d.plan(ctx, t, tp)
}

// freeForm is a definition that takes a bare string: FreeForm is only
// implemented by modules that have it, as the loader asks by assertion.
type freeForm[P any] struct{ *definition[P] }

func (f freeForm[P]) FreeFormParam() string { return f.caps.freeForm }

package playbook

import (
	"context"
	"sort"

	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// Fake modules: the real ones live in package modules and are written
// elsewhere; the loader only needs their params and capabilities.

type fake struct {
	newParams func() any
	freeForm  string
}

func (f fake) Doc() string           { return "fake" }
func (f fake) NewParams() any        { return f.newParams() }
func (f fake) FreeFormParam() string { return f.freeForm }
func (f fake) Plan(context.Context, *modules.Task, any) (*modules.Plan, error) {
	return &modules.Plan{}, nil
}

type commandParams struct {
	Cmd     string `yaml:"cmd" required:"true"`
	Creates string `yaml:"creates"`
	Chdir   string `yaml:"chdir"`
}

type copyParams struct {
	Src   string `yaml:"src"`
	Dest  string `yaml:"dest" required:"true"`
	Mode  int    `yaml:"mode"`
	Owner string `yaml:"owner"`
}

type debugParams struct {
	Msg string     `yaml:"msg"`
	Var *tmpl.Expr `yaml:"var"`
}

type portParams struct {
	Port  int    `yaml:"port" required:"true"`
	Proto string `yaml:"proto" default:"tcp" choices:"tcp,udp"`
}

type serviceParams struct {
	Name  string       `yaml:"name" required:"true"`
	State string       `yaml:"state" choices:"started,stopped,restarted"`
	Ports []portParams `yaml:"ports"`
}

type fakeModules map[string]modules.Module

func (m fakeModules) Lookup(name string) (modules.Module, bool) {
	if mod, ok := m[name]; ok {
		return mod, true
	}
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			mod, ok := m[name[i+1:]]
			return mod, ok
		}
	}
	return nil, false
}

func (m fakeModules) Names() []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// freeFormModule implements modules.FreeForm; plainModule does not.
type freeFormModule struct{ fake }
type plainModule struct {
	newParams func() any
}

func (p plainModule) Doc() string    { return "fake" }
func (p plainModule) NewParams() any { return p.newParams() }
func (p plainModule) Plan(context.Context, *modules.Task, any) (*modules.Plan, error) {
	return &modules.Plan{}, nil
}

var testModules = fakeModules{
	"command":  freeFormModule{fake{func() any { return new(commandParams) }, "cmd"}},
	"shell":    freeFormModule{fake{func() any { return new(commandParams) }, "cmd"}},
	"copy":     plainModule{func() any { return new(copyParams) }},
	"template": plainModule{func() any { return new(copyParams) }},
	"debug":    plainModule{func() any { return new(debugParams) }},
	"service":  plainModule{func() any { return new(serviceParams) }},
	"set_fact": plainModule{func() any { return new(map[string]any) }},
	"ping":     plainModule{func() any { return new(struct{}) }},
}

var (
	_ modules.FreeForm = freeFormModule{}
	_ modules.Module   = plainModule{}
)

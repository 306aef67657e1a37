package modules

import (
	"context"
	"errors"
)

func init() { Register("set_fact", setFactModule{}) }

type setFactModule struct{}

var (
	_ Module = setFactModule{}
	_ Local  = setFactModule{}
)

func (setFactModule) Doc() string {
	return "Sets host variables (facts) from its arguments: every key becomes a variable; cacheable is accepted and ignored."
}

// NewParams returns *map[string]any: set_fact takes free keys, which the
// loader passes through rendered, without a params struct.
func (setFactModule) NewParams() any    { return &map[string]any{} }
func (setFactModule) RunsLocally() bool { return true }

func (setFactModule) Plan(ctx context.Context, t *Task, params any) (*Plan, error) {
	m := *params.(*map[string]any)
	facts := make(map[string]any, len(m))
	for k, v := range m {
		if k == "cacheable" {
			continue
		}
		facts[k] = v
	}
	if len(facts) == 0 {
		return nil, errors.New("set_fact: no variables given")
	}
	return &Plan{Result: Result{Facts: facts, Data: map[string]any{"ansible_facts": facts}}}, nil
}

package modules

import (
	"context"
	"errors"
)

func init() { Define("set_fact", setFactDoc, setFactPlan, OnController) }

const setFactDoc = "Sets host variables (facts) from its arguments: every key becomes a variable; cacheable is accepted and ignored."

// NewParams returns *map[string]any: set_fact takes free keys, which the
// loader passes through rendered, without a params struct.

func setFactPlan(ctx context.Context, t *Task, p *map[string]any) (*Plan, error) {
	m := *p
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

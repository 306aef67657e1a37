package modules

import (
	"context"
	"fmt"

	"github.com/hapb/hapb/engine/tmpl"
)

func init() { Define("assert", assertDoc, assertPlan, OnController) }

type assertParams struct {
	That       assertThat `yaml:"that" required:"true" doc:"conditions that must all hold (expressions, as in when)"`
	FailMsg    string     `yaml:"fail_msg" alias:"msg" doc:"message when a condition does not hold"`
	SuccessMsg string     `yaml:"success_msg" default:"All assertions passed" doc:"message when all hold"`
	Quiet      bool       `yaml:"quiet" doc:"show less on success"`
}

// assertThat is one expression or a list of them.
type assertThat []*tmpl.Expr

// DecodeParam implements params.Decoder.
func (a *assertThat) DecodeParam(v any) error {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make(assertThat, len(items))
	for i, it := range items {
		e := new(tmpl.Expr)
		if err := e.DecodeParam(it); err != nil {
			return fmt.Errorf("item %d: %v", i, err)
		}
		out[i] = e
	}
	*a = out
	return nil
}

// ParamType names the type in `hapb doc`.
func (a *assertThat) ParamType() string { return "list of expression" }

const assertDoc = "Fails unless every condition holds; use it to check prerequisites early."

func assertPlan(ctx context.Context, t *Task, p *assertParams) (*Plan, error) {
	for _, e := range p.That {
		ok, err := e.Bool(t.Vars)
		if err != nil {
			msg := fmt.Sprintf("The conditional check '%s' failed: %v", e, err)
			return nil, Fail(Result{Msg: msg, Data: map[string]any{"assertion": e.String(), "msg": msg}})
		}
		if !ok {
			msg := p.FailMsg
			if msg == "" {
				msg = "Assertion failed: " + e.String()
			}
			return nil, Fail(Result{Msg: msg, Data: map[string]any{"assertion": e.String(), "evaluated_to": false, "msg": msg}})
		}
	}
	r := Result{Msg: p.SuccessMsg, Data: map[string]any{"msg": p.SuccessMsg}}
	if p.Quiet {
		r.Msg = ""
	}
	return &Plan{Result: r}, nil
}

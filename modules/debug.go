package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/engine/tmpl"
)

func init() { Define("debug", debugDoc, debugPlan, OnController, ShowsData) }

type debugParams struct {
	Msg       any        `yaml:"msg" doc:"the message to show (default \"Hello world!\")"`
	Var       *tmpl.Expr `yaml:"var" doc:"an expression whose value is shown, e.g. result.stdout_lines"`
	Verbosity int        `yaml:"verbosity" doc:"show only when run with at least this many -v"`
}

const debugDoc = "Shows a message or the value of an expression; changes nothing."

// debugNotDefined is what Ansible shows for an undefined var, so debugging an
// optional variable does not fail the play.
const debugNotDefined = "VARIABLE IS NOT DEFINED!"

func debugPlan(ctx context.Context, t *Task, p *debugParams) (*Plan, error) {
	if p.Msg != nil && p.Var != nil {
		return nil, fmt.Errorf("debug: give msg or var, not both")
	}
	if v, ok := params.ToInt(t.Vars["ansible_verbosity"]); p.Verbosity > 0 && (!ok || int(v) < p.Verbosity) {
		return &Plan{Result: Result{Skipped: true, Msg: "verbosity threshold not met"}}, nil
	}
	if p.Var != nil {
		name := p.Var.String()
		val, err := p.Var.Eval(t.Vars)
		if err != nil || (val == nil && !debugDefined(name, t.Vars)) {
			val = debugNotDefined
		}
		return &Plan{Result: Result{Msg: name + ": " + tmpl.ToString(val), Data: map[string]any{name: val}}}, nil
	}
	msg := p.Msg
	if msg == nil {
		msg = "Hello world!"
	}
	return &Plan{Result: Result{Msg: tmpl.ToString(msg), Data: map[string]any{"msg": msg}}}, nil
}

// debugDefined reports whether the expression's leading name is a variable:
// expr-lang evaluates an unknown name to nil rather than failing.
func debugDefined(expr string, vars map[string]any) bool {
	name := strings.TrimSpace(expr)
	if i := strings.IndexAny(name, ".[ |("); i >= 0 {
		name = name[:i]
	}
	_, ok := vars[name]
	return ok
}

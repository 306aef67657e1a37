package run

import (
	"context"
	"errors"
	"fmt"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/engine/vars"
	"github.com/hapb/hapb/modules"
)

// execModule runs a task's module on a host through modules.Execute, the
// one plan-gate-apply path, and turns its one error type into the task's
// result. target is the host the module runs on (the delegate). The bool
// is true when the host was unreachable.
func (p *playRun) execModule(ctx context.Context, t *playbook.Task, h *hostState, mt *modules.Task, params any, target string) (modules.Result, bool) {
	mt.Pos = t.Pos.String()
	if mt.Check {
		// Later tasks plan against what this one would do: on the host the
		// module runs on, or on the controller.
		where := target
		if modules.Has(t.Module, modules.OnController) || p.isController(target) {
			where = ""
		}
		mt.Effects = p.r.planned.Of(where)
		mt.Controller = p.r.planned.Of("")
	}
	if p.free {
		mt.Vars = p.snapshot(mt.Vars) // the module runs unlocked (see free.go)
	}
	var res modules.Result
	var err error
	p.unlocked(func() { res, err = modules.Execute(ctx, t.Module, mt, params) })
	if err == nil {
		return res, false
	}
	var e *modules.Error
	if !errors.As(err, &e) {
		e = &modules.Error{Pos: mt.Pos, Err: err}
	}
	if errors.Is(e.Err, conn.ErrUnreachable) {
		return modules.Result{Failed: true, Msg: p.r.redactor.str(e.Err.Error())}, true
	}
	if !e.Verdict && ctx.Err() == context.DeadlineExceeded {
		e.Err = fmt.Errorf("task timed out after %s: %w", mt.Timeout, e.Err)
	}
	return failed(h, e), false
}

// failure is the result of a task that failed around its module (a
// template, a condition, become): the same *modules.Error as a module's.
func failure(t *playbook.Task, h *hostState, err error) modules.Result {
	return failed(h, &modules.Error{Pos: t.Pos.String(), Err: err})
}

// failed is the result of a failed task: a module's verdict as the module
// made it; any other error with the task's position, and an undefined
// variable explained.
func failed(h *hostState, e *modules.Error) modules.Result {
	if e.Verdict {
		return e.Result
	}
	res := e.Result
	res.Failed = true
	res.Msg = fmt.Sprintf("%s: %v", e.Pos, h.undefined(e.Err))
	return res
}

// factsLevel is the precedence of the facts a task's module returns:
// gathered facts, included variables, or set_fact's.
func factsLevel(t *playbook.Task) vars.Level {
	switch {
	case modules.Has(t.Module, modules.GathersFacts):
		return vars.Facts
	case modules.Has(t.Module, modules.IncludesVars):
		return vars.IncludeVars // below set_fact and register, as in Ansible
	}
	return vars.Runtime
}

// showsData reports whether the task's result data is its output (debug).
func showsData(t *playbook.Task) bool { return modules.Has(t.Module, modules.ShowsData) }

// isController says whether target is the controller itself: localhost
// (delegate_to: localhost), unless the inventory gives it another
// connection. Its planned effects are the controller's, so that a later
// task reading a controller file (copy's src, a stat delegated to
// localhost) sees what an earlier one would have written there.
func (p *playRun) isController(target string) bool {
	if !implicitLocal(target) {
		return false
	}
	h, ok := p.r.hosts[target]
	return !ok || tmpl.ToString(h.Vars()["ansible_connection"]) == "local"
}

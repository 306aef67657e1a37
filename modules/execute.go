package modules

import (
	"context"
	"errors"
)

// Error is how a task fails, whatever failed: the module's plan or apply, or
// the executor's work around it (a template, a condition, a connection).
// Execute returns nothing else, and the executor turns every *Error into
// the task's failed result in one place.
type Error struct {
	Pos string // the task's file:line:col
	Err error
	// Verdict marks a module's own judgement of the host (fail, assert, a
	// non-zero exit, a refused validation): Result is the failed result,
	// shown as the module made it, without the position.
	Verdict bool
	// Result is what the module knew when it failed: its data (rc,
	// stdout, the path) is registered with the failure.
	Result Result
}

func (e *Error) Error() string {
	if e.Verdict || e.Pos == "" {
		return e.Err.Error()
	}
	return e.Pos + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Fail is how a module fails a task with its own verdict on the host
// (fail, assert, a non-zero exit, a refused validation): res is the task's
// failed result, its message shown as it is and its data registered. A
// module returns it, from Plan or from Apply, as it returns any error.
func Fail(res Result) error {
	res.Failed = true
	return &Error{Err: errors.New(res.Msg), Verdict: true, Result: res}
}

// Execute runs a module for one task on one host: Plan, then Apply only
// when the plan changes something and the task is not in check mode. The
// executor and the module tests both run modules through it, so the gate
// exists once. On failure the error is an *Error with the task's position
// and the Result is its Result.
func Execute(ctx context.Context, m Module, t *Task, p any) (Result, error) {
	plan, err := m.Plan(ctx, t, p)
	if err != nil {
		return failed(t, plan, err)
	}
	// A plan marked failed (modules use Fail; this guards others) is
	// never applied.
	if plan.Changed && !plan.Failed && plan.Apply != nil && !t.Check {
		if err := plan.Apply(ctx, &plan.Result); err != nil {
			return failed(t, plan, err)
		}
	}
	if plan.Changed && !plan.Failed && t.Check && !Has(m, ChangesNoHost) {
		// Not applied: later tasks plan against what this one would do
		// (a module that changes no host has nothing to say).
		t.Effects.add(plan.Effects...)
	}
	if plan.Changed && !plan.Failed && t.Check {
		t.Controller.add(plan.ControllerEffects...)
		plan.Planned = plan.Apply != nil
	}
	return plan.Result, nil
}

// failed is Execute's one way out on failure: a verdict keeps the result
// the module made, any other error keeps what the plan knew (its data).
func failed(t *Task, plan *Plan, err error) (Result, error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Err: err}
		if plan != nil {
			e.Result.Data = plan.Data
		}
	}
	e.Pos = t.Pos
	return e.Result, e
}

// withData adds data to what a plan returns, a verdict's result included:
// modules that wrap another's plan (lineinfile around planFileContent)
// register their own fields either way.
func withData(plan *Plan, err error) func(map[string]any) (*Plan, error) {
	return func(data map[string]any) (*Plan, error) {
		var e *Error
		target := map[string]any(nil)
		switch {
		case plan != nil:
			target = plan.Data
		case errors.As(err, &e) && e.Verdict:
			target = e.Result.Data
		}
		if target != nil {
			for k, v := range data {
				target[k] = v
			}
		}
		return plan, err
	}
}

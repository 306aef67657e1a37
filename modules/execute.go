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

// Execute runs a module for one task on one host: Plan, then Apply only
// when the plan changes something, failed nothing and the task is not in
// check mode. The executor and the module tests both run modules through
// it, so the gate exists once. On failure the error is an *Error and the
// Result is its Result.
func Execute(ctx context.Context, m Module, t *Task, p any) (Result, error) {
	plan, err := m.Plan(ctx, t, p)
	if err != nil {
		e := &Error{Pos: t.Pos, Err: err}
		if plan != nil {
			e.Result.Data = plan.Data
		}
		return e.Result, e
	}
	if !plan.Failed && plan.Changed && plan.Apply != nil && !t.Check {
		if err := plan.Apply(ctx, &plan.Result); err != nil {
			e := &Error{Pos: t.Pos, Err: err}
			e.Result.Data = plan.Data
			return e.Result, e
		}
	}
	if !plan.Failed && plan.Changed && t.Check {
		// Not applied: later tasks plan against what this one would do.
		t.Effects.add(plan.Effects...)
	}
	if plan.Failed {
		return plan.Result, &Error{Pos: t.Pos, Err: errors.New(plan.Msg), Verdict: true, Result: plan.Result}
	}
	return plan.Result, nil
}

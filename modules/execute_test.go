package modules

import (
	"context"
	"errors"
	"testing"
)

// stepParams say what the test module plans, to drive Execute down each path.
type stepParams struct {
	PlanErr, Failed, Changed, HasApply, ApplyErr, ApplyFails bool
}

func TestExecute(t *testing.T) {
	m := &definition[stepParams]{name: "step", plan: func(ctx context.Context, t *Task, p *stepParams) (*Plan, error) {
		if p.PlanErr {
			return &Plan{Result: Result{Data: map[string]any{"k": 1}}}, errors.New("plan broke")
		}
		plan := &Plan{Result: Result{Changed: p.Changed, Msg: "planned", Data: map[string]any{"k": 2}}}
		if p.Failed {
			return nil, Fail(plan.Result)
		}
		if p.HasApply {
			plan.Apply = func(ctx context.Context, r *Result) error {
				r.Msg = "applied"
				if p.ApplyErr {
					return errors.New("apply broke")
				}
				if p.ApplyFails {
					return Fail(*r)
				}
				return nil
			}
		}
		return plan, nil
	}}
	tests := []struct {
		name    string
		p       stepParams
		check   bool
		msg     string // the result's message
		err     string // the error's text; "" for none
		verdict bool
	}{
		{"plan error", stepParams{PlanErr: true}, false, "", "a.yml:3:5: plan broke", false},
		{"plan verdict", stepParams{Failed: true, Changed: true, HasApply: true}, false, "planned", "planned", true},
		{"applied", stepParams{Changed: true, HasApply: true}, false, "applied", "", false},
		{"check mode", stepParams{Changed: true, HasApply: true}, true, "planned", "", false},
		{"apply error", stepParams{Changed: true, HasApply: true, ApplyErr: true}, false, "", "a.yml:3:5: apply broke", false},
		{"apply verdict", stepParams{Changed: true, HasApply: true, ApplyFails: true}, false, "applied", "applied", true},
		{"unchanged", stepParams{HasApply: true}, false, "planned", "", false},
	}
	for _, tt := range tests {
		res, err := Execute(context.Background(), m, &Task{Pos: "a.yml:3:5", Check: tt.check}, &tt.p)
		var e *Error
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.err != "" && (!errors.As(err, &e) || err.Error() != tt.err || e.Verdict != tt.verdict):
			t.Errorf("%s: error %v, want %q (verdict %v)", tt.name, err, tt.err, tt.verdict)
		case res.Msg != tt.msg:
			t.Errorf("%s: msg %q, want %q", tt.name, res.Msg, tt.msg)
		case err != nil && res.Data["k"] == nil:
			t.Errorf("%s: failure lost the plan's data", tt.name)
		}
	}
}

// TestExecuteKeepsEffects: in check mode a changed plan's effects are kept
// for later tasks, unless the module changes no host; outside check mode
// the host itself changes and nothing is kept.
func TestExecuteKeepsEffects(t *testing.T) {
	plan := func(ctx context.Context, t *Task, p *stepParams) (*Plan, error) {
		return &Plan{Result: Result{Changed: true}, Effects: []Effect{{Kind: PathEffect, Name: "/x", State: "file"}},
			Apply: func(ctx context.Context, r *Result) error { return nil }}, nil
	}
	tests := []struct {
		name  string
		caps  capabilities
		check bool
		kept  bool
	}{
		{"check mode", capabilities{}, true, true},
		{"changes no host", capabilities{readOnly: true}, true, false},
		{"real run", capabilities{}, false, false},
	}
	for _, tt := range tests {
		m := &definition[stepParams]{name: "keep", plan: plan, caps: tt.caps}
		task := &Task{Check: tt.check, Effects: &Effects{}}
		if _, err := Execute(context.Background(), m, task, &stepParams{}); err != nil {
			t.Fatal(err)
		}
		if _, ok := task.Effects.Planned(PathEffect, "/x"); ok != tt.kept {
			t.Errorf("%s: kept=%v, want %v", tt.name, ok, tt.kept)
		}
	}
}

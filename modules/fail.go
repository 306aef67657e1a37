package modules

import "context"

func init() { Define("fail", failDoc, failPlan, OnController) }

type failParams struct {
	Msg string `yaml:"msg" default:"Failed as requested from task" doc:"the failure message"`
}

const failDoc = "Fails the task with a message (use with when)."

func failPlan(ctx context.Context, t *Task, p *failParams) (*Plan, error) {
	msg := p.Msg
	return nil, Fail(Result{Msg: msg, Data: map[string]any{"msg": msg}})
}

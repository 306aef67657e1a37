package modules

import "context"

func init() { Register("fail", failModule{}) }

type failParams struct {
	Msg string `yaml:"msg" default:"Failed as requested from task" doc:"the failure message"`
}

type failModule struct{}

var (
	_ Module = failModule{}
	_ Local  = failModule{}
)

func (failModule) Doc() string       { return "Fails the task with a message (use with when)." }
func (failModule) NewParams() any    { return &failParams{} }
func (failModule) RunsLocally() bool { return true }

func (failModule) Plan(ctx context.Context, t *Task, params any) (*Plan, error) {
	msg := params.(*failParams).Msg
	return &Plan{Result: Result{Failed: true, Msg: msg, Data: map[string]any{"msg": msg}}}, nil
}

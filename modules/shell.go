package modules

import (
	"context"
	"errors"

	"github.com/hapb/hapb/engine/conn"
)

func init() { Define("shell", shellDoc, shellPlan, FreeFormArg("cmd")) }

type shellParams struct {
	Cmd             string `yaml:"cmd" doc:"the shell script; the free-form argument"`
	Creates         string `yaml:"creates" doc:"a path (or glob); if it exists, the script is not run"`
	Removes         string `yaml:"removes" doc:"a path (or glob); if it does not exist, the script is not run"`
	Chdir           string `yaml:"chdir" doc:"directory to run the script in (creates/removes are relative to it)"`
	Stdin           string `yaml:"stdin" doc:"text fed to the script's standard input"`
	StdinAddNewline bool   `yaml:"stdin_add_newline" default:"true" doc:"add a newline to stdin"`
	StripEmptyEnds  bool   `yaml:"strip_empty_ends" default:"true" doc:"strip trailing newlines from stdout and stderr"`
	Executable      string `yaml:"executable" doc:"the shell to run the script with, as EXECUTABLE -c SCRIPT (default: sh)"`
}

const shellDoc = "Runs a shell script on the host (pipes, redirections and expansion work); prefer command when no shell is needed."

func shellPlan(ctx context.Context, t *Task, p *shellParams) (*Plan, error) {
	if p.Cmd == "" {
		return nil, errors.New("shell: no script given")
	}
	cmd := &conn.Cmd{Script: p.Cmd}
	if p.Executable != "" {
		cmd = &conn.Cmd{Args: []string{p.Executable, "-c", p.Cmd}}
	}
	return planCommand(ctx, t, cmd, p.Cmd, commandRun{
		creates: p.Creates, removes: p.Removes, chdir: p.Chdir,
		stdin: p.Stdin, stdinNewline: p.StdinAddNewline, strip: p.StripEmptyEnds,
	})
}

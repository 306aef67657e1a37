package modules

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/hapb/hapb/engine/conn"
)

func init() { Define("command", commandDoc, commandPlan, FreeFormArg("cmd")) }

type commandParams struct {
	Cmd                string   `yaml:"cmd" doc:"the command line, split like a shell would split it (quotes honoured, nothing expanded); the free-form argument"`
	Argv               []string `yaml:"argv" doc:"the command as a list of arguments, instead of cmd"`
	Creates            string   `yaml:"creates" doc:"a path (or glob); if it exists, the command is not run"`
	Removes            string   `yaml:"removes" doc:"a path (or glob); if it does not exist, the command is not run"`
	Chdir              string   `yaml:"chdir" doc:"directory to run the command in (creates/removes are relative to it)"`
	Stdin              string   `yaml:"stdin" doc:"text fed to the command's standard input"`
	StdinAddNewline    bool     `yaml:"stdin_add_newline" default:"true" doc:"add a newline to stdin"`
	StripEmptyEnds     bool     `yaml:"strip_empty_ends" default:"true" doc:"strip trailing newlines from stdout and stderr"`
	ExpandArgumentVars bool     `yaml:"expand_argument_vars" doc:"accepted for compatibility; arguments are never expanded"`
}

const commandDoc = "Runs a command on the host without a shell: no pipes, redirections or variable expansion (use shell for those)."

func commandPlan(ctx context.Context, t *Task, p *commandParams) (*Plan, error) {
	argv := p.Argv
	switch {
	case p.Cmd != "" && len(argv) > 0:
		return nil, errors.New("command: give cmd or argv, not both")
	case p.Cmd != "":
		var err error
		if argv, err = splitCommandLine(p.Cmd); err != nil {
			return nil, fmt.Errorf("command: %v", err)
		}
	}
	if len(argv) == 0 {
		return nil, errors.New("command: no command given")
	}
	return planCommand(ctx, t, &conn.Cmd{Args: argv}, argv, commandRun{
		creates: p.Creates, removes: p.Removes, chdir: p.Chdir,
		stdin: p.Stdin, stdinNewline: p.StdinAddNewline, strip: p.StripEmptyEnds,
	})
}

// commandRun is what command and shell share.
type commandRun struct {
	creates, removes, chdir string
	stdin                   string
	stdinNewline, strip     bool
}

// creates/removes are globs, matched by the host's shell with IFS empty so
// a path with spaces stays one word; nothing but globbing happens.
// A missing chdir means "would run": in check mode an earlier task that
// creates it has not run.
const commandGuardScript = `IFS=
if [ -n "$3" ]; then cd "$3" 2>/dev/null || { echo run; exit 0; }; fi
exists() { for f in $1; do [ -e "$f" ] || [ -L "$f" ] && return 0; done; return 1; }
if [ -n "$1" ] && exists "$1"; then echo creates; exit 0; fi
if [ -n "$2" ] && ! exists "$2"; then echo removes; exit 0; fi
echo run`

// planCommand decides whether cmd runs. The registered result has rc,
// stdout, stderr and friends in every case, so later tasks can read them
// also in check mode and when creates/removes skipped the command.
func planCommand(ctx context.Context, t *Task, cmd *conn.Cmd, display any, r commandRun) (*Plan, error) {
	cmd.Dir = r.chdir
	data := map[string]any{
		"cmd": display, "rc": 0, "stdout": "", "stderr": "",
		"stdout_lines": []string{}, "stderr_lines": []string{},
		"start": "", "end": "", "delta": "",
	}
	plan := &Plan{Result: Result{Data: data}}
	if r.creates != "" || r.removes != "" {
		guard, why, err := commandGuard(ctx, t, r)
		if err != nil {
			return nil, err
		}
		if why != "" {
			return unknownPlan(why, data, opaqueEffect("would run: %s", conn.Explain(cmd))), nil
		}
		switch guard {
		case "creates":
			plan.Msg = fmt.Sprintf("Did not run command since '%s' exists", r.creates)
			data["stdout"] = "skipped, since " + r.creates + " exists"
			data["stdout_lines"] = []string{data["stdout"].(string)}
			data["msg"] = plan.Msg
			return plan, nil
		case "removes":
			plan.Msg = fmt.Sprintf("Did not run command since '%s' does not exist", r.removes)
			data["stdout"] = "skipped, since " + r.removes + " does not exist"
			data["stdout_lines"] = []string{data["stdout"].(string)}
			data["msg"] = plan.Msg
			return plan, nil
		}
	}
	plan.Changed = true
	plan.Msg = "would run: " + conn.Explain(cmd)
	plan.Effects = []Effect{opaqueEffect("%s", plan.Msg)}
	data["msg"] = plan.Msg
	plan.Apply = func(ctx context.Context, res *Result) error {
		if r.stdin != "" {
			in := r.stdin
			if r.stdinNewline && !strings.HasSuffix(in, "\n") {
				in += "\n"
			}
			cmd.Stdin = strings.NewReader(in)
		}
		start := time.Now()
		out, err := t.Run(ctx, cmd)
		end := time.Now()
		if err != nil {
			// A command killed by a timeout or Ctrl-C did not exit on its
			// own: rc -1, never the 0 of the plan.
			res.Data["rc"] = -1
			return err
		}
		stdout, stderr := string(out.Stdout), string(out.Stderr)
		if r.strip {
			stdout, stderr = strings.TrimRight(stdout, "\r\n"), strings.TrimRight(stderr, "\r\n")
		}
		d := res.Data
		d["rc"], d["stdout"], d["stderr"] = out.ExitCode, stdout, stderr
		d["stdout_lines"], d["stderr_lines"] = commandLines(stdout), commandLines(stderr)
		d["start"], d["end"] = start.Format("2006-01-02 15:04:05.000000"), end.Format("2006-01-02 15:04:05.000000")
		d["delta"] = commandDelta(end.Sub(start))
		delete(d, "msg")
		res.Msg = ""
		if out.ExitCode != 0 {
			res.Msg = "non-zero return code"
			d["msg"] = res.Msg
			return Fail(*res)
		}
		return nil
	}
	return plan, nil
}

func commandLines(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// commandDelta formats a duration as Python's timedelta does (0:00:01.234567).
func commandDelta(d time.Duration) string {
	us := d.Microseconds()
	h := us / 3600e6
	m := us / 60e6 % 60
	s := us / 1e6 % 60
	return fmt.Sprintf("%d:%02d:%02d.%06d", h, m, s, us%1e6)
}

// splitCommandLine splits s into words as a POSIX shell would, honouring
// single quotes, double quotes and backslashes, but expanding nothing.
func splitCommandLine(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' {
			flush()
			continue
		}
		inWord = true
		switch c {
		case '\\':
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					cur.WriteByte(s[i])
				}
			}
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
					if s[i] == '\n' {
						continue
					}
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated double quote in %q", s)
			}
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return words, nil
}

// commandGuard says what creates and removes decide: "run", "creates" or
// "removes" (the command is skipped), from the paths earlier tasks plan or
// else from the host. In check mode, when removes names a path missing on
// the host that an earlier opaque change may make (a directory a script
// holds things in), why says so: whether the command runs is known once
// applied. (A creates path missing now says it would run: a change either
// way.)
func commandGuard(ctx context.Context, t *Task, r commandRun) (guard, why string, err error) {
	if guard := commandPlannedGuard(t.Effects, r); guard != "" {
		return guard, "", nil
	}
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"sh", "-c", commandGuardScript, "hapb-guard", r.creates, r.removes, r.chdir}})
	if err != nil {
		return "", "", err
	}
	if res.ExitCode != 0 {
		return "", "", fmt.Errorf("checking creates/removes: %s", strings.TrimSpace(string(res.Stderr)))
	}
	guard = strings.TrimSpace(string(res.Stdout))
	if guard == "removes" {
		why = mayMake(t.Effects, r.removes)
	}
	return guard, why, nil
}

// commandPlannedGuard is what creates/removes decide from the paths earlier
// tasks plan (check mode): "creates" or "removes" when a planned path
// decides, "run" when planned paths let it run, "" when the host must say.
// Globs are left to the host.
func commandPlannedGuard(e *Effects, r commandRun) string {
	planned := func(p string) (Effect, bool) {
		if p == "" || strings.ContainsAny(p, "*?[") {
			return Effect{}, false
		}
		if !path.IsAbs(p) {
			if !path.IsAbs(r.chdir) {
				return Effect{}, false
			}
			p = path.Join(r.chdir, p)
		}
		return e.Planned(PathEffect, p)
	}
	c, cok := planned(r.creates)
	m, mok := planned(r.removes)
	switch {
	case cok && c.State != "absent":
		return "creates"
	case mok && m.State == "absent":
		return "removes"
	case (cok || r.creates == "") && (mok || r.removes == ""):
		return "run" // every guard is a planned path that lets it run
	}
	return ""
}

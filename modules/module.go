// Package modules holds hapb's task modules: Go code on the controller that
// drives a host through conn.Conn. A module's lifecycle is
//
//	decode -> validate -> plan -> apply
//
// Its typed params struct is decoded (and validated, see engine/params) when
// the playbook is loaded. At run time Plan reads the host's state, changes
// nothing, and says what would change; the executor calls Apply only when the
// plan changes something and hapb is not in check mode. So every module is
// idempotent by construction and check mode is truthful.
package modules

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hapb/hapb/engine/conn"
)

// Module is one task module. Implementations are stateless values; all
// per-run state lives in the Plan they return.
type Module interface {
	// Doc is the module's summary, shown by `hapb doc NAME` above the
	// parameters (which come from the params struct's tags).
	Doc() string
	// NewParams returns a pointer to a new params struct.
	NewParams() any
	// Plan reads the host's state and says what would change. It must not
	// change anything on the host.
	Plan(ctx context.Context, t *Task, params any) (*Plan, error)
}

// FreeForm is implemented by modules that take a bare string
// (`shell: echo hi`); it names the parameter the string fills.
type FreeForm interface {
	FreeFormParam() string
}

// Local is implemented by modules that never touch the host (debug,
// set_fact, assert, fail, include_vars): the executor runs them without
// opening a connection.
type Local interface {
	RunsLocally() bool
}

// Task is what a module sees of the task it runs for, on one host.
type Task struct {
	Conn   conn.Conn
	Become conn.Become // privilege escalation for this task; pass it to Conn
	Host   string      // inventory_hostname
	Pos    string      // the task's file:line:col, for its errors
	// Vars are all the variables visible to the task, by precedence.
	// Read-only.
	Vars  map[string]any
	Check bool              // check mode: Apply will not be called
	Diff  bool              // --diff: fill Plan.Diffs where content changes
	Env   map[string]string // the task's `environment`
	// SearchDirs are the directories a relative src/template path is looked
	// up in, most specific first (the role's, then the playbook's).
	SearchDirs []string
	Timeout    time.Duration
	NoLog      bool
	// Effects are what earlier tasks plan to do to this host (to the
	// controller for a module that runs there), in check mode; nil
	// otherwise. Probes see them (see probePath); modules that read state
	// another way ask them.
	Effects *Effects
	// Controller is what earlier tasks plan to write on the controller
	// (fetch), in check mode; nil otherwise. A copy from the controller
	// asks it for a source that is not there yet.
	Controller *Effects
}

// Plan is what a module found. Result holds what is known without changing
// anything; Apply, when not nil, makes the change and completes Result.
type Plan struct {
	Result
	Apply func(ctx context.Context, r *Result) error
	// Effects say what Apply would do, for later tasks in check mode.
	Effects []Effect
	// ControllerEffects say what Apply would write on the controller
	// (fetch) when the module runs on a host.
	ControllerEffects []Effect
}

// Result is the outcome of a task on one host.
type Result struct {
	Changed bool
	Failed  bool
	Skipped bool
	Msg     string
	Diffs   []Diff
	// Data holds the module's own result fields (rc, stdout, stat, ...),
	// readable through `register`.
	Data map[string]any
	// Facts become host variables (set_fact, include_vars).
	Facts map[string]any
	// Gathered are facts gathered about the host (setup), by their short
	// names: each NAME becomes the variable ansible_NAME and the map
	// itself ansible_facts. Kept once, so the thousands of hosts a task
	// waits for do not hold each fact twice (see AllFacts).
	Gathered map[string]any
	// Secrets are values that must never be shown (tokens, keys).
	Secrets []string
	// Output is text shown under the task's result line whatever the
	// verbosity and the status (health_report's table).
	Output string
	// Unknown is set in check mode when what the task would do depends on
	// what earlier planned changes leave on the host: the result says so
	// (and counts as a change) instead of guessing.
	Unknown bool
	// Planned is set in check mode when the change was planned and not
	// applied: Data is what the plan knew, without what Apply adds (a
	// command's rc and output), so a condition over it would be a guess.
	Planned bool
}

// AllFacts is every variable the result sets: Facts, and the gathered
// facts under their two names.
func (r *Result) AllFacts() map[string]any {
	if r.Gathered == nil {
		return r.Facts
	}
	m := make(map[string]any, len(r.Facts)+len(r.Gathered)+1)
	for k, v := range r.Facts {
		m[k] = v
	}
	r.EachGathered(func(k string, v any) { m[k] = v })
	return m
}

// EachGathered calls f with each variable the gathered facts set:
// ansible_facts, then ansible_NAME for each fact.
func (r *Result) EachGathered(f func(key string, v any)) {
	if r.Gathered == nil {
		return
	}
	f("ansible_facts", r.Gathered)
	for k, v := range r.Gathered {
		f(FactName(k), v)
	}
}

// Diff is a change of content, shown by --diff as a unified diff.
type Diff struct {
	Path   string
	Before string
	After  string
}

// Run is a convenience for modules: run cmd with the task's become, env and
// timeout applied.
func (t *Task) Run(ctx context.Context, cmd *conn.Cmd) (*conn.Result, error) {
	cmd.Become = t.Become
	if len(t.Env) > 0 {
		env := make(map[string]string, len(t.Env)+len(cmd.Env))
		for k, v := range t.Env {
			env[k] = v
		}
		for k, v := range cmd.Env {
			env[k] = v
		}
		cmd.Env = env
	}
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	return t.Conn.Run(ctx, cmd)
}

// FindFile looks a relative path up in kind ("files", "templates") of each
// search directory, then in the directory itself, as Ansible does.
func (t *Task) FindFile(kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	for _, dir := range t.SearchDirs {
		for _, p := range []string{filepath.Join(dir, kind, name), filepath.Join(dir, name)} {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", &fs.PathError{Op: "find", Path: name, Err: fmt.Errorf("not found in %s/ of %v", kind, t.SearchDirs)}
}

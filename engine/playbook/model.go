// Package playbook is hapb's playbook language: the YAML model (plays,
// blocks, tasks, roles, handlers, imports) and its loader. The loader does all
// the static work once: it resolves imports and roles, applies keyword
// inheritance (a block's when/tags/become/... flow onto its tasks), looks up
// every module and decodes its parameters, compiles templates and
// expressions, and reports every mistake at once with file:line:col.
package playbook

import (
	"strconv"
	"time"

	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// Pos is a place in a source file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	// Without fmt: the executor names the task this way for every host
	// (one allocation here, three through Sprintf).
	var buf [128]byte
	b := append(buf[:0], p.File...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(p.Line), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(p.Col), 10)
	return string(b)
}

// Playbook is a loaded playbook with its imports expanded.
type Playbook struct {
	Path  string
	Plays []*Play
}

// Play is one play. Role tasks are already expanded into Tasks (before the
// play's own tasks) and role handlers into Handlers.
type Play struct {
	Pos
	Name  string
	Hosts string // host pattern, as for --limit
	// GatherFacts runs the setup module first (default true, as in Ansible).
	GatherFacts bool
	// Vars are the play's vars; VarsFiles the merged content of vars_files
	// (loaded at load time), which take precedence over Vars. Values are
	// compiled trees: strings holding templates are *tmpl.Template.
	Vars      map[string]any
	VarsFiles map[string]any
	Roles     []*Role
	PreTasks  []*Task
	Tasks     []*Task
	PostTasks []*Task
	Handlers  []*Task
	// Serial is the batch sizes: ints or "30%" strings; the last repeats.
	// Empty means all hosts in one batch.
	Serial            []any
	MaxFailPercentage *float64
	AnyErrorsFatal    bool
	Strategy          string // "linear" (default) or "free"
	ForceHandlers     bool   // notified handlers run on a host that failed too
	Dir               string // the playbook's directory
}

// Role is a role as used by a play or by include_role/import_role.
type Role struct {
	Name     string
	Dir      string
	Defaults map[string]any // defaults/main.yml, lowest precedence
	Vars     map[string]any // vars/main.yml
	Params   map[string]any // the role's parameters where it is used
}

// Task is a task, a block, an include, or a handler. Inherited keywords are
// already applied: When holds the conditions of every enclosing block and
// import, Tags the union of all enclosing tags, and unset keywords take the
// value of the nearest enclosing block, role or play.
type Task struct {
	Pos
	Name string
	// Action is the module name as written ("copy", "ansible.builtin.copy"),
	// or "meta" for meta tasks; "" for blocks and includes.
	Action string
	Module modules.Module
	// Args is the compiled argument tree. Params is the decoded params
	// struct when Args holds no template (decoded once, at load time); nil
	// when it must be rendered and decoded per host.
	Args   map[string]any
	Params any

	When        []*tmpl.Expr
	Register    string
	Loop        any // nil, a []any (compiled items), a *tmpl.Template or a *LoopTemplate
	LoopControl LoopControl
	Until       *tmpl.Expr
	Retries     int           // default 3 when Until is set
	Delay       time.Duration // default 5s
	// RetriesTemplate and DelayTemplate replace Retries and Delay when
	// those are templates; they are rendered per host.
	RetriesTemplate *tmpl.Template
	DelayTemplate   *tmpl.Template
	ChangedWhen     []*tmpl.Expr
	FailedWhen      []*tmpl.Expr

	IgnoreErrors      bool
	IgnoreUnreachable bool
	AnyErrorsFatal    bool
	RunOnce           bool
	DelegateTo        any // "", a host name, or a *tmpl.Template
	DelegateFacts     bool
	Throttle          int
	Tags              []string
	CheckMode         *bool // nil: follow --check
	Diff              *bool // nil: follow --diff
	NoLog             bool
	Environment       map[string]any // compiled
	Timeout           time.Duration
	Notify            []string
	Listen            []string // handlers only
	Become            bool
	BecomeUser        string // "root" when Become and not set
	Vars              map[string]any
	Role              *Role // the role the task came from, or nil
	// SearchDirs are where relative files/templates are looked up.
	SearchDirs []string
	// ThrottleTemplate is a templated throttle, rendered per batch
	// (quorum-keeping: half the etcd group); nil when Throttle is static.
	ThrottleTemplate *tmpl.Template

	// A block: Block, Rescue and Always. An include (include_tasks,
	// include_role) is a block with Include set: its When is evaluated once
	// on entry and its Loop repeats the whole block.
	Block, Rescue, Always []*Task
	Include               bool
	// IncludeRole: the include is an include_role, which Ansible's recap
	// does not count as ok (an include_tasks counts once per file).
	IncludeRole bool
}

// LoopControl is a task's loop_control.
type LoopControl struct {
	LoopVar  string // default "item"
	IndexVar string
	Label    *tmpl.Template // nil: the item is the label
	Pause    time.Duration
	Extended bool // ansible_loop: index, first, last, length, previtem, …
}

// IsBlock reports whether t holds other tasks rather than running a module.
func (t *Task) IsBlock() bool { return t.Action == "" }

// Label names the task in output: its name, or the action; a role's task
// with the role's name before it.
func (t *Task) Label() string {
	name := t.Name
	if name == "" {
		name = t.Action
	}
	if t.Role != nil {
		// As Ansible prints it, and as --start-at-task may name it.
		return t.Role.Name + " : " + name
	}
	return name
}

package playbook

import (
	"github.com/hapb/hapb/engine/tmpl"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
)

// taskOnly are task keywords that do not flow into blocks.
var taskOnly = []string{
	"name", "register", "loop", "with_items", "with_list", "with_dict",
	"loop_control", "until", "retries", "delay", "changed_when",
	"failed_when", "args", "listen",
}

var blockKeys = []string{"block", "rescue", "always"}

// includeActions are the task-level actions the loader expands itself.
var includeActions = []string{"import_tasks", "include_tasks", "import_role", "include_role"}

func taskKeywords() []string {
	kw := append(append(append([]string(nil), inheritedKeywords...), taskOnly...), blockKeys...)
	return append(kw, append(includeActions, "action", "local_action")...)
}

// shortAction strips Ansible's collection prefix from the loader's own
// actions.
func shortAction(k string) string {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		if s, ok := strings.CutPrefix(k, p); ok && (s == "meta" || contains(includeActions, s)) {
			return s
		}
	}
	return k
}

// tasks reads a list of tasks; imports are expanded in place.
func (l *loader) tasks(n *yaml.Node, s *scope, pc *playCtx) []*Task {
	n = resolve(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errs.add(l.pos(n), diag.Type, "expected a list of tasks, got %s", kind(n))
		return nil
	}
	var out []*Task
	for _, c := range n.Content {
		out = append(out, l.task(c, s, pc)...)
	}
	return out
}

// task reads one task or block.
func (l *loader) task(n *yaml.Node, s *scope, pc *playCtx) []*Task {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errs.add(l.pos(n), diag.Type, "a task must be a mapping, got %s", kind(n))
		return nil
	}
	t := &Task{Pos: l.pos(n)}
	own := &scope{}
	kw := map[string]pair{}
	var actions, unknown []pair
	reported := false // an action: with a bad module, already reported
	for _, p := range l.mapping(n, "a task") {
		switch {
		case contains(taskOnly, p.Key) || contains(blockKeys, p.Key):
			kw[p.Key] = p
		case l.keyword(p, own, pc):
		case p.Key == "action" || p.Key == "local_action":
			if a, ok := l.actionKeyword(p); ok {
				actions = append(actions, a)
			} else {
				reported = true
			}
			if p.Key == "local_action" {
				own.delegateTo = "localhost"
			}
		default:
			k := shortAction(p.Key)
			if _, ok := l.mods.Lookup(k); ok || k == "meta" || contains(includeActions, k) {
				actions = append(actions, p)
			} else {
				unknown = append(unknown, p)
			}
		}
	}
	if p, ok := kw["name"]; ok {
		t.Name = l.str(p.V, "name")
		l.compiled(p.V) // names may hold templates (rendered for output): check them now
	}
	_, isBlock := kw["block"]
	l.unknownKeys(unknown, len(actions) > 0 || isBlock)
	if isBlock {
		return l.block(t, kw, actions, s.child(own), pc)
	}
	if len(actions) == 0 {
		if len(unknown) == 0 && !reported {
			l.errs.add(t.Pos, diag.Missing, "task has no module")
		}
		return nil
	}
	if len(actions) > 1 {
		l.errs.add(l.pos(actions[1].K), diag.Invalid, "task has more than one module: %q and %q", actions[0].Key, actions[1].Key)
	}
	a := actions[0]
	if _, ok := kw["listen"]; ok && !s.handlers {
		l.errs.add(l.pos(kw["listen"].K), diag.Invalid, "listen is only for handlers")
	}
	switch k := shortAction(a.Key); k {
	case "import_tasks", "import_role":
		l.noTaskOnly(kw, k, "name")
		if k == "import_role" {
			return l.importRole(a, s.child(own), pc, false)
		}
		return l.importTasks(a, s.child(own), pc)
	case "include_tasks", "include_role":
		return []*Task{l.include(t, k, a, kw, s, own, pc)}
	}
	sc := s.child(own)
	sc.apply(t)
	l.loopAndResult(t, kw)
	if shortAction(a.Key) == "meta" {
		l.meta(t, a)
	} else {
		l.module(t, a, kw)
	}
	return []*Task{t}
}

// unknownKeys reports keys that are neither keywords nor modules. Without
// a module, a key near no keyword is most likely a misspelt module.
func (l *loader) unknownKeys(unknown []pair, hasAction bool) {
	for _, p := range unknown {
		if lookup, ok := strings.CutPrefix(p.Key, "with_"); ok && !contains(loopKeys, p.Key) {
			// Ansible's other with_<lookup> loops: say what hapb takes.
			l.errs.add(l.pos(p.K), diag.Unsupported, "%s is not supported: write loop: with the list, built by a template where needed (%s)",
				p.Key, withHint(lookup))
			continue
		}
		kwd := nearest(p.Key, taskKeywords())
		mod := nearest(p.Key, l.mods.Names())
		if !hasAction && (kwd == "" || mod != "" && editDistance(p.Key, mod) < editDistance(p.Key, kwd)) {
			l.unknownModule(l.pos(p.K), p.Key)
			continue
		}
		d := l.errs.add(l.pos(p.K), diag.UnknownKeyword, "unknown keyword %q", p.Key)
		d.Name, d.Hint = p.Key, didYouMean(p.Key, taskKeywords())
	}
}

// noTaskOnly reports task keywords that have no meaning on an action that
// is expanded at load time.
func (l *loader) noTaskOnly(kw map[string]pair, action string, allowed ...string) {
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(allowed, k) {
			l.errs.add(l.pos(kw[k].K), diag.Invalid, "%s is not allowed with %s", k, action)
		}
	}
}

// block reads a block with its rescue and always sections.
func (l *loader) block(t *Task, kw map[string]pair, actions []pair, sc *scope, pc *playCtx) []*Task {
	for _, a := range actions {
		l.errs.add(l.pos(a.K), diag.Invalid, "a block cannot also run %q; put it in a task inside the block", a.Key)
	}
	for k, p := range kw {
		if !contains(blockKeys, k) && k != "name" {
			l.errs.add(l.pos(p.K), diag.Invalid, "%s is not allowed on a block", k)
		}
	}
	sc.apply(t)
	t.LoopControl.LoopVar = "item"
	t.Block = l.tasks(kw["block"].V, sc, pc)
	if p, ok := kw["rescue"]; ok {
		t.Rescue = l.tasks(p.V, sc, pc)
	}
	if p, ok := kw["always"]; ok {
		t.Always = l.tasks(p.V, sc, pc)
	}
	return []*Task{t}
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// loopAndResult reads the task-only keywords: loops, retries, result
// conditions, register and listen.
func (l *loader) loopAndResult(t *Task, kw map[string]pair) {
	if p, ok := kw["register"]; ok {
		t.Register = l.staticStr(p.V, "register")
		if !identifier.MatchString(t.Register) {
			l.errs.add(l.pos(p.V), diag.Invalid, "register must be a variable name, got %q", t.Register)
		}
	}
	t.Loop = l.loop(kw)
	t.LoopControl = l.loopControl(kw)
	if p, ok := kw["until"]; ok {
		t.Until = l.until(p.V)
		t.Retries, t.Delay = 3, 5e9
	}
	// retries and delay may be templates (`retries: "{{ .etcd_retries }}"`),
	// rendered per host when the task runs.
	if p, ok := kw["retries"]; ok {
		if tp, isT := l.compiled(p.V).(*tmpl.Template); isT {
			t.RetriesTemplate = tp
		} else {
			t.Retries = l.integer(p.V, "retries")
		}
	}
	if p, ok := kw["delay"]; ok {
		if tp, isT := l.compiled(p.V).(*tmpl.Template); isT {
			t.DelayTemplate = tp
		} else {
			t.Delay = l.seconds(p.V, "delay")
		}
	}
	if p, ok := kw["changed_when"]; ok {
		t.ChangedWhen = l.conditions(p.V, "changed_when")
	}
	if p, ok := kw["failed_when"]; ok {
		t.FailedWhen = l.conditions(p.V, "failed_when")
	}
	if p, ok := kw["listen"]; ok {
		t.Listen = l.strList(p.V, "listen")
	}
}

// withHint says how to write one of Ansible's with_<lookup> loops in hapb.
func withHint(lookup string) string {
	switch lookup {
	case "sequence":
		return `loop: "{{ seq 1 5 }}" for start=1 end=5`
	case "indexed_items":
		return "loop:, and loop_control: {index_var: i} for the index"
	}
	return "the functions are in `hapb doc templates`"
}

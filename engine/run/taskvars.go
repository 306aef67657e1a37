package run

import (
	"fmt"
	"sort"
	"sync"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/tmpl"
)

// A task's own vars (its blocks' included) and its role's params are
// rendered lazily, as in Ansible: `when` renders only those it may read, so
// a skipped task never renders the others; a loop renders them per item,
// with the item set. A value that cannot be rendered is an error only
// where it is used: until then it is undefined, and an undefined-variable
// error naming it is replaced by why it could not be rendered.
//
// What a template or condition may read is found in its source: every
// identifier-like word that names a task var. That is more than it reads
// (a word in a string literal counts), never less (defined("x.y"),
// hasKey . "x", the right of &&), so a var is rendered too early at worst,
// and a failure then is deferred like any other.

// taskVars are a task's variables on one host, before any is rendered.
type taskVars struct {
	p    *playRun
	base map[string]any // the host's, with what enclosing includes pass
	defs map[string]taskVar
	// items is the one map a loop's items are evaluated in, in turn:
	// copying base (every fact and variable) for each item made the
	// largest share of what a loop allocated.
	items map[string]any
}

// taskVar is one task var or role param, as compiled.
type taskVar struct {
	v    any
	what string   // "vars" or "role parameter", for errors
	deps []string // the other task vars it may read
}

// taskVars returns t's variables on h. Without task vars or role params
// it renders nothing and copies nothing.
func (p *playRun) taskVars(t *playbook.Task, h *hostState, sc map[string]any) *taskVars {
	tv := &taskVars{p: p, base: h.vars.With(sc)}
	var params map[string]any
	if t.Role != nil {
		params = t.Role.Params
	}
	if len(t.Vars) == 0 && len(params) == 0 {
		return tv
	}
	tv.defs = make(map[string]taskVar, len(t.Vars)+len(params))
	for k, v := range t.Vars {
		// include_vars, set_fact and register win over task vars (levels
		// 18, 19 over 16, 17); what includes pass (21) too.
		if _, inc := sc[k]; !inc && h.vars.OverridableByTask(k) {
			tv.defs[k] = taskVar{v: v, what: "vars"}
		}
	}
	for k, v := range params {
		if _, inc := sc[k]; !inc && h.vars.OverridableByParams(k) {
			tv.defs[k] = taskVar{v: v, what: "role parameter"}
		}
	}
	for k, d := range tv.defs {
		for _, w := range templateWords(d.v) {
			if _, ok := tv.defs[w]; ok && w != k {
				d.deps = append(d.deps, w)
			}
		}
		tv.defs[k] = d
	}
	return tv
}

// scope starts one evaluation of the task (the task, or one loop item):
// extra (the item, its index) is set, no task var is rendered yet.
func (tv *taskVars) scope(h *hostState, extra map[string]any) *varScope {
	s := &varScope{tv: tv, h: h}
	switch {
	case len(tv.defs) == 0 && len(extra) == 0:
		s.m = tv.base // read only: nothing to render into it
	case len(extra) == 0:
		s.m = withVars(tv.base, nil)
	default:
		s.m = tv.itemVars(extra)
	}
	if len(tv.defs) > 0 {
		s.state = make(map[string]bool, len(tv.defs))
		for k := range extra {
			s.state[k] = true // the loop's variables win over task vars
		}
	}
	h.taskBroken = nil
	return s
}

// itemVars are base with a loop item's variables (extra) set, in the map
// the previous item had. Every item sets the same names (the loop
// variables of the task's loop_control), so only the task vars the last
// item rendered need putting back. Nothing keeps an item's map past it
// (results hold values, not the map).
func (tv *taskVars) itemVars(extra map[string]any) map[string]any {
	if tv.items == nil {
		tv.items = withVars(tv.base, extra)
		return tv.items
	}
	for k := range tv.defs {
		if v, ok := tv.base[k]; ok {
			tv.items[k] = v
		} else {
			delete(tv.items, k)
		}
	}
	for k, v := range extra {
		tv.items[k] = v
	}
	return tv.items
}

// varScope is one evaluation's variables: the task vars rendered so far.
type varScope struct {
	tv    *taskVars
	h     *hostState
	m     map[string]any
	state map[string]bool // rendered, being rendered, or shadowed
}

// need renders the task vars that the given templates, trees or
// conditions may read, and those these read.
func (s *varScope) need(srcs ...any) *varScope {
	if len(s.tv.defs) == 0 {
		return s
	}
	for _, src := range srcs {
		for _, w := range templateWords(src) {
			if _, ok := s.tv.defs[w]; ok {
				s.render(w)
			}
		}
	}
	return s
}

// all renders every task var and returns the variables the task runs with.
func (s *varScope) all() map[string]any {
	if len(s.tv.defs) == 0 {
		return s.m
	}
	names := make([]string, 0, len(s.tv.defs))
	for k := range s.tv.defs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s.render(k)
	}
	return s.m
}

// render renders task var k, those it reads first. While k renders, k
// itself is the value below it (`x: "{{ .x }}-more"`), and so is a var of a
// cycle that is being rendered.
func (s *varScope) render(k string) {
	if s.state[k] {
		return
	}
	s.state[k] = true
	d := s.tv.defs[k]
	for _, dep := range d.deps {
		s.render(dep)
	}
	v, err := tmpl.Render(d.v, s.m)
	if err != nil {
		delete(s.m, k) // never the value below it: the task var shadows it
		if s.h.taskBroken == nil {
			s.h.taskBroken = map[string]error{}
		}
		// Why a var it reads is undefined, if that too was a broken one.
		s.h.taskBroken[k] = fmt.Errorf("%s: %s: %w", d.what, k, s.h.undefined(err))
		return
	}
	s.m[k] = v
	s.tv.p.r.redactor.learn(k, v)
}

// undefined explains an undefined-variable error about a variable that is
// defined but could not be rendered: a task var of the running task, or one
// of the host's.
func (h *hostState) undefined(err error) error {
	if u, ok := diag.As(err, diag.Undefined); ok && h.taskBroken != nil {
		if why := h.taskBroken[rootName(u.Name)]; why != nil {
			return why
		}
	}
	return h.vars.Undefined(err)
}

// rootName is the variable of a path: a of a.b[0].
func rootName(path string) string {
	for i := 0; i < len(path); i++ {
		if path[i] == '.' || path[i] == '[' {
			return path[:i]
		}
	}
	return path
}

// words caches the words of each template and condition source.
var words sync.Map // string -> []string

// templateWords returns the identifier-like words of what src may read:
// a template, a condition, a list of conditions, or a compiled tree.
func templateWords(src any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case *tmpl.Template:
			if v != nil {
				out = append(out, sourceWords(v.String())...)
			}
		case *tmpl.Expr:
			if v != nil {
				out = append(out, sourceWords(v.String())...)
			}
		case []*tmpl.Expr:
			for _, e := range v {
				walk(e)
			}
		case *playbook.LoopTemplate:
			if v != nil {
				walk(v.T)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(src)
	return out
}

func sourceWords(src string) []string {
	if w, ok := words.Load(src); ok {
		return w.([]string)
	}
	seen := map[string]bool{}
	var out []string
	start := -1
	for i := 0; i <= len(src); i++ {
		if i < len(src) && isWordByte(src[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if w := src[start:i]; !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
			start = -1
		}
	}
	words.Store(src, out)
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

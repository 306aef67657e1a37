// Package vars keeps each host's variables during a run, by Ansible's
// precedence. Every host has one merged map plus the precedence level of
// each key, so a write (set_fact, register, facts) is one map assignment
// that lands only if its level is at least the key's current one; tasks
// read the map as it is, without copying.
//
// Values that are templates (group_vars such as `etcd_endpoints: "{{ … }}"`)
// are rendered lazily, like Ansible's: Resolve renders them, dependencies
// first, whenever the host's variables changed since the last Resolve.
//
// Only configuration is ever a template: values given to Set, except those
// tagged !unsafe (tmpl.Unsafe). What tasks return (registered results,
// facts, set_fact, include_vars, all already rendered once) goes through
// SetData and is never parsed, so a managed host that prints template
// syntax cannot make the controller render it.
package vars

import (
	"fmt"
	"maps"
	"sort"
	"sync"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

// Level is a precedence level; a higher level wins.
type Level int8

// The levels, lowest first (ansible-semantics.md, "Variable precedence").
// Inventory precedence among groups and hosts is resolved by the inventory
// package before its values arrive here.
const (
	// CommandLine: -c, -k and -K, the lowest (any ansible_connection,
	// ansible_password or ansible_become_password variable wins over them,
	// as in Ansible).
	CommandLine Level = iota + 1
	RoleDefaults
	Inventory
	Facts
	PlayVars
	VarsFiles
	RoleVars
	// Block and task vars (levels 16 and 17) are no level of their own:
	// they are an overlay of the task (see With and OverridableByTask).
	IncludeVars // include_vars (18)
	Runtime     // set_fact, register (19)
	Extra       // --extra-vars
	Magic       // inventory_hostname, hostvars, groups, ...: never overridden
)

// Host is one host's variables. It is not safe for concurrent writes; the
// executor writes between tasks and only reads during them.
type Host struct {
	Name string
	vars map[string]any
	// level is each key's level, except a key at level Facts whose value
	// is no template: it is in vars only (see levelOf). Gathered facts
	// are most of a host's keys; with thousands of hosts their levels
	// were megabytes. Hosts share equal levels (see levels).
	level *levels
	// levelsChanged: level was written since Resolve last interned it.
	levelsChanged bool
	// templ holds the keys whose value holds templates.
	templ map[string]*lazy
	// broken holds why a templated variable could not be rendered.
	broken map[string]error
	dirty  bool
	// version counts the writes to vars (see Version).
	version uint64
	// observe is told every value a variable takes (see Observe).
	observe func(key string, v any)
}

// NewHost returns a host with no variables.
func NewHost(name string) *Host {
	// templ and broken are made when first written: most hosts have
	// neither (reading and deleting from a nil map are fine).
	return &Host{Name: name, vars: map[string]any{}, level: &levels{m: map[string]Level{}}}
}

// Set sets key at level unless a higher level already holds it. v is
// configuration: strings holding templates are compiled (once per distinct
// string) and rendered by Resolve; tmpl.Unsafe values are kept as text.
func (h *Host) Set(key string, v any, lvl Level) {
	if !h.claim(key, lvl) {
		return
	}
	if l := compileValue(v); l != nil {
		h.setLevel(key, lvl, true) // Resolve may leave it undefined: the level stays
		if h.templ == nil {
			h.templ = map[string]*lazy{}
		}
		h.templ[key] = l
		h.vars[key] = l.tree
	} else {
		h.store(key, v, lvl)
	}
}

// claim takes key for level lvl unless a higher level holds it.
func (h *Host) claim(key string, lvl Level) bool {
	if cur, ok := h.levelOf(key); ok && cur > lvl {
		return false
	}
	h.setLevel(key, lvl, false)
	delete(h.broken, key)
	h.dirty = true
	h.version++
	return true
}

// levelOf is key's level: the one recorded, else Facts for a key that has
// a value (claim records every other level).
func (h *Host) levelOf(key string) (Level, bool) {
	if l, ok := h.level.get(key); ok {
		return l, true
	}
	if _, ok := h.vars[key]; ok {
		return Facts, true
	}
	return 0, false
}

// setLevel records key's level: none for Facts unless record (a
// template's, see levelOf). Shared levels are copied first.
func (h *Host) setLevel(key string, lvl Level, record bool) {
	cur, ok := h.level.get(key)
	implicit := lvl == Facts && !record
	if implicit && !ok || !implicit && ok && cur == lvl {
		return
	}
	if h.level.shared {
		h.level = &levels{m: maps.Clone(h.level.m)}
	}
	if implicit {
		delete(h.level.m, key)
	} else {
		h.level.m[key] = lvl
	}
	h.levelsChanged = true
}

// store makes v, a final value, key's value.
func (h *Host) store(key string, v any, lvl Level) {
	delete(h.templ, key)
	h.vars[key] = v
	h.observed(key, v, lvl)
}

// SetAll sets every key of m at level.
func (h *Host) SetAll(m map[string]any, lvl Level) {
	for k, v := range m {
		h.Set(k, v, lvl)
	}
}

// SetData sets key at level, like Set, to a value that is data: a
// registered result, facts, set_fact's rendered values. Nothing in it is
// ever rendered, whatever it holds.
func (h *Host) SetData(key string, v any, lvl Level) {
	if h.claim(key, lvl) {
		h.store(key, tmpl.Plain(v), lvl)
	}
}

// SetAllData sets every key of m at level with SetData.
func (h *Host) SetAllData(m map[string]any, lvl Level) {
	for k, v := range m {
		h.SetData(k, v, lvl)
	}
}

// Observe makes f see every value a variable of the host takes: set
// directly, or rendered from its template by Resolve. The executor learns
// secrets this way, whatever their source. Magic variables (hostvars,
// groups) are not shown. f must not change the host.
func (h *Host) Observe(f func(key string, v any)) { h.observe = f }

func (h *Host) observed(key string, v any, lvl Level) {
	if h.observe != nil && lvl != Magic {
		h.observe(key, v)
	}
}

// Version changes whenever the host's variables do, so a copy of them
// (what a module of a free play reads while others write) is made again
// only when it is stale.
func (h *Host) Version() uint64 { return h.version }

// Vars is the merged view. Callers must not modify it.
func (h *Host) Vars() map[string]any { return h.vars }

// Has reports whether key is defined.
func (h *Host) Has(key string) bool { _, ok := h.vars[key]; return ok }

// Broken explains an undefined variable that is in fact defined but whose
// template failed to render; nil otherwise.
func (h *Host) Broken(key string) error { return h.broken[key] }

// ShareLevels shares the host's levels with the hosts whose levels are
// equal, if they changed since (Resolve does it too). The executor calls
// it once it has set a batch's magic variables, so that hosts do not
// each keep their own copy while the batch runs.
func (h *Host) ShareLevels() {
	if h.levelsChanged {
		h.level, h.levelsChanged = intern(h.level), false
	}
}

// Resolve renders the templated variables if anything changed since the last
// call. A variable whose template fails is left undefined and remembered in
// Broken: it is an error only where it is used, as in Ansible.
func (h *Host) Resolve() {
	if !h.dirty {
		return
	}
	h.dirty = false
	h.version++
	h.ShareLevels()
	if len(h.templ) == 0 {
		return
	}
	for k, l := range h.templ {
		h.vars[k] = l.tree
	}
	r := resolution{state: make(map[string]int8, len(h.templ)), keys: make([]string, 0, len(h.templ))}
	for k := range h.templ {
		r.keys = append(r.keys, k)
	}
	sort.Strings(r.keys)
	for _, k := range r.keys {
		h.resolve(k, r)
	}
}

// resolution is one Resolve's progress: each templated variable's state
// (0 not yet, 1 resolving, 2 done), and their names in order.
type resolution struct {
	state map[string]int8
	keys  []string
}

func (h *Host) resolve(key string, r resolution) {
	state := r.state
	switch state[key] {
	case 2:
		return
	case 1:
		h.setBroken(key, fmt.Errorf("variable %q refers to itself", key))
		delete(h.vars, key)
		return
	}
	state[key] = 1
	l := h.templ[key]
	if l.whole {
		// It may read any variable (index . $k, toJson .), so every
		// other one is rendered first; those already being rendered are
		// left as they are, since such a read is no proof of a cycle.
		for _, k := range r.keys {
			if k != key && state[k] == 0 {
				h.resolve(k, r)
			}
		}
	}
	for _, dep := range l.refs {
		if _, ok := h.templ[dep]; ok && dep != key {
			h.resolve(dep, r)
		} else if dep == key {
			h.setBroken(key, fmt.Errorf("variable %q refers to itself", key))
			delete(h.vars, key)
			state[key] = 2
			return
		}
	}
	v, err := tmpl.Render(l.tree, h.vars)
	state[key] = 2
	if err != nil {
		h.setBroken(key, err)
		delete(h.vars, key)
		return
	}
	delete(h.broken, key)
	h.vars[key] = v
	h.observed(key, v, h.level.m[key]) // a template's level is recorded
}

func (h *Host) setBroken(key string, err error) {
	if h.broken == nil {
		h.broken = map[string]error{}
	}
	h.broken[key] = err
}

// With returns the host's variables overlaid with overlay (task vars, role
// params, loop items). Without an overlay it is the host's own map, uncopied.
func (h *Host) With(overlay map[string]any) map[string]any {
	if len(overlay) == 0 {
		return h.vars
	}
	m := make(map[string]any, len(h.vars)+len(overlay))
	for k, v := range h.vars {
		m[k] = v
	}
	for k, v := range overlay {
		if h.level.m[k] < Extra {
			m[k] = v
		}
	}
	return m
}

// OverridableByTask reports whether a block's or task's vars may override
// key: in Ansible they are levels 16 and 17, below include_vars, set_fact
// and register (18, 19), which therefore keep their value in the task.
func (h *Host) OverridableByTask(key string) bool { return h.level.m[key] < IncludeVars }

// OverridableByParams reports whether role params and include params may
// override key: only extra vars and magic variables win over them (levels
// 20 and 21), as With has it.
func (h *Host) OverridableByParams(key string) bool { return h.level.m[key] < Extra }

// Undefined turns an undefined-variable error about a broken variable into
// one that says why it is undefined.
func (h *Host) Undefined(err error) error {
	if u, ok := diag.As(err, diag.Undefined); ok {
		if why := h.broken[u.Name]; why != nil {
			return fmt.Errorf("variable %q could not be rendered: %w", u.Name, why)
		}
	}
	return err
}

// lazy is a variable whose value holds templates: a *tmpl.Template or a
// compiled tree, the variables it reads, and whether it reads them as a
// whole (then it may read any).
type lazy struct {
	tree  any
	refs  []string
	whole bool
}

var compiled sync.Map // string -> *lazy, or nil for a bad template

// compileValue returns the lazy form of v when v holds templates or Unsafe
// values (which Resolve turns into plain strings), else nil. Compilation is
// cached by string: every host shares one parse.
func compileValue(v any) *lazy {
	switch v := v.(type) {
	case tmpl.Unsafe:
		return &lazy{tree: v}
	case string:
		if !tmpl.IsTemplate(v) {
			return nil
		}
		if c, ok := compiled.Load(v); ok {
			return c.(*lazy)
		}
		var l *lazy
		if t, err := tmpl.Parse("var", v); err == nil {
			l = &lazy{tree: t, refs: t.Refs(), whole: t.ReadsWhole()}
		}
		compiled.Store(v, l)
		return l
	case *tmpl.Template:
		return &lazy{tree: v, refs: v.Refs(), whole: v.ReadsWhole()}
	case []any, map[string]any:
		if !tmpl.NeedsCompile(v) {
			return nil
		}
		c, err := tmpl.Compile("var", v)
		if err != nil || !tmpl.HasTemplate(c) {
			return nil
		}
		l := &lazy{tree: c}
		collect(c, func(t *tmpl.Template) {
			l.refs = append(l.refs, t.Refs()...)
			l.whole = l.whole || t.ReadsWhole()
		})
		return l
	}
	return nil
}

func collect(v any, f func(*tmpl.Template)) {
	switch v := v.(type) {
	case *tmpl.Template:
		f(v)
	case []any:
		for _, e := range v {
			collect(e, f)
		}
	case map[string]any:
		for _, e := range v {
			collect(e, f)
		}
	}
}

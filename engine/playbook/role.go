package playbook

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

// roleRef is a role where it is used: a play's roles entry, a meta
// dependency, or import_role/include_role.
type roleRef struct {
	name   string
	pos    Pos
	params map[string]any
	// vars: a roles: entry's vars, which Ansible makes role vars, seen by
	// the whole play (level 15), unlike its other keys, role params (20).
	vars map[string]any
	own  *scope            // keywords on the entry (when, tags, become, ...)
	from map[string]string // tasks_from, vars_from, defaults_from, handlers_from
	// allowDuplicates: import_role/include_role's allow_duplicates, which
	// overrides the role's meta; nil when not given.
	allowDuplicates *bool
}

// playRoles expands a play's roles: in order, each with its dependencies
// first; a role already run with the same parameters is skipped.
func (l *loader) playRoles(n *yaml.Node, s *scope, pc *playCtx) []*Task {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		l.errs.add(l.pos(n), diag.Type, "roles must be a list, got %s", kind(n))
		return nil
	}
	var out []*Task
	for _, c := range n.Content {
		if ref := l.roleEntry(c, pc); ref != nil {
			out = append(out, l.expandRole(ref, s, pc, true)...)
		}
	}
	return out
}

// roleEntry reads `- name` or `- {role: name, when: ..., vars: ..., p: v}`:
// keywords flow onto the role's tasks, other keys are role parameters.
func (l *loader) roleEntry(n *yaml.Node, pc *playCtx) *roleRef {
	n = resolve(n)
	ref := &roleRef{pos: l.pos(n), own: &scope{}, from: map[string]string{}}
	if n.Kind == yaml.ScalarNode {
		ref.name = l.staticStr(n, "role")
		return ref
	}
	for _, e := range l.mapping(n, "a role") {
		switch e.Key {
		case "role", "name":
			ref.name = l.staticStr(e.V, "role name")
		case "vars":
			ref.vars = mergeMaps(ref.vars, l.compiledMap(e.V, "vars"))
		default:
			if !l.keyword(e, ref.own, pc) {
				ref.params = mergeMaps(ref.params, map[string]any{e.Key: l.compiled(e.V)})
			}
		}
	}
	if ref.name == "" {
		l.errs.add(ref.pos, diag.Missing, "role entry has no role name")
		return nil
	}
	return ref
}

// importRole reads import_role/include_role: {name, tasks_from, ...}.
func (l *loader) importRole(a pair, s *scope, pc *playCtx, include bool) []*Task {
	ref := &roleRef{pos: l.pos(a.K), own: &scope{}, from: map[string]string{}}
	for _, e := range l.mapping(a.V, a.Key) {
		switch e.Key {
		case "name", "role":
			ref.name = l.staticStr(e.V, "role name")
		case "tasks_from", "vars_from", "defaults_from", "handlers_from":
			ref.from[strings.TrimSuffix(e.Key, "_from")] = l.staticStr(e.V, e.Key)
		case "vars":
			ref.params = l.compiledMap(e.V, "vars")
		case "public":
			// hapb loads every role of a play at parse time: its vars and
			// defaults are the play's, as import_role's are in Ansible.
			if !l.boolean(e.V, e.Key) {
				l.errs.add(l.pos(e.V), diag.Unsupported, "%s: public: false is not supported: hapb makes a role's vars and defaults visible to the whole play, as import_role does (public: true); remove the keyword", a.Key)
			}
		case "allow_duplicates":
			b := l.boolean(e.V, e.Key)
			ref.allowDuplicates = &b
		default:
			d := l.errs.add(l.pos(e.K), diag.UnknownParameter, "%s: unknown parameter %q", a.Key, e.Key)
			d.Name, d.Hint = e.Key, didYouMean(e.Key,
				[]string{"name", "tasks_from", "vars_from", "defaults_from", "handlers_from", "vars", "public", "allow_duplicates"})
		}
	}
	if ref.name == "" {
		l.errs.add(l.pos(a.K), diag.Missing, "%s needs a role name", a.Key)
		return nil
	}
	return l.expandRole(ref, s, pc, false)
}

// expandRole returns a role's tasks, its dependencies' first, and adds its
// handlers to the play. With once set, a role already expanded in the play
// with the same parameters is skipped, as Ansible runs roles once.
func (l *loader) expandRole(ref *roleRef, s *scope, pc *playCtx, once bool) []*Task {
	dir := l.findRole(ref, s, pc)
	if dir == "" {
		return nil
	}
	for _, d := range pc.roles {
		if d == dir {
			l.errs.add(ref.pos, diag.Cycle, "role dependency cycle: %s depends on itself", ref.name)
			return nil
		}
	}
	meta := l.roleMeta(dir)
	allow := meta.allowDuplicates
	if ref.allowDuplicates != nil {
		// allow_duplicates: false on an import makes it run once too.
		allow, once = *ref.allowDuplicates, true
	}
	key := dir + "\x00" + canonical(ref.params) + "\x00" + canonical(ref.vars) + "\x00" + fmt.Sprint(ref.from)
	if once && pc.roleRuns[key] && !allow {
		return nil
	}
	pc.roleRuns[key] = true
	pc.roles = append(pc.roles, dir)
	defer func() { pc.roles = pc.roles[:len(pc.roles)-1] }()

	role := &Role{Name: filepath.Base(dir), Dir: dir, Params: ref.params}
	role.Defaults = l.roleVars(dir, "defaults", ref.from["defaults"])
	role.Vars = mergeMaps(l.roleVars(dir, "vars", ref.from["vars"]), ref.vars)
	rs := s.child(ref.own)
	rs.role = role
	rs.searchDirs = uniq([]string{dir, pc.dir})
	rs.dir = filepath.Join(dir, "tasks")

	var out []*Task
	for _, dep := range meta.deps {
		if d := l.roleEntry(dep, pc); d != nil {
			out = append(out, l.expandRole(d, rs, pc, true)...)
		}
	}
	pc.play.Roles = append(pc.play.Roles, role)
	if f := l.roleFile(dir, "tasks", ref.from["tasks"], ref.pos); f != "" {
		out = append(out, l.taskFile(f, rs, pc, ref.pos)...)
	}
	// A role's handlers are the play's once, however often the role runs.
	if f := l.roleFile(dir, "handlers", ref.from["handlers"], ref.pos); f != "" && !pc.handlerFiles[f] {
		pc.handlerFiles[f] = true
		hs := *rs
		hs.handlers = true
		hs.dir = filepath.Join(dir, "handlers")
		pc.handlers = append(pc.handlers, l.taskFile(f, &hs, pc, ref.pos)...)
	}
	return out
}

// findRole looks for the role beside the including role, in roles/ beside
// the playbook and in its parent, then in Options.RolesPath.
func (l *loader) findRole(ref *roleRef, s *scope, pc *playCtx) string {
	if strings.ContainsRune(ref.name, '/') {
		p := ref.name
		if !filepath.IsAbs(p) {
			p = filepath.Join(pc.dir, p)
		}
		if isDir(p) {
			return p
		}
		l.errs.add(ref.pos, diag.NotFound, "role %q not found", ref.name).Name = ref.name
		return ""
	}
	var dirs []string
	if s.role != nil {
		dirs = append(dirs, filepath.Dir(s.role.Dir))
	}
	dirs = append(dirs, filepath.Join(pc.dir, "roles"), filepath.Join(filepath.Dir(pc.dir), "roles"))
	dirs = append(dirs, l.opts.RolesPath...)
	dirs = uniq(dirs)
	for _, d := range dirs {
		if p := filepath.Join(d, ref.name); isDir(p) {
			return p
		}
	}
	l.errs.add(ref.pos, diag.NotFound, "role %q not found (searched %s)", ref.name, strings.Join(dirs, ", ")).Name = ref.name
	return ""
}

// roleFile finds DIR/kind/main.yml (or the name given by tasks_from and
// its kin); a missing main file is fine, a missing named one is not.
func (l *loader) roleFile(dir, kind, name string, from Pos) string {
	names := []string{"main.yml", "main.yaml", "main"}
	if name != "" {
		names = []string{name, name + ".yml", name + ".yaml"}
	}
	for _, n := range names {
		if p := filepath.Join(dir, kind, n); exists(p) && !isDir(p) {
			return p
		}
	}
	if name != "" {
		l.errs.add(from, diag.NotFound, "role %s: %s file %q not found", filepath.Base(dir), kind, name)
	}
	return ""
}

func (l *loader) roleVars(dir, kind, name string) map[string]any {
	f := l.roleFile(dir, kind, name, Pos{File: dir})
	if f == "" {
		return nil
	}
	if root := l.parseFile(f, Pos{}); root != nil {
		return l.compiledMap(root, kind+" file")
	}
	return nil
}

type roleMeta struct {
	deps            []*yaml.Node
	allowDuplicates bool
}

// roleMeta reads meta/main.yml: dependencies and allow_duplicates; other
// keys (galaxy_info, ...) are documentation.
func (l *loader) roleMeta(dir string) roleMeta {
	var m roleMeta
	f := l.roleFile(dir, "meta", "", Pos{})
	if f == "" {
		return m
	}
	root := l.parseFile(f, Pos{})
	if root == nil {
		return m
	}
	for _, e := range l.mapping(root, "meta/main.yml") {
		switch e.Key {
		case "dependencies":
			v := resolve(e.V)
			if v.Kind == yaml.SequenceNode {
				m.deps = v.Content
			} else if v.Tag != "!!null" {
				l.errs.add(l.pos(v), diag.Type, "dependencies must be a list, got %s", kind(v))
			}
		case "allow_duplicates":
			m.allowDuplicates = l.boolean(e.V, e.Key)
		}
	}
	return m
}

// canonical renders role params for comparison: compiled templates by
// their source.
func canonical(v any) string {
	var conv func(any) any
	conv = func(v any) any {
		switch v := v.(type) {
		case *tmpl.Template:
			return "{{tmpl}}" + v.String()
		case map[string]any:
			m := make(map[string]any, len(v))
			for k, e := range v {
				m[k] = conv(e)
			}
			return m
		case []any:
			s := make([]any, len(v))
			for i, e := range v {
				s[i] = conv(e)
			}
			return s
		}
		return v
	}
	b, _ := json.Marshal(conv(v)) // map keys are sorted
	return string(b)
}

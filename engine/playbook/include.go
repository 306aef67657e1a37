package playbook

import (
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
)

// importTasks expands `import_tasks: file` in place; the import's keywords
// (when, tags, ...) are already in s.
func (l *loader) importTasks(a pair, s *scope, pc *playCtx) []*Task {
	path := l.taskFilePath(a, s, pc)
	if path == "" {
		return nil
	}
	return l.taskFile(path, s, pc, l.pos(a.V))
}

// include reads include_tasks and include_role: a block with Include set.
// Its own when is checked once on entry and its tags select it, so neither
// flows into the included tasks (as with Ansible's dynamic includes; an
// import's do); its loop repeats the whole block.
func (l *loader) include(t *Task, k string, a pair, kw map[string]pair, s, own *scope, pc *playCtx) *Task {
	t.Include = true
	l.noTaskOnly(kw, k, "name", "loop", "with_items", "with_list", "with_dict", "loop_control")
	s.child(own).apply(t)
	l.loopAndResult(t, kw)
	inner := *own
	inner.when = nil
	inner.tags = nil // an include's tags select the include, not its tasks
	cs := s.child(&inner)
	if k == "include_role" {
		t.IncludeRole = true
		t.Block = l.importRole(a, cs, pc, true)
		if t.Name == "" {
			t.Name = "include_role"
		}
		return t
	}
	path := l.taskFilePath(a, s, pc)
	if path != "" {
		if t.Name == "" {
			t.Name = "include_tasks: " + filepath.Base(path)
		}
		t.Block = l.taskFile(path, cs, pc, l.pos(a.V))
	}
	return t
}

// taskFilePath resolves the file of import_tasks/include_tasks: relative to
// the including file's directory, then the role's tasks/, then the
// playbook's directory.
func (l *loader) taskFilePath(a pair, s *scope, pc *playCtx) string {
	v := resolve(a.V)
	if v.Kind == yaml.MappingNode {
		// include_tasks: {file: x.yml}
		var file *yaml.Node
		for _, e := range l.mapping(v, a.Key) {
			switch e.Key {
			case "file":
				file = e.V
			case "apply":
				l.errs.add(l.pos(e.K), diag.Unsupported, "%s: apply is not supported; put keywords on the include itself", a.Key)
			default:
				d := l.errs.add(l.pos(e.K), diag.UnknownParameter, "%s: unknown parameter %q", a.Key, e.Key)
				d.Name, d.Hint = e.Key, "expected file"
			}
		}
		if file == nil {
			l.errs.add(l.pos(v), diag.Missing, "%s needs a file", a.Key)
			return ""
		}
		v = resolve(file)
	}
	name := l.str(v, shortAction(a.Key))
	if strings.Contains(name, "{{") {
		l.errs.add(l.pos(v), diag.Invalid, "%s file must be static, got %q", shortAction(a.Key), name)
		return ""
	}
	if name == "" {
		l.errs.add(l.pos(v), diag.Missing, "%s needs a file", shortAction(a.Key))
		return ""
	}
	if filepath.IsAbs(name) {
		return name
	}
	dirs := []string{s.dir}
	if s.role != nil {
		dirs = append(dirs, filepath.Join(s.role.Dir, "tasks"))
	}
	dirs = append(dirs, pc.dir)
	for _, d := range dirs {
		if p := filepath.Join(d, name); exists(p) {
			return p
		}
	}
	l.errs.add(l.pos(v), diag.NotFound, "%s: file %q not found (searched %s)", shortAction(a.Key), name, strings.Join(uniq(dirs), ", "))
	return ""
}

// taskFile reads a tasks file; from is the place that includes it.
func (l *loader) taskFile(path string, s *scope, pc *playCtx, from Pos) []*Task {
	abs, _ := filepath.Abs(path)
	for _, f := range pc.files {
		if f == abs {
			l.errs.add(from, diag.Cycle, "include cycle: %s includes itself", path)
			return nil
		}
	}
	pc.files = append(pc.files, abs)
	defer func() { pc.files = pc.files[:len(pc.files)-1] }()
	root := l.parseFile(path, from)
	if root == nil {
		return nil
	}
	fs := *s
	fs.dir = filepath.Dir(path)
	if s.role == nil {
		fs.searchDirs = uniq([]string{fs.dir, pc.dir})
	}
	return l.tasks(root, &fs, pc)
}

func uniq(list []string) []string {
	var out []string
	for _, s := range list {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

package playbook

import (
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
)

var playKeywords = []string{
	"hosts", "name", "gather_facts", "vars", "vars_files", "roles",
	"pre_tasks", "tasks", "post_tasks", "handlers", "serial",
	"max_fail_percentage", "strategy", "force_handlers",
	// inherited onto the play's tasks
	"become", "become_user", "environment", "tags", "any_errors_fatal",
	"check_mode", "diff", "no_log", "ignore_errors", "ignore_unreachable",
	"timeout", "throttle", "run_once",
}

// play reads one play: its own keywords, then roles and tasks in the order
// they run, then checks that every notify finds a handler.
func (l *loader) play(n *yaml.Node, dir string) *Play {
	p := &Play{Pos: l.pos(resolve(n)), GatherFacts: true, Strategy: "linear", Dir: dir}
	pc := &playCtx{play: p, dir: dir, roleRuns: map[string]bool{}, handlerFiles: map[string]bool{}}
	s := &scope{searchDirs: []string{dir}, dir: dir}
	entries := map[string]pair{}
	for _, e := range l.mapping(n, "a play") {
		switch e.Key {
		case "hosts":
			p.Hosts = l.hosts(e.V)
		case "name":
			p.Name = l.str(e.V, "name")
		case "gather_facts":
			p.GatherFacts = l.boolean(e.V, e.Key)
		case "vars":
			p.Vars = l.compiledMap(e.V, "vars")
		case "vars_files":
			p.VarsFiles = l.varsFiles(e.V, dir)
		case "serial":
			p.Serial = l.serial(e.V)
		case "max_fail_percentage":
			f := l.percent(e.V)
			p.MaxFailPercentage = &f
		case "strategy":
			p.Strategy = l.str(e.V, e.Key)
			if p.Strategy != "linear" && p.Strategy != "free" {
				l.errs.add(l.pos(e.V), diag.Invalid, "strategy must be linear or free, got %q", p.Strategy)
			}
		case "force_handlers":
			p.ForceHandlers = l.boolean(e.V, e.Key)
		case "roles", "pre_tasks", "tasks", "post_tasks", "handlers":
			entries[e.Key] = e
		case "when", "notify", "delegate_to", "delegate_facts":
			l.errs.add(l.pos(e.K), diag.Invalid, "%s is not allowed on a play", e.Key)
		default:
			if !l.keyword(e, s, pc) {
				d := l.errs.add(l.pos(e.K), diag.UnknownKeyword, "unknown play keyword %q", e.Key)
				d.Name, d.Hint = e.Key, didYouMean(e.Key, playKeywords)
			}
		}
	}
	if p.Hosts == "" && resolve(n).Kind == yaml.MappingNode {
		l.errs.add(p.Pos, diag.Missing, "play has no hosts")
	}
	p.AnyErrorsFatal = deref(s.anyErrorsFatal)
	list := func(key string, hs *scope) []*Task {
		if e, ok := entries[key]; ok {
			return l.tasks(e.V, hs, pc)
		}
		return nil
	}
	p.PreTasks = list("pre_tasks", s)
	if e, ok := entries["roles"]; ok {
		p.Tasks = l.playRoles(e.V, s, pc)
	}
	p.Tasks = append(p.Tasks, list("tasks", s)...)
	p.PostTasks = list("post_tasks", s)
	hs := *s
	hs.handlers = true
	p.Handlers = append(list("handlers", &hs), pc.handlers...)
	l.checkNotify(pc)
	if p.Strategy == "free" {
		l.checkFree(p)
	}
	return p
}

// checkFree refuses what a free play cannot mean: Ansible runs a run_once
// task on every host of a free play (with a warning), and throttle bounds a
// task that hosts reach at different times. Both are refused rather than
// run otherwise than written.
func (l *loader) checkFree(p *Play) {
	for _, list := range [][]*Task{p.PreTasks, p.Tasks, p.PostTasks, p.Handlers} {
		walk(list, func(t *Task) {
			switch {
			case t.RunOnce:
				l.errs.add(t.Pos, diag.Unsupported, "run_once is not supported in a play with strategy: free (Ansible runs it on every host); move the task to a linear play")
			case t.Throttle > 0 || t.ThrottleTemplate != nil:
				l.errs.add(t.Pos, diag.Unsupported, "throttle is not supported in a play with strategy: free; use serial, or a linear play")
			}
		})
	}
}

// hosts reads a host pattern, a string or a list of patterns.
func (l *loader) hosts(n *yaml.Node) string {
	n = resolve(n)
	if n.Kind == yaml.SequenceNode {
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			parts = append(parts, l.str(c, "hosts"))
		}
		return strings.Join(parts, ":")
	}
	return l.str(n, "hosts")
}

// varsFiles loads vars_files now, later files winning, so that a missing
// file is a load error like any other.
func (l *loader) varsFiles(n *yaml.Node, dir string) map[string]any {
	items := oneOrMany(n)
	out := map[string]any{}
	for _, c := range items {
		name := l.str(c, "vars_files")
		if isTemplate(name) {
			l.errs.add(l.pos(c), diag.Invalid, "vars_files must be static: %q", name)
			continue
		}
		if name == "" {
			continue
		}
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, name)
		}
		if root := l.parseFile(path, l.pos(c)); root != nil {
			for k, v := range l.compiledMap(root, "a vars file") {
				out[k] = v
			}
		}
	}
	return out
}

// serial reads batch sizes: an int, "30%", or a list of them.
func (l *loader) serial(n *yaml.Node) []any {
	items := oneOrMany(n)
	var out []any
	for _, c := range items {
		c = resolve(c)
		v := strings.TrimSpace(c.Value)
		if c.Kind == yaml.ScalarNode {
			if i, err := strconv.Atoi(v); err == nil && i >= 0 {
				out = append(out, i)
				continue
			}
			if f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64); err == nil &&
				strings.HasSuffix(v, "%") && f > 0 && f <= 100 {
				out = append(out, v)
				continue
			}
		}
		l.errs.add(l.pos(c), diag.Invalid, "serial must be a number of hosts or a percentage like \"30%%\", got %s", kind(c))
	}
	return out
}

func (l *loader) percent(n *yaml.Node) float64 {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(n.Value), "%"), 64)
		if err == nil && f >= 0 && f <= 100 {
			return f
		}
	}
	l.errs.add(l.pos(n), diag.Invalid, "max_fail_percentage must be a number from 0 to 100, got %s", kind(n))
	return 0
}

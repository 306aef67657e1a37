package playbook

import (
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// Options tune Load.
type Options struct {
	// RolesPath lists more directories holding roles, searched after
	// roles/ beside the playbook and roles/ in its parent directory.
	RolesPath []string
	// Modules resolves module names; nil means the modules registry.
	Modules Modules
}

// Modules is a set of modules by name, as the modules registry is.
type Modules interface {
	Lookup(name string) (modules.Module, bool)
	Names() []string
}

type registry struct{}

func (registry) Lookup(name string) (modules.Module, bool) { return modules.Lookup(name) }
func (registry) Names() []string                           { return modules.Names() }

// Load reads the playbook at path with everything it imports: plays, roles,
// task files and vars files. On any mistake it returns a
// *multierror.Error of *diag.Diagnostic, sorted by position, with every
// error found.
//
// What the executor can rely on:
//   - a plain block's When is already prepended to its tasks'; an include
//     block's own When is not (it is checked once, on entry), and its Loop
//     repeats the block with the loop variable visible inside;
//   - Params is set when the args hold no template; otherwise render Args
//     and call DecodeParams, which also handles FreeKeys modules (set_fact);
//   - meta tasks have Action "meta", no Module, and Args["_raw"];
//   - Notify holds handler names or listen topics, all known to the play.
func Load(path string, opts Options) (*Playbook, error) {
	l := &loader{
		opts:     opts,
		mods:     opts.Modules,
		files:    map[string]*yaml.Node{},
		nodeFile: map[*yaml.Node]string{},
	}
	if l.mods == nil {
		l.mods = registry{}
	}
	pb := &Playbook{Path: path, Plays: l.playbook(path, Pos{}, nil)}
	if err := l.errs.joined(); err != nil {
		return nil, err
	}
	return pb, nil
}

type loader struct {
	opts     Options
	mods     Modules
	errs     errorList
	files    map[string]*yaml.Node // parsed files, by path
	nodeFile map[*yaml.Node]string
}

// playCtx is what the loader tracks while it reads one play.
type playCtx struct {
	play     *Play
	dir      string // the playbook's directory
	handlers []*Task
	notified []notifyRef
	roleRuns map[string]bool // role instances already expanded
	// handlerFiles are the role handler files already added.
	handlerFiles map[string]bool
	roles        []string // role dirs being expanded, for cycles
	files        []string // task files being read, for cycles
}

// playbook reads a playbook file; stack holds the files importing it.
func (l *loader) playbook(path string, from Pos, stack []string) []*Play {
	abs, _ := filepath.Abs(path)
	for _, s := range stack {
		if s == abs {
			l.errs.add(from, diag.Cycle, "import_playbook cycle: %s imports itself", path)
			return nil
		}
	}
	stack = append(stack, abs)
	root := l.parseFile(path, from)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		l.errs.add(l.pos(root), diag.Type, "a playbook must be a list of plays, got %s", kind(root))
		return nil
	}
	if len(root.Content) == 0 {
		l.errs.add(Pos{File: path}, diag.Missing, "playbook has no plays")
	}
	var plays []*Play
	for _, n := range root.Content {
		if imp := l.importPlaybook(n, filepath.Dir(path), stack); imp != nil {
			plays = append(plays, imp...)
			continue
		}
		if p := l.play(n, filepath.Dir(path)); p != nil {
			plays = append(plays, p)
		}
	}
	return plays
}

// importPlaybook expands `- import_playbook: x.yml`; it returns nil when n
// is not an import.
func (l *loader) importPlaybook(n *yaml.Node, dir string, stack []string) []*Play {
	if resolve(n).Kind != yaml.MappingNode {
		return nil // play reports it
	}
	ps := l.mapping(n, "play")
	var file *pair
	for i := range ps {
		if ps[i].Key == "import_playbook" || ps[i].Key == "ansible.builtin.import_playbook" {
			file = &ps[i]
		}
	}
	if file == nil {
		return nil
	}
	own := &scope{}
	for _, p := range ps {
		switch p.Key {
		case file.Key, "name":
		case "when", "tags", "vars":
			l.keyword(p, own, nil)
		default:
			d := l.errs.add(l.pos(p.K), diag.UnknownKeyword, "unknown import_playbook keyword %q", p.Key)
			d.Name, d.Hint = p.Key, didYouMean(p.Key, []string{"import_playbook", "name", "when", "tags", "vars"})
		}
	}
	name := l.staticStr(file.V, "import_playbook")
	if name == "" {
		return []*Play{}
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, name)
	}
	plays := l.playbook(path, l.pos(file.V), stack)
	for _, p := range plays {
		p.Vars = mergeMaps(p.Vars, own.vars)
		for _, list := range [][]*Task{p.PreTasks, p.Tasks, p.PostTasks, p.Handlers} {
			walk(list, func(t *Task) {
				t.When = append(append([]*tmpl.Expr(nil), own.when...), t.When...)
				t.Tags = union(own.tags, t.Tags)
			})
		}
	}
	if plays == nil {
		plays = []*Play{}
	}
	return plays
}

// walk calls fn for every task in list, blocks and their contents included.
func walk(list []*Task, fn func(*Task)) {
	for _, t := range list {
		fn(t)
		walk(t.Block, fn)
		walk(t.Rescue, fn)
		walk(t.Always, fn)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

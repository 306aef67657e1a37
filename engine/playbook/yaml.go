package playbook

import (
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/engine/yaml11"
)

// parseFile reads and parses a YAML file once; later calls return the same
// tree. It returns nil (with the error recorded) when the file cannot be
// read or parsed, and an empty sequence for an empty file.
func (l *loader) parseFile(path string, from Pos) *yaml.Node {
	if n, ok := l.files[path]; ok {
		return n
	}
	l.files[path] = nil
	data, err := os.ReadFile(path)
	if err != nil {
		if from.File == "" {
			from = Pos{File: path}
		}
		l.errs.err(from, diag.NotFound, err)
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.errs = append(l.errs, diag.YAML(path, err))
		return nil
	}
	if !l.checkAliases(path, &doc) {
		return nil
	}
	root := &yaml.Node{Kind: yaml.SequenceNode, Line: 1, Column: 1}
	if len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	l.index(root, path)
	l.files[path] = root
	return root
}

// index records the file of every node, so errors can name it without
// threading file names through every function.
func (l *loader) index(n *yaml.Node, file string) {
	if n == nil {
		return
	}
	if _, seen := l.nodeFile[n]; seen {
		return
	}
	l.nodeFile[n] = file
	for _, c := range n.Content {
		l.index(c, file)
	}
}

func (l *loader) pos(n *yaml.Node) Pos {
	return Pos{File: l.nodeFile[n], Line: n.Line, Col: n.Column}
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pair is one entry of a YAML mapping.
type pair struct {
	Key  string
	K, V *yaml.Node
}

// mapping returns the entries of a mapping node in order, with << merge
// keys expanded. Duplicate keys are errors; it reports a node that is not a
// mapping as an error naming what was expected, and returns nil.
func (l *loader) mapping(n *yaml.Node, what string) []pair {
	n = resolve(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		l.errs.add(l.pos(n), diag.Type, "%s must be a mapping, got %s", what, kind(n))
		return nil
	}
	var out, merged []pair
	idx := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			merged = append(merged, l.merged(v, what)...)
			continue
		}
		if j, dup := idx[k.Value]; dup {
			l.errs.add(l.pos(k), diag.Duplicate, "duplicate key %q (first at line %d)", k.Value, out[j].K.Line).Name = k.Value
			continue
		}
		idx[k.Value] = len(out)
		out = append(out, pair{Key: k.Value, K: k, V: v})
	}
	// Keys written in the mapping win over merged ones; among merged
	// mappings the first wins, as the YAML merge spec says.
	for _, p := range merged {
		if _, ok := idx[p.Key]; !ok {
			idx[p.Key] = len(out)
			out = append(out, p)
		}
	}
	return out
}

func (l *loader) merged(v *yaml.Node, what string) []pair {
	v = resolve(v)
	var srcs []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	} else {
		srcs = []*yaml.Node{v}
	}
	var out []pair
	for _, s := range srcs {
		out = append(out, l.mapping(s, what)...)
	}
	return out
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// oneOrMany is a node that may be one value or a list of them (when, tags,
// notify, serial, vars_files) as the list of its items.
func oneOrMany(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

// value converts a node to a plain tree of map[string]any, []any and
// scalars, as yaml.Unmarshal into an any would.
func (l *loader) value(n *yaml.Node) any { return l.tree(n, l.scalar) }

// compiled converts a node like value, compiling every string that holds a
// template; a bad template is reported at its own line and column.
func (l *loader) compiled(n *yaml.Node) any {
	return l.tree(n, func(n *yaml.Node) any {
		v := l.scalar(n)
		if n.Tag == tmpl.UnsafeTag { // Ansible's !unsafe: data, never a template
			if n.Kind == yaml.ScalarNode {
				return tmpl.Unsafe(n.Value)
			}
			return tmpl.MarkUnsafe(v)
		}
		if s, ok := v.(string); ok && isTemplate(s) {
			t, err := tmpl.Compile(l.pos(n).File, s)
			if err != nil {
				l.errs.err(l.pos(n), diag.Syntax, err)
				return s
			}
			return t
		}
		return v
	})
}

// tree walks mappings and sequences and converts each scalar with leaf; a
// list or mapping tagged !unsafe goes to leaf whole.
func (l *loader) tree(n *yaml.Node, leaf func(*yaml.Node) any) any {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Tag == tmpl.UnsafeTag {
		return leaf(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		ps := l.mapping(n, "value")
		m := make(map[string]any, len(ps))
		for _, p := range ps {
			m[p.Key] = l.tree(p.V, leaf)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = l.tree(c, leaf)
		}
		return s
	}
	return leaf(n)
}

// scalar types a scalar as Ansible's PyYAML does (YAML 1.1: yes and on are
// booleans, 1:20 is 80); timestamps stay text.
func (l *loader) scalar(n *yaml.Node) any {
	if n.Kind != yaml.ScalarNode { // a list or mapping tagged !unsafe, whole
		untagged := *n
		untagged.Tag = ""
		return l.tree(&untagged, l.scalar)
	}
	v, err := yaml11.Scalar(n)
	if err != nil {
		l.errs.err(l.pos(n), diag.Invalid, err)
		return n.Value
	}
	return v
}

// compiledMap compiles a mapping such as vars or environment.
func (l *loader) compiledMap(n *yaml.Node, what string) map[string]any {
	ps := l.mapping(n, what)
	if ps == nil {
		return nil
	}
	m := make(map[string]any, len(ps))
	for _, p := range ps {
		m[p.Key] = l.compiled(p.V)
	}
	return m
}

func (l *loader) str(n *yaml.Node, what string) string {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		l.errs.add(l.pos(n), diag.Type, "%s must be a string, got %s", what, kind(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// staticStr is str for values that must be known at load time.
func (l *loader) staticStr(n *yaml.Node, what string) string {
	s := l.str(n, what)
	if isTemplate(s) {
		l.errs.add(l.pos(n), diag.Invalid, "%s must be static, not a template", what)
	}
	return s
}

func (l *loader) boolean(n *yaml.Node, what string) bool {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on":
			return true
		case "false", "no", "off":
			return false
		}
	}
	l.errs.add(l.pos(n), diag.Type, "%s must be a boolean, got %s", what, kind(n))
	return false
}

func (l *loader) integer(n *yaml.Node, what string) int {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		if i, err := strconv.Atoi(strings.TrimSpace(n.Value)); err == nil {
			return i
		}
	}
	l.errs.add(l.pos(n), diag.Type, "%s must be an integer, got %s", what, kind(n))
	return 0
}

// seconds reads a duration given in seconds (int or float) or as a Go
// duration string ("1m30s").
func (l *loader) seconds(n *yaml.Node, what string) time.Duration {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && f >= 0 {
			return time.Duration(f * float64(time.Second))
		}
		if d, err := time.ParseDuration(n.Value); err == nil && d >= 0 {
			return d
		}
	}
	l.errs.add(l.pos(n), diag.Type, "%s must be a number of seconds, got %s", what, kind(n))
	return 0
}

// strList reads a list of static strings, also accepted as one string
// with commas ("a,b") as Ansible does for tags.
func (l *loader) strList(n *yaml.Node, what string) []string {
	n = resolve(n)
	var out []string
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if s := l.staticStr(c, what); s != "" {
				out = append(out, s)
			}
		}
	default:
		for _, s := range strings.Split(l.staticStr(n, what), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// isTemplate reports whether s holds a template action, as tmpl does.
func isTemplate(s string) bool { return strings.Contains(s, "{{") }

package playbook

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
)

// actionKeyword turns Ansible's `action: copy src=a dest=b` or
// `local_action: {module: copy, src: a}` into the ordinary module form.
func (l *loader) actionKeyword(p pair) (pair, bool) {
	v := resolve(p.V)
	synth := func(kind yaml.Kind, value string, content []*yaml.Node) *yaml.Node {
		n := &yaml.Node{Kind: kind, Tag: "!!str", Value: value, Content: content, Line: v.Line, Column: v.Column}
		if kind == yaml.MappingNode {
			n.Tag = "!!map"
		}
		l.nodeFile[n] = l.nodeFile[v]
		return n
	}
	switch v.Kind {
	case yaml.ScalarNode:
		name, rest, _ := strings.Cut(strings.TrimSpace(v.Value), " ")
		if name != "" {
			if !l.knownAction(name, v) {
				return pair{}, false
			}
			val := synth(yaml.ScalarNode, strings.TrimSpace(rest), nil)
			if rest == "" {
				val.Tag = "!!null"
			}
			return pair{Key: name, K: synth(yaml.ScalarNode, name, nil), V: val}, true
		}
	case yaml.MappingNode:
		var name *yaml.Node
		var content []*yaml.Node
		for _, e := range l.mapping(v, p.Key) {
			if e.Key == "module" {
				name = synth(yaml.ScalarNode, l.staticStr(e.V, "module"), nil)
				continue
			}
			content = append(content, e.K, e.V)
		}
		if name != nil && name.Value != "" {
			if !l.knownAction(name.Value, name) {
				return pair{}, false
			}
			return pair{Key: name.Value, K: name, V: synth(yaml.MappingNode, "", content)}, true
		}
	}
	l.errs.add(l.pos(v), diag.Missing, "%s needs a module: `%s: shell echo hi` or `%s: {module: shell, cmd: echo hi}`", p.Key, p.Key, p.Key)
	return pair{}, false
}

func (l *loader) knownAction(name string, n *yaml.Node) bool {
	k := shortAction(name)
	if _, ok := l.mods.Lookup(k); ok || k == "meta" || contains(includeActions, k) {
		return true
	}
	l.unknownModule(l.pos(n), name)
	return false
}

// unknownModule reports a name that is no module's.
func (l *loader) unknownModule(pos Pos, name string) {
	d := l.errs.add(pos, diag.UnknownModule, "unknown module %q", name)
	d.Name = name
	if mod := nearest(name, l.mods.Names()); mod != "" {
		d.Hint = "did you mean " + mod + "?"
	}
}

package playbook

import (
	"fmt"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

var loopKeys = []string{"loop", "with_items", "with_list", "with_dict"}

// loop reads loop or one of its with_* forms into a compiled list or a
// template that renders to one.
func (l *loader) loop(kw map[string]pair) any {
	var found []pair
	for _, k := range loopKeys {
		if p, ok := kw[k]; ok {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return nil
	}
	sort.Slice(found, func(i, j int) bool { return found[i].K.Line < found[j].K.Line })
	for _, p := range found[1:] {
		l.errs.add(l.pos(p.K), diag.Invalid, "%s and %s cannot be used together", found[0].Key, p.Key)
	}
	p := found[0]
	n := resolve(p.V)
	if t, ok := l.compiled(n).(*tmpl.Template); ok && n.Kind == yaml.ScalarNode {
		if p.Key == "with_items" || p.Key == "with_dict" {
			return &LoopTemplate{Kind: p.Key, T: t}
		}
		return t
	}
	switch p.Key {
	case "with_dict":
		if n.Kind != yaml.MappingNode {
			l.errs.add(l.pos(n), diag.Type, "with_dict needs a mapping or a template, got %s", kind(n))
			return nil
		}
		var items []any
		for _, e := range l.mapping(n, "with_dict") {
			items = append(items, map[string]any{"key": e.Key, "value": l.compiled(e.V)})
		}
		return items
	}
	if n.Kind != yaml.SequenceNode {
		l.errs.add(l.pos(n), diag.Type, "%s needs a list or a template, got %s", p.Key, kind(n))
		return nil
	}
	items := l.compiled(n).([]any)
	if p.Key == "with_items" {
		// with_items flattens one level, as Ansible does.
		var flat []any
		for _, it := range items {
			if sub, ok := it.([]any); ok {
				flat = append(flat, sub...)
			} else {
				flat = append(flat, it)
			}
		}
		items = flat
	}
	if items == nil {
		items = []any{}
	}
	return items
}

// LoopTemplate is a with_items or with_dict loop given as a template. What
// it renders to is made into items per host as Ansible does: with_items
// flattens a list one level, with_dict makes a mapping {key, value} items
// (in key order: a rendered mapping has no other).
type LoopTemplate struct {
	Kind string // with_items or with_dict
	T    *tmpl.Template
}

// Items turns what the template rendered into the loop's items.
func (lt *LoopTemplate) Items(v any) ([]any, error) {
	switch lt.Kind {
	case "with_dict":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("with_dict: expected a mapping, got %T", v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		items := make([]any, len(keys))
		for i, k := range keys {
			items[i] = map[string]any{"key": k, "value": m[k]}
		}
		return items, nil
	}
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return []any{v}, nil // with_items of one value: that value, as in Ansible
	}
	var flat []any
	for _, it := range list {
		if sub, ok := it.([]any); ok {
			flat = append(flat, sub...)
		} else {
			flat = append(flat, it)
		}
	}
	return flat, nil
}

func (l *loader) loopControl(kw map[string]pair) LoopControl {
	lc := LoopControl{LoopVar: "item"}
	p, ok := kw["loop_control"]
	if !ok {
		return lc
	}
	if !hasLoop(kw) {
		l.errs.add(l.pos(p.K), diag.Invalid, "loop_control without a loop")
	}
	for _, e := range l.mapping(p.V, "loop_control") {
		switch e.Key {
		case "loop_var":
			lc.LoopVar = l.staticStr(e.V, e.Key)
		case "index_var":
			lc.IndexVar = l.staticStr(e.V, e.Key)
		case "label":
			switch v := l.compiled(e.V).(type) {
			case *tmpl.Template:
				lc.Label = v
			default:
				// A constant label is still a template, one that
				// renders to itself.
				t, err := tmpl.Compile(l.pos(e.V).File, "{{ "+strconv.Quote(l.str(e.V, e.Key))+" }}")
				if err == nil {
					lc.Label, _ = t.(*tmpl.Template)
				}
			}
		case "pause":
			lc.Pause = l.seconds(e.V, e.Key)
		case "extended":
			lc.Extended = l.boolean(e.V, e.Key)
		default:
			d := l.errs.add(l.pos(e.K), diag.UnknownKeyword, "unknown loop_control keyword %q", e.Key)
			d.Name, d.Hint = e.Key, didYouMean(e.Key, []string{"loop_var", "index_var", "label", "pause", "extended"})
		}
	}
	for _, v := range []string{lc.LoopVar, lc.IndexVar} {
		if v != "" && !identifier.MatchString(v) {
			l.errs.add(l.pos(p.V), diag.Invalid, "loop_control: %q is not a variable name", v)
		}
	}
	return lc
}

func hasLoop(kw map[string]pair) bool {
	for _, k := range loopKeys {
		if _, ok := kw[k]; ok {
			return true
		}
	}
	return false
}

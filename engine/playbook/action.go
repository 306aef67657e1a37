package playbook

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// FreeKeys reports whether m takes arbitrary parameter names (set_fact):
// its NewParams returns a *map[string]any. Such args are not validated;
// the map holds them as given.
func FreeKeys(m modules.Module) bool {
	_, ok := m.NewParams().(*map[string]any)
	return ok
}

// DecodeParams decodes rendered args into m's params: a pointer to its
// params struct, or for FreeKeys modules a *map[string]any holding args.
// The executor uses it for tasks whose Params were left nil at load time.
func DecodeParams(m modules.Module, args map[string]any) (any, error) {
	p := m.NewParams()
	if fk, ok := p.(*map[string]any); ok {
		cp := make(map[string]any, len(args))
		for k, v := range args {
			cp[k] = v
		}
		*fk = cp
		return fk, nil
	}
	if err := checkParamsType(p); err != nil {
		return nil, err
	}
	if err := params.Decode(args, p); err != nil {
		return nil, err
	}
	return p, nil
}

func checkParamsType(p any) error {
	if t := reflect.TypeOf(p); t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("module params must be a pointer to a struct or a *map[string]any, got %T", p)
	}
	return nil
}

// arg is one module argument with the nodes that wrote it.
type arg struct {
	key  string
	K, V *yaml.Node
	raw  any
}

// module reads a module action: its arguments from the inline value
// (mapping, free-form string or k=v string) and args:, compiled, then
// decoded into the module's params or validated when templated.
func (l *loader) module(t *Task, a pair, kw map[string]pair) {
	m, _ := l.mods.Lookup(a.Key)
	t.Action, t.Module = a.Key, m
	var args []arg
	v := resolve(a.V)
	switch {
	case v.Kind == yaml.MappingNode:
		for _, p := range l.mapping(v, a.Key) {
			args = append(args, arg{p.Key, p.K, p.V, l.value(p.V)})
		}
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
	case v.Kind == yaml.ScalarNode:
		if ff, ok := m.(modules.FreeForm); ok {
			cmd, kvs := cutParams(v.Value, ff.FreeFormParam(), m.NewParams())
			args = append(args, arg{ff.FreeFormParam(), v, v, cmd})
			for _, kv := range kvs {
				args = append(args, arg{kv[0], v, v, kv[1]})
			}
			break
		}
		kvs, err := splitKV(v.Value)
		if err != nil {
			l.errs.add(l.pos(v), diag.Type, "%s takes a mapping of parameters, got %s", a.Key, kind(v))
			return
		}
		for _, kv := range kvs {
			args = append(args, arg{kv[0], v, v, kv[1]})
		}
	default:
		l.errs.add(l.pos(v), diag.Type, "%s takes a mapping of parameters, got %s", a.Key, kind(v))
		return
	}
	if p, ok := kw["args"]; ok {
		for _, e := range l.mapping(p.V, "args") {
			for _, prev := range args {
				if prev.key == e.Key {
					l.errs.add(l.pos(e.K), diag.Duplicate, "parameter %q is given twice (also at line %d)", e.Key, prev.K.Line).Name = e.Key
				}
			}
			args = append(args, arg{e.Key, e.K, e.V, l.value(e.V)})
		}
	}
	raw := make(map[string]any, len(args))
	t.Args = make(map[string]any, len(args))
	for _, ar := range args {
		raw[ar.key] = ar.raw
		if ar.K != ar.V { // written as a mapping entry
			t.Args[ar.key] = l.compiled(ar.V)
		} else {
			t.Args[ar.key] = l.compileString(ar.V, ar.raw)
		}
	}
	l.decode(t, m, a, raw, args)
}

// compileString compiles a value cut from a free-form or k=v string.
func (l *loader) compileString(n *yaml.Node, v any) any {
	s, ok := v.(string)
	if !ok || !isTemplate(s) {
		return v
	}
	c, err := tmpl.Compile(l.pos(n).File, s)
	if err != nil {
		l.errs.err(l.pos(n), diag.Syntax, err)
		return s
	}
	return c
}

func (l *loader) decode(t *Task, m modules.Module, a pair, raw map[string]any, args []arg) {
	templated := params.HasTemplates(raw)
	if FreeKeys(m) {
		if !templated {
			t.Params, _ = DecodeParams(m, raw)
		}
		return
	}
	p := m.NewParams()
	if err := checkParamsType(p); err != nil {
		l.errs.add(l.pos(a.K), diag.Invalid, "%s: %v", a.Key, err)
		return
	}
	var err error
	if templated {
		err = params.Validate(raw, p)
	} else {
		err = params.Decode(raw, p)
		t.Params = p
	}
	if err == nil {
		return
	}
	t.Params = nil
	var pe *diag.Diagnostic
	if !errors.As(err, &pe) {
		l.errs.add(l.pos(a.K), diag.Invalid, "%s: %v", a.Key, err)
		return
	}
	d := l.errs.err(l.paramPos(pe, a, args), diag.Invalid, pe)
	d.Msg = a.Key + ": " + d.Msg
}

var pathPart = regexp.MustCompile(`[^.\[\]]+|\[\d+\]`)

// paramPos finds the node a parameter's diagnostic names (its Name is
// the parameter's path): the key for an unknown or repeated parameter,
// else the value; the module's key when the parameter is missing.
func (l *loader) paramPos(pe *diag.Diagnostic, a pair, args []arg) Pos {
	parts := pathPart.FindAllString(pe.Name, -1)
	atKey := pe.Kind == diag.UnknownParameter || pe.Kind == diag.Duplicate
	var n *yaml.Node
	for _, ar := range args {
		if len(parts) > 0 && ar.key == parts[0] {
			n = ar.V
			if len(parts) == 1 && atKey {
				n = ar.K
			}
		}
	}
	if n == nil {
		return l.pos(a.K)
	}
	for i, part := range parts[1:] {
		k, v := child(n, part)
		if v == nil {
			break
		}
		n = v
		if i == len(parts)-2 && atKey && k != nil {
			n = k
		}
	}
	return l.pos(n)
}

// child returns the key and value nodes of a mapping entry, or the item
// of a list for a part like "[2]".
func child(n *yaml.Node, part string) (k, v *yaml.Node) {
	n = resolve(n)
	if strings.HasPrefix(part, "[") {
		i, _ := strconv.Atoi(strings.Trim(part, "[]"))
		if n.Kind == yaml.SequenceNode && i < len(n.Content) {
			return nil, n.Content[i]
		}
		return nil, nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				return n.Content[i], n.Content[i+1]
			}
		}
	}
	return nil, nil
}

var metaActions = []string{"flush_handlers", "end_play", "end_host", "end_batch", "clear_host_errors", "noop"}

// meta reads `meta: flush_handlers` and its kin; the executor acts on
// Args["_raw"].
func (l *loader) meta(t *Task, a pair) {
	t.Action = "meta"
	s := l.staticStr(a.V, "meta")
	if !contains(metaActions, s) {
		l.errs.add(l.pos(a.V), diag.Unsupported, "meta: unsupported action %q (supported: %s)", s,
			strings.Join(metaActions, ", ")).Hint = didYouMean(s, metaActions)
	}
	t.Args = map[string]any{"_raw": s}
}

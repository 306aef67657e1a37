package tmpl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template/parse"
)

// A template that is exactly one action, with no text around it
// ("{{ .etcd_hosts }}", "{{- .x | default 3 -}}"), renders to the native
// value of the action: a list stays a list, a number a number. " {{ .x }}"
// has text around it, so it renders to a string.
//
// Pipelines of lookups (.a.b, $.a, index .m "k", (index .m "k").b),
// literals and calls of the library's functions are evaluated directly on
// the variables: no text/template run, no copy, exact types. The rest
// (text/template's builtins such as printf, eq, and) run through
// text/template and hand their value back as JSON.

// nativeFunc evaluates a single-action template.
type nativeFunc func(vars map[string]any) (any, error)

// singleAction returns the pipeline of a template that is one action.
func singleAction(root *parse.ListNode) *parse.PipeNode {
	if root == nil || len(root.Nodes) != 1 {
		return nil
	}
	a, ok := root.Nodes[0].(*parse.ActionNode)
	if !ok || len(a.Pipe.Decl) > 0 {
		return nil
	}
	return a.Pipe
}

// compileNative returns a direct evaluator for p, or nil if p has a shape
// only text/template handles.
func compileNative(p *parse.PipeNode) nativeFunc {
	if p == nil || len(p.Decl) > 0 {
		return nil
	}
	var prev nativeFunc
	for i, cmd := range p.Cmds {
		lenient := i+1 < len(p.Cmds) && takesPipedOperand(p.Cmds[i+1])
		if prev = compileCmd(cmd, prev, lenient); prev == nil {
			return nil
		}
	}
	return prev
}

// takesPipedOperand reports whether cmd is default or defined with its
// operand piped in, which must then be looked up leniently.
func takesPipedOperand(cmd *parse.CommandNode) bool {
	id, ok := cmd.Args[0].(*parse.IdentifierNode)
	return ok && lenientFuncs[id.Ident] > 0 && len(cmd.Args) == lenientFuncs[id.Ident]
}

// compileCmd compiles one command of a pipeline; piped is the previous
// command, whose value is the last argument.
func compileCmd(cmd *parse.CommandNode, piped nativeFunc, lenient bool) nativeFunc {
	args := cmd.Args
	id, isCall := args[0].(*parse.IdentifierNode)
	if !isCall {
		if len(args) != 1 || piped != nil {
			return nil
		}
		if lenient {
			return compileLenientArg(args[0])
		}
		return compileArg(args[0])
	}
	if id.Ident == "index" {
		if piped != nil || len(args) < 2 {
			return nil
		}
		if lenient {
			return compileLenientIndex(args[1:])
		}
		return compileIndex(args[1:])
	}
	fn, ok := funcs[id.Ident]
	if !ok || strings.HasPrefix(id.Ident, "__") {
		return nil
	}
	n := lenientFuncs[id.Ident]
	ops := make([]nativeFunc, 0, len(args))
	for j, a := range args[1:] {
		var f nativeFunc
		if n > 0 && piped == nil && j == len(args)-2 {
			f = compileLenientArg(a)
		} else {
			f = compileArg(a)
		}
		if f == nil {
			return nil
		}
		ops = append(ops, f)
	}
	if piped != nil {
		ops = append(ops, piped)
	}
	return compileCall(id.Ident, fn, ops)
}

// compileLenientArg compiles an operand of default or defined: a missing
// variable or key yields missing instead of an error.
func compileLenientArg(n parse.Node) nativeFunc {
	switch n := n.(type) {
	case *parse.FieldNode:
		keys := toKeys(n.Ident)
		return func(vars map[string]any) (any, error) { return lookup(vars, keys...), nil }
	case *parse.VariableNode:
		if n.Ident[0] != "$" {
			return nil
		}
		keys := toKeys(n.Ident[1:])
		return func(vars map[string]any) (any, error) { return lookup(vars, keys...), nil }
	case *parse.ChainNode:
		p, ok := n.Node.(*parse.PipeNode)
		if !ok || len(p.Cmds) != 1 {
			return nil
		}
		inner := compileCmd(p.Cmds[0], nil, true)
		if inner == nil {
			return nil
		}
		keys := toKeys(n.Field)
		return func(vars map[string]any) (any, error) {
			v, err := inner(vars)
			if err != nil {
				return nil, err
			}
			return lookup(v, keys...), nil
		}
	case *parse.PipeNode:
		if len(n.Cmds) == 1 && len(n.Decl) == 0 {
			return compileCmd(n.Cmds[0], nil, true)
		}
	}
	return compileArg(n)
}

func compileLenientIndex(args []parse.Node) nativeFunc {
	fs := make([]nativeFunc, len(args))
	fs[0] = compileLenientArg(args[0])
	for i, a := range args[1:] {
		fs[i+1] = compileArg(a)
	}
	for _, f := range fs {
		if f == nil {
			return nil
		}
	}
	return func(vars map[string]any) (any, error) {
		v, err := fs[0](vars)
		if err != nil {
			return nil, err
		}
		keys := make([]any, len(fs)-1)
		for i, f := range fs[1:] {
			if keys[i], err = f(vars); err != nil {
				return nil, err
			}
		}
		return lookup(v, keys...), nil
	}
}

// compileArg compiles an operand.
func compileArg(n parse.Node) nativeFunc {
	switch n := n.(type) {
	case *parse.DotNode:
		return func(vars map[string]any) (any, error) { return vars, nil }
	case *parse.FieldNode:
		return pathFunc(n.Ident)
	case *parse.VariableNode:
		if n.Ident[0] != "$" {
			return nil
		}
		return pathFunc(n.Ident[1:])
	case *parse.StringNode:
		s := n.Text
		return func(map[string]any) (any, error) { return s, nil }
	case *parse.NumberNode:
		// As text/template: 1.0 is a float, 1 and 'a' are ints.
		var v any = n.Float64
		if n.IsInt && !strings.ContainsAny(n.Text, ".eEpP") || n.IsInt && strings.HasPrefix(n.Text, "0x") {
			v = int(n.Int64)
		}
		return func(map[string]any) (any, error) { return v, nil }
	case *parse.BoolNode:
		b := n.True
		return func(map[string]any) (any, error) { return b, nil }
	case *parse.NilNode:
		return func(map[string]any) (any, error) { return nil, nil }
	case *parse.PipeNode:
		return compileNative(n)
	case *parse.ChainNode:
		p, ok := n.Node.(*parse.PipeNode)
		if !ok {
			return nil
		}
		inner := compileNative(p)
		if inner == nil || len(n.Field) == 0 {
			return nil
		}
		keys := toKeys(n.Field)
		base := "(" + p.String() + ")"
		return func(vars map[string]any) (any, error) {
			v, err := inner(vars)
			if err != nil {
				return nil, err
			}
			return getPath(base, v, keys...)
		}
	}
	return nil
}

func pathFunc(idents []string) nativeFunc {
	if len(idents) == 1 { // the hot case: {{ .name }}
		name := idents[0]
		return func(vars map[string]any) (any, error) {
			v, ok := vars[name]
			if !ok {
				return nil, undefinedVar(name)
			}
			return v, nil
		}
	}
	keys := toKeys(idents)
	return func(vars map[string]any) (any, error) { return getPath("", vars, keys...) }
}

// compileIndex compiles index's arguments: a collection and its keys.
func compileIndex(args []parse.Node) nativeFunc {
	fs := make([]nativeFunc, len(args))
	for i, a := range args {
		if fs[i] = compileArg(a); fs[i] == nil {
			return nil
		}
	}
	base := strings.TrimPrefix(strings.TrimPrefix(args[0].String(), "$"), ".")
	if keys, ok := literals(args[1:]); ok { // index .hostvars "m1": no work per call
		return func(vars map[string]any) (any, error) {
			v, err := fs[0](vars)
			if err != nil {
				return nil, err
			}
			return getPath(base, v, keys...)
		}
	}
	return func(vars map[string]any) (any, error) {
		v, err := fs[0](vars)
		if err != nil {
			return nil, err
		}
		keys := make([]any, len(fs)-1)
		for i, f := range fs[1:] {
			if keys[i], err = f(vars); err != nil {
				return nil, err
			}
		}
		return getPath(base, v, keys...)
	}
}

// literals returns the values of nodes that are all string or integer
// constants.
func literals(nodes []parse.Node) ([]any, bool) {
	out := make([]any, len(nodes))
	for i, n := range nodes {
		switch n := n.(type) {
		case *parse.StringNode:
			out[i] = n.Text
		case *parse.NumberNode:
			if !n.IsInt {
				return nil, false
			}
			out[i] = int(n.Int64)
		default:
			return nil, false
		}
	}
	return out, true
}

func toKeys(idents []string) []any {
	keys := make([]any, len(idents))
	for i, s := range idents {
		keys[i] = s
	}
	return keys
}

// wrapNative makes text/template print the pipeline's value as JSON, for
// single actions compileNative cannot evaluate.
func wrapNative(p *parse.PipeNode) {
	p.Cmds[len(p.Cmds)-1].Args[0] = parse.NewIdentifier("__native").SetPos(p.Pos)
}

// errUndefinedValue is a missing value that escaped default or defined,
// as in {{ __lookup . "x" }}; users cannot write it.
var errUndefinedValue = fmt.Errorf("value is undefined")

func toJSONText(v any) (string, error) {
	if isMissing(v) {
		return "", errUndefinedValue
	}
	// A float keeps its point through the JSON round trip (1.0 stays a
	// float, as in Python); only what holds a float is copied.
	v, _ = mapLeaves(v, func(leaf any) (any, bool) {
		if f, ok := leaf.(float64); ok && f == math.Trunc(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e16 {
			return json.Number(strconv.FormatFloat(f, 'f', 1, 64)), true
		}
		return leaf, false
	})
	b, err := json.Marshal(v)
	return string(b), err
}

func fromJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("native value: %w", err)
	}
	return normalize(v), nil
}

// normalize turns json.Number into int or float64.
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return int(i)
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalize(v[k])
		}
	}
	return v
}

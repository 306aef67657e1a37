package tmpl

import (
	"fmt"
	"sort"

	"github.com/expr-lang/expr/ast"
)

// Without an environment, expr reads a missing name or map key as nil. To
// make them errors, rewriteExpr
//
//   - collects the free variables outside defined() and the left of ??,
//     which Eval checks before running (a few map lookups, no allocation);
//   - but a variable that may not be evaluated (right of && and ||, in a
//     ternary's branches, in a predicate) becomes __var($env, "x"), checked
//     only if reached, so that defined(x) && x works;
//   - turns each member access a.b into __get(a, "b", "a.b"), which fails
//     with an undefined variable naming a.b, or, left of ??, into __lookup(a,
//     "b"), which yields nil;
//   - turns defined(a.b[c]) and defined("a.b") into __defined($env, "a",
//     "b", c), which reports whether each step exists.
//
// Optional chains (a?.b) keep expr's nil-safe meaning.
func rewriteExpr(root *ast.Node) ([]string, error) {
	r := &exprRewriter{vars: map[string]bool{}, names: map[string]bool{}}
	r.walk(root, ctx{})
	if r.err != nil {
		return nil, r.err
	}
	// A lazy read of a variable that is checked before running anyway
	// needs no check of its own.
	ast.Walk(root, unlazy(r.vars))
	for name := range r.names {
		if py, ok := pythonConsts[name]; ok {
			return nil, fmt.Errorf("write %s, not %s", py, name)
		}
	}
	vars := make([]string, 0, len(r.vars))
	for v := range r.vars {
		vars = append(vars, v)
	}
	sort.Strings(vars)
	return vars, nil
}

type exprRewriter struct {
	vars  map[string]bool // checked before running
	names map[string]bool // every free variable, for compile-time checks
	scope []string        // names bound by let
	err   error
}

func (r *exprRewriter) bound(name string) bool {
	for _, s := range r.scope {
		if s == name {
			return true
		}
	}
	return false
}

// ctx is where a node is: lenient, a missing value is nil (left of ??);
// lazy, it may not be evaluated.
type ctx struct{ lenient, lazy bool }

func (c ctx) asLenient(b bool) ctx { c.lenient = c.lenient || b; return c }
func (c ctx) asLazy(b bool) ctx    { c.lazy = c.lazy || b; return c }

var strict = ctx{}

func (r *exprRewriter) walk(np *ast.Node, c ctx) {
	lenient := c.lenient
	switch n := (*np).(type) {
	case *ast.IdentifierNode:
		if n.Value == "$env" || r.bound(n.Value) {
			return
		}
		r.names[n.Value] = true
		if lenient {
			return
		}
		if c.lazy {
			ast.Patch(np, call("__var", &ast.IdentifierNode{Value: "$env"}, &ast.StringNode{Value: n.Value}))
			return
		}
		r.vars[n.Value] = true
	case *ast.MemberNode:
		if n.Method || n.Optional {
			r.walk(&n.Node, c.asLenient(n.Optional))
			r.walk(&n.Property, strict.asLazy(c.lazy))
			return
		}
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			r.walk(&n.Property, strict.asLazy(c.lazy))
			return
		}
		name := n.String()
		r.walk(&n.Node, c)
		r.walk(&n.Property, strict.asLazy(c.lazy))
		if lenient {
			ast.Patch(np, call("__lookup", n.Node, n.Property))
		} else {
			ast.Patch(np, call("__get", n.Node, n.Property, &ast.StringNode{Value: name}))
		}
	case *ast.ChainNode:
		r.walk(&n.Node, c)
	case *ast.BinaryNode:
		r.walk(&n.Left, c.asLenient(n.Operator == "??"))
		r.walk(&n.Right, c.asLazy(shortCircuits[n.Operator]))
	case *ast.UnaryNode:
		r.walk(&n.Node, c)
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			if id.Value == "defined" {
				r.defined(np, n, c)
				return
			}
		} else {
			r.walk(&n.Callee, c)
		}
		for i := range n.Arguments {
			r.walk(&n.Arguments[i], c)
		}
	case *ast.BuiltinNode:
		for i := range n.Arguments {
			r.walk(&n.Arguments[i], c)
		}
	case *ast.PredicateNode:
		r.walk(&n.Node, c.asLazy(true))
	case *ast.SliceNode:
		r.walk(&n.Node, c)
		r.walk(&n.From, strict.asLazy(c.lazy))
		r.walk(&n.To, strict.asLazy(c.lazy))
	case *ast.ConditionalNode:
		r.walk(&n.Cond, c)
		r.walk(&n.Exp1, c.asLazy(true))
		r.walk(&n.Exp2, c.asLazy(true))
	case *ast.VariableDeclaratorNode:
		r.walk(&n.Value, c)
		r.scope = append(r.scope, n.Name)
		r.walk(&n.Expr, c)
		r.scope = r.scope[:len(r.scope)-1]
	case *ast.SequenceNode:
		for i := range n.Nodes {
			r.walk(&n.Nodes[i], c)
		}
	case *ast.ArrayNode:
		for i := range n.Nodes {
			r.walk(&n.Nodes[i], c)
		}
	case *ast.MapNode:
		for i := range n.Pairs {
			r.walk(&n.Pairs[i], c)
		}
	case *ast.PairNode:
		r.walk(&n.Key, c)
		r.walk(&n.Value, c)
	}
}

// defined rewrites defined(x) into __defined($env, path...).
func (r *exprRewriter) defined(np *ast.Node, n *ast.CallNode, c ctx) {
	bad := fmt.Errorf("defined takes one variable, as in defined(x), defined(x.y) or defined(\"x.y\")")
	if len(n.Arguments) != 1 {
		r.err = bad
		return
	}
	args := []ast.Node{&ast.IdentifierNode{Value: "$env"}}
	if s, ok := n.Arguments[0].(*ast.StringNode); ok {
		for _, k := range splitPath(s.Value) {
			args = append(args, &ast.StringNode{Value: k})
		}
	} else {
		path, ok := r.path(n.Arguments[0], c)
		if !ok {
			r.err = bad
			return
		}
		args = append(args, path...)
	}
	ast.Patch(np, call("__defined", args...))
}

// path splits a.b[c] into "a", "b", c; the keys computed (c) are walked
// strictly.
func (r *exprRewriter) path(n ast.Node, c ctx) ([]ast.Node, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		if r.bound(n.Value) {
			return nil, false
		}
		return []ast.Node{&ast.StringNode{Value: n.Value}}, true
	case *ast.ChainNode:
		return r.path(n.Node, c)
	case *ast.MemberNode:
		if n.Method {
			return nil, false
		}
		base, ok := r.path(n.Node, c)
		if !ok {
			return nil, false
		}
		r.walk(&n.Property, strict.asLazy(c.lazy))
		return append(base, n.Property), true
	}
	return nil, false
}

// shortCircuits are the operators whose right side may not be evaluated.
var shortCircuits = map[string]bool{"&&": true, "||": true, "and": true, "or": true, "??": true}

// pythonConsts are Jinja's spellings of expr's constants.
var pythonConsts = map[string]string{"True": "true", "False": "false", "None": "nil"}

func call(name string, args ...ast.Node) *ast.CallNode {
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: name}, Arguments: args}
}

// splitPath splits "a.b.c" at the dots.
func splitPath(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// unlazy turns __var($env, "x") back into x for the variables in vars.
type unlazy map[string]bool

func (u unlazy) Visit(np *ast.Node) {
	c, ok := (*np).(*ast.CallNode)
	if !ok || len(c.Arguments) != 2 {
		return
	}
	if id, ok := c.Callee.(*ast.IdentifierNode); !ok || id.Value != "__var" {
		return
	}
	if s, ok := c.Arguments[1].(*ast.StringNode); ok && u[s.Value] {
		ast.Patch(np, &ast.IdentifierNode{Value: s.Value})
	}
}

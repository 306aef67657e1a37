package tmpl

import (
	"fmt"
	"regexp"
	"sync"

	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/hapb/hapb/engine/diag"
)

// Expr is a compiled condition (when, changed_when, failed_when, until,
// assert's that): an expr-lang expression over the variables as bare names.
//
// Variables are checked when the expression runs: a name that is not
// defined, or a key missing from a map (result.rc), is a diagnostic of
// kind diag.Undefined.
// defined(x), defined("x.y"), x ?? default and x?.y allow a missing value.
type Expr struct {
	src  string
	prog *vm.Program
	vars []string // free variables that must be defined
}

// ansibleTests catches Jinja tests, which expr cannot parse, to say what to
// write instead.
var ansibleTests = regexp.MustCompile(`\bis\s+(not\s+)?(defined|undefined|none|version|match|search|succeeded|failed|changed|skipped)\b`)

// CompileExpr compiles src once, at load time. An error is a
// *diag.Diagnostic: syntax, or invalid for what expr's checker refuses.
func CompileExpr(src string) (*Expr, error) {
	if m := ansibleTests.FindString(src); m != "" {
		return nil, &diag.Diagnostic{Kind: diag.Unsupported, Msg: fmt.Sprintf("expression %q: Jinja tests like %q are not expressions; write defined(x), !defined(x), x == nil, version(a, \">=\", b) or x matches \"re\"", src, m)}
	}
	compat, err := ansibleCompat(src)
	if err != nil {
		return nil, exprError(src, diag.Syntax, err)
	}
	config := exprConfig()
	tree, err := parser.ParseWithConfig(compat, config)
	if err != nil {
		return nil, exprError(src, diag.Syntax, err)
	}
	vars, err := rewriteExpr(&tree.Node)
	if err != nil {
		return nil, exprError(src, diag.Syntax, err)
	}

	if _, err := new(checker.Checker).PatchAndCheck(tree, config); err != nil {
		return nil, exprError(src, diag.Invalid, err)
	}
	if err := optimizer.Optimize(&tree.Node, config); err != nil {
		return nil, exprError(src, diag.Invalid, err)
	}
	prog, err := compiler.Compile(tree, config)
	if err != nil {
		return nil, exprError(src, diag.Invalid, err)
	}
	return &Expr{src: src, prog: prog, vars: vars}, nil
}

// exprError is an error compiling src as a diagnostic of one line: expr's
// *file.Error has its message and place as fields, and the source line with
// a caret under it (its Snippet) is left out.
func exprError(src string, k diag.Kind, err error) *diag.Diagnostic {
	msg := err.Error()
	if fe, ok := err.(*file.Error); ok {
		msg = fe.Message
		if fe.Snippet != "" {
			msg = fmt.Sprintf("%s (%d:%d)", fe.Message, fe.Line, fe.Column+1)
		}
	}
	return &diag.Diagnostic{Kind: k, Msg: fmt.Sprintf("expression %q: %s", src, msg)}
}

// MustCompileExpr is CompileExpr for expressions known to be valid.
func MustCompileExpr(src string) *Expr {
	e, err := CompileExpr(src)
	if err != nil {
		panic(err)
	}
	return e
}

// exprConfig is expr.Compile's configuration, built by hand because
// CompileExpr rewrites the tree between parsing and checking.
func exprConfig() *conf.Config {
	c := conf.CreateNew()
	// An env of type map[string]any makes expr read variables with a map
	// lookup instead of reflection; names are still free (Strict off).
	c.WithEnv(map[string]any{})
	c.Strict = false
	for _, f := range exprFuncs {
		c.Functions[f.Name] = f
	}
	c.Check()
	return c
}

// String returns the expression's source.
func (e *Expr) String() string { return e.src }

// Vars returns the variables the expression needs defined.
func (e *Expr) Vars() []string { return e.vars }

// vms reuses expr's virtual machines: evaluation is per host and per task.
var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// Eval evaluates the expression over vars.
func (e *Expr) Eval(vars map[string]any) (any, error) {
	for _, name := range e.vars {
		if _, ok := vars[name]; !ok {
			return nil, fmt.Errorf("expression %q: %w", e.src, undefinedVar(name))
		}
	}
	m := vms.Get().(*vm.VM)
	out, err := m.Run(e.prog, vars)
	vms.Put(m)
	if err != nil {
		if u, ok := diag.As(err, diag.Undefined); ok {
			return nil, fmt.Errorf("expression %q: %w", e.src, u)
		}
		return nil, fmt.Errorf("expression %q: %v", e.src, err)
	}
	return out, nil
}

// Bool evaluates a condition. Only a boolean result is accepted: "yes",
// 1 or a non-empty list are errors, not true; write bool(x) to convert a
// string such as "yes" or "false" on purpose, len(x) > 0 for a list.
func (e *Expr) Bool(vars map[string]any) (bool, error) {
	out, err := e.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("expression %q: got %T %v, want a boolean", e.src, out, out)
	}
	return b, nil
}

// DecodeParam lets a module take an expression as a parameter (assert's
// that, debug's var); it is compiled when the task is loaded.
func (e *Expr) DecodeParam(v any) error {
	switch v := v.(type) {
	case string:
		c, err := CompileExpr(v)
		if err != nil {
			return err
		}
		*e = *c
	case bool:
		c, _ := CompileExpr(fmt.Sprint(v))
		*e = *c
	default:
		return fmt.Errorf("expected an expression, got %T", v)
	}
	return nil
}

// ParamType names the type in `hapb doc`.
func (e *Expr) ParamType() string { return "expression" }

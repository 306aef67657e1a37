package tmpl

import (
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Expr is a compiled condition (when, changed_when, failed_when, until,
// assert's that): an expr-lang expression over the variables as bare names.
type Expr struct {
	src  string
	prog *vm.Program
}

// CompileExpr compiles src once, at load time.
func CompileExpr(src string) (*Expr, error) {
	prog, err := expr.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %v", src, err)
	}
	return &Expr{src: src, prog: prog}, nil
}

// String returns the expression's source.
func (e *Expr) String() string { return e.src }

// Eval evaluates the expression over vars.
func (e *Expr) Eval(vars map[string]any) (any, error) {
	out, err := expr.Run(e.prog, vars)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %v", e.src, err)
	}
	return out, nil
}

// Bool evaluates a condition; a result that is not a boolean is an error.
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

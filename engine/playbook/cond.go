package playbook

import (
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/engine/yaml11"
)

// conditions compiles a when/changed_when/failed_when value: one
// expression, a boolean, or a list of them (all must hold).
func (l *loader) conditions(n *yaml.Node, what string) []*tmpl.Expr {
	items := oneOrMany(n)
	var out []*tmpl.Expr
	for _, c := range items {
		if e := l.condition(c, what); e != nil {
			out = append(out, e)
		}
	}
	return out
}

var wrapped = regexp.MustCompile(`^\{\{-?\s*(.*?)\s*-?\}\}$`)

func (l *loader) condition(n *yaml.Node, what string) *tmpl.Expr {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d := l.errs.add(l.pos(n), diag.Type, "%s must be an expression, got %s", what, kind(n))
		if n.Kind == yaml.MappingNode {
			d.Hint = "YAML reads an unquoted `a ? b : c` or `x: y` as a mapping; quote the expression"
		}
		return nil
	}
	src := strings.TrimSpace(n.Value)
	if isTemplate(src) {
		hint := "x == 1"
		if m := wrapped.FindStringSubmatch(src); m != nil {
			hint = m[1]
		}
		l.errs.add(l.pos(n), diag.Syntax, "%s: conditions are expressions, write `%s`, not `{{ ... }}`", what, hint)
		return nil
	}
	// A YAML 1.1 boolean (yes, on, off, as PyYAML reads them) is the
	// constant, as in Ansible; quoted, it is an expression like any other.
	if v, err := yaml11.Scalar(n); err == nil {
		if b, ok := v.(bool); ok {
			src = strconv.FormatBool(b)
		}
	}
	e, err := tmpl.CompileExpr(src)
	if err != nil {
		d := l.errs.err(l.pos(n), diag.Syntax, err)
		d.Msg = what + ": " + d.Msg
		return nil
	}
	return e
}

// until reads until, which the model holds as one expression: a list
// becomes their conjunction.
func (l *loader) until(n *yaml.Node) *tmpl.Expr {
	es := l.conditions(n, "until")
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = "(" + e.String() + ")"
	}
	e, err := tmpl.CompileExpr(strings.Join(parts, " && "))
	if err != nil {
		d := l.errs.err(l.pos(n), diag.Syntax, err)
		d.Msg = "until: " + d.Msg
	}
	return e
}

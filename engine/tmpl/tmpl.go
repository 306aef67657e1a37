// Package tmpl renders hapb's templates (Go text/template over the task's
// variables) and evaluates its conditions (expr-lang expressions over the same
// variables as bare names).
//
// Undefined variables are errors in both: a *diag.Diagnostic of kind
// diag.Undefined naming the variable. The idioms that
// allow a variable to be missing are, in templates,
//
//	{{ default "x" .maybe }}  {{ .maybe | default "x" }}  {{ if defined .maybe }}
//	{{ if hasKey . "maybe" }}  (inside range or with: hasKey $ "maybe")
//
// and in expressions
//
//	defined(maybe)  defined("a.b")  maybe ?? "x"  a?.b ?? "x"
//
// default replaces undefined and null values, not "" (Jinja's meaning).
// Conditions must be booleans: "yes" is an error, not true; bool(x) converts.
// The function library is in Docs and ExprDocs, printed by WriteDocs.
package tmpl

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"text/template"
)

// Template is a parsed template string. A template that is exactly one
// action ("{{ .etcd_hosts }}") renders to the native value of that action.
type Template struct {
	src    string
	t      *template.Template
	native bool
	fast   nativeFunc // direct evaluator of a native template, or nil
	text   []segment  // direct evaluator of a text template, or nil
	refs   []string
	whole  bool // reads . or $ as a whole (ReadsWhole)
}

// IsTemplate reports whether s holds a template action.
func IsTemplate(s string) bool { return strings.Contains(s, "{{") }

// Parse parses src. name is used in error messages (file:line of the task).
func Parse(name, src string) (*Template, error) { return parseTemplate(name, src, true) }

// parseTemplate parses src; without direct, templates always run through
// text/template, which tests use to check that both paths agree.
func parseTemplate(name, src string, direct bool) (*Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(src)
	if err != nil {
		return nil, parseError(src, err)
	}
	tt := &Template{src: src, t: t}
	tt.refs, tt.whole = collectRefs(t.Tree.Root)
	p := singleAction(t.Tree.Root)
	switch {
	case !direct:
	case p != nil:
		tt.fast = compileNative(p) // before rewriting, which adds __str
	default:
		tt.text = compileText(t.Tree.Root)
	}
	rewriteTemplates(t)
	if p != nil {
		tt.native = true
		if tt.fast == nil {
			wrapNative(p)
		}
	}
	return tt, nil
}

// MustParse is Parse for templates known to be valid; it panics on error.
func MustParse(name, src string) *Template {
	t, err := Parse(name, src)
	if err != nil {
		panic(err)
	}
	return t
}

// String returns the template's source.
func (t *Template) String() string { return t.src }

// Native reports whether the template renders to a native value rather
// than a string: it is exactly one action with nothing around it.
func (t *Template) Native() bool { return t.native }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render executes the template over vars. It is safe for concurrent use.
// A native value may be shared with vars: do not modify it.
func (t *Template) Render(vars map[string]any) (any, error) {
	if t.fast != nil {
		return t.fast(vars)
	}
	if t.text != nil {
		return renderText(t.text, vars)
	}
	b := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(b)
	b.Reset()
	if err := t.t.Execute(b, vars); err != nil {
		return nil, execError(err)
	}
	if !t.native {
		return b.String(), nil
	}
	return fromJSON(b.Bytes())
}

// RenderString executes the template and returns its text.
func (t *Template) RenderString(vars map[string]any) (string, error) {
	v, err := t.Render(vars)
	if err != nil {
		return "", err
	}
	return ToString(v), nil
}

// ToString formats a rendered value as text, as it appears in a file or a
// command line: strings as they are, everything else as JSON.
func ToString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return PyFloat(v)
	case int64, uint64, int32, float32:
		return fmt.Sprint(v)
	}
	s, err := toJSONText(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

// PyFloat writes a float as Python's repr does, which is how Ansible renders
// one: 1.0 stays "1.0" (a float is never shown as an int), 1e16 and 1e-05
// take an exponent, infinities and NaN are inf, -inf and nan.
func PyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

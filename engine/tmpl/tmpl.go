// Package tmpl renders hapb's templates (Go text/template over the task's
// variables) and evaluates its conditions (expr-lang expressions over the same
// variables as bare names).
package tmpl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

// Template is a parsed template string. A template that is exactly one
// action ("{{ .etcd_hosts }}") renders to the native value of that action.
type Template struct {
	src    string
	t      *template.Template
	native bool
}

// IsTemplate reports whether s holds a template action.
func IsTemplate(s string) bool { return strings.Contains(s, "{{") }

var singleAction = regexp.MustCompile(`^\{\{-?\s*([^{}]*?)\s*-?\}\}$`)

// Parse parses src. name is used in error messages (file:line of the task).
func Parse(name, src string) (*Template, error) {
	text, native := src, false
	if m := singleAction.FindStringSubmatch(strings.TrimSpace(src)); m != nil && !isControl(m[1]) {
		text, native = "{{ "+m[1]+" | __native }}", true
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, cleanParseError(err)
	}
	return &Template{src: src, t: t, native: native}, nil
}

func isControl(action string) bool {
	f := strings.Fields(action)
	if len(f) == 0 {
		return true
	}
	switch f[0] {
	case "if", "else", "end", "range", "with", "define", "block", "template", "break", "continue", "/*":
		return true
	}
	return strings.Contains(action, ":=") || strings.HasPrefix(action, "/*")
}

// String returns the template's source.
func (t *Template) String() string { return t.src }

// Render executes the template over vars.
func (t *Template) Render(vars map[string]any) (any, error) {
	var b bytes.Buffer
	if err := t.t.Execute(&b, vars); err != nil {
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
	case int, int64, float64, bool:
		return fmt.Sprint(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
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

// UndefinedError is a template or expression that used a variable that is
// not defined.
type UndefinedError struct {
	Name string
}

func (e *UndefinedError) Error() string { return fmt.Sprintf("undefined variable %q", e.Name) }

var noEntry = regexp.MustCompile(`at <([^>]*)>: map has no entry for key "([^"]*)"`)
var tmplPrefix = regexp.MustCompile(`^template: [^:]*(:\d+(:\d+)?)?: (executing "[^"]*" )?`)

func execError(err error) error {
	if m := noEntry.FindStringSubmatch(err.Error()); m != nil {
		name := strings.TrimPrefix(m[1], ".")
		if name == "" || !strings.HasSuffix(name, m[2]) {
			name = m[2]
		}
		return &UndefinedError{Name: name}
	}
	return fmt.Errorf("template: %s", tmplPrefix.ReplaceAllString(err.Error(), ""))
}

func cleanParseError(err error) error {
	return fmt.Errorf("template: %s", tmplPrefix.ReplaceAllString(err.Error(), ""))
}

// Compile walks a value tree from YAML and replaces every string holding a
// template with a *Template, so templates are parsed once, at load time.
func Compile(name string, v any) (any, error) {
	switch v := v.(type) {
	case string:
		if !IsTemplate(v) {
			return v, nil
		}
		return Parse(name, v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := Compile(name, e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := Compile(name, e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	}
	return v, nil
}

// Render renders a tree made by Compile: every *Template is replaced by its
// value. Trees without templates are returned as they are, not copied.
func Render(v any, vars map[string]any) (any, error) {
	switch v := v.(type) {
	case *Template:
		return v.Render(vars)
	case []any:
		if !hasTemplate(v) {
			return v, nil
		}
		out := make([]any, len(v))
		for i, e := range v {
			r, err := Render(e, vars)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if !hasTemplate(v) {
			return v, nil
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := Render(e, vars)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

func hasTemplate(v any) bool {
	switch v := v.(type) {
	case *Template:
		return true
	case []any:
		for _, e := range v {
			if hasTemplate(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if hasTemplate(e) {
				return true
			}
		}
	}
	return false
}

// HasTemplate reports whether a compiled tree holds a template.
func HasTemplate(v any) bool { return hasTemplate(v) }

package tmpl

import "fmt"

// Compile walks a value tree from YAML and replaces every string holding a
// template with a *Template, so templates are parsed once, at load time.
// Unsafe values are kept as they are: Render makes them plain strings.
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
// value and every Unsafe by its text, never parsed. Trees with neither are
// returned as they are, not copied.
func Render(v any, vars map[string]any) (any, error) {
	switch v := v.(type) {
	case *Template:
		return v.Render(vars)
	case Unsafe:
		return string(v), nil
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

// hasTemplate reports whether Render has anything to do in v: a template,
// or an Unsafe to turn into a string.
func hasTemplate(v any) bool { return anyLeaf(v, rendered) }

func rendered(v any) bool {
	switch v.(type) {
	case *Template, Unsafe:
		return true
	}
	return false
}

// anyLeaf reports whether is holds for a value of the tree v that is not
// a list or a map.
func anyLeaf(v any, is func(any) bool) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if anyLeaf(e, is) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, e := range v {
			if anyLeaf(e, is) {
				return true
			}
		}
		return false
	}
	return is(v)
}

// HasTemplate reports whether a compiled tree holds a template or an
// Unsafe value, that is, whether it must go through Render.
func HasTemplate(v any) bool { return hasTemplate(v) }

// NeedsCompile reports whether Compile would give v a template or an
// Unsafe value: HasTemplate of what Compile returns, without the copy
// Compile makes. Facts and registered results are trees of plain
// strings, stored for every host.
func NeedsCompile(v any) bool { return anyLeaf(v, compiles) }

func compiles(v any) bool {
	if s, ok := v.(string); ok {
		return IsTemplate(s)
	}
	return rendered(v)
}

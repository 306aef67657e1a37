package tmpl

import "gopkg.in/yaml.v3"

// Unsafe is text that is data, never a template: a value tagged !unsafe in
// an inventory or vars file. Compile keeps it as it is, and Render turns it
// into a plain string without parsing it, wherever it sits in a tree.
//
// Data that comes from managed hosts (registered results, facts) needs no
// marking: it only ever reaches the variables as a rendered value, and
// rendered values are never parsed again (see vars.Host.SetData).
type Unsafe string

// UnsafeTag is Ansible's YAML tag for an Unsafe value.
const UnsafeTag = "!unsafe"

// MarkUnsafe returns v with every string in it made Unsafe, as Ansible's
// !unsafe does for a tagged list or mapping. v is not modified.
func MarkUnsafe(v any) any {
	switch v := v.(type) {
	case string:
		return Unsafe(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = MarkUnsafe(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = MarkUnsafe(e)
		}
		return out
	}
	return v
}

// Plain returns v with every Unsafe made a plain string again, for output
// that shows values rather than rendering them. v is not modified; a tree
// without Unsafe values is returned as it is.
func Plain(v any) any {
	if !hasUnsafe(v) {
		return v
	}
	switch v := v.(type) {
	case Unsafe:
		return string(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = Plain(e)
		}
		return out
	}
	return v
}

func hasUnsafe(v any) bool {
	switch v := v.(type) {
	case Unsafe:
		return true
	case []any:
		for _, e := range v {
			if hasUnsafe(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if hasUnsafe(e) {
				return true
			}
		}
	}
	return false
}

// DecodeYAML decodes a YAML document as yaml.v3 decodes it into an any,
// except that what is tagged !unsafe becomes Unsafe (see MarkUnsafe).
// yaml.v3 alone would accept the tag and drop it.
func DecodeYAML(b []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	if n.Kind == 0 {
		return nil, nil // empty document
	}
	var v any
	// Decoding first keeps yaml.v3's limits on aliases: the walk below
	// visits no more than the decoded value holds.
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return markTagged(&n, v), nil
}

// markTagged walks n beside v, its decoded value, and marks what n tags
// !unsafe.
func markTagged(n *yaml.Node, v any) any {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Tag == UnsafeTag {
		if n.Kind == yaml.ScalarNode {
			return Unsafe(n.Value) // !unsafe 12 is the text "12", as in Ansible
		}
		return MarkUnsafe(v)
	}
	switch n.Kind {
	case yaml.SequenceNode:
		s, ok := v.([]any)
		if !ok || len(s) != len(n.Content) {
			return v
		}
		for i, c := range n.Content {
			s[i] = markTagged(c, s[i])
		}
	case yaml.MappingNode:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, c := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				continue // merged values keep yaml.v3's decoding
			}
			if e, ok := m[k.Value]; ok {
				m[k.Value] = markTagged(c, e)
			}
		}
	}
	return v
}

package tmpl

import (
	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/yaml11"
)

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
	out, _ := mapLeaves(v, func(leaf any) (any, bool) {
		if s, ok := leaf.(string); ok {
			return Unsafe(s), true
		}
		return leaf, false
	})
	return out
}

// Plain returns v with every Unsafe made a plain string again, for output
// that shows values rather than rendering them. v is not modified; a tree
// without Unsafe values is returned as it is.
func Plain(v any) any {
	out, _ := mapLeaves(v, func(leaf any) (any, bool) {
		if u, ok := leaf.(Unsafe); ok {
			return string(u), true
		}
		return leaf, false
	})
	return out
}

// mapLeaves applies f to every leaf of a tree of lists and mappings, in one
// pass. Only the lists and mappings on the way to a leaf f changed are
// copied; the rest is shared, and an unchanged tree is v itself.
func mapLeaves(v any, f func(any) (any, bool)) (any, bool) {
	switch v := v.(type) {
	case []any:
		var out []any
		for i, e := range v {
			if e, changed := mapLeaves(e, f); changed {
				if out == nil {
					out = append([]any(nil), v...)
				}
				out[i] = e
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case map[string]any:
		var out map[string]any
		for k, e := range v {
			if e, changed := mapLeaves(e, f); changed {
				if out == nil {
					out = make(map[string]any, len(v))
					for k2, e2 := range v {
						out[k2] = e2
					}
				}
				out[k] = e
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return f(v)
}

// DecodeYAML decodes a YAML document as yaml.v3 decodes it into an any,
// except that scalars are typed as PyYAML types them (see yaml11: yes is
// true, 1:20 is 80) and what is tagged !unsafe becomes Unsafe (see
// MarkUnsafe). yaml.v3 alone would accept the tag and drop it.
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
	case yaml.ScalarNode:
		// PyYAML's typing (YAML 1.1), as Ansible reads these files.
		if y, err := yaml11.Scalar(n); err == nil {
			return y
		}
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
		done := map[string]bool{}
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, c := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				merges = append(merges, c)
				continue
			}
			if e, ok := m[k.Value]; ok {
				m[k.Value] = markTagged(c, e)
				done[k.Value] = true
			}
		}
		// "<<: *defaults" (or a list of them, the first winning): the
		// merged keys the mapping does not set itself come from there.
		for _, src := range merges {
			if src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			srcs := []*yaml.Node{src}
			if src.Kind == yaml.SequenceNode {
				srcs = src.Content
			}
			for _, sm := range srcs {
				if sm.Kind == yaml.AliasNode && sm.Alias != nil {
					sm = sm.Alias
				}
				if sm.Kind != yaml.MappingNode {
					continue
				}
				for i := 0; i+1 < len(sm.Content); i += 2 {
					k, c := sm.Content[i], sm.Content[i+1]
					if e, ok := m[k.Value]; ok && !done[k.Value] && k.Tag != "!!merge" {
						m[k.Value] = markTagged(c, e)
						done[k.Value] = true
					}
				}
			}
		}
	}
	return v
}

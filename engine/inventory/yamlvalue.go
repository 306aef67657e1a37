package inventory

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/engine/yaml11"
	"github.com/hapb/hapb/engine/yamllimit"
)

// resolvePlain types an untagged, unquoted YAML scalar as PyYAML does (see
// yaml11); a timestamp becomes its isoformat(), as ansible-inventory prints
// PyYAML's datetime.
func resolvePlain(s string) (any, error) {
	v, err := yaml11.Plain(s)
	if str, ok := v.(string); ok && err == nil {
		if m := yaml11.TimestampRE.FindStringSubmatch(str); m != nil {
			return isoTimestamp(m), nil
		}
	}
	return v, err
}

func isoTimestamp(m []string) string {
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m[4] == "" {
		return m[0] // a date: isoformat() gives the text back (or it was a string)
	}
	out := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5]), num(m[6]))
	if frac := m[7]; frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		frac += strings.Repeat("0", 6-len(frac))
		if frac != "000000" {
			out += "." + frac
		}
	}
	switch {
	case m[8] == "Z":
		out += "+00:00"
	case m[9] != "":
		out += fmt.Sprintf("%s%02d:%02d", m[9], num(m[10]), num(m[11]))
	}
	return out
}

// parseYAMLDoc decodes a single YAML document into a node tree; an empty
// document gives a nil node.
func parseYAMLDoc(path string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, diag.YAML(path, err)
	}
	var e *yamllimit.Error
	if err := yamllimit.Check(&doc); errors.As(err, &e) {
		return nil, errorf(path, e.Line, e.Col, diag.Limit, "%v", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, errorf(path, extra.Line, extra.Column, diag.Invalid, "expected a single YAML document, found another")
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		n := doc.Content[0]
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil, nil
		}
		return n, nil
	}
	return &doc, nil
}

// nodeValue converts a YAML node into plain Go values (string, int, float64,
// bool, nil, []any, map[string]any) with PyYAML's typing. What is tagged
// !unsafe is data that is never rendered: a tmpl.Unsafe string, or a list
// or mapping whose strings all are.
func nodeValue(path string, n *yaml.Node) (any, error) {
	if n.Tag == tmpl.UnsafeTag {
		if n.Kind == yaml.ScalarNode {
			return tmpl.Unsafe(n.Value), nil
		}
		v, err := nodeValue(path, &yaml.Node{Kind: n.Kind, Style: n.Style, Content: n.Content, Alias: n.Alias, Line: n.Line, Column: n.Column})
		return tmpl.MarkUnsafe(v), err
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(path, n.Content[0])
	case yaml.AliasNode:
		return nodeValue(path, n.Alias)
	case yaml.ScalarNode:
		return scalarValue(path, n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(path, c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		return out, mergeMapping(path, n, out)
	}
	return nil, errorf(path, n.Line, n.Column, diag.Unsupported, "unsupported YAML node")
}

// mergeMapping fills out with n's pairs; "<<" merge keys give defaults that
// explicit keys override, as in PyYAML.
func mergeMapping(path string, n *yaml.Node, out map[string]any) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := mapKey(path, k)
		if err != nil {
			return err
		}
		val, err := nodeValue(path, v)
		if err != nil {
			return err
		}
		out[key] = val
	}
	for _, m := range merges {
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			mv, err := nodeValue(path, s)
			if err != nil {
				return err
			}
			mm, ok := mv.(map[string]any)
			if !ok {
				return errorf(path, s.Line, s.Column, diag.Type, "merge key << needs a mapping")
			}
			for k, v := range mm {
				if _, set := out[k]; !set {
					out[k] = v
				}
			}
		}
	}
	return nil
}

func mapKey(path string, k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", errorf(path, k.Line, k.Column, diag.Type, "mapping keys must be scalars")
	}
	v, err := scalarValue(path, k)
	if err != nil {
		return "", err
	}
	s, ok := jsonKey(v)
	if !ok {
		return "", errorf(path, k.Line, k.Column, diag.Unsupported, "unsupported mapping key %q", k.Value)
	}
	return s, nil
}

func scalarValue(path string, n *yaml.Node) (any, error) {
	var v any
	var err error
	if n.Style&(yaml.TaggedStyle|yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		v, err = resolvePlain(n.Value)
	} else {
		v, err = yaml11.Scalar(n)
	}
	if err != nil {
		return nil, errorf(path, n.Line, n.Column, diag.Invalid, "%v", err)
	}
	return v, nil
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "null"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return kindName(n.Alias)
	}
	v, _ := yaml11.Plain(n.Value)
	return fmt.Sprintf("%T", v)
}

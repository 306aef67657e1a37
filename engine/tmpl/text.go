package tmpl

import (
	"strings"
	"text/template/parse"
)

// A template made only of text and actions the direct evaluator handles
// ("https://{{ .vip }}:{{ .port }}") is rendered by concatenation, without
// text/template: most templates in playbooks are of this kind.

// segment is literal text, or an action when eval is set.
type segment struct {
	text string
	eval nativeFunc
}

// compileText returns the segments of root, or nil if it holds control
// structures or actions only text/template handles.
func compileText(root *parse.ListNode) []segment {
	if root == nil {
		return nil
	}
	segs := make([]segment, 0, len(root.Nodes))
	for _, n := range root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			segs = append(segs, segment{text: string(n.Text)})
		case *parse.ActionNode:
			f := compileNative(n.Pipe)
			if f == nil {
				return nil
			}
			segs = append(segs, segment{eval: f})
		default:
			return nil
		}
	}
	return segs
}

func renderText(segs []segment, vars map[string]any) (any, error) {
	var b strings.Builder
	for _, s := range segs {
		if s.eval == nil {
			b.WriteString(s.text)
			continue
		}
		v, err := s.eval(vars)
		if err != nil {
			return nil, err
		}
		if isMissing(v) {
			return nil, errUndefinedValue
		}
		b.WriteString(ToString(v))
	}
	return b.String(), nil
}

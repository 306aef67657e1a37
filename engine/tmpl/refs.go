package tmpl

import (
	"slices"
	"sort"
	"text/template/parse"
)

// Refs returns the top-level variables the template reads, sorted: .name,
// .name.field, $.name, index . "name" and hasKey . "name" all give "name".
// Variables read only through "." as a whole (toJson ., index . $k) are
// not listed: see ReadsWhole. The variable layer uses it to render lazy
// variables in dependency order.
func (t *Template) Refs() []string { return t.refs }

// ReadsWhole reports whether the template reads its variables as a whole
// (. or $ other than by a literal name: toJson $, index . $k, $v := .):
// then any of them may be read, not only those Refs lists.
func (t *Template) ReadsWhole() bool { return t.whole }

// Reads reports whether the template may read the variable name: it is
// in Refs, or the template reads its variables as a whole.
func (t *Template) Reads(name string) bool {
	_, ok := slices.BinarySearch(t.refs, name)
	return ok || t.whole
}

func collectRefs(root parse.Node) (refs []string, whole bool) {
	seen := map[string]bool{}
	var visit func(n parse.Node, top bool)
	visit = func(n parse.Node, top bool) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					visit(c, top)
				}
			}
		case *parse.ActionNode:
			visit(n.Pipe, top)
		case *parse.IfNode:
			visit(n.Pipe, top)
			visit(n.List, top)
			visit(n.ElseList, top)
		case *parse.WithNode:
			visit(n.Pipe, top)
			visit(n.List, false) // dot is rebound inside
			visit(n.ElseList, top)
		case *parse.RangeNode:
			visit(n.Pipe, top)
			visit(n.List, false)
			visit(n.ElseList, top)
		case *parse.TemplateNode:
			visit(n.Pipe, top)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					visit(c, top)
				}
			}
		case *parse.CommandNode:
			if name, ok := namedRead(n, top); ok {
				seen[name] = true // index . "name", hasKey $ "name": one variable, not the whole
				for _, a := range n.Args[3:] {
					visit(a, top)
				}
				return
			}
			for _, a := range n.Args {
				visit(a, top)
			}
		case *parse.ChainNode:
			visit(n.Node, top)
		case *parse.FieldNode:
			if top {
				seen[n.Ident[0]] = true
			}
		case *parse.DotNode:
			whole = whole || top
		case *parse.VariableNode:
			switch {
			case n.Ident[0] == "$" && len(n.Ident) > 1:
				seen[n.Ident[1]] = true
			case n.Ident[0] == "$":
				whole = true
			}
		}
	}
	visit(root, true)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, whole
}

// namedRead returns the variable a command reads by a literal name from the
// variables as a whole (. or $): index . "name" (more keys may follow) or
// hasKey . "name".
func namedRead(c *parse.CommandNode, top bool) (string, bool) {
	f, ok := c.Args[0].(*parse.IdentifierNode)
	if !ok || !(f.Ident == "index" && len(c.Args) >= 3 || f.Ident == "hasKey" && len(c.Args) == 3) {
		return "", false
	}
	switch a := c.Args[1].(type) {
	case *parse.DotNode:
		ok = top
	case *parse.VariableNode:
		ok = len(a.Ident) == 1 && a.Ident[0] == "$"
	default:
		ok = false
	}
	name, isString := c.Args[2].(*parse.StringNode)
	if !ok || !isString {
		return "", false
	}
	return name.Text, true
}

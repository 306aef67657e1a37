package tmpl

import (
	"slices"
	"sort"
	"text/template/parse"
)

// Refs returns the top-level variables the template reads, sorted: .name,
// .name.field and $.name all give "name". Variables read only through
// "." as a whole (hasKey . "name", toJson .) are not listed. The variable
// layer uses it to render lazy variables in dependency order.
func (t *Template) Refs() []string { return t.refs }

// ReadsWhole reports whether the template reads its variables as a whole
// (., $ or $.: hasKey . "name", toJson $): then any of them may be read,
// not only those Refs lists.
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

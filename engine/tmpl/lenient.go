package tmpl

import (
	"text/template"
	"text/template/parse"
)

// Templates run with missingkey=error, so `default "x" .maybe` would fail on
// .maybe before default is called. After parsing, the operand of every
// default and defined call (its last argument, or the command piped into
// it) is rewritten into a lenient lookup that yields missing instead:
//
//	{{ default "x" .a.b }}  →  {{ default "x" (__lookup . "a" "b") }}
//	{{ .a.b | default "x" }} →  {{ __lookup . "a" "b" | default "x" }}
//
// Everywhere else a missing variable stays an error.

// lenientFuncs maps the functions whose operand (last argument) may be
// undefined to their number of arguments.
var lenientFuncs = map[string]int{"default": 2, "defined": 1}

func rewriteTemplates(t *template.Template) {
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			rewriteNode(tt.Tree.Root)
		}
	}
}

func rewriteNode(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			rewriteNode(c)
		}
	case *parse.ActionNode:
		rewritePipe(n.Pipe)
		if len(n.Pipe.Decl) == 0 {
			appendCmd(n.Pipe, "__str")
		}
	case *parse.IfNode:
		rewriteBranch(&n.BranchNode)
	case *parse.RangeNode:
		rewriteBranch(&n.BranchNode)
	case *parse.WithNode:
		rewriteBranch(&n.BranchNode)
	case *parse.TemplateNode:
		rewritePipe(n.Pipe)
	}
}

func rewriteBranch(b *parse.BranchNode) {
	rewritePipe(b.Pipe)
	rewriteNode(b.List)
	rewriteNode(b.ElseList)
}

func rewritePipe(p *parse.PipeNode) {
	if p == nil {
		return
	}
	for i, cmd := range p.Cmds {
		for _, a := range cmd.Args {
			switch a := a.(type) {
			case *parse.PipeNode:
				rewritePipe(a)
			case *parse.ChainNode:
				if pp, ok := a.Node.(*parse.PipeNode); ok {
					rewritePipe(pp)
				}
			}
		}
		id, ok := cmd.Args[0].(*parse.IdentifierNode)
		if !ok || lenientFuncs[id.Ident] == 0 {
			continue
		}
		switch n := lenientFuncs[id.Ident]; {
		case len(cmd.Args)-1 == n:
			last := len(cmd.Args) - 1
			cmd.Args[last] = lenientArg(cmd.Args[last])
		case len(cmd.Args) == n && i > 0:
			lenientCmd(p.Cmds[i-1])
		}
	}
}

// lenientCmd makes a command that is a bare lookup or an index call lenient.
func lenientCmd(c *parse.CommandNode) {
	if id, ok := c.Args[0].(*parse.IdentifierNode); ok && id.Ident == "index" && len(c.Args) > 1 {
		c.Args[0] = parse.NewIdentifier("__lookup").SetPos(id.Pos)
		c.Args[1] = lenientArg(c.Args[1])
		return
	}
	if len(c.Args) == 1 {
		c.Args[0] = lenientArg(c.Args[0])
	}
}

// lenientArg turns .a.b, $x.a.b and (pipe).a.b into __lookup calls.
func lenientArg(n parse.Node) parse.Node {
	switch n := n.(type) {
	case *parse.FieldNode:
		return lookupPipe(n.Pos, &parse.DotNode{NodeType: parse.NodeDot, Pos: n.Pos}, n.Ident)
	case *parse.VariableNode:
		if len(n.Ident) == 1 {
			return n
		}
		v := &parse.VariableNode{NodeType: parse.NodeVariable, Pos: n.Pos, Ident: n.Ident[:1]}
		return lookupPipe(n.Pos, v, n.Ident[1:])
	case *parse.ChainNode:
		return lookupPipe(n.Pos, lenientArg(n.Node), n.Field)
	case *parse.PipeNode:
		if len(n.Cmds) == 1 && n.Decl == nil {
			lenientCmd(n.Cmds[0])
		}
	}
	return n
}

func lookupPipe(pos parse.Pos, base parse.Node, keys []string) *parse.PipeNode {
	args := []parse.Node{parse.NewIdentifier("__lookup").SetPos(pos), base}
	for _, k := range keys {
		args = append(args, &parse.StringNode{NodeType: parse.NodeString, Pos: pos, Quoted: `"` + k + `"`, Text: k})
	}
	cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: args}
	return &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{cmd}}
}

// appendCmd pipes p into the function name.
func appendCmd(p *parse.PipeNode, name string) {
	p.Cmds = append(p.Cmds, &parse.CommandNode{
		NodeType: parse.NodeCommand,
		Pos:      p.Pos,
		Args:     []parse.Node{parse.NewIdentifier(name).SetPos(p.Pos)},
	})
}

// Package yamllimit bounds what a parsed YAML document may cost to walk.
// Aliases make a tiny file a huge tree ("billion laughs": nine anchors of
// nine aliases each are 387 million nodes); yaml.v3 refuses that when it
// decodes into Go values (so -e @file and include_vars were safe), but not
// for a yaml.Node tree, which the playbook and inventory loaders walk
// themselves to keep positions. Check is what they call first.
package yamllimit

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// MaxAliasNodes is how many nodes aliases may add to a document once
// expanded. Real playbooks and inventories (merge keys of defaults, shared
// lists) stay far below; a million nodes already costs ~100 MB as Go values.
const MaxAliasNodes = 1_000_000

// Error is a document whose aliases expand past MaxAliasNodes. Line and
// Col locate the alias that crossed the limit.
type Error struct {
	Line, Col int
}

func (e *Error) Error() string {
	return fmt.Sprintf("YAML aliases expand to more than %d nodes (an alias bomb?); refusing the document", MaxAliasNodes)
}

// Check returns an *Error when n's aliases expand past MaxAliasNodes. It
// computes each node's expanded size once, so it costs O(nodes in the file)
// whatever the aliases would expand to.
func Check(n *yaml.Node) error {
	c := &checker{size: map[*yaml.Node]int{}}
	c.walk(n)
	return c.err
}

type checker struct {
	size     map[*yaml.Node]int // expanded size, saturated at MaxAliasNodes+1
	expanded int                // nodes added by the aliases seen so far
	err      error
}

func (c *checker) walk(n *yaml.Node) int {
	if n == nil || c.err != nil {
		return 0
	}
	if s, ok := c.size[n]; ok {
		return s
	}
	c.size[n] = MaxAliasNodes + 1 // a node inside itself is unbounded
	s := 1
	if n.Kind == yaml.AliasNode {
		s = c.walk(n.Alias)
		c.expanded = min(c.expanded+s, MaxAliasNodes+1)
		if c.expanded > MaxAliasNodes && c.err == nil {
			c.err = &Error{Line: n.Line, Col: n.Column}
		}
	}
	for _, k := range n.Content {
		s = min(s+c.walk(k), MaxAliasNodes+1)
	}
	c.size[n] = s
	return s
}

package inventory

import (
	"fmt"

	"github.com/hashicorp/go-multierror"
	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/yaml11"
)

// looksLikeYAMLInventory decides, for a file without extension, whether
// Ansible's yaml plugin would take it: it must hold a YAML mapping.
func looksLikeYAMLInventory(data []byte) bool {
	n, err := parseYAMLDoc("", data)
	if err != nil || n == nil {
		return false
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n.Kind == yaml.MappingNode
}

// yamlParser reads a YAML inventory: top-level keys are groups, each with
// optional hosts, vars and children (nested groups).
type yamlParser struct {
	inv  *Inventory
	path string
	errs *multierror.Error
}

func (p *yamlParser) fail(n *yaml.Node, k diag.Kind, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.errs = multierror.Append(p.errs, errorf(p.path, line, col, k, format, args...))
}

func (inv *Inventory) parseYAML(path string, data []byte) error {
	root, err := parseYAMLDoc(path, data)
	if err != nil {
		return err
	}
	if root == nil {
		return nil // Ansible's ini plugin accepts what yaml found empty
	}
	if root.Kind != yaml.MappingNode {
		return errorf(path, root.Line, root.Column, diag.Type, "YAML inventory has invalid structure, it should be a dictionary, got: %s", kindName(root))
	}
	p := &yamlParser{inv: inv, path: path}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "plugin" {
			return errorf(path, root.Content[i].Line, root.Content[i].Column, diag.Unsupported, "inventory plugin configuration files are not supported")
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		p.group(root.Content[i], root.Content[i+1])
	}
	return p.errs.ErrorOrNil()
}

func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 && nullText(n.Value) && n.Tag != "!!str")
}

// group handles one group definition and returns the group, or nil.
func (p *yamlParser) group(key, body *yaml.Node) *group {
	body = deref(body)
	name, err := scalarValue(p.path, deref(key))
	if s, ok := name.(string); err != nil || !ok || s == "" {
		p.fail(key, diag.Invalid, "invalid group name %q: a group name must be a non-empty string", key.Value)
		return nil
	}
	if !isNull(body) && body.Kind != yaml.MappingNode {
		p.inv.warnf("%s:%d:%d: skipping %q as this is not a valid group definition", p.path, key.Line, key.Column, key.Value)
		return nil
	}
	g := p.inv.addGroup(key.Value)
	if isNull(body) {
		return g
	}
	for i := 0; i+1 < len(body.Content); i += 2 {
		k, v := body.Content[i], deref(body.Content[i+1])
		section := k.Value
		known := section == "vars" || section == "children" || section == "hosts"
		if known && v.Kind == yaml.ScalarNode && !isNull(v) {
			// "hosts: web1" means {web1: null}.
			v = &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Column: v.Column,
				Content: []*yaml.Node{v, {Kind: yaml.ScalarNode, Tag: "!!null", Line: v.Line, Column: v.Column}}}
		}
		switch {
		case known && !isNull(v) && v.Kind != yaml.MappingNode:
			p.fail(v, diag.Type, "invalid %q entry for %q group, requires a dictionary, found a %s instead", section, g.name, kindName(v))
			continue
		case !isNull(v) && v.Kind != yaml.MappingNode:
			p.inv.warnf("%s:%d:%d: skipping key (%s) in group (%s) as it is not a mapping", p.path, k.Line, k.Column, section, g.name)
			continue
		case isNull(v):
			continue
		}
		switch section {
		case "vars":
			for j := 0; j+1 < len(v.Content); j += 2 {
				p.setVar(v.Content[j], v.Content[j+1], func(name string, val any) error {
					return p.inv.setGroupVar(g, name, val)
				})
			}
		case "children":
			for j := 0; j+1 < len(v.Content); j += 2 {
				child := p.group(v.Content[j], v.Content[j+1])
				if child == nil {
					continue
				}
				if err := p.inv.addChild(g, child); err != nil {
					p.fail(v.Content[j], diag.Cycle, "%v", err)
				}
			}
		case "hosts":
			for j := 0; j+1 < len(v.Content); j += 2 {
				p.hosts(g, v.Content[j], deref(v.Content[j+1]))
			}
		default:
			p.inv.warnf("%s:%d:%d: skipping unexpected key (%s) in group (%s), only \"vars\", \"children\" and \"hosts\" are valid", p.path, k.Line, k.Column, section, g.name)
		}
	}
	return g
}

func (p *yamlParser) setVar(k, v *yaml.Node, set func(string, any) error) {
	name, err := mapKey(p.path, k)
	if err != nil {
		p.errs = multierror.Append(p.errs, err)
		return
	}
	val, err := nodeValue(p.path, v)
	if err != nil {
		p.errs = multierror.Append(p.errs, err)
		return
	}
	p.inv.jinja = append(p.inv.jinja, jinjaIn(p.path, name, v)...)
	if err := set(name, val); err != nil {
		p.fail(v, diag.Invalid, "%v", err)
	}
}

func (p *yamlParser) hosts(g *group, key, body *yaml.Node) {
	key = deref(key)
	if v, err := scalarValue(p.path, key); err != nil || key.Kind != yaml.ScalarNode {
		p.fail(key, diag.Type, "host pattern must be a string")
		return
	} else if _, ok := v.(string); !ok {
		p.fail(key, diag.Type, "host pattern %s must be a string; enclose integers/floats in quotation marks", key.Value)
		return
	}
	names, port, err := expandHostPattern(key.Value)
	if err != nil {
		p.fail(key, diag.Syntax, "%v", err)
		return
	}
	if !isNull(body) && body.Kind != yaml.MappingNode {
		p.fail(body, diag.Type, "invalid data for host %s, expected a dictionary of variables, got a %s", key.Value, kindName(body))
		return
	}
	var vars map[string]any
	if !isNull(body) {
		v, err := nodeValue(p.path, body)
		if err != nil {
			p.errs = multierror.Append(p.errs, err)
			return
		}
		vars = v.(map[string]any)
		p.inv.jinja = append(p.inv.jinja, jinjaIn(p.path, "", body)...)
	}
	for _, n := range names {
		h := p.inv.addHost(n, g, port)
		for k, v := range vars {
			h.vars[k] = v
		}
	}
}

// warnf records a problem Ansible only warns about.
func (inv *Inventory) warnf(format string, args ...any) {
	inv.warnings = append(inv.warnings, fmt.Sprintf(format, args...))
}

// Warnings returns what Ansible would have warned about while loading.
func (inv *Inventory) Warnings() []string { return append([]string(nil), inv.warnings...) }

func nullText(s string) bool {
	v, err := yaml11.Plain(s)
	return v == nil && err == nil
}

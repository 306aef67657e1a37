package inventory

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/hapb/hapb/engine/diag"
)

var (
	iniSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

// pendingGroup is a group named in a [x:children] or [x:vars] section before
// it was defined; Ansible lets the definition come later in the file.
type pendingGroup struct {
	line    int
	state   string
	parents []string
}

// parseINI reads an INI inventory, as Ansible's ini plugin, but collects every
// bad line instead of stopping at the first.
func (inv *Inventory) parseINI(path string, data []byte) error {
	var errs *multierror.Error
	fail := func(line int, k diag.Kind, format string, args ...any) {
		errs = multierror.Append(errs, errorf(path, line, 0, k, format, args...))
	}
	pending := map[string]*pendingGroup{}
	var pendingOrder []string
	groupName, state := "ungrouped", "hosts"
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	for i, line := range strings.Split(text, "\n") {
		lineno := i + 1
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if m := iniSection.FindStringSubmatch(line); m != nil {
			groupName, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				fail(lineno, diag.UnknownKeyword, "section [%s:%s] has unknown type: %s", m[1], m[2], m[2])
				state = "skip"
				continue
			}
			if _, ok := inv.groups[groupName]; !ok {
				if _, ok := pending[groupName]; state == "vars" && !ok {
					pending[groupName] = &pendingGroup{line: lineno, state: state}
					pendingOrder = append(pendingOrder, groupName)
				}
				inv.addGroup(groupName)
			}
			if p, ok := pending[groupName]; ok && state != "vars" {
				if p.state == "children" {
					if err := inv.addPendingChildren(groupName, pending); err != nil {
						fail(lineno, diag.Cycle, "%v", err)
					}
				} else {
					delete(pending, groupName)
				}
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			fail(lineno, diag.Syntax, "invalid section entry: %q; make sure there are no spaces or other invalid characters in the section entry", line)
			state = "skip"
			continue
		}
		switch state {
		case "hosts":
			if err := inv.iniHostLine(path, groupName, line, lineno); err != nil {
				fail(lineno, diag.Syntax, "%v", err)
			}
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				fail(lineno, diag.Syntax, "expected key=value, got: %s", line)
				continue
			}
			if val := strings.TrimSpace(v); isJinja(val) {
				inv.jinja = append(inv.jinja, jinjaError(path, lineno, 0, strings.TrimSpace(k), val))
			}
			if err := inv.setGroupVar(inv.groups[groupName], strings.TrimSpace(k), parseINIValue(strings.TrimSpace(v))); err != nil {
				fail(lineno, diag.Invalid, "%v", err)
			}
		case "children":
			m := iniGroupName.FindStringSubmatch(line)
			if m == nil {
				fail(lineno, diag.Syntax, "expected group name, got: %s", line)
				continue
			}
			child := m[1]
			if c, ok := inv.groups[child]; ok {
				if err := inv.addChild(inv.groups[groupName], c); err != nil {
					fail(lineno, diag.Cycle, "%v", err)
				}
				continue
			}
			if p, ok := pending[child]; ok {
				p.parents = append(p.parents, groupName)
			} else {
				pending[child] = &pendingGroup{line: lineno, state: state, parents: []string{groupName}}
				pendingOrder = append(pendingOrder, child)
			}
		}
	}
	for _, name := range pendingOrder {
		p, ok := pending[name]
		if !ok {
			continue
		}
		if p.state == "vars" {
			fail(p.line, diag.NotFound, "section [%s:vars] not valid for undefined group: %s", name, name)
		} else {
			fail(p.line, diag.NotFound, "section [%s:children] includes undefined group: %s", p.parents[len(p.parents)-1], name)
		}
	}
	return errs.ErrorOrNil()
}

func (inv *Inventory) addPendingChildren(name string, pending map[string]*pendingGroup) error {
	p := pending[name]
	delete(pending, name)
	for _, parent := range p.parents {
		if err := inv.addChild(inv.groups[parent], inv.groups[name]); err != nil {
			return err
		}
		if pp, ok := pending[parent]; ok && pp.state == "children" {
			if err := inv.addPendingChildren(parent, pending); err != nil {
				return err
			}
		}
	}
	return nil
}

// iniHostLine handles "host[01:03]:2222 key=value key2='v 2'".
func (inv *Inventory) iniHostLine(path, groupName, line string, lineno int) error {
	tokens, err := shlexSplit(line)
	if err != nil {
		return fmt.Errorf("error parsing host definition %q: %v", line, err)
	}
	if len(tokens) == 0 {
		return nil
	}
	names, port, err := expandHostPattern(tokens[0])
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.TrimSpace(tokens[0]), ":") && port == 0 {
		return fmt.Errorf("invalid host pattern %q: ending in ':' is not allowed, this character is reserved to provide a port", tokens[0])
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "---" {
			return fmt.Errorf("invalid host pattern %q: '---' is normally a sign this is a YAML file", tokens[0])
		}
	}
	vars := map[string]any{}
	var keys []string
	for _, t := range tokens[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return fmt.Errorf("expected key=value host variable assignment, got: %s", t)
		}
		if _, dup := vars[k]; !dup {
			keys = append(keys, k)
		}
		vars[k] = parseINIValue(v)
		if isJinja(v) {
			inv.jinja = append(inv.jinja, jinjaError(path, lineno, 0, k, v))
		}
	}
	g := inv.groups[groupName]
	for _, n := range names {
		h := inv.addHost(n, g, port)
		for _, k := range keys {
			h.vars[k] = vars[k]
		}
	}
	return nil
}

// setGroupVar is Group.set_variable: ansible_group_priority is not a
// variable but the group's merge priority.
func (inv *Inventory) setGroupVar(g *group, key string, value any) error {
	if key != "ansible_group_priority" {
		g.vars[key] = value
		return nil
	}
	switch v := value.(type) {
	case int:
		g.priority = v
	case float64:
		g.priority = int(v)
	case bool:
		g.priority = 0
		if v {
			g.priority = 1
		}
	case string:
		n, err := pyInt(v)
		if err != nil {
			return fmt.Errorf("ansible_group_priority must be an integer, got %q", v)
		}
		g.priority = n
	default:
		return fmt.Errorf("ansible_group_priority must be an integer, got %v", v)
	}
	return nil
}

package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
)

// internalVars are left out of ansible-inventory's output (its INTERNAL_VARS).
var internalVars = map[string]bool{
	"ansible_diff_mode": true, "ansible_config_file": true, "ansible_facts": true, "ansible_forks": true,
	"ansible_inventory_sources": true, "ansible_limit": true, "ansible_playbook_python": true,
	"ansible_run_tags": true, "ansible_skip_tags": true, "ansible_verbosity": true, "ansible_version": true,
	"inventory_dir": true, "inventory_file": true, "inventory_hostname": true, "inventory_hostname_short": true,
	"groups": true, "group_names": true, "omit": true, "playbook_dir": true,
}

// publicVars are the variables the inventory outputs show: not the
// internal ones, !unsafe values as their text, and secret-named variables
// (report.SecretName, also nested) masked, where ansible-inventory would
// show them in clear unless vaulted.
func publicVars(vars map[string]any) map[string]any {
	out := make(map[string]any, len(vars))
	for k, v := range vars {
		if !internalVars[k] {
			out[k] = tmpl.Plain(v)
		}
	}
	return report.MaskSecretFields(out).(map[string]any)
}

// ListJSON renders the inventory as `ansible-inventory --list` does: each
// group's direct hosts and children, and every host's merged variables
// under _meta.hostvars.
func (inv *Inventory) ListJSON() ([]byte, error) {
	out := map[string]any{}
	seen := map[*group]bool{}
	var format func(g *group)
	format = func(g *group) {
		entry := map[string]any{}
		if g.name != "all" && len(g.hosts) > 0 {
			hosts := make([]string, len(g.hosts))
			for i, h := range g.hosts {
				hosts[i] = h.Name
			}
			entry["hosts"] = hosts
		}
		if len(g.children) > 0 {
			children := make([]string, len(g.children))
			for i, c := range g.children {
				children[i] = c.name
			}
			entry["children"] = children
		}
		if len(entry) > 0 {
			out[g.name] = entry
		}
		for _, c := range g.children {
			if !seen[c] {
				seen[c] = true
				format(c)
			}
		}
	}
	format(inv.groups["all"])
	hostvars := map[string]any{}
	for _, h := range inv.ordered {
		if v := publicVars(h.merged); len(v) > 0 {
			hostvars[h.Name] = v
		}
	}
	out["_meta"] = map[string]any{"hostvars": hostvars}
	return marshalIndent(out)
}

// HostJSON renders `ansible-inventory --host NAME`.
func (inv *Inventory) HostJSON(name string) ([]byte, error) {
	h, ok := inv.hosts[name]
	if !ok {
		return nil, fmt.Errorf("you must pass a single valid host to --host parameter, got %q", name)
	}
	return marshalIndent(publicVars(h.merged))
}

// marshalIndent writes JSON as Python's json.dumps(sort_keys=True, indent=4,
// ensure_ascii=False): sorted keys, four spaces, no HTML escaping.
func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(pyFloats(v)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Graph renders `ansible-inventory --graph [GROUP]`; "" means all. An
// unknown group gives "" (see HasGroup).
func (inv *Inventory) Graph(group string) string { return inv.graph(group, false) }

// GraphVars renders `ansible-inventory --graph --vars [GROUP]`.
func (inv *Inventory) GraphVars(group string) string { return inv.graph(group, true) }

// HasGroup reports whether the inventory defines the group.
func (inv *Inventory) HasGroup(name string) bool {
	_, ok := inv.groups[name]
	return ok
}

func (inv *Inventory) graph(groupName string, showVars bool) string {
	if groupName == "" {
		groupName = "all"
	}
	g, ok := inv.groups[groupName]
	if !ok {
		return ""
	}
	var lines []string
	var walk func(g *group, depth int)
	walk = func(g *group, depth int) {
		lines = append(lines, graphName("@"+g.name+":", depth))
		for _, c := range g.children {
			walk(c, depth+1)
		}
		if g.name != "all" {
			for _, h := range g.hosts {
				lines = append(lines, graphName(h.Name, depth+1))
				if showVars {
					lines = append(lines, graphVars(publicVars(h.merged), depth+2)...)
				}
			}
		}
		if showVars {
			lines = append(lines, graphVars(inv.groupVars(g), depth+1)...)
		}
	}
	walk(g, 0)
	return strings.Join(lines, "\n")
}

func graphName(name string, depth int) string {
	if depth == 0 {
		return name
	}
	return strings.Repeat("  |", depth) + "--" + name
}

func graphVars(vars map[string]any, depth int) []string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = graphName("{"+k+" = "+pyStr(vars[k])+"}", depth)
	}
	return out
}

// groupVars is a group's own variables as ansible-inventory shows them:
// inventory vars, then group_vars/ beside the sources and the playbook.
func (inv *Inventory) groupVars(g *group) map[string]any {
	out := map[string]any{}
	for k, v := range g.vars {
		out[k] = v
	}
	for _, dirs := range [][]string{inv.sourceDirs(), inv.playbookDirs} {
		for _, d := range dirs {
			m, _ := inv.files.lookup(d, "group_vars", g.name, nil)
			for k, v := range m {
				out[k] = v
			}
		}
	}
	if g.priority != 1 {
		out["ansible_group_priority"] = g.priority
	}
	return publicVars(out)
}

// pyFloats gives infinities and NaN (YAML's .inf and .nan) the spelling of
// Python's json.dumps, which encoding/json refuses to write.
func pyFloats(v any) any {
	switch v := v.(type) {
	case float64:
		switch {
		case math.IsNaN(v):
			return json.RawMessage("NaN")
		case math.IsInf(v, 1):
			return json.RawMessage("Infinity")
		case math.IsInf(v, -1):
			return json.RawMessage("-Infinity")
		}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = pyFloats(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = pyFloats(e)
		}
		return out
	}
	return v
}

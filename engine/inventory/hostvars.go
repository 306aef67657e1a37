package inventory

import (
	"net"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/hapb/hapb/engine/diag"
)

// AddPlaybookVars makes the group_vars/ and host_vars/ beside a playbook
// count, above the inventory's own (Ansible's "playbook group_vars").
// Ansible has one playbook directory at a time, so a new call replaces the
// previous directory; "" removes it. It recomputes every host's variables
// and must not run concurrently with readers.
func (inv *Inventory) AddPlaybookVars(playbookDir string) error {
	inv.playbookDirs = nil
	if playbookDir != "" {
		abs, err := filepath.Abs(playbookDir)
		if err != nil {
			return errorf(playbookDir, 0, 0, diag.NotFound, "%v", err)
		}
		inv.playbookDirs = []string{abs}
	}
	return inv.computeVars()
}

// HostVars returns the host's inventory variables merged by Ansible's
// precedence, plus inventory_hostname, inventory_hostname_short,
// group_names, inventory_dir and inventory_file. The map is computed once
// and shared, as are the values inside it: callers must not modify them
// (copy first). Unknown hosts give nil.
func (inv *Inventory) HostVars(name string) map[string]any {
	if h, ok := inv.Host(name); ok {
		return h.merged
	}
	return nil
}

// sourceDirs are the directories whose group_vars/host_vars apply: those of
// the inventory sources, in order (host lists have none).
func (inv *Inventory) sourceDirs() []string {
	var out []string
	for _, s := range inv.sources {
		if isHostList(s) {
			continue
		}
		if d := sourceDir(s); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// computeVars merges every host's variables, lowest to highest:
// group vars of all (inventory file) < other group vars (by depth, priority,
// name) < inventory group_vars/all < playbook group_vars/all < inventory
// group_vars/* < playbook group_vars/* < inventory host vars < inventory
// host_vars/* < playbook host_vars/*.
func (inv *Inventory) computeVars() error {
	var errs *multierror.Error
	srcDirs, pbDirs := inv.sourceDirs(), inv.playbookDirs
	all := inv.groups["all"]
	cache := map[[3]string]map[string]any{}
	lookup := func(dir, sub, name string) map[string]any {
		key := [3]string{dir, sub, name}
		if m, ok := cache[key]; ok {
			return m
		}
		var m map[string]any
		m, errs = inv.files.lookup(dir, sub, name, errs)
		cache[key] = m
		return m
	}
	// Errors are reported once per file however many hosts read it.
	seenErr := map[string]bool{}
	hosts := inv.hostOrder
	if inv.localhost != nil {
		hosts = append(hosts[:len(hosts):len(hosts)], inv.localhost)
	}
	for _, h := range hosts {
		groups := make([]*group, 0, len(h.groups))
		for _, g := range h.groups {
			if g != all {
				groups = append(groups, g)
			}
		}
		groups = sortGroups(groups)
		layers := make([]map[string]any, 0, 8)
		layers = append(layers, all.vars)
		for _, g := range groups {
			layers = append(layers, g.vars)
		}
		for _, d := range srcDirs {
			layers = append(layers, lookup(d, "group_vars", "all"))
		}
		for _, d := range pbDirs {
			layers = append(layers, lookup(d, "group_vars", "all"))
		}
		for _, dirs := range [][]string{srcDirs, pbDirs} {
			for _, d := range dirs {
				for _, g := range groups {
					layers = append(layers, lookup(d, "group_vars", g.name))
				}
			}
		}
		layers = append(layers, h.vars, h.magicVars())
		for _, dirs := range [][]string{srcDirs, pbDirs} {
			for _, d := range dirs {
				layers = append(layers, lookup(d, "host_vars", h.Name))
			}
		}
		size := 0
		for _, l := range layers {
			size += len(l)
		}
		m := make(map[string]any, size)
		for _, l := range layers {
			for k, v := range l {
				m[k] = v
			}
		}
		h.merged = m
	}
	if errs == nil {
		return nil
	}
	var out *multierror.Error
	for _, e := range errs.Errors {
		if !seenErr[e.Error()] {
			seenErr[e.Error()] = true
			out = multierror.Append(out, e)
		}
	}
	return out.ErrorOrNil()
}

// magicVars are Host.get_magic_vars() in Ansible.
func (h *Host) magicVars() map[string]any {
	short := h.Name
	if net.ParseIP(h.Name) == nil && !ipv4Re.MatchString(h.Name) {
		short, _, _ = strings.Cut(h.Name, ".")
	}
	return map[string]any{
		"inventory_hostname":       h.Name,
		"inventory_hostname_short": short,
		"group_names":              h.GroupNames(),
	}
}

package inventory

import (
	"fmt"
	"sort"
)

// Inventory is a parsed set of inventory sources. It is immutable once Load
// (and AddPlaybookVars) returned, so it is safe for concurrent reads.
type Inventory struct {
	groups     map[string]*group
	groupOrder []*group // creation order, as Ansible's groups dict
	hosts      map[string]*Host
	hostOrder  []*Host // creation order, as Ansible's hosts dict

	sources      []string // absolute inventory sources (host lists kept verbatim)
	playbookDirs []string
	files        *varsFiles

	ordered    []*Host             // Ansible's order for the pattern "all"
	localhost  *Host               // implicit localhost, when the inventory has none
	groupHosts map[string][]string // the `groups` magic variable
	warnings   []string
	jinja      []error // values that hold Jinja (see TemplateErrors)

	curFile, curDir string // the file being parsed: a new host's inventory_file and _dir

}

// Host is one inventory host.
type Host struct {
	Name string

	vars   map[string]any // host vars set by inventory sources, in Ansible's sense
	groups []*group       // every group holding the host, directly or through children
	merged map[string]any // HostVars, computed once
}

// group mirrors ansible.inventory.group.Group.
type group struct {
	name     string
	hosts    []*Host
	hostSet  map[string]bool
	children []*group
	parents  []*group
	depth    int
	priority int
	vars     map[string]any
	allHosts []*Host // hosts of the group and its descendants
}

func newInventory() *Inventory {
	inv := &Inventory{groups: map[string]*group{}, hosts: map[string]*Host{}, files: newVarsFiles()}
	inv.addGroup("all")
	inv.addGroup("ungrouped")
	inv.addChild(inv.groups["all"], inv.groups["ungrouped"]) //nolint: cannot fail
	return inv
}

func (inv *Inventory) addGroup(name string) *group {
	if g, ok := inv.groups[name]; ok {
		return g
	}
	g := &group{name: name, hostSet: map[string]bool{}, priority: 1, vars: map[string]any{}}
	inv.groups[name] = g
	inv.groupOrder = append(inv.groupOrder, g)
	return g
}

// addHost adds a host (if new) and puts it in g (if not nil). port > 0 sets
// ansible_port on creation only, as Ansible does.
func (inv *Inventory) addHost(name string, g *group, port int) *Host {
	h, ok := inv.hosts[name]
	if !ok {
		h = &Host{Name: name, vars: map[string]any{}}
		if port > 0 {
			h.vars["ansible_port"] = port
		}
		h.vars["inventory_file"] = nilIfEmpty(inv.curFile)
		h.vars["inventory_dir"] = nilIfEmpty(inv.curDir)
		inv.hosts[name] = h
		inv.hostOrder = append(inv.hostOrder, h)
	}
	if g != nil && !g.hostSet[name] {
		g.hosts = append(g.hosts, h)
		g.hostSet[name] = true
	}
	return h
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// addChild makes child a child group of parent, refusing cycles.
func (inv *Inventory) addChild(parent, child *group) error {
	if parent == child {
		return fmt.Errorf("can't add group %q to itself", parent.name)
	}
	for _, c := range parent.children {
		if c == child {
			return nil
		}
	}
	if ancestors(parent)[child] {
		return fmt.Errorf("adding group %q as child to %q creates a recursive dependency loop", child.name, parent.name)
	}
	parent.children = append(parent.children, child)
	child.parents = append(child.parents, parent)
	return nil
}

func ancestors(g *group) map[*group]bool {
	seen := map[*group]bool{}
	var walk func(*group)
	walk = func(g *group) {
		for _, p := range g.parents {
			if !seen[p] {
				seen[p] = true
				walk(p)
			}
		}
	}
	walk(g)
	return seen
}

// descendants returns g and its descendants breadth first, each level in the
// order the children were added: Ansible's "preserve_ordering" walk. Ansible
// walks each level as a Python set of groups hashed by memory address, so
// beyond the direct children its order is arbitrary; this one is stable.
func descendants(g *group) []*group {
	out := []*group{g}
	seen := map[*group]bool{g: true}
	level := []*group{g}
	for len(level) > 0 {
		var next []*group
		for _, p := range level {
			for _, c := range p.children {
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
					next = append(next, c)
				}
			}
		}
		level = next
	}
	return out
}

// groupHostList is Group.get_hosts(): the hosts of g and of its descendants.
func groupHostList(g *group) []*Host {
	var out []*Host
	seen := map[*Host]bool{}
	for _, d := range descendants(g) {
		for _, h := range d.hosts {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// reconcile is InventoryData.reconcile_inventory plus the precomputation the
// accessors need: orphan groups go under all, hosts without a group go to
// ungrouped, depths and host group lists are computed.
func (inv *Inventory) reconcile() {
	all, ungrouped := inv.groups["all"], inv.groups["ungrouped"]
	for _, g := range inv.groupOrder {
		if g != all && len(g.parents) == 0 {
			inv.addChild(all, g)
		}
	}
	direct := map[*Host][]*group{}
	for _, g := range inv.groupOrder {
		for _, h := range g.hosts {
			direct[h] = append(direct[h], g)
		}
	}
	for _, h := range inv.hostOrder {
		other := false
		for _, g := range direct[h] {
			if g != all && g != ungrouped {
				other = true
			}
		}
		if other && ungrouped.hostSet[h.Name] {
			ungrouped.removeHost(h)
		} else if !other && !ungrouped.hostSet[h.Name] {
			ungrouped.hosts = append(ungrouped.hosts, h)
			ungrouped.hostSet[h.Name] = true
		}
	}
	inv.computeDepths()
	inv.groupHosts = make(map[string][]string, len(inv.groups))
	for _, g := range inv.groupOrder {
		hs := groupHostList(g)
		names := make([]string, len(hs))
		for i, h := range hs {
			names[i] = h.Name
		}
		inv.groupHosts[g.name] = names
		g.allHosts = hs
	}
	inv.ordered = groupHostList(all)
	for _, h := range inv.hostOrder {
		h.groups = nil
	}
	for _, g := range inv.groupOrder {
		for _, h := range g.allHosts {
			h.groups = append(h.groups, g)
		}
	}
	inv.localhost = nil
	if !inv.hasLocalhost() {
		// Ansible makes up a localhost on demand, with a local connection.
		inv.localhost = &Host{Name: "localhost", vars: map[string]any{
			"ansible_connection": "local", "inventory_file": nil, "inventory_dir": nil}}
	}
}

func (inv *Inventory) hasLocalhost() bool {
	for _, n := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, ok := inv.hosts[n]; ok {
			return true
		}
	}
	return false
}

func isLocalhostName(s string) bool { return s == "localhost" || s == "127.0.0.1" || s == "::1" }

func (g *group) removeHost(h *Host) {
	delete(g.hostSet, h.Name)
	for i, x := range g.hosts {
		if x == h {
			g.hosts = append(g.hosts[:i:i], g.hosts[i+1:]...)
			return
		}
	}
}

// computeDepths sets each group's depth to its longest path from a root, as
// Ansible's add_child_group does incrementally.
func (inv *Inventory) computeDepths() {
	memo := map[*group]int{}
	var depth func(*group) int
	depth = func(g *group) int {
		if d, ok := memo[g]; ok {
			return d
		}
		d := 0
		for _, p := range g.parents {
			if pd := depth(p) + 1; pd > d {
				d = pd
			}
		}
		memo[g] = d
		return d
	}
	for _, g := range inv.groupOrder {
		g.depth = depth(g)
	}
}

// sortGroups orders groups as Ansible merges their vars: by depth, then
// ansible_group_priority, then name.
func sortGroups(gs []*group) []*group {
	out := append([]*group(nil), gs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.depth != b.depth {
			return a.depth < b.depth
		}
		if a.priority != b.priority {
			return a.priority < b.priority
		}
		return a.name < b.name
	})
	return out
}

// Hosts returns every host in Ansible's order for the pattern "all".
func (inv *Inventory) Hosts() []*Host { return append([]*Host(nil), inv.ordered...) }

// Host returns the named host. Like Ansible, an inventory without a
// localhost still knows "localhost" (implicit, not in Hosts or groups).
func (inv *Inventory) Host(name string) (*Host, bool) {
	if h, ok := inv.hosts[name]; ok {
		return h, true
	}
	if inv.localhost != nil && isLocalhostName(name) {
		return inv.localhost, true
	}
	return nil, false
}

// Groups returns group name → host names (hosts of child groups included), the
// `groups` magic variable. The map is shared: callers must not modify it.
func (inv *Inventory) Groups() map[string][]string { return inv.groupHosts }

// GroupNames returns the names of the groups holding h, sorted, without "all".
func (h *Host) GroupNames() []string {
	var out []string
	for _, g := range h.groups {
		if g.name != "all" {
			out = append(out, g.name)
		}
	}
	sort.Strings(out)
	return out
}

// HostNames returns the names of the hosts matching pattern, in the order
// Select gives; it is what the executor asks of an inventory.
func (inv *Inventory) HostNames(pattern string) ([]string, error) {
	hosts, err := inv.Select(pattern)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Name
	}
	return names, nil
}

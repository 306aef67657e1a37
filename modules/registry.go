package modules

import (
	"sort"
	"strings"
)

var registry = map[string]Module{}

// Register adds a module under name. It is called from init functions;
// registering a name twice is a programming error.
func Register(name string, m Module) {
	if _, dup := registry[name]; dup {
		panic("modules: " + name + " registered twice")
	}
	registry[name] = m
}

// Lookup finds a module by name; Ansible's fully qualified names
// (ansible.builtin.copy, ansible.posix.sysctl) resolve to the short name.
func Lookup(name string) (Module, bool) {
	if m, ok := registry[name]; ok {
		return m, true
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		m, ok := registry[name[i+1:]]
		return m, ok
	}
	return nil, false
}

// Names lists the registered modules, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Gatherer is the module gather_facts runs, the one defined with
// GathersFacts, and its name.
func Gatherer() (string, Module, bool) {
	for _, n := range Names() {
		if m := registry[n]; Has(m, GathersFacts) {
			return n, m, true
		}
	}
	return "", nil, false
}

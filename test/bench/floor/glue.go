package main

import "github.com/hapb/hapb/engine/inventory"

// inventoryAdapter is cmd/hapb/run.go's: the executor's view of the
// inventory.
type inventoryAdapter struct{ inv *inventory.Inventory }

func (a inventoryAdapter) HostNames(pattern string) ([]string, error) {
	hosts, err := a.inv.Select(pattern)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Name
	}
	return names, nil
}
func (a inventoryAdapter) HostVars(name string) map[string]any { return a.inv.HostVars(name) }
func (a inventoryAdapter) Groups() map[string][]string         { return a.inv.Groups() }

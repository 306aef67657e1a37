package fleet

import (
	"context"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/inventory"
)

// The glue cmd/hapb/run.go has between the inventory, the Dialer and the
// executor, repeated here so the benchmark runs the same path as the CLI.

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

type connector struct{ d *conn.Dialer }

func (c connector) Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error) {
	return c.d.Dial(ctx, conn.ConfigFromVars(host, vars))
}

package conn

import "context"

// Connect dials host with the connection settings in its variables
// (ansible_host, ansible_user, …); it is what the executor asks of a
// transport.
func (d *Dialer) Connect(ctx context.Context, host string, vars map[string]any) (Conn, error) {
	return d.Dial(ctx, ConfigFromVars(host, vars))
}

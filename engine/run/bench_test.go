package run

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// memInventory is an inventory of n hosts in one group.
type memInventory struct {
	names  []string
	vars   map[string]map[string]any
	groups map[string][]string
}

func newMemInventory(n int) *memInventory {
	inv := &memInventory{vars: map[string]map[string]any{}, groups: map[string][]string{}}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("host%04d", i)
		inv.names = append(inv.names, name)
		inv.vars[name] = map[string]any{"inventory_hostname": name, "group_names": []string{"nodes"},
			"ansible_host": fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), "node_index": i}
	}
	inv.groups["all"] = inv.names
	inv.groups["nodes"] = inv.names
	return inv
}

func (m *memInventory) HostNames(pattern string) ([]string, error) { return m.names, nil }
func (m *memInventory) HostVars(name string) map[string]any        { return m.vars[name] }
func (m *memInventory) Groups() map[string][]string                { return m.groups }

// memConn answers every command at once with exit 0.
type memConn struct{}

func (memConn) Run(ctx context.Context, cmd *conn.Cmd) (*conn.Result, error) {
	return &conn.Result{}, nil
}
func (memConn) Upload(ctx context.Context, r io.Reader, dst string, opt conn.FileOpts) error {
	return nil
}
func (memConn) ReadFile(ctx context.Context, path string, b conn.Become) ([]byte, error) {
	return nil, nil
}
func (memConn) Close() error { return nil }

type memConnector struct{}

func (memConnector) Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error) {
	return memConn{}, nil
}

// probe is a trivial module: one remote command, unchanged when it exits 0.
type probe struct{}

type probeParams struct {
	Cmd string `yaml:"cmd" required:"true"`
}

func (probe) Doc() string    { return "test module" }
func (probe) NewParams() any { return &probeParams{} }
func (probe) Plan(ctx context.Context, t *modules.Task, p any) (*modules.Plan, error) {
	res, err := t.Run(ctx, &conn.Cmd{Script: p.(*probeParams).Cmd})
	if err != nil {
		return nil, err
	}
	return &modules.Plan{Result: modules.Result{Data: map[string]any{"rc": res.ExitCode}}}, nil
}

func benchPlaybook(tasks int) *playbook.Playbook {
	when, _ := tmpl.CompileExpr(`node_index >= 0 && inventory_hostname != ""`)
	play := &playbook.Play{Name: "bench", Hosts: "all"}
	for i := 0; i < tasks; i++ {
		play.Tasks = append(play.Tasks, &playbook.Task{
			Name: fmt.Sprintf("task %d", i), Action: "probe", Module: probe{},
			Params: &probeParams{Cmd: "true"}, When: []*tmpl.Expr{when},
		})
	}
	return &playbook.Playbook{Plays: []*playbook.Play{play}}
}

// BenchmarkExecutor measures the controller's cost per task and host: 1000
// hosts × 100 trivial tasks over an in-memory connection, with text output.
func BenchmarkExecutor(b *testing.B) {
	const hosts, tasks = 1000, 100
	pb := benchPlaybook(tasks)
	var peak uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse+ms.StackInuse)
			}
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), pb, Options{
			Inventory: newMemInventory(hosts), Connector: memConnector{},
			Reporter: &report.Text{W: io.Discard},
		})
		if err != nil || res.ExitCode(nil) != 0 {
			b.Fatalf("run: %v, exit %d", err, res.ExitCode(nil))
		}
	}
	b.StopTimer()
	close(stop)
	perTaskHost := b.Elapsed() / time.Duration(b.N*hosts*tasks)
	b.ReportMetric(float64(perTaskHost.Nanoseconds())/1000, "µs/task-host")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}

package modules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hapb/hapb/engine/params"
)

// TestMkdirRace runs one task on many hosts of the controller at once
// (connection local, delegate_to localhost), all under the same missing
// parent. Every host plans first, so each sees the parent missing, then all
// apply together: a check-then-mkdir fails some of them with "File exists".
// Run it with -race -count=20.
func TestMkdirRace(t *testing.T) {
	const hosts = 32
	tests := []struct {
		name   string
		module string
		setup  func(dir string)
		args   func(dir, host string) map[string]any
		check  func(t *testing.T, dir string)
	}{
		{
			name:   "one directory on every host",
			module: "file",
			args: func(d, _ string) map[string]any {
				return map[string]any{"path": d + "/a/b/c", "state": "directory", "mode": "0750"}
			},
			check: func(t *testing.T, d string) {
				for _, p := range []string{"/a", "/a/b", "/a/b/c"} {
					wantMode(t, d+p, 0o750)
				}
			},
		},
		{
			name:   "a directory per host under one missing parent",
			module: "file",
			args: func(d, h string) map[string]any {
				return map[string]any{"path": d + "/a/b/" + h, "state": "directory"}
			},
			check: func(t *testing.T, d string) {
				if n := countEntries(t, d+"/a/b"); n != hosts {
					t.Errorf("%d directories under a/b, want %d", n, hosts)
				}
			},
		},
		{
			name:   "fetch per host under one missing dest",
			module: "fetch",
			setup:  func(d string) { os.WriteFile(d+"/src", []byte("x"), 0o644) },
			args: func(d, _ string) map[string]any {
				return map[string]any{"src": d + "/src", "dest": d + "/fetched"}
			},
			check: func(t *testing.T, d string) {
				if n := countEntries(t, d+"/fetched"); n != hosts {
					t.Errorf("%d hosts under fetched/, want %d", n, hosts)
				}
			},
		},
		{
			name:   "fetch flat into one missing directory",
			module: "fetch",
			setup:  func(d string) { os.WriteFile(d+"/src", []byte("x"), 0o644) },
			args: func(d, h string) map[string]any {
				return map[string]any{"src": d + "/src", "dest": d + "/out/x/" + h, "flat": true}
			},
			check: func(t *testing.T, d string) {
				if n := countEntries(t, d+"/out/x"); n != hosts {
					t.Errorf("%d files under out/x, want %d", n, hosts)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(dir)
			}
			m, ok := Lookup(tt.module)
			if !ok {
				t.Fatalf("no module %s", tt.module)
			}
			plans := make([]*Plan, hosts)
			for i := range plans {
				task := localTask(false, false)
				task.Host = fmt.Sprintf("h%02d", i)
				p := m.NewParams()
				if err := params.Decode(tt.args(dir, task.Host), p); err != nil {
					t.Fatal(err)
				}
				plan, err := m.Plan(context.Background(), task, p)
				if err != nil || !plan.Changed || plan.Apply == nil {
					t.Fatalf("%s plan: %v %+v", task.Host, err, plan)
				}
				plans[i] = plan
			}
			start := make(chan struct{})
			errs := make([]error, hosts)
			var wg sync.WaitGroup
			for i, plan := range plans {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = plan.Apply(context.Background(), &plan.Result)
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("h%02d: %v", i, err)
				}
			}
			tt.check(t, dir)
		})
	}
}

func countEntries(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

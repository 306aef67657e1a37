package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// aliasBomb is a YAML mapping whose aliases expand to 9^9 scalars under
// key (indented by indent), defined first under "bomb_defs".
func aliasBomb(key, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sbomb_defs:\n%s  a0: &a0 [lol]\n", indent, indent)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "%s  a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			indent, i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	fmt.Fprintf(&b, "%s%s: *a9\n", indent, key)
	return b.String()
}

// TestLoadLimits: hostile inventories are refused with a positioned error,
// before they cost much memory.
func TestLoadLimits(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"INI range", map[string]string{"hosts": "[all]\nh[0:999999999]\n"}, "hosts:2: host pattern \"h[0:999999999]\" expands to more than 100000 hosts"},
		{"nested range", map[string]string{"hosts": "[web]\nw[0:999]-[0:999]\n"}, "expands to more than 100000 hosts"},
		{"negative step", map[string]string{"hosts": "[web]\nw[999999999:0:-1]\n"}, "expands to more than 100000 hosts"},
		{"YAML range", map[string]string{"hosts.yml": "all:\n  hosts:\n    h[a:z]-[0:9999]:\n"}, "expands to more than 100000 hosts"},
		{"YAML inventory vars", map[string]string{"hosts.yml": "all:\n  vars:\n" + aliasBomb("x", "    ")}, "hosts.yml:10:"},
		{"group_vars", map[string]string{"hosts": "[web]\nw1\n", "group_vars/web.yml": aliasBomb("x", "")}, "web.yml:8:"},
		{"host_vars", map[string]string{"hosts": "[web]\nw1\n", "host_vars/w1/main.yml": aliasBomb("x", "")}, "main.yml:8:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := ""
			for name, content := range tt.files {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(name, "/") {
					src = p
				}
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Load([]string{src})
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("loading allocated %d MB", grew>>20)
			}
		})
	}
}

func TestRangeLen(t *testing.T) {
	tests := []struct{ start, stop, step, want int }{
		{0, 10, 1, 10}, {0, 10, 3, 4}, {10, 4, -2, 3}, {5, 5, 1, 0}, {5, 0, 1, 0},
		{-1 << 62, 1 << 62, 1, 1<<63 - 1},
	}
	for _, tt := range tests {
		if got := rangeLen(tt.start, tt.stop, tt.step); got != tt.want {
			t.Errorf("rangeLen(%d, %d, %d) = %d, want %d", tt.start, tt.stop, tt.step, got, tt.want)
		}
	}
}

// FuzzLoad loads hostile inventories (INI and YAML): loading may refuse
// them, never panic or run away. `make test` runs it briefly.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("[web]\nw[01:03] ansible_port=22\n[all:vars]\nx=1\n"))
	f.Add([]byte("all:\n  children:\n    web:\n      hosts:\n        w[a:c]:\n          v: [1, {a: b}]\n"))
	f.Add([]byte("all:\n  vars:\n" + aliasBomb("x", "    ")))
	f.Add([]byte("[g:children]\ng\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, name := range []string{"hosts", "hosts.yml"} {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			Load([]string{p})
		}
	})
}

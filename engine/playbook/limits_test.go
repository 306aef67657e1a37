package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// aliasBomb is YAML whose aliases expand to 9^9 scalars under key, each
// line indented by indent.
func aliasBomb(key, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sbomb_defs:\n%s  a0: &a0 [lol]\n", indent, indent)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "%s  a%d: &a%d [%s]\n", indent, i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), ", "))
	}
	fmt.Fprintf(&b, "%s%s: *a9\n", indent, key)
	return b.String()
}

// TestLoadLimits: hostile playbooks are refused with a positioned error,
// before they cost much memory.
func TestLoadLimits(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"play vars", map[string]string{
			"site.yml": "- hosts: all\n  vars:\n" + aliasBomb("x", "    ") + "  tasks: []\n",
		}, "site.yml:10:"},
		{"vars_files", map[string]string{
			"site.yml": "- hosts: all\n  vars_files: [v.yml]\n  tasks: []\n",
			"v.yml":    aliasBomb("x", ""),
		}, "v.yml:8:"},
		{"tasks", map[string]string{
			"site.yml": "- hosts: all\n  tasks:\n    - debug: {msg: hi}\n      vars:\n" + aliasBomb("x", "        "),
		}, "site.yml:12:"},
		{"environment name", map[string]string{
			"site.yml": "- hosts: all\n  tasks:\n    - command: id\n      environment:\n        --split-string=id -u: x\n        OK_1: y\n",
		}, "site.yml:5:9: environment variable name \"--split-string=id -u\" is not valid"},
		{"play environment name", map[string]string{
			"site.yml": "- hosts: all\n  environment: {\"A=B\": x}\n  tasks: []\n",
		}, "site.yml:2:17: environment variable name \"A=B\" is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Load(filepath.Join(dir, "site.yml"), Options{Modules: testModules})
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

// FuzzLoad loads hostile playbooks: loading may refuse them, never panic
// or run away (aliases, deep nesting, odd keys). `make test` runs it
// briefly.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*/site.yml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("- hosts: all\n  vars:\n" + aliasBomb("x", "    ") + "  tasks: []\n"))
	f.Add([]byte("- hosts: all\n  environment: {A: '{{ .x }}'}\n  tasks:\n    - shell: echo\n      loop: [1, 2]\n"))
	f.Add([]byte("- hosts: all\n  tasks:\n    - block: [{debug: {msg: hi}}]\n      rescue: []\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		site := filepath.Join(dir, "site.yml")
		if err := os.WriteFile(site, data, 0o644); err != nil {
			t.Fatal(err)
		}
		Load(site, Options{Modules: testModules})
	})
}

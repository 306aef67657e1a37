package modules

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var updateBlockinfileGolden = flag.Bool("update-blockinfile", false, "rewrite testdata/blockinfile/*.golden")

// Each testdata/blockinfile/NAME.yml holds the input file and the task's
// arguments; NAME.golden is the file after the task, as Ansible writes it.
func TestBlockinfileGolden(t *testing.T) {
	cases, _ := filepath.Glob("testdata/blockinfile/*.yml")
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".yml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			var tc struct {
				Input string         `yaml:"input"`
				Args  map[string]any `yaml:"args"`
			}
			if err := yaml.Unmarshal(raw, &tc); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := dir + "/hosts"
			os.WriteFile(path, []byte(tc.Input), 0o644)
			tc.Args["path"] = path
			r := mustPlanApply(t, "blockinfile", localTask(false, false), tc.Args)
			got, _ := os.ReadFile(path)
			golden := strings.TrimSuffix(c, ".yml") + ".golden"
			if *updateBlockinfileGolden {
				os.WriteFile(golden, got, 0o644)
			}
			want, _ := os.ReadFile(golden)
			if string(got) != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			if r.Changed != (tc.Input != string(want)) {
				t.Errorf("changed=%v msg=%q", r.Changed, r.Msg)
			}
			if r := mustPlanApply(t, "blockinfile", localTask(false, false), tc.Args); r.Changed {
				t.Errorf("second run changed: %s", r.Msg)
			}
		})
	}
}

func TestBlockinfileLocal(t *testing.T) {
	dir := t.TempDir()
	args := map[string]any{"path": dir + "/hosts", "block": "10.0.0.1 m1\n10.0.0.2 m2", "create": true}
	checkIdempotent(t, "blockinfile", dir, args)
	want := "# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 m1\n10.0.0.2 m2\n# END ANSIBLE MANAGED BLOCK\n"
	if b, _ := os.ReadFile(dir + "/hosts"); string(b) != want {
		t.Errorf("got %q", b)
	}
	r := mustPlanApply(t, "blockinfile", localTask(false, false), map[string]any{"path": dir + "/missing", "block": "x"})
	if !r.Failed {
		t.Errorf("missing file without create: %+v", r)
	}
	r = mustPlanApply(t, "blockinfile", localTask(false, false), map[string]any{"path": dir + "/missing", "state": "absent"})
	if r.Failed || r.Changed {
		t.Errorf("absent on missing file: %+v", r)
	}
	checkIdempotent(t, "blockinfile", dir, map[string]any{"path": dir + "/hosts", "state": "absent"})
	if b, _ := os.ReadFile(dir + "/hosts"); string(b) != "" {
		t.Errorf("after removal %q", b)
	}
}

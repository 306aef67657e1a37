package playbook

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/tmpl"
)

// TestUnsafeTag: values tagged !unsafe are loaded as tmpl.Unsafe, never
// compiled, in play vars, vars_files, task vars and module arguments.
func TestUnsafeTag(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vars.yml"), []byte("f: !unsafe '{{ .x }}'\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "site.yml"), []byte(`
- hosts: all
  vars_files: [vars.yml]
  vars:
    u: !unsafe "{{ .x }}"
    l: !unsafe ["{{ .x }}", 1]
    m: {a: !unsafe "{{ .x }}", b: "{{ .x }}"}
  tasks:
    - debug:
        msg: !unsafe "{{ .x }}"
      vars:
        tv: !unsafe "{{ .x }}"
`), 0o644)
	pb, err := Load(filepath.Join(dir, "site.yml"), Options{Modules: testModules})
	if err != nil {
		t.Fatal(err)
	}
	p := pb.Plays[0]
	u := tmpl.Unsafe("{{ .x }}")
	checks := map[string][2]any{
		"vars u":      {p.Vars["u"], u},
		"vars l":      {p.Vars["l"], []any{u, 1}},
		"vars m.a":    {p.Vars["m"].(map[string]any)["a"], u},
		"vars_files":  {p.VarsFiles["f"], u},
		"task vars":   {p.Tasks[0].Vars["tv"], u},
		"module args": {p.Tasks[0].Args["msg"], u},
	}
	for what, c := range checks {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("%s = %#v, want %#v", what, c[0], c[1])
		}
	}
	if _, ok := p.Vars["m"].(map[string]any)["b"].(*tmpl.Template); !ok {
		t.Errorf("an untagged template was not compiled")
	}
}

func TestBecomeUserTemplateChecked(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "site.yml"), []byte(`
- hosts: all
  tasks:
    - debug: {msg: hi}
      become: true
      become_user: "{{ .user "
`), 0o644)
	_, err := Load(filepath.Join(dir, "site.yml"), Options{Modules: testModules})
	if err == nil || !strings.Contains(err.Error(), "become_user") {
		t.Errorf("a broken become_user template: err = %v", err)
	}
}

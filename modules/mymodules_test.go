package modules

import (
	"testing"

	"github.com/hapb/hapb/engine/params"
)

// Every module documents itself and each of its parameters.
func TestFileAndCommandModulesDocumented(t *testing.T) {
	freeForm := map[string]string{"command": "cmd", "shell": "cmd", "include_vars": "file"}
	for _, name := range []string{"command", "shell", "debug", "set_fact", "assert", "fail", "file", "copy",
		"template", "lineinfile", "blockinfile", "stat", "slurp", "fetch", "include_vars"} {
		m, ok := Lookup("ansible.builtin." + name)
		if !ok {
			t.Errorf("%s not registered", name)
			continue
		}
		if m.Doc() == "" {
			t.Errorf("%s: no Doc", name)
		}
		if ff, ok := m.(FreeForm); ok != (freeForm[name] != "") || ok && ff.FreeFormParam() != freeForm[name] {
			t.Errorf("%s: free-form %v", name, ok)
		}
		p := m.NewParams()
		if _, ok := p.(*map[string]any); ok {
			continue
		}
		for _, f := range params.Fields(p) {
			if f.Doc == "" {
				t.Errorf("%s: parameter %s has no doc", name, f.Name)
			}
		}
	}
}

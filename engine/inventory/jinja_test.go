package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsJinja(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"plain", false}, {"{{ .x }}/ssl", false}, {`{{ .x | default "a" }}`, false},
		{"{{ x }}/ssl", true}, {"{{ x | default('a') }}", true}, {"{% if x %}a{% endif %}", true},
		{"{# note #}", true}, {"{{ groups['etcd'] }}", true},
	}
	for _, tt := range tests {
		if got := isJinja(tt.in); got != tt.want {
			t.Errorf("isJinja(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestTemplateErrors: Jinja in an INI inventory (host and group vars), a
// YAML inventory and group_vars is named by file, line and variable, with
// the hapb spelling when there is an obvious one; !unsafe values are data.
func TestTemplateErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644)
	}
	write("hosts", "[k]\nh1 a=\"{{ x }}\"\n[k:vars]\nb={{ .x }}\nc={{ y.z }}-1\n")
	write("group_vars/all.yml", "d: \"{{ kube_config_dir }}/ssl\"\ne: !unsafe \"{{ raw }}\"\nf: ['{% if x %}y{% endif %}']\ng: \"{{ .ok }}\"\n")
	write("more.yml", "all:\n  hosts:\n    h2:\n      h: \"{{ nope }}\"\n  vars:\n    i: \"{{ q }}\"\n")
	inv, err := Load([]string{filepath.Join(dir, "hosts"), filepath.Join(dir, "more.yml")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range inv.TemplateErrors() {
		got = append(got, strings.ReplaceAll(e.Error(), dir+"/", ""))
	}
	want := []string{
		`group_vars/all.yml:1:4: variable "d" holds Jinja ("{{ kube_config_dir }}/ssl"), which hapb does not render: write "{{ .kube_config_dir }}/ssl"`,
		`group_vars/all.yml:3:5: variable "f" holds Jinja ("{% if x %}y{% endif %}"), which hapb does not render: write it as a Go template (see ` + "`hapb doc templates`" + `)`,
		`hosts:2: variable "a" holds Jinja ("{{ x }}"), which hapb does not render: write "{{ .x }}"`,
		`hosts:5: variable "c" holds Jinja ("{{ y.z }}-1"), which hapb does not render: write "{{ .y.z }}-1"`,
		`more.yml:4:10: variable "h" holds Jinja ("{{ nope }}"), which hapb does not render: write "{{ .nope }}"`,
		`more.yml:6:8: variable "i" holds Jinja ("{{ q }}"), which hapb does not render: write "{{ .q }}"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("TemplateErrors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

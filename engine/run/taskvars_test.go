package run

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
)

// TestTaskVarsLazy runs one task on host0000 and host0001 (node_index 0
// and 1): its vars are rendered only where used, a skipped task's never,
// and a loop's per item.
func TestTaskVarsLazy(t *testing.T) {
	tests := []struct {
		name  string
		task  string            // one task, YAML, indented as a list item of tasks
		files map[string]string // more files beside the playbook
		want  []string          // regular expressions the output must match
		not   []string          // and must not
	}{
		{
			name: "when false renders no var",
			task: `
    - debug: {msg: "{{ .x }}"}
      vars: {x: "{{ .nope }}"}
      when: false`,
			want: []string{`skipping: \[host0000\]`, `skipping: \[host0001\]`},
			not:  []string{`fatal`, `nope`},
		},
		{
			name: "when reads a task var, the others wait",
			task: `
    - debug: {msg: "x={{ .x }}"}
      vars: {x: "{{ .node_index }}", y: "{{ .nope }}"}
      when: x == 0`,
			want: []string{`ok: \[host0000\] => \{\n\s+"msg": "x=0"`, `skipping: \[host0001\]`},
			not:  []string{`fatal`},
		},
		{
			name: "defined() sees a task var",
			task: `
    - debug: {msg: "{{ .z }}"}
      vars: {z: "{{ .inventory_hostname }}-z"}
      when: defined("z") && z == "host0001-z"`,
			want: []string{`skipping: \[host0000\]`, `ok: \[host0001\] => \{\n\s+"msg": "host0001-z"`},
		},
		{
			name: "a loop renders vars per item, when sees them",
			task: `
    - debug: {msg: "{{ .double }}"}
      loop: [1, 2, 3]
      vars: {double: "{{ mul .item 2 }}", unused: "{{ .nope }}"}
      when: double > 2`,
			want: []string{`skipping: \[host0000\] => \(item=1\)`, `ok: \[host0000\] => \(item=2\) => \{\n\s+"msg": 4`,
				`ok: \[host0001\] => \(item=3\) => \{\n\s+"msg": 6`},
			not: []string{`fatal`, `failed:`},
		},
		{
			name: "loop_var and index_var",
			task: `
    - debug: {msg: "{{ .label }}"}
      loop: [a, b]
      loop_control: {loop_var: n, index_var: i, label: "{{ .label }}"}
      vars: {label: "{{ .i }}:{{ .n }}"}
      when: i == 1`,
			want: []string{`skipping: \[host0000\] => \(item=0:a\)`, `ok: \[host0000\] => \(item=1:b\) => \{\n\s+"msg": "1:b"`},
		},
		{
			name: "the loop reads a task var",
			task: `
    - debug: {msg: "{{ .item }}"}
      loop: "{{ .list }}"
      vars: {list: ["{{ .inventory_hostname }}"]}`,
			want: []string{`ok: \[host0001\] => \(item=host0001\)`},
			not:  []string{`fatal`},
		},
		{
			name: "task vars read each other",
			task: `
    - debug: {msg: "{{ .b }}"}
      vars: {a: "{{ .node_index }}", b: "{{ .a }}-b"}`,
			want: []string{`"msg": "1-b"`},
		},
		{
			name: "a used var that cannot be rendered fails where it is",
			task: `
    - debug: {msg: "{{ .x }}"}
      vars: {x: "{{ .nope }}"}`,
			want: []string{`fatal: \[host0000\]: FAILED! => \{"msg":"[^"]*\.yml:4:7: vars: x: undefined variable \\"nope\\""`},
		},
		{
			name: "a when that reads a var that cannot be rendered fails",
			task: `
    - debug: {msg: hi}
      vars: {x: "{{ .nope }}"}
      when: x == 1`,
			want: []string{`fatal: \[host0001\]: FAILED! => \{"msg":"[^"]*\.yml:4:7: vars: x: undefined variable \\"nope\\""`},
		},
		{
			name: "a var that cannot be rendered shadows the host's",
			task: `
    - debug: {msg: "{{ .node_index }}"}
      vars: {node_index: "{{ .nope }}"}`,
			want: []string{`fatal: \[host0000\]: FAILED! => \{"msg":"[^"]*: vars: node_index: undefined variable \\"nope\\""`},
		},
		{
			name: "why a var it reads is undefined",
			task: `
    - debug: {msg: "{{ .b }}"}
      vars: {a: "{{ .nope }}", b: "{{ .a }}-b"}`,
			want: []string{`"msg":"[^"]*: vars: b: vars: a: undefined variable \\"nope\\""`},
		},
		{
			name: "per item, only the item that uses it fails",
			task: `
    - debug: {msg: "{{ if eq .item 2 }}{{ .y }}{{ else }}fine{{ end }}"}
      loop: [1, 2]
      vars: {y: "{{ .item.nope }}"}`,
			want: []string{`ok: \[host0000\] => \(item=1\)`, `failed: \[host0000\] => \(item=2\) => \{"msg":"[^"]*: vars: y: `},
		},
		{
			// The items share one map: what an item set is put back.
			name: "each item's vars start from the host's",
			task: `
    - debug: {msg: "{{ .node_index }}"}
      loop: [a, b, c]
      vars: {node_index: "{{ .node_index }}{{ .item }}"}`,
			want: []string{`ok: \[host0000\] => \(item=b\) => \{\n\s+"msg": "0b"`,
				`ok: \[host0001\] => \(item=c\) => \{\n\s+"msg": "1c"`},
			not: []string{`0ab`, `1bc`, `fatal`},
		},
		{
			name: "an item whose var failed does not hide the next one's",
			task: `
    - debug: {msg: "{{ .y }}"}
      loop: [2, 1, 2]
      vars: {y: "{{ if eq .item 2 }}{{ .nope }}{{ else }}fine{{ end }}"}
      ignore_errors: true`,
			want: []string{`failed: \[host0000\] => \(item=2\)`, `ok: \[host0000\] => \(item=1\) => \{\n\s+"msg": "fine"`},
			not:  []string{`ok: \[host0000\] => \(item=2\)`},
		},
		{
			name: "an include's when and loop see its vars",
			task: `
    - include_tasks: inc.yml
      vars: {a: "{{ .node_index }}", list: [p, q]}
      loop: "{{ .list }}"
      when: a == 1`,
			files: map[string]string{"inc.yml": `- debug: {msg: "inc {{ .a }} {{ .item }}"}`},
			want:  []string{`ok: \[host0001\] => \{\n\s+"msg": "inc 1 p"`, `"msg": "inc 1 q"`},
			not:   []string{`fatal`, `host0000\] =>`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, "playbook.yml")
			src := "- hosts: all\n  gather_facts: false\n  tasks:\n" + strings.TrimPrefix(tt.task, "\n") + "\n"
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			pb, err := playbook.Load(path, playbook.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := Run(context.Background(), pb, Options{Inventory: newMemInventory(2), Connector: memConnector{},
				Reporter: &report.Text{W: &out}}); err != nil {
				t.Fatal(err)
			}
			for _, re := range tt.want {
				if !regexp.MustCompile(re).MatchString(out.String()) {
					t.Errorf("output does not match %s:\n%s", re, out.String())
				}
			}
			for _, re := range tt.not {
				if regexp.MustCompile(re).MatchString(out.String()) {
					t.Errorf("output matches %s:\n%s", re, out.String())
				}
			}
		})
	}
}

func TestTemplateWords(t *testing.T) {
	tests := []struct {
		src  any
		want []string
	}{
		{tmpl.MustParse("t", `{{ .a.b }}-{{ hasKey . "c_1" }}`), []string{"a", "b", "hasKey", "c_1"}},
		{[]*tmpl.Expr{tmpl.MustCompileExpr(`defined("x.y") && z`)}, []string{"defined", "x", "y", "z"}},
		{map[string]any{"k": []any{tmpl.MustParse("t", `{{ .v }}`), "plain"}}, []string{"v"}},
		{(*tmpl.Template)(nil), nil},
		{"{{ .not_compiled }}", nil},
	}
	for _, tt := range tests {
		if got := templateWords(tt.src); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("templateWords(%v) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

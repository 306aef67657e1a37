package test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// secretCase is one secret: where it is defined, the variable that shows
// it, and the text that must never appear in any output.
type secretCase struct {
	source string
	name   string // the variable the playbook prints
	value  string // must never appear; "" for a boolean (checked as a field)
	long   bool   // long enough to be hidden in free text: also printed inside messages, commands and files
}

var secretCases = []secretCase{
	{"inventory host var", "inv_password", "InvSecret-1001", true},
	{"inventory group var", "grp_secret", "GrpSecret-1002", true},
	{"group_vars", "gv_token", "GvToken-1003", true},
	{"host_vars", "hv_passphrase", "HvPass-1004", true},
	{"role defaults", "role_default_password", "RoleDef-1005", true},
	{"role vars", "role_vars_secret", "RoleVars-1006", true},
	{"play vars", "play_token", "PlayTok-1007", true},
	{"vars_files", "vf_password", "VarsFile-1008", true},
	{"block vars", "block_secret", "BlockSec-1009", true},
	{"task vars", "task_token", "TaskTok-1010", true},
	{"set_fact", "sf_password", "SetFact-1011", true},
	{"include_vars", "iv_secret", "IncVars-1012", true},
	{"-e @file", "extra_password", "Extra-1013", true},
	{"register", "reg_token", "RegTok-1014", true},
	{"integer", "int_password", "98761015", true},
	{"boolean", "bool_secret", "", false},
	{"mapping under a secret name", "db_secret", "NestedMap-1017", true},
	{"list under a secret name", "tokens", "ListTok-1018", true},
	{"secret name inside a mapping", "db", "NestedKey-1019", true},
	{"templated", "tpl_password", "Templated-1020", true},
	{"short", "short_token", "Q7z", false},
	{"templated become password", "sudo_pw", "SudoPw-1022", true},
	{"prefix of another secret", "pfx_long_token", "-Tail-1023", true},
	{"include_tasks vars", "inc_secret", "IncTask-1024", true},
	{"include_role vars", "ir_password", "IncRole-1025", true},
}

// show prints variable name every way output can carry it: as a field, as
// a message, and, for long values, inside text, a command line and its
// output, and a file's diff.
func show(name string, long bool, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- debug: {var: %s}\n", name)
	fmt.Fprintf(&b, "- debug: {msg: \"{{ .%s }}\"}\n", name)
	if long {
		fmt.Fprintf(&b, "- debug: {msg: \"before {{ .%s }} after\"}\n", name)
		fmt.Fprintf(&b, "- command: echo \"value {{ .%s }}\"\n", name)
		fmt.Fprintf(&b, "- copy: {content: \"value {{ .%s }}\\n\", dest: \"{{ .tmp }}/%s\"}\n", name, name)
		fmt.Fprintf(&b, "- fail: {msg: \"failing with {{ .%s }}\"}\n  ignore_errors: true\n", name)
	}
	return indent + strings.ReplaceAll(strings.TrimSuffix(b.String(), "\n"), "\n", "\n"+indent) + "\n"
}

// redactionFixture writes a playbook that defines every secret of
// secretCases in its own source and shows it.
func redactionFixture(t *testing.T, dir string) {
	var shows strings.Builder
	for _, c := range secretCases {
		switch c.source {
		case "block vars", "task vars", "include_tasks vars", "include_role vars":
		default:
			shows.WriteString(show(c.name, c.long, "    "))
		}
	}
	files := map[string]string{
		"inventory": `all:
  vars:
    grp_secret: GrpSecret-1002
  hosts:
    h1:
      ansible_connection: local
      inv_password: InvSecret-1001
      sudo_pw: SudoPw-1022
      ansible_become_password: "{{ .sudo_pw }}"
`,
		"group_vars/all.yml":        "gv_token: GvToken-1003\n",
		"host_vars/h1.yml":          "hv_passphrase: HvPass-1004\n",
		"roles/r/defaults/main.yml": "role_default_password: RoleDef-1005\n",
		"roles/r/vars/main.yml":     "role_vars_secret: RoleVars-1006\n",
		"roles/r/tasks/main.yml":    "- debug: {msg: role}\n",
		"roles/ir/tasks/main.yml":   show("ir_password", true, ""),
		"vars/file.yml":             "vf_password: VarsFile-1008\n",
		"vars/include.yml":          "iv_secret: IncVars-1012\n",
		"extra.yml":                 "extra_password: Extra-1013\n",
		"inc.yml":                   show("inc_secret", true, ""),
		"playbook.yml": `- hosts: h1
  gather_facts: false
  roles: [r]
  vars_files: [vars/file.yml]
  vars:
    play_token: PlayTok-1007
    int_password: 98761015
    bool_secret: true
    db_secret: {user: admin, key: NestedMap-1017}
    tokens: [ListTok-1018-a, ListTok-1018-b]
    db: {host: db1, password: NestedKey-1019}
    tpl_base: Templated
    tpl_password: "{{ .tpl_base }}-1020"
    short_token: Q7z
    pfx_token: Prefix-1023
    pfx_long_token: Prefix-1023-Tail-1023
  tasks:
    - set_fact: {sf_password: SetFact-1011}
    - include_vars: vars/include.yml
    - command: echo RegTok-1014
      register: reg_token
` + shows.String() + `    - block:
` + show("block_secret", true, "        ") + `      vars: {block_secret: BlockSec-1009}
` + strings.ReplaceAll(show("task_token", true, "    "), "\n    - ", "\n      vars: {task_token: TaskTok-1010}\n    - ") +
			`      vars: {task_token: TaskTok-1010}
    - include_tasks: inc.yml
      vars: {inc_secret: IncTask-1024}
    - include_role: {name: ir}
      vars: {ir_password: IncRole-1025}
`,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRedaction runs one playbook that shows secrets from every variable
// source in every output mode, and checks no secret is ever shown.
func TestRedaction(t *testing.T) {
	dir := t.TempDir()
	redactionFixture(t, dir)
	modes := []struct {
		name string
		args []string
	}{
		{"text", nil},
		{"-vvv", []string{"-vvv"}},
		{"--diff", []string{"--diff"}},
		{"json", []string{"--output", "json"}},
		{"json --diff -vvv", []string{"--output", "json", "--diff", "-vvv"}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			args := append([]string{"run", filepath.Join(dir, "playbook.yml"), "-i", filepath.Join(dir, "inventory"),
				"--no-color", "-e", "tmp=" + dir, "-e", "@" + filepath.Join(dir, "extra.yml")}, m.args...)
			cmd := exec.Command(hapbBin, args...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			cmd.Run()
			text := out.String()
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, text)
			}
			for _, c := range secretCases {
				shown := c.value != "" && strings.Contains(text, c.value)
				if c.value == "" {
					shown = strings.Contains(text, `"`+c.name+`": true`) || strings.Contains(text, `"`+c.name+`":true`)
				}
				if shown {
					t.Errorf("%s (%s) is shown in %s output", c.source, c.name, m.name)
				}
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("output:\n%s", text)
			}
		})
	}
}

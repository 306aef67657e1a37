package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestConnectionFlags runs a playbook with -c local -k -K: the answers reach
// the variables (an inventory's own value wins over them), the empty become
// answer reuses the SSH password, and neither is ever printed.
func TestConnectionFlags(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hosts"), []byte("[a]\nh1\nh2 ansible_become_password=own-become-pw\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "site.yml"), []byte(`
- hosts: all
  gather_facts: false
  tasks:
    - name: show
      debug:
        msg: "{{ .ansible_connection }} {{ .ansible_password }} {{ .ansible_become_password }}"
    - name: connection works
      command: echo connected
`), 0o644)
	var asked []string
	askSecret = func(prompt string) (string, error) {
		asked = append(asked, prompt)
		if strings.HasPrefix(prompt, "SSH") {
			return "ssh-pw-1234", nil
		}
		return "", nil
	}
	defer func() { askSecret = readSecret }()
	var out bytes.Buffer
	app := &cli.App{Name: "hapb", Commands: []*cli.Command{runCommand()}, Writer: &out, ErrWriter: &out,
		ExitErrHandler: func(*cli.Context, error) {}}
	err := app.Run([]string{"hapb", "run", "-i", filepath.Join(dir, "hosts"), "-c", "local", "-k", "-K",
		"--no-color", "--flush-cache", filepath.Join(dir, "site.yml")})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	if want := []string{"SSH password: ", "BECOME password[defaults to SSH password]: "}; strings.Join(asked, "|") != strings.Join(want, "|") {
		t.Errorf("prompts %q, want %q", asked, want)
	}
	got := out.String()
	for _, secret := range []string{"ssh-pw-1234", "own-become-pw"} {
		if strings.Contains(got, secret) {
			t.Errorf("the output shows %q:\n%s", secret, got)
		}
	}
	if !strings.Contains(got, `"msg": "local ******** ********"`) || !strings.Contains(got, "ok=2") {
		t.Errorf("unexpected output:\n%s", got)
	}

	err = app.Run([]string{"hapb", "run", "-i", filepath.Join(dir, "hosts"), "-c", "winrm", filepath.Join(dir, "site.yml")})
	var ec cli.ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 1 || !strings.Contains(err.Error(), "ssh (also for smart and paramiko) or local") {
		t.Errorf("-c winrm: %v", err)
	}
}

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Ansible's connection flags. They become the lowest-precedence variables
// (run.Options.CommandLineVars): an inventory's ansible_connection,
// ansible_password or ansible_become_password wins over them, as in Ansible.
// Passwords are asked on the terminal, never echoed; as variables named
// *password they are secrets, masked in all output.

// askSecret reads a secret from the terminal; tests replace it.
var askSecret = readSecret

// commandLineVars reads -c, -k and -K.
func commandLineVars(c *cli.Context) (map[string]any, error) {
	m := map[string]any{}
	switch conn := c.String("connection"); conn {
	case "":
	case "ssh", "smart", "paramiko":
		m["ansible_connection"] = "ssh" // hapb's own SSH client serves them all
	case "local":
		m["ansible_connection"] = "local"
	default:
		return nil, fmt.Errorf("--connection %q: hapb connects with ssh (also for smart and paramiko) or local", conn)
	}
	var sshPass string
	if c.Bool("ask-pass") {
		p, err := askSecret("SSH password: ")
		if err != nil {
			return nil, fmt.Errorf("--ask-pass: %w", err)
		}
		sshPass = p
		m["ansible_password"] = p
	}
	if c.Bool("ask-become-pass") {
		prompt := "BECOME password: "
		if c.Bool("ask-pass") {
			prompt = "BECOME password[defaults to SSH password]: "
		}
		p, err := askSecret(prompt)
		if err != nil {
			return nil, fmt.Errorf("--ask-become-pass: %w", err)
		}
		if p == "" {
			p = sshPass // as Ansible: an empty answer reuses the SSH password
		}
		m["ansible_become_password"] = p
	}
	return m, nil
}

// readSecret asks on the controlling terminal, as Python's getpass does, so
// that a redirected stdin or stdout does not receive the prompt or the echo.
func readSecret(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", errors.New("needs a terminal to ask on (none here); give ansible_password or ansible_become_password in the inventory or with -e @file instead")
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Package conn is how hapb reaches a host: run a command, upload a file
// atomically, read a file. Modules see only the Conn interface; the ssh and
// local implementations live beside it.
package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Conn is one host's connection. Implementations are safe for concurrent use.
type Conn interface {
	// Run runs cmd and waits for it. A non-zero exit status is not an error:
	// it is reported in Result.ExitCode. An error means the command could not
	// be run at all (broken connection, timeout, cancelled context).
	Run(ctx context.Context, cmd *Cmd) (*Result, error)
	// Upload replaces dst atomically with the content of r: it is written to a
	// temporary file in dst's directory, checked, given its mode and owner and
	// renamed over dst, so dst is never half-written.
	Upload(ctx context.Context, r io.Reader, dst string, opt FileOpts) error
	// ReadFile returns the content of path; an error wrapping fs.ErrNotExist
	// when it does not exist.
	ReadFile(ctx context.Context, path string, become Become) ([]byte, error)
	// Close ends the connection.
	Close() error
}

// Become says which user a command or upload runs as. The zero value runs as
// the connecting user.
type Become struct {
	User string // "" means no privilege escalation
}

// Cmd is one command. Exactly one of Args and Script is set.
type Cmd struct {
	Args   []string          // argv; every element is quoted by the Conn
	Script string            // a POSIX sh script, run with sh -c
	Stdin  io.Reader         // nil for no input
	Env    map[string]string // extra environment, names must be identifiers
	Dir    string            // working directory; "" for the default
	Become Become
	// Secrets are strings that must never be shown: Explain and errors
	// replace them with ********.
	Secrets []string
}

// Result is what a finished command returned.
type Result struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// FileOpts are the attributes of an uploaded file.
type FileOpts struct {
	Mode   fs.FileMode // 0 means 0644
	Owner  string      // "" leaves the owner alone
	Group  string      // "" leaves the group alone
	Become Become
}

// ErrUnreachable marks an error that means the host cannot be reached at all
// (refused, timeout, authentication or host key failure, dead connection). The
// executor reports such hosts as UNREACHABLE.
var ErrUnreachable = errors.New("unreachable")

// Unreachable wraps err so that errors.Is(err, ErrUnreachable) holds.
func Unreachable(host string, err error) error {
	return &UnreachableError{Host: host, Err: err}
}

// UnreachableError is a host that cannot be reached, and why.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string { return fmt.Sprintf("%s: %v", e.Host, e.Err) }
func (e *UnreachableError) Unwrap() error { return e.Err }
func (e *UnreachableError) Is(target error) bool {
	return target == ErrUnreachable
}

// ErrCommandWord is a command whose first word holds "=": the shell (or
// env, with an environment) would take it for a variable assignment and run
// the next word instead.
var ErrCommandWord = errors.New("the command's first word contains '=': it would run as a variable assignment")

// EnvNameError is an environment variable name that is not an identifier:
// env would take "--split-string=..." for an option, "A=B" for part of the
// value.
type EnvNameError struct{ Name string }

func (e *EnvNameError) Error() string {
	return fmt.Sprintf("environment variable name %q is not valid: want letters, digits and _, not starting with a digit", e.Name)
}

// ValidEnvName reports whether name can be an environment variable's name.
func ValidEnvName(name string) bool {
	for i, r := range name {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return name != ""
}

// checkCmd refuses what the shell line could not express faithfully.
func checkCmd(cmd *Cmd) error {
	for k := range cmd.Env {
		if !ValidEnvName(k) {
			return &EnvNameError{Name: k}
		}
	}
	if len(cmd.Args) > 0 && strings.Contains(cmd.Args[0], "=") {
		return ErrCommandWord
	}
	return nil
}

// Explain returns the shell line cmd runs as, with secrets redacted, without
// running it. It is what check mode and -vvv show.
func Explain(cmd *Cmd) string {
	return Redact(ShellLine(cmd), cmd.Secrets)
}

// ShellLine is the POSIX shell command line for cmd, environment and working
// directory included, before privilege escalation.
func ShellLine(cmd *Cmd) string {
	var b strings.Builder
	b.Grow(shellLineLen(cmd))
	writeShellLine(&b, cmd)
	return b.String()
}

// shellLineLen is about the length of ShellLine(cmd).
func shellLineLen(cmd *Cmd) int {
	return len(cmd.Dir) + len(cmd.Script) + len(cmd.Script)/16 + quotedLen(cmd.Args) + 16*len(cmd.Env) + 32
}

func writeShellLine(b *strings.Builder, cmd *Cmd) {
	if cmd.Dir != "" {
		b.WriteString("cd ")
		quoteTo(b, cmd.Dir)
		b.WriteString(" && ")
	}
	if len(cmd.Env) > 0 {
		b.WriteString("env")
		for _, k := range sortedKeys(cmd.Env) {
			b.WriteString(" ")
			quoteTo(b, k+"="+cmd.Env[k])
		}
		b.WriteString(" ")
	}
	if cmd.Script != "" {
		if len(cmd.Env) > 0 || cmd.Dir != "" {
			b.WriteString("sh -c ")
			quoteTo(b, cmd.Script)
		} else {
			b.WriteString(cmd.Script)
		}
	} else {
		quoteArgsTo(b, cmd.Args)
	}
}

// Redact replaces every secret in s with ********.
func Redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "********")
		}
	}
	return s
}

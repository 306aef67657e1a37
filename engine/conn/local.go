package conn

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Local runs commands on the controller itself (ansible_connection=local).
type Local struct{}

var _ Conn = (*Local)(nil)

// Run implements Conn.
func (l *Local) Run(ctx context.Context, cmd *Cmd) (*Result, error) {
	line := ShellLine(cmd)
	argv := []string{"sh", "-c", line}
	if cmd.Become.User != "" && cmd.Become.User != currentUser() {
		argv = append([]string{"sudo", "-n", "-u", cmd.Become.User, "--"}, argv...)
	}
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.Stdin = cmd.Stdin
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	res := &Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		return res, nil
	case err != nil:
		return res, fmt.Errorf("local: %s", Redact(err.Error(), cmd.Secrets))
	}
	return res, nil
}

// Upload implements Conn.
func (l *Local) Upload(ctx context.Context, r io.Reader, dst string, opt FileOpts) error {
	if opt.Become.User != "" && opt.Become.User != currentUser() {
		return uploadWithShell(ctx, l, r, dst, opt)
	}
	mode := opt.Mode
	if mode == 0 {
		mode = 0o644
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".hapb.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if opt.Owner != "" || opt.Group != "" {
		if err := chown(ctx, l, tmp.Name(), opt); err != nil {
			return err
		}
	}
	return os.Rename(tmp.Name(), dst)
}

// ReadFile implements Conn.
func (l *Local) ReadFile(ctx context.Context, path string, become Become) ([]byte, error) {
	if become.User != "" && become.User != currentUser() {
		return readWithShell(ctx, l, path, become)
	}
	return os.ReadFile(path)
}

// Close implements Conn.
func (l *Local) Close() error { return nil }

func currentUser() string {
	if os.Geteuid() == 0 {
		return "root"
	}
	return os.Getenv("USER")
}

func chown(ctx context.Context, c Conn, path string, opt FileOpts) error {
	owner := opt.Owner
	if opt.Group != "" {
		owner += ":" + opt.Group
	}
	res, err := c.Run(ctx, &Cmd{Args: []string{"chown", owner, path}, Become: opt.Become})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("chown %s %s: %s", owner, path, bytes.TrimSpace(res.Stderr))
	}
	return nil
}

// uploadWithShell is the atomic upload for any Conn that can run sh: a
// temporary file beside dst, written from stdin, then renamed.
func uploadWithShell(ctx context.Context, c Conn, r io.Reader, dst string, opt FileOpts) error {
	mode := opt.Mode
	if mode == 0 {
		mode = 0o644
	}
	owner := ""
	if opt.Owner != "" || opt.Group != "" {
		owner = opt.Owner
		if opt.Group != "" {
			owner += ":" + opt.Group
		}
	}
	script := `set -e; umask 077; t=$(mktemp "$(dirname "$1")/.hapb.XXXXXX"); trap 'rm -f "$t"' EXIT; cat >"$t"; chmod "$2" "$t"; if [ -n "$3" ]; then chown "$3" "$t"; fi; mv -f "$t" "$1"; trap - EXIT`
	res, err := c.Run(ctx, &Cmd{
		Script: "sh -c " + Quote(script) + " hapb-upload " + QuoteArgs([]string{dst, fmt.Sprintf("%o", mode.Perm()), owner}),
		Stdin:  r,
		Become: opt.Become,
	})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("upload %s: %s", dst, bytes.TrimSpace(res.Stderr))
	}
	return nil
}

func readWithShell(ctx context.Context, c Conn, path string, become Become) ([]byte, error) {
	res, err := c.Run(ctx, &Cmd{Script: "test -e " + Quote(path) + " || exit 44; cat -- " + Quote(path), Become: become})
	if err != nil {
		return nil, err
	}
	switch res.ExitCode {
	case 0:
		return res.Stdout, nil
	case 44:
		return nil, &os.PathError{Op: "read", Path: path, Err: os.ErrNotExist}
	}
	return nil, fmt.Errorf("read %s: %s", path, bytes.TrimSpace(res.Stderr))
}

// Nonce returns a random hex string, for sudo prompts and temporary names.
func Nonce() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

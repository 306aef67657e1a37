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
	"sync"
	"syscall"
	"time"
)

// Local runs commands on the controller itself (ansible_connection=local).
// The zero value is ready to use.
type Local struct {
	// BecomePassword is the sudo password, for hosts whose sudo needs one.
	BecomePassword string

	once   sync.Once
	become *becomer
}

var _ Conn = (*Local)(nil)

func (l *Local) becomer() *becomer {
	l.once.Do(func() {
		l.become = &becomer{host: "localhost", login: currentUser(), password: l.BecomePassword, run: l.runLine, posixLogin: true}
	})
	return l.become
}

// Run implements Conn.
func (l *Local) Run(ctx context.Context, cmd *Cmd) (*Result, error) {
	b := l.becomer()
	w, err := b.wrap(ctx, cmd, cmd.Stdin)
	if err != nil {
		return nil, err
	}
	res, err := l.runLine(ctx, w.line, w.stdin)
	if res != nil {
		if ferr := b.finish(w, res, cmd.Secrets); err == nil {
			err = ferr
		}
	}
	if err != nil && ctx.Err() != nil {
		// sudo's children may have left our process group.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		b.reap(rctx, w, cmd.Become)
		cancel()
		err = commandError("localhost", cmd, ctx.Err())
	}
	return res, err
}

// runLine runs line with sh in its own process group, so that cancelling
// kills the whole group: SIGTERM first, SIGKILL after killGrace.
func (l *Local) runLine(ctx context.Context, line string, stdin io.Reader) (*Result, error) {
	c := exec.CommandContext(ctx, "sh", "-c", line)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error {
		pid := c.Process.Pid
		syscall.Kill(-pid, syscall.SIGTERM)
		time.AfterFunc(killGrace, func() { syscall.Kill(-pid, syscall.SIGKILL) })
		return nil
	}
	c.WaitDelay = 2 * killGrace
	c.Stdin = stdin
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	res := &Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.ExitCode = -1
		return res, ctx.Err()
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.ExitCode = 128 + int(ws.Signal())
		}
		return res, nil
	case err != nil:
		return res, fmt.Errorf("local: %w", err)
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
	res, err := c.Run(ctx, &Cmd{Args: []string{"chown", "--", owner, path}, Become: opt.Become})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("chown %s %s: %s", owner, path, bytes.TrimSpace(res.Stderr))
	}
	return nil
}

// Nonce returns a random hex string, for sudo prompts and temporary names.
func Nonce() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

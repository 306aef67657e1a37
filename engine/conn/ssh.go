package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshConn is the Conn of one host over SSH: sessions multiplexed on one TCP
// connection, at most Dialer.MaxSessions at a time.
type sshConn struct {
	d      *Dialer
	t      *target
	sem    chan struct{}
	become *becomer

	mu     sync.Mutex
	lc     *liveClient
	dead   error // set when the host is unreachable for good
	closed bool
}

var _ Conn = (*sshConn)(nil)

var errNoExitStatus = errors.New("remote command ended without an exit status")

// killGrace is how long a cancelled command has to exit after SIGTERM
// before SIGKILL.
const killGrace = 200 * time.Millisecond

func newSSHConn(d *Dialer, t *target, becomePassword string) *sshConn {
	c := &sshConn{d: d, t: t, sem: make(chan struct{}, d.opts.MaxSessions)}
	c.become = &becomer{host: t.name, login: t.user, password: becomePassword, run: c.runLine,
		reapRun: func(ctx context.Context, line string, stdin io.Reader) (*Result, error) {
			return c.runLine(context.WithValue(ctx, noLimit{}, true), line, stdin)
		}}
	return c
}

// Run implements Conn.
func (c *sshConn) Run(ctx context.Context, cmd *Cmd) (*Result, error) {
	w, err := c.become.wrap(ctx, cmd, cmd.Stdin)
	if err != nil {
		return nil, err
	}
	// sshd refuses signals for root sessions, and a signal reaches sudo's
	// grandchildren only through the reaper (see killSession).
	reap := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		c.become.reap(rctx, w, cmd.Become)
	}
	res, err := c.runWrapped(ctx, w.line, w.stdin, reap)
	if res != nil {
		if ferr := c.become.finish(w, res, cmd.Secrets); err == nil {
			err = ferr
		}
	}
	if err != nil && res != nil && ctx.Err() != nil {
		err = commandError(c.t.name, cmd, ctx.Err())
	}
	return res, err
}

// commandError is a command stopped by its context.
func commandError(host string, cmd *Cmd, err error) error {
	what := "cancelled"
	if errors.Is(err, context.DeadlineExceeded) {
		what = "timed out"
	}
	return &CommandError{Host: host, Cmd: Explain(cmd), Reason: what + ", remote process killed", Err: err}
}

// CommandError is a command that could not run to completion.
type CommandError struct {
	Host, Cmd, Reason string
	Err               error
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Host, e.Cmd, e.Reason)
}
func (e *CommandError) Unwrap() error { return e.Err }

// runLine runs one shell line in a new session. On cancellation the session
// is signalled (TERM, then KILL) and closed, and a partial Result returned
// with the context's error.
func (c *sshConn) runLine(ctx context.Context, line string, stdin io.Reader) (*Result, error) {
	return c.runWrapped(ctx, line, stdin, nil)
}

// runWrapped is runLine with a reaper to call on cancellation.
func (c *sshConn) runWrapped(ctx context.Context, line string, stdin io.Reader, reap func()) (*Result, error) {
	s, lc, release, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	defer s.Close()
	var stdout, stderr output
	s.Stdout, s.Stderr = &stdout, &stderr
	var stdinErr chan error // nil without stdin: never ready
	if stdin != nil {
		stdinErr = make(chan error, 1)
		w, err := s.StdinPipe()
		if err != nil {
			return nil, err
		}
		go func() {
			r := &readErr{r: stdin}
			buf := copyBufs.Get().(*[]byte)
			_, err := io.CopyBuffer(w, r, *buf)
			copyBufs.Put(buf)
			if err == nil {
				w.Close() // EOF for the command
				return
			}
			// A failed write means the command ended without reading all
			// its input: not our business. A failed read must stop the
			// command rather than let a truncated stdin pass for complete.
			if r.err != nil {
				stdinErr <- r.err
				s.Close()
			}
		}()
	}
	if err := s.Start(line); err != nil {
		if !lc.alive() {
			return nil, Unreachable(c.t.name, lc.lost())
		}
		return nil, fmt.Errorf("%s: start: %w", c.t.name, err)
	}
	// Waiting in this goroutine, with cancellation in an AfterFunc, saves a
	// goroutine handoff per command on a busy controller.
	waited, killed := make(chan struct{}), make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(killed)
		killSession(s, waited, reap)
	})
	werr := s.Wait()
	close(waited)
	if !stop() {
		<-killed
		return &Result{ExitCode: -1, Stdout: stdout.bytes(), Stderr: stderr.bytes()}, ctx.Err()
	}
	select {
	case err := <-stdinErr:
		return &Result{ExitCode: -1}, fmt.Errorf("%s: stdin: %w", c.t.name, err)
	default:
	}
	res := &Result{Stdout: stdout.bytes(), Stderr: stderr.bytes()}
	var exit *ssh.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &exit):
		res.ExitCode = exit.ExitStatus()
		if sig := exit.Signal(); sig != "" {
			res.ExitCode = 128 + signalNumber(sig)
		}
	case lc.dying():
		return res, Unreachable(c.t.name, lc.lost())
	default:
		var missing *ssh.ExitMissingError
		if errors.As(werr, &missing) {
			return res, fmt.Errorf("%s: %w", c.t.name, errNoExitStatus)
		}
		return res, fmt.Errorf("%s: %w", c.t.name, werr)
	}
	return res, nil
}

// copyBufs are stdin's copy buffers: io.Copy would make 32 KB for each
// command with stdin (every path probe and upload), a fifth of what a run
// allocates. output reads through them too.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// output collects a command's stdout or stderr. x/crypto copies each
// stream with io.Copy, and a bytes.Buffer would take 512 bytes before its
// first read, twice a command, when most streams are empty or a line:
// 11% of what the fleet benchmark allocated. output reads through a pooled
// buffer and keeps only what came.
type output struct{ b []byte }

func (o *output) Write(p []byte) (int, error) {
	o.b = append(o.b, p...)
	return len(p), nil
}

func (o *output) ReadFrom(r io.Reader) (int64, error) {
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	var n int64
	for {
		m, err := r.Read(*buf)
		o.b = append(o.b, (*buf)[:m]...)
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// bytes is what came, empty (not nil) if nothing did.
func (o *output) bytes() []byte {
	if o.b == nil {
		return []byte{}
	}
	return o.b
}

// readErr remembers a reader's failure, to tell it from a failed write.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// killSession stops a session's remote command. The reaper goes first,
// while the marked processes still live: a signal through sshd reaches sudo
// but not the root processes under it, and sudo passes it on to its child
// only, so the grandchildren would outlive the marker. Then SIGTERM, a grace
// period, SIGKILL, and closing the channel.
func killSession(s *ssh.Session, done <-chan struct{}, reap func()) {
	if reap != nil {
		reap()
	}
	s.Signal(ssh.SIGTERM)
	select {
	case <-done:
	case <-time.After(killGrace):
		s.Signal(ssh.SIGKILL)
		select {
		case <-done:
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.Close()
}

func signalNumber(sig string) int {
	switch ssh.Signal(sig) {
	case ssh.SIGHUP:
		return int(syscall.SIGHUP)
	case ssh.SIGINT:
		return int(syscall.SIGINT)
	case ssh.SIGQUIT:
		return int(syscall.SIGQUIT)
	case ssh.SIGABRT:
		return int(syscall.SIGABRT)
	case ssh.SIGKILL:
		return int(syscall.SIGKILL)
	case ssh.SIGSEGV:
		return int(syscall.SIGSEGV)
	case ssh.SIGPIPE:
		return int(syscall.SIGPIPE)
	case ssh.SIGALRM:
		return int(syscall.SIGALRM)
	case ssh.SIGTERM:
		return int(syscall.SIGTERM)
	case ssh.SIGUSR1:
		return int(syscall.SIGUSR1)
	case ssh.SIGUSR2:
		return int(syscall.SIGUSR2)
	}
	return 127
}

// Upload implements Conn.
func (c *sshConn) Upload(ctx context.Context, r io.Reader, dst string, opt FileOpts) error {
	return uploadWithShell(ctx, c, r, dst, opt)
}

// ReadFile implements Conn.
func (c *sshConn) ReadFile(ctx context.Context, path string, become Become) ([]byte, error) {
	return readWithShell(ctx, c, path, become)
}

func (c *sshConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close implements Conn. A bastion stays open for the other hosts behind it.
func (c *sshConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.lc != nil {
		return c.lc.Close()
	}
	return nil
}

package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// liveClient is one SSH connection and the goroutines watching it: one
// notes when it ends, one sends keepalives and closes it when the peer stops
// answering (a black-holed TCP connection otherwise blocks forever).
type liveClient struct {
	*ssh.Client
	key  string // bastion map key
	done chan struct{}

	mu  sync.Mutex
	err error // why it ended
}

func newLiveClient(c *ssh.Client, interval, timeout time.Duration) *liveClient {
	lc := &liveClient{Client: c, done: make(chan struct{})}
	go func() {
		err := c.Wait()
		lc.mu.Lock()
		if lc.err == nil {
			lc.err = err
		}
		lc.mu.Unlock()
		close(lc.done)
	}()
	if interval > 0 {
		go lc.keepalive(interval, timeout)
	}
	return lc
}

func (lc *liveClient) alive() bool {
	select {
	case <-lc.done:
		return false
	default:
		return true
	}
}

// dying reports whether the connection has ended or ends within a moment:
// a session cut by a dying connection may see its end before Wait does.
func (lc *liveClient) dying() bool {
	select {
	case <-lc.done:
		return true
	case <-time.After(200 * time.Millisecond):
		return false
	}
}

// fail records why the connection is being closed, then closes it.
func (lc *liveClient) fail(err error) {
	lc.mu.Lock()
	if lc.err == nil {
		lc.err = err
	}
	lc.mu.Unlock()
	lc.Client.Close()
}

// lost is the human reason the connection ended.
func (lc *liveClient) lost() error {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.err == nil || errors.Is(lc.err, io.EOF) || errors.Is(lc.err, net.ErrClosed) {
		return errors.New("connection lost")
	}
	return fmt.Errorf("connection lost: %w", lc.err)
}

func (lc *liveClient) keepalive(interval, timeout time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-lc.done:
			return
		case <-tick.C:
		}
		reply := make(chan error, 1)
		go func() {
			// OpenSSH answers unknown global requests with a failure: any
			// answer proves the peer alive.
			_, _, err := lc.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		timer := time.NewTimer(timeout)
		select {
		case err := <-reply:
			timer.Stop()
			if err != nil {
				lc.fail(fmt.Errorf("keepalive: %w", err))
				return
			}
		case <-timer.C:
			lc.fail(fmt.Errorf("no keepalive reply within %s", timeout))
			return
		case <-lc.done:
			timer.Stop()
			return
		}
	}
}

// client returns the live connection, connecting if there is none. After a
// connection broke, the next use makes exactly one attempt to reconnect; if
// that fails the host stays unreachable for the rest of the run.
func (c *sshConn) client(ctx context.Context) (*liveClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, Unreachable(c.t.name, net.ErrClosed)
	case c.dead != nil:
		return nil, c.dead
	case c.lc != nil && c.lc.alive():
		return c.lc, nil
	}
	lc, err := c.d.connect(ctx, c.t)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the caller gave up; not the host's fault
		}
		if c.lc != nil {
			err = fmt.Errorf("%v; reconnect failed: %w", c.lc.lost(), err)
		}
		c.dead = Unreachable(c.t.name, err)
		return nil, c.dead
	}
	c.lc = lc
	return lc, nil
}

// noLimit is a context key: the session is the reaper's and skips the
// per-host limit (the slots are held by the commands it stops; sshd's
// MaxSessions leaves room above ours).
type noLimit struct{}

// sessionRetryLimit bounds how long a refused session open is retried.
const sessionRetryLimit = 30 * time.Second

// session opens a session once a slot of the per-host limit is free. The
// limit stays below sshd's MaxSessions; if sshd still refuses the channel
// (administratively prohibited) we wait and retry: closing the shared
// connection would kill every sibling session.
func (c *sshConn) session(ctx context.Context) (*ssh.Session, *liveClient, func(), error) {
	release := func() {}
	reaper := ctx.Value(noLimit{}) != nil
	if !reaper {
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, nil, ctx.Err()
		}
		release = func() { <-c.sem }
	}
	lc, err := c.client(ctx)
	if err != nil {
		release()
		return nil, nil, nil, err
	}
	backoff := 2 * time.Millisecond
	giveUp := time.Now().Add(sessionRetryLimit)
	for {
		s, err := lc.NewSession()
		if err == nil {
			return s, lc, release, nil
		}
		// OpenSSH refuses a session over MaxSessions with "open failed"
		// (ConnectFailed), or "administratively prohibited"; a slot also
		// frees a moment after the client sees the channel close.
		var oce *ssh.OpenChannelError
		if reaper && errors.As(err, &oce) {
			return c.reaperSession(ctx)
		}
		if !errors.As(err, &oce) || time.Now().After(giveUp) {
			release()
			if !lc.alive() {
				return nil, nil, nil, Unreachable(c.t.name, lc.lost())
			}
			return nil, nil, nil, fmt.Errorf("%s: open session: %w", c.t.name, err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			release()
			return nil, nil, nil, ctx.Err()
		}
		backoff = min(2*backoff, 250*time.Millisecond)
	}
}

// reaperSession opens the reaper's session on a connection of its own. The
// slot it needs on the shared one may never free: sshd keeps a session
// counted against MaxSessions while its command runs, even after the
// channel closed, so with MaxSessions 1 the command to kill holds the only
// slot. MaxSessions is per connection; the extra one lives only as long as
// the reaper.
func (c *sshConn) reaperSession(ctx context.Context) (*ssh.Session, *liveClient, func(), error) {
	lc, err := c.d.connect(ctx, c.t)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: reaper connection: %w", c.t.name, err)
	}
	s, err := lc.NewSession()
	if err != nil {
		lc.Close()
		return nil, nil, nil, fmt.Errorf("%s: reaper session: %w", c.t.name, err)
	}
	return s, lc, func() { lc.Close() }, nil
}

package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// liveClient is one SSH connection. It needs no goroutine of its own
// (x/crypto runs three a connection; at 5,000 hosts every goroutine a
// connection is ~20 MB of stacks and g's): its net.Conn says when it closes,
// which x/crypto does as the connection ends, and keepalives run from a
// timer, in a goroutine only while one is in flight.
type liveClient struct {
	*ssh.Client
	key  string // bastion map key
	done chan struct{}

	mu        sync.Mutex
	err       error       // why it ended, if we ended it
	keepalive *time.Timer // nil without keepalives
}

// watchedConn is a net.Conn that closes done, then calls onClose, when it
// is closed.
type watchedConn struct {
	net.Conn
	done chan struct{}

	mu      sync.Mutex
	closed  bool
	onClose func()
}

func watchConn(nc net.Conn) *watchedConn { return &watchedConn{Conn: nc, done: make(chan struct{})} }

func (w *watchedConn) Close() error {
	err := w.Conn.Close()
	w.mu.Lock()
	var f func()
	if !w.closed {
		w.closed, f = true, w.onClose
		close(w.done)
	}
	w.mu.Unlock()
	if f != nil {
		f()
	}
	return err
}

// whenClosed calls f once w is closed (now if it is).
func (w *watchedConn) whenClosed(f func()) {
	w.mu.Lock()
	closed := w.closed
	if !closed {
		w.onClose = f
	}
	w.mu.Unlock()
	if closed {
		f()
	}
}

// newClient is ssh.NewClient without goroutines of its own.
//
// ssh.NewClient starts a goroutine that answers the server's global
// requests, one that rejects the channels the server opens and one that
// waits for the end to close port forwards (which hapb never asks for). At
// 5,000 hosts those are 15,000 goroutines, ~30 MB of stacks and g's. An
// ssh.Client made from its exported Conn alone serves sessions and
// DialContext (bastions) the same: both only open channels. The server's
// requests and channel opens are answered as x/crypto does (a request is
// refused, as OpenSSH refuses the server's keepalives; a channel is
// rejected as of an unknown type), by a goroutine shared with other
// connections (answers). Not set up: Client.HandleChannelOpen and
// Listen, unused by hapb.
func newClient(c ssh.Conn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) *ssh.Client {
	serverAnswers.answer(chans, reqs)
	return &ssh.Client{Conn: c}
}

// answerGroupSize is how many connections one goroutine answers for.
// x/crypto stalls a connection once 16 of the server's messages are left
// unread, so something must read them all the time; they are rare
// (OpenSSH sends its host keys once, and keepalives if ClientAliveInterval
// is set), and a goroutine a connection was at 5,000 hosts 5,000
// goroutines, ~20 MB of stacks and g's that the collector's pacing counts
// twice. A wake-up (a message, a connection added or ended) selects over 2
// × 16 channels: about 2 µs and 2 KB of garbage (measured), where 64 a
// group made reflect.Select 4% of what a fleet run allocates. 5,000 hosts
// take 313 goroutines.
const answerGroupSize = 16

// answerGroup is one goroutine answering the server's messages for up to
// answerGroupSize connections. An answer is one small packet, queued by
// x/crypto during a key exchange; one that blocks (a peer that stopped
// reading, its TCP window full) holds the group's other answers until the
// keepalive watchdog closes that connection.
type answerGroup struct {
	of    *answers
	conns int             // connections it answers for; guarded by of.mu
	add   chan serverMsgs // never blocks: a group has at most conns adds unread
}

// serverMsgs is what x/crypto hands the client of a connection's server:
// the channels it opens and its global requests. x/crypto closes both as
// the connection ends.
type serverMsgs struct {
	chans <-chan ssh.NewChannel
	reqs  <-chan *ssh.Request
}

// answers are the answerGroups of a process.
type answers struct {
	mu   sync.Mutex
	room []*answerGroup // the groups with room for one more connection
}

var serverAnswers answers

// answer answers a connection's server until the connection ends.
func (a *answers) answer(chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.room)
	if n == 0 {
		g := &answerGroup{of: a, add: make(chan serverMsgs, answerGroupSize)}
		a.room = append(a.room, g)
		go g.serve()
		n++
	}
	g := a.room[n-1]
	if g.conns++; g.conns == answerGroupSize {
		a.room = a.room[:n-1]
	}
	g.add <- serverMsgs{chans, reqs}
}

// serve answers its connections' servers. It ends once the last of them
// has ended: no connection can be added after that, since the group leaves
// the room under the same lock.
func (g *answerGroup) serve() {
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(g.add)}}
	open := []*int{nil} // per case: how many of its connection's two channels are open
	for {
		i, v, ok := reflect.Select(cases)
		switch {
		case i == 0:
			// Connections come in bursts (forks at once): take every one
			// waiting, for one Select (which allocates its cases) less each.
			for m, more := v.Interface().(serverMsgs), true; more; {
				both := new(int)
				*both = 2
				cases = append(cases,
					reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(m.chans)},
					reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(m.reqs)})
				open = append(open, both, both)
				select {
				case m = <-g.add:
				default:
					more = false
				}
			}
		case !ok: // one of a connection's channels closed: stop watching it
			left := open[i]
			last := len(cases) - 1
			cases[i], open[i] = cases[last], open[last]
			cases, open = cases[:last], open[:last]
			if *left--; *left == 0 && g.ended() {
				return
			}
		default:
			switch m := v.Interface().(type) {
			case ssh.NewChannel:
				m.Reject(ssh.UnknownChannelType, fmt.Sprintf("unknown channel type: %v", m.ChannelType()))
			case *ssh.Request:
				m.Reply(false, nil)
			}
		}
	}
}

// ended counts a connection of g's out and reports whether g is done.
func (g *answerGroup) ended() bool {
	a := g.of
	a.mu.Lock()
	defer a.mu.Unlock()
	g.conns--
	switch g.conns {
	case answerGroupSize - 1: // it was full: it has room again
		a.room = append(a.room, g)
	case 0:
		a.room = slices.DeleteFunc(a.room, func(r *answerGroup) bool { return r == g })
		return true
	}
	return false
}

// newLiveClient watches c, whose transport is nc.
func newLiveClient(c *ssh.Client, nc *watchedConn, interval, timeout time.Duration) *liveClient {
	lc := &liveClient{Client: c, done: nc.done}
	if interval > 0 {
		lc.mu.Lock()
		lc.keepalive = time.AfterFunc(interval, func() { lc.ping(interval, timeout) })
		lc.mu.Unlock()
		nc.whenClosed(func() {
			lc.mu.Lock()
			lc.keepalive.Stop()
			lc.mu.Unlock()
		})
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

// lost is the human reason the connection ended; call it once it has.
func (lc *liveClient) lost() error {
	lc.mu.Lock()
	err := lc.err
	lc.mu.Unlock()
	if err == nil && !lc.alive() {
		err = lc.Wait() // returns once x/crypto, which closed the conn, has noted why
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return errors.New("connection lost")
	}
	return fmt.Errorf("connection lost: %w", err)
}

// ping sends a keepalive and closes the connection when the peer stops
// answering (a black-holed TCP connection otherwise blocks forever); then
// it schedules the next.
func (lc *liveClient) ping(interval, timeout time.Duration) {
	if !lc.alive() {
		return
	}
	watchdog := time.AfterFunc(timeout, func() { lc.fail(fmt.Errorf("no keepalive reply within %s", timeout)) })
	// OpenSSH answers unknown global requests with a failure: any answer
	// proves the peer alive.
	_, _, err := lc.SendRequest("keepalive@openssh.com", true, nil)
	if !watchdog.Stop() {
		return // failed already
	}
	if err != nil {
		lc.fail(fmt.Errorf("keepalive: %w", err))
		return
	}
	lc.mu.Lock()
	if lc.alive() {
		lc.keepalive.Reset(interval)
	}
	lc.mu.Unlock()
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

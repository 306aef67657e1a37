package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

func TestSSHRun(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	tests := []struct {
		name   string
		cmd    Cmd
		exit   int
		stdout string
	}{
		{"args", Cmd{Args: []string{"echo", "a b", "$HOME", "it's"}}, 0, "a b $HOME it's\n"},
		{"script", Cmd{Script: "echo one; echo two >&2; exit 3"}, 3, "one\n"},
		{"stdin", Cmd{Args: []string{"cat"}, Stdin: strings.NewReader("in\x00put")}, 0, "in\x00put"},
		{"env", Cmd{Script: `printf %s "$A-$B"`, Env: map[string]string{"A": "x y", "B": "'q'"}}, 0, "x y-'q'"},
		{"dir", Cmd{Args: []string{"pwd"}, Dir: "/tmp"}, 0, "/tmp\n"},
		{"exit code", Cmd{Args: []string{"sh", "-c", "exit 42"}}, 42, ""},
		{"signal", Cmd{Script: "kill -s KILL $$"}, 137, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRun(t, c, &tt.cmd)
			if res.ExitCode != tt.exit || string(res.Stdout) != tt.stdout {
				t.Errorf("got exit %d stdout %q stderr %q, want %d %q", res.ExitCode, res.Stdout, res.Stderr, tt.exit, tt.stdout)
			}
		})
	}
}

func TestSSHLargeOutput(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	const n = 50 << 20
	res := mustRun(t, c, &Cmd{Script: fmt.Sprintf("head -c %d /dev/zero", n)})
	if len(res.Stdout) != n {
		t.Fatalf("got %d bytes, want %d", len(res.Stdout), n)
	}
}

// TestSSHOneConnection runs 50 commands at once, more than sshd's
// MaxSessions, and checks the server saw one TCP connection.
func TestSSHOneConnection(t *testing.T) {
	for _, maxSessions := range []int{10, 2} {
		t.Run(fmt.Sprint("MaxSessions", maxSessions), func(t *testing.T) {
			s := startSSHD(t, fmt.Sprintf("MaxSessions %d", maxSessions))
			c := s.dial(t, s.dialer(t))
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for i := range 50 {
				wg.Go(func() {
					res, err := c.Run(context.Background(), &Cmd{Script: fmt.Sprintf("sleep 0.2; echo %d", i)})
					if err == nil && string(res.Stdout) != fmt.Sprintf("%d\n", i) {
						err = fmt.Errorf("command %d: got %q (exit %d, %s)", i, res.Stdout, res.ExitCode, res.Stderr)
					}
					errs <- err
				})
			}
			time.Sleep(300 * time.Millisecond)
			if n := s.established(t); n != 1 {
				t.Errorf("server has %d established connections, want 1", n)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestSSHUnreachable(t *testing.T) {
	s := startSSHD(t)
	wrongKey := t.TempDir() + "/wrong"
	writeKey(t, wrongKey)
	// A server that accepts and then says nothing: the handshake must time out.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silentPort := silent.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name   string
		hc     func() HostConfig
		reason string
	}{
		{"strict unknown", func() HostConfig { h := s.host("s"); h.HostKeyChecking = HostKeyStrict; return h }, "is not known"},
		{"refused", func() HostConfig { return HostConfig{Name: "r", Address: "127.0.0.1", Port: freePort(t)} }, "connection refused"},
		{"wrong key", func() HostConfig { h := s.host("w"); h.KeyFiles = []string{wrongKey}; return h }, "authentication failed"},
		{"missing key file", func() HostConfig { h := s.host("m"); h.KeyFiles = []string{wrongKey + ".nope"}; return h }, "no such file"},
		{"handshake timeout", func() HostConfig {
			return HostConfig{Name: "t", Address: "127.0.0.1", Port: silentPort, Timeout: 300 * time.Millisecond}
		}, "timed out"},
	}
	d := s.dialer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Dial(context.Background(), tt.hc())
			if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("got %v, want unreachable with %q", err, tt.reason)
			}
		})
	}
}

func TestSSHKeepaliveWatchdog(t *testing.T) {
	s := startSSHD(t)
	d := s.dialer(t, func(o *DialerOptions) { o.KeepAlive, o.KeepAliveTimeout = 100*time.Millisecond, 300*time.Millisecond })
	c := s.dial(t, d)
	mustRun(t, c, &Cmd{Args: []string{"true"}})
	// Freeze the server's connection processes: a black hole, not a reset.
	time.AfterFunc(200*time.Millisecond, func() {
		for _, pid := range s.children() {
			sigstop(pid)
		}
	})
	start := time.Now()
	_, err := c.Run(context.Background(), &Cmd{Args: []string{"sleep", "10"}})
	if !errors.Is(err, ErrUnreachable) || time.Since(start) > 3*time.Second {
		t.Fatalf("after %s: got %v, want unreachable soon", time.Since(start), err)
	}
	for _, pid := range s.children() {
		sigcont(pid)
	}
}

// TestSSHServerKilled kills one host's sshd mid-command: that host becomes
// unreachable (its one reconnect attempt fails), the other finishes.
func TestSSHServerKilled(t *testing.T) {
	a, b := startSSHD(t), startSSHD(t)
	d := a.dialer(t, func(o *DialerOptions) { o.KeyFiles = []string{a.keyFile, b.keyFile} })
	ca, err := d.Dial(context.Background(), a.host("a"))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := d.Dial(context.Background(), b.host("b"))
	if err != nil {
		t.Fatal(err)
	}
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { _, errA = ca.Run(context.Background(), &Cmd{Args: []string{"sleep", "2"}}) })
	wg.Go(func() { _, errB = cb.Run(context.Background(), &Cmd{Script: "sleep 1; echo ok"}) })
	time.Sleep(300 * time.Millisecond)
	a.stop()
	wg.Wait()
	if !errors.Is(errA, ErrUnreachable) {
		t.Errorf("host a: got %v, want unreachable", errA)
	}
	if errB != nil {
		t.Errorf("host b: %v", errB)
	}
	_, err = ca.Run(context.Background(), &Cmd{Args: []string{"true"}})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "reconnect failed") {
		t.Errorf("host a after reconnect: got %v", err)
	}
}

// TestSSHReconnect drops the connection (the server stays up): the next use
// reconnects.
func TestSSHReconnect(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	mustRun(t, c, &Cmd{Args: []string{"true"}})
	for _, pid := range s.children() {
		killPid(pid)
	}
	time.Sleep(200 * time.Millisecond)
	res := mustRun(t, c, &Cmd{Args: []string{"echo", "back"}})
	if string(res.Stdout) != "back\n" {
		t.Fatalf("got %q", res.Stdout)
	}
}

func TestSSHTimeoutKillsRemote(t *testing.T) {
	s := startSSHD(t, "LogLevel DEBUG1")
	defer func() {
		if t.Failed() {
			t.Log(s.log)
		}
	}()
	c := s.dial(t, s.dialer(t))
	// The background child is in the same process group, and must die too.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Run(ctx, &Cmd{Script: "sleep 31.4159 & sleep 31.4159; wait"})
	var ce *CommandError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ce) {
		t.Fatalf("got %v, want a timeout CommandError", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	res := mustRun(t, c, &Cmd{Script: "ps -eo args | grep -c '^sleep 31.4159' || true"})
	if got := strings.TrimSpace(string(res.Stdout)); got != "0" {
		t.Fatalf("%s remote sleep processes survive", got)
	}
}

func TestSSHBastion(t *testing.T) {
	target, bastion := startSSHD(t), startSSHD(t, "LogLevel DEBUG1")
	d := target.dialer(t, func(o *DialerOptions) { o.KeyFiles = []string{target.keyFile, bastion.keyFile} })
	jump := fmt.Sprintf("-o StrictHostKeyChecking=no -J %s@127.0.0.1:%d", localUser(), bastion.port)
	var conns []Conn
	for _, name := range []string{"t1", "t2"} {
		hc := ConfigFromVars(name, map[string]any{
			"ansible_host": "127.0.0.1", "ansible_port": target.port, "ansible_ssh_common_args": jump,
		})
		c, err := d.Dial(context.Background(), hc)
		if err != nil {
			t.Fatalf("dial %s: %v", name, err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		if res := mustRun(t, c, &Cmd{Args: []string{"echo", "hi"}}); string(res.Stdout) != "hi\n" {
			t.Errorf("got %q", res.Stdout)
		}
	}
	if n := bastion.established(t); n != 1 {
		t.Errorf("bastion has %d connections, want 1 shared", n)
	}
	if n := strings.Count(bastion.log.String(), "direct-tcpip"); n < 2 {
		t.Errorf("bastion forwarded %d connections, want 2; log:\n%s", n, bastion.log)
	}
}

func TestSSHReadFileUpload(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	dir := t.TempDir()
	if _, err := c.ReadFile(context.Background(), dir+"/nope", Become{}); !errors.Is(err, errNotExist) {
		t.Errorf("missing file: got %v", err)
	}
	data := []byte("hello\x00world\n")
	if err := c.Upload(context.Background(), bytes.NewReader(data), dir+"/f", FileOpts{Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReadFile(context.Background(), dir+"/f", Become{})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %q, %v", got, err)
	}
	res := mustRun(t, c, &Cmd{Args: []string{"stat", "-c", "%a", dir + "/f"}})
	if string(res.Stdout) != "600\n" {
		t.Errorf("mode %s", res.Stdout)
	}
	// A non-seekable reader is spooled first.
	if err := c.Upload(context.Background(), strings.NewReader("x"), dir+"/g", FileOpts{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Upload(context.Background(), strings.NewReader("x"), "/nonexistent/dir/f", FileOpts{}); err == nil {
		t.Error("upload into a missing directory succeeded")
	}
}

// TestSSHCancelMany cancels more commands than the per-host limit at once:
// the reapers must not wait for slots held by the commands they stop.
func TestSSHCancelMany(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			if _, err := c.Run(ctx, &Cmd{Args: []string{"sleep", "33.3"}}); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want a timeout", err)
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("cancelling took %s", d)
	}
	res := mustRun(t, c, &Cmd{Script: "ps -eo args | grep -c '^sleep 33.3' || true"})
	if got := strings.TrimSpace(string(res.Stdout)); got != "0" {
		t.Fatalf("%s remote sleep processes survive", got)
	}
}

func TestDialReuses(t *testing.T) {
	s := startSSHD(t)
	d := s.dialer(t)
	a, b := s.dial(t, d), s.dial(t, d)
	if a != b {
		t.Fatal("dialing a host twice made two connections")
	}
	if n := s.established(t); n != 1 {
		t.Errorf("server has %d connections", n)
	}
	d.Close()
	if _, err := a.Run(context.Background(), &Cmd{Args: []string{"true"}}); err == nil {
		t.Error("run after Dialer.Close succeeded")
	}
}

// hapbFrame is a frame of the package's own code (not of its tests, whose
// servers and agents run goroutines of their own).
var hapbFrame = regexp.MustCompile(`/engine/conn/[a-z]+\.go:`)

// TestSSHIdleGoroutines: an open, idle connection runs x/crypto's three
// goroutines (key exchange, read loop, mux loop) and none of hapb's: the
// server's requests and channel opens are answered by a goroutine shared
// by up to answerGroupSize connections (newClient, instead of
// ssh.NewClient's three); at thousands of hosts each goroutine a
// connection costs megabytes of stacks. Keepalives still go out, from a
// timer.
func TestSSHIdleGoroutines(t *testing.T) {
	s := startSSHD(t)
	d := s.dialer(t, func(o *DialerOptions) { o.KeepAlive = 50 * time.Millisecond })
	c := s.dial(t, d)
	mustRun(t, c, &Cmd{Args: []string{"true"}})
	time.Sleep(200 * time.Millisecond) // a few keepalives
	var b bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&b, 2)
	conn, groups := 0, 0
	for _, g := range strings.Split(b.String(), "\n\n") {
		// A keepalive in flight is allowed: it lives for one round trip.
		// Its timer's goroutine may not have reached ping yet (a loaded
		// machine), so it is known by what started it.
		if strings.Contains(g, "created by time.goFunc") || strings.Contains(g, "testing.tRunner") {
			continue
		}
		if strings.Contains(g, "(*answerGroup).serve") {
			groups++
			continue
		}
		if strings.Contains(g, "golang.org/x/crypto/ssh.") {
			conn++
			continue
		}
		if hapbFrame.MatchString(g) {
			t.Errorf("a goroutine of hapb's stays with the connection:\n%s", g)
		}
	}
	if conn != 3 || groups != 1 {
		t.Errorf("%d goroutines of x/crypto's and %d answering groups for one idle connection, want 3 and 1:\n%s", conn, groups, b.String())
	}
	mustRun(t, c, &Cmd{Args: []string{"true"}})
}

// TestSSHAnswersServerKeepalives: OpenSSH with ClientAliveInterval asks an
// idle client every interval whether it is alive, and ends the connection
// after ClientAliveCountMax questions left unanswered (here within 5 s,
// measured). hapb's own keepalives are off, so only the answers keep it
// open. (A command would still run after a cut: hapb reconnects once;
// sshd's log says whether it cut.)
func TestSSHAnswersServerKeepalives(t *testing.T) {
	s := startSSHD(t, "ClientAliveInterval 1", "ClientAliveCountMax 1", "LogLevel INFO")
	d := s.dialer(t, func(o *DialerOptions) { o.KeepAlive = -1 })
	c := s.dial(t, d)
	mustRun(t, c, &Cmd{Args: []string{"true"}})
	time.Sleep(6 * time.Second)
	mustRun(t, c, &Cmd{Args: []string{"true"}})
	if log := s.log.String(); strings.Contains(log, "client not responding") {
		t.Errorf("sshd cut the idle connection: its keepalives went unanswered:\n%s", log)
	}
}

// TestOutput: a command's output is what came, in order, whatever the
// reads; a failed read is reported with what came before it; an empty
// stream takes no memory of its own.
func TestOutput(t *testing.T) {
	broken := errors.New("channel broke")
	big := strings.Repeat("x", 100<<10) // more than one pooled buffer
	tests := []struct {
		name  string
		parts []string
		err   error
		want  string
	}{
		{"empty", nil, io.EOF, ""},
		{"a line", []string{"ok\n"}, io.EOF, "ok\n"},
		{"reads", []string{"a", "bc", "", "def\n"}, io.EOF, "abcdef\n"},
		{"large", []string{big, "end"}, io.EOF, big + "end"},
		{"broken", []string{"partial"}, broken, "partial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o output
			// One Read a part, then err: the reads x/crypto's channel
			// gives io.Copy, which calls ReadFrom (a MultiReader's own
			// WriteTo would take io.Copy's place).
			var rs []io.Reader
			for _, p := range tt.parts {
				rs = append(rs, strings.NewReader(p))
			}
			n, err := o.ReadFrom(io.MultiReader(append(rs, iotest.ErrReader(tt.err))...))
			if tt.err != io.EOF && !errors.Is(err, tt.err) {
				t.Errorf("err %v, want %v", err, tt.err)
			}
			if tt.err == io.EOF && err != nil {
				t.Errorf("err %v", err)
			}
			if got := string(o.bytes()); got != tt.want || n != int64(len(tt.want)) {
				t.Errorf("got %d bytes %.20q, want %d %.20q", n, got, len(tt.want), tt.want)
			}
			if o.bytes() == nil {
				t.Error("nil output, want empty")
			}
		})
	}
	o, empty := &output{}, iotest.ErrReader(io.EOF)
	allocs := testing.AllocsPerRun(100, func() {
		o.b = nil
		o.ReadFrom(empty)
	})
	if allocs != 0 {
		t.Errorf("%.0f allocations for an empty stream, want none", allocs)
	}
}

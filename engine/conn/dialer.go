package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// DialerOptions are the run-wide defaults, mostly from the command line.
// Inventory variables (HostConfig) override them.
type DialerOptions struct {
	User     string   // --user; "" means ~/.ssh/config's, then the local user
	KeyFiles []string // --private-key; "" means ~/.ssh/config's, then id_ed25519, id_ecdsa, id_rsa
	Password string   // --ask-pass
	// Timeout bounds the TCP connect plus SSH handshake; default 10s.
	Timeout time.Duration
	// HostKeyChecking is strict, accept-new (default) or off.
	HostKeyChecking string
	// SSHConfigPath is the ssh_config file; "" means ~/.ssh/config, "none"
	// reads none.
	SSHConfigPath string
	// KnownHosts are the known_hosts files, the first one written; nil means
	// $SSH_KNOWN_HOSTS then ~/.ssh/known_hosts.
	KnownHosts []string
	// MaxSessions bounds concurrent sessions per connection; default 8, below
	// OpenSSH's MaxSessions of 10.
	MaxSessions int
	// KeepAlive is the keepalive interval (default 15s; negative disables).
	// A connection with no reply within KeepAliveTimeout (default 3×
	// KeepAlive) is closed.
	KeepAlive, KeepAliveTimeout time.Duration
	// PassphrasePrompt asks for the passphrase of an encrypted key when no
	// ansible_ssh_private_key_passphrase is set; nil means fail.
	PassphrasePrompt func(keyFile string) ([]byte, error)
	// Warn reports what is skipped but worth fixing (a known_hosts line
	// that does not parse); nil means standard error. Called at most once
	// per problem, from any goroutine, never concurrently.
	Warn func(string)
}

// Dialer makes host connections for one run: one TCP connection per host,
// bastions shared by the hosts behind them, keys loaded once.
type Dialer struct {
	opts  DialerOptions
	keys  keyring
	known map[string]*hostKeys // by mode

	cfgOnce sync.Once
	cfg     *sshConfig
	cfgErr  error

	mu     sync.Mutex
	conns  map[string]*sshConn
	closed bool

	bmu      sync.Mutex // held while dialing a bastion
	bastions map[string]*liveClient
}

// NewDialer returns a Dialer with opts' defaults filled in.
func NewDialer(opts DialerOptions) *Dialer {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.HostKeyChecking == "" {
		opts.HostKeyChecking = HostKeyAcceptNew
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 8
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = 15 * time.Second
	}
	if opts.KeepAliveTimeout <= 0 {
		opts.KeepAliveTimeout = 3 * opts.KeepAlive
	}
	d := &Dialer{
		opts:     opts,
		keys:     keyring{prompt: opts.PassphrasePrompt},
		known:    map[string]*hostKeys{},
		conns:    map[string]*sshConn{},
		bastions: map[string]*liveClient{},
	}
	files := knownHostsFiles(opts.KnownHosts)
	warn := onceWarner(opts.Warn)
	for _, m := range []string{HostKeyStrict, HostKeyAcceptNew, HostKeyOff} {
		d.known[m] = &hostKeys{mode: m, files: files, warn: warn}
	}
	return d
}

// onceWarner returns a warn function that says each message once, never
// concurrently; w nil means standard error.
func onceWarner(w func(string)) func(string) {
	if w == nil {
		w = func(s string) { fmt.Fprintln(os.Stderr, "[WARNING]: "+s) }
	}
	var mu sync.Mutex
	said := map[string]bool{}
	return func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if !said[s] {
			said[s] = true
			w(s)
		}
	}
}

// target is a HostConfig resolved against the defaults and ~/.ssh/config.
type target struct {
	name, addr, user string
	keyFiles         []string
	optionalKeys     bool
	passphrase       string
	password         string
	jump             []jumpHost
	timeout          time.Duration
	hostKeys         *hostKeys
}

func (t *target) key() string { return t.user + "@" + t.addr }

// Dial returns the connection to hc's host, connecting now so that an
// unreachable host is known at once. Dialing a host again returns the same
// connection.
func (d *Dialer) Dial(ctx context.Context, hc HostConfig) (Conn, error) {
	if hc.Connection == "local" {
		return &Local{BecomePassword: hc.BecomePassword}, nil
	}
	if hc.Connection != "" && hc.Connection != "ssh" {
		return nil, fmt.Errorf("%s: connection type %q not supported (ssh or local)", hc.Name, hc.Connection)
	}
	t, err := d.resolve(hc)
	if err != nil {
		return nil, Unreachable(hc.Name, err)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errors.New("conn: dialer closed")
	}
	c, ok := d.conns[hc.Name]
	if !ok || c.t.key() != t.key() || c.become.password != hc.BecomePassword || c.isClosed() {
		c = newSSHConn(d, t, hc.BecomePassword)
		d.conns[hc.Name] = c
	}
	d.mu.Unlock()
	if _, err := c.client(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Close closes every connection, then the bastions.
func (d *Dialer) Close() error {
	d.mu.Lock()
	d.closed = true
	conns := d.conns
	d.conns = map[string]*sshConn{}
	d.mu.Unlock()
	d.bmu.Lock()
	bastions := d.bastions
	d.bastions = map[string]*liveClient{}
	d.bmu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	for _, b := range bastions {
		b.Close()
	}
	return nil
}

func (d *Dialer) sshConfig() (*sshConfig, error) {
	d.cfgOnce.Do(func() {
		p := d.opts.SSHConfigPath
		switch p {
		case "none":
			d.cfg = &sshConfig{}
			return
		case "":
			p = homeFile(".ssh", "config")
		}
		d.cfg, d.cfgErr = loadSSHConfig(expandHome(p))
		if d.cfgErr != nil {
			d.cfgErr = fmt.Errorf("ssh config %s: %w", p, d.cfgErr)
		}
	})
	return d.cfg, d.cfgErr
}

func (d *Dialer) resolve(hc HostConfig) (*target, error) {
	cfg, err := d.sshConfig()
	if err != nil {
		return nil, err
	}
	host := hc.Address
	if host == "" {
		host = hc.Name
	}
	st := cfg.lookup(host)
	t := &target{
		name:       hc.Name,
		user:       firstOf(hc.User, d.opts.User, st.User, localUser()),
		passphrase: hc.KeyPassphrase,
		password:   firstOf(hc.Password, d.opts.Password),
		timeout:    hc.Timeout,
	}
	port := hc.Port
	if port == 0 && st.Port != "" {
		if port, err = strconv.Atoi(st.Port); err != nil {
			return nil, fmt.Errorf("ssh config: host %s: bad port %q", host, st.Port)
		}
	}
	if port == 0 {
		port = 22
	}
	t.addr = net.JoinHostPort(firstOf(st.HostName, host), strconv.Itoa(port))
	switch {
	case len(hc.KeyFiles) > 0:
		t.keyFiles = hc.KeyFiles
	case len(d.opts.KeyFiles) > 0:
		t.keyFiles = d.opts.KeyFiles
	default:
		t.keyFiles, t.optionalKeys = st.IdentityFiles, true
	}
	if t.timeout <= 0 {
		t.timeout = d.opts.Timeout
	}
	mode := firstOf(hc.HostKeyChecking, d.opts.HostKeyChecking)
	if t.hostKeys = d.known[mode]; t.hostKeys == nil {
		return nil, fmt.Errorf("host key checking %q: want strict, accept-new or off", mode)
	}
	if t.jump, err = parseJump(firstOf(hc.ProxyJump, st.ProxyJump)); err != nil {
		return nil, err
	}
	return t, nil
}

// connect opens a new SSH connection to t, through its bastions.
func (d *Dialer) connect(ctx context.Context, t *target) (*liveClient, error) {
	var via *liveClient
	for _, hop := range t.jump {
		b, err := d.bastion(ctx, hop, via, t)
		if err != nil {
			return nil, fmt.Errorf("bastion %s: %w", hop.Host, err)
		}
		via = b
	}
	auth, err := d.keys.authMethods(t.keyFiles, t.optionalKeys, t.passphrase, t.password)
	if err != nil {
		return nil, err
	}
	return d.handshake(ctx, via, t, auth)
}

// bastion returns the shared connection to hop, dialing it (through via)
// if there is none or it died.
func (d *Dialer) bastion(ctx context.Context, hop jumpHost, via *liveClient, t *target) (*liveClient, error) {
	cfg, _ := d.sshConfig()
	st := cfg.lookup(hop.Host)
	port := hop.Port
	if port == 0 {
		port, _ = strconv.Atoi(st.Port)
	}
	if port == 0 {
		port = 22
	}
	bt := &target{
		name:     hop.Host,
		addr:     net.JoinHostPort(firstOf(st.HostName, hop.Host), strconv.Itoa(port)),
		user:     firstOf(hop.User, st.User, d.opts.User, localUser()),
		timeout:  t.timeout,
		hostKeys: t.hostKeys,
	}
	bt.keyFiles, bt.optionalKeys = st.IdentityFiles, true
	if len(d.opts.KeyFiles) > 0 {
		bt.keyFiles, bt.optionalKeys = d.opts.KeyFiles, false
	}
	key := bt.key()
	if via != nil {
		key = via.key + " " + key
	}
	// Holding the lock while dialing makes hosts behind one bastion wait for
	// its single connection instead of racing to open several.
	d.bmu.Lock()
	defer d.bmu.Unlock()
	if b := d.bastions[key]; b != nil && b.alive() {
		return b, nil
	}
	auth, err := d.keys.authMethods(bt.keyFiles, bt.optionalKeys, "", "")
	if err != nil {
		return nil, err
	}
	b, err := d.handshake(ctx, via, bt, auth)
	if err != nil {
		return nil, err
	}
	b.key = key
	d.bastions[key] = b
	return b, nil
}

// handshake dials t.addr (directly or through via) and runs the SSH
// handshake. ClientConfig.Timeout covers only the TCP connect, so the
// handshake gets a deadline on the net.Conn and a timer that closes it.
func (d *Dialer) handshake(ctx context.Context, via *liveClient, t *target, auth *authPlan) (*liveClient, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	alog := newAuthLog(auth)
	config := &ssh.ClientConfig{
		User:              t.user,
		Auth:              auth.methods,
		AuthCallback:      alog.callback,
		HostKeyCallback:   t.hostKeys.callback(t.name),
		HostKeyAlgorithms: t.hostKeys.algorithms(t.addr),
		Timeout:           t.timeout,
	}
	var nc net.Conn
	var err error
	if via == nil {
		nc, err = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext(ctx, "tcp", t.addr)
	} else {
		nc, err = via.DialContext(ctx, "tcp", t.addr)
	}
	if err != nil {
		return nil, dialReason(ctx, t, err, nil)
	}
	wc := watchConn(nc)
	nc = wc
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl) // not supported through a bastion; the timer covers it
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c, chans, reqs, err := ssh.NewClientConn(nc, t.addr, config)
	if !stop() {
		if err == nil {
			c.Close()
		}
		return nil, dialReason(ctx, t, ctx.Err(), nil)
	}
	if err != nil {
		nc.Close()
		return nil, dialReason(ctx, t, err, alog)
	}
	nc.SetDeadline(time.Time{})
	return newLiveClient(newClient(c, chans, reqs), wc, d.opts.KeepAlive, d.opts.KeepAliveTimeout), nil
}

// DialError is a failed connection attempt with a human reason.
type DialError struct {
	Addr, User string
	Reason     string
	Err        error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("ssh %s@%s: %s", e.User, e.Addr, e.Reason)
}
func (e *DialError) Unwrap() error { return e.Err }

// dialReason says why a connection failed, from the errors' types, never
// their text. alog is the handshake's authentication log, nil when the
// error is not the handshake's (dialing, a cancelled context).
func dialReason(ctx context.Context, t *target, err error, alog *authLog) error {
	reason := err.Error()
	var hk *HostKeyError
	var op *net.OpError
	var ne net.Error
	tried, rejected := alog.rejected()
	switch {
	case errors.As(err, &hk):
		reason = hk.Msg
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		reason = fmt.Sprintf("timed out after %s", t.timeout)
	case errors.Is(err, context.Canceled):
		reason = "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "connection refused"
	case alog != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		// The server closed the connection in the handshake: before its
		// version line (MaxStartups, a TCP wrapper), in the key exchange, or
		// in authentication (a disconnect after too many attempts is a
		// *disconnectMsg, not an EOF, and is said as x/crypto says it).
		reason = "connection closed by the server during the handshake"
	case errors.As(err, &op) && op.Err != nil:
		reason = op.Err.Error()
	case rejected:
		// x/crypto's own words, rebuilt from the tried methods its
		// AuthCallback was given (see authLog): hapb said them so before.
		reason = fmt.Sprintf("authentication failed for user %s (unable to authenticate, attempted methods %v, no supported methods remain)", t.user, tried)
	}
	return &DialError{Addr: t.addr, User: t.user, Reason: reason, Err: err}
}

func firstOf(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// rawRunner runs one POSIX shell line on a host, with no wrapping.
type rawRunner func(ctx context.Context, line string, stdin io.Reader) (*Result, error)

// becomer turns a Cmd into the line that runs it, under sudo when it must
// become another user. Each command carries a marker, HAPB_RUN=NONCE in its
// environment (and hapb-NONCE in argv where sh -c runs it), by which a
// cancelled command's process groups are found and killed (reap). A POSIX
// login shell runs the line itself, so a simple command costs one exec as
// with plain ssh; other login shells get it through sh -c.
type becomer struct {
	host     string
	login    string // the connecting user: becoming it needs no sudo
	password string
	run      rawRunner
	// reapRun runs the reaper; it must not wait for a session slot held by
	// the very commands it reaps. nil means run.
	reapRun rawRunner
	// posixLogin is set when the login shell is known to be POSIX from the
	// start (local runs use sh); otherwise the first commands ask (see
	// wrap) and learnShell keeps the answer in learned, which every
	// command reads.
	posixLogin bool
	learned    atomic.Int32 // loginUnknown, loginPOSIX or loginOther

	mu    sync.Mutex
	users map[string]*sudoProbe
}

const (
	loginUnknown = iota
	loginPOSIX
	loginOther
)

// sudoProbe is what `sudo -n true` said for one become user, asked once.
type sudoProbe struct {
	mu       sync.Mutex
	done     bool
	password bool // a password is needed (and was checked)
	err      error
}

// ErrNUL is a command with a NUL byte in its arguments, script or
// environment: no argv string can hold one (C strings end there), so binary
// data must go on stdin.
var ErrNUL = errors.New("a command line cannot contain a NUL byte: pass binary data on stdin")

// wrapped is a command ready to run.
type wrapped struct {
	line   string
	stdin  io.Reader
	marker string
	sudo   bool
	prompt string // sudo's password prompt, removed from stderr
	skip   string // the shell line under sudo that reads the password's frame
	asks   bool   // the line names the login shell on stderr (see learnShell)
}

func (b *becomer) wrap(ctx context.Context, cmd *Cmd, stdin io.Reader) (*wrapped, error) {
	w := &wrapped{marker: Nonce(), stdin: stdin}
	posix, known := b.loginShell()
	// The marker is set before sudo so that the sudo process carries it too
	// (sudo resets its child's environment).
	prefix := MarkerPrefix(w.marker)
	user := cmd.Become.User
	if posix && known && (user == "" || user == b.login) {
		// The usual case: the line written once, a whole script not copied again.
		var lb strings.Builder
		lb.Grow(len(prefix) + shellLineLen(cmd))
		lb.WriteString(prefix)
		writeShellLine(&lb, cmd)
		w.line = lb.String()
		if err := b.check(cmd, w.line); err != nil {
			return nil, err
		}
		return w, nil
	}
	body := ShellLine(cmd)
	if err := b.check(cmd, body); err != nil {
		return nil, err
	}
	if user != "" && user != b.login {
		sudo, err := b.sudo(ctx, user, w)
		if err != nil {
			return nil, err
		}
		// The marker is exported again under sudo, which resets the
		// environment: a child that leaves the process group (setsid)
		// still carries it, so the reaper finds it.
		body = MarkerPrefix(w.marker) + w.skip + body
		body = sudo + " -- sh -c " + Quote(body) + " hapb-" + w.marker
	}
	line := prefix + body
	switch {
	case !known:
		// The login shell is asked with this command rather than in a
		// session of its own (one more command a host and run): sh runs
		// under any login shell, names it on the first line of stderr
		// (finish reads it and takes it away), and runs the line as sshd
		// would have: by the login shell if POSIX (bash's own syntax
		// included), else by itself as below.
		w.asks = true
		line = "sh -c " + Quote(askShell(w.marker)) + " hapb-" + w.marker + " " + Quote(line)
	case !posix:
		line = "sh -c " + Quote(line) + " hapb-" + w.marker
	}
	w.line = line
	return w, nil
}

// MarkerPrefix is the start of every line a command runs as: it exports
// the command's marker, HAPB_RUN=marker (see becomer).
func MarkerPrefix(marker string) string { return "HAPB_RUN=" + marker + "; export HAPB_RUN\n" }

// shellTag starts the line on stderr that names the login shell.
const shellTag = "hapb-shell-"

// posixShells are the login shells that run a line as it is.
var posixShells = []string{"sh", "bash", "dash", "ash", "ksh", "mksh", "busybox"}

// askShell is the script that names the login shell and runs the line
// given as its first argument (see wrap).
func askShell(marker string) string {
	return "printf '" + shellTag + "%s:%s\\n' " + marker + " \"$SHELL\" >&2\n" +
		"case ${SHELL##*/} in " + strings.Join(posixShells, "|") + ") exec \"$SHELL\" -c \"$1\" ;; esac\n" +
		"hapb_line=$1; shift; eval \"$hapb_line\""
}

// loginShell says whether the login shell is POSIX, if known yet.
func (b *becomer) loginShell() (posix, known bool) {
	if b.posixLogin {
		return true, true
	}
	l := b.learned.Load()
	return l == loginPOSIX, l != loginUnknown
}

// learnShell reads the login shell's name from the first line of stderr of
// a command that asked, and takes the line away. A command that ended
// before it told leaves the question to the next one.
func (b *becomer) learnShell(w *wrapped, res *Result) {
	tag := shellTag + w.marker + ":"
	if !bytes.HasPrefix(res.Stderr, []byte(tag)) {
		return
	}
	end := bytes.IndexByte(res.Stderr, '\n')
	if end < 0 {
		return
	}
	shell := string(res.Stderr[len(tag):end])
	res.Stderr = res.Stderr[end+1:]
	if slices.Contains(posixShells, path.Base(strings.TrimSpace(shell))) {
		b.learned.Store(loginPOSIX)
	} else {
		b.learned.Store(loginOther)
	}
}

// check refuses a command whose line holds a NUL byte or that checkCmd
// refuses.
func (b *becomer) check(cmd *Cmd, line string) error {
	if strings.IndexByte(line, 0) >= 0 {
		return fmt.Errorf("%s: %s: %w", b.host, Explain(cmd), ErrNUL)
	}
	if err := checkCmd(cmd); err != nil {
		return fmt.Errorf("%s: %s: %w", b.host, Explain(cmd), err)
	}
	return nil
}

// sudo returns the sudo command for user. With a password, it is written
// first on stdin, never in argv, followed by a line holding a random fence.
// sudo reads exactly one line, but only when it asks: a rule such as
// NOPASSWD for sh lets `sudo -n true` fail yet runs sh without asking. So
// the shell under sudo reads lines up to the fence before it runs the
// command (at most two: the password, if sudo did not take it, and the
// fence), and the command gets exactly its own stdin.
func (b *becomer) sudo(ctx context.Context, user string, w *wrapped) (string, error) {
	pw, err := b.probe(ctx, user)
	if err != nil {
		return "", err
	}
	w.sudo = true
	if !pw {
		return "sudo -n -u " + Quote(user), nil
	}
	w.prompt = "[hapb-sudo-" + Nonce() + "]"
	fence := "hapb-fence-" + Nonce()
	w.skip = passwordFrame(fence)
	pwr := strings.NewReader(b.password + "\n" + fence + "\n")
	if w.stdin == nil {
		w.stdin = pwr
	} else {
		w.stdin = io.MultiReader(pwr, w.stdin)
	}
	return "sudo -k -S -p " + Quote(w.prompt) + " -u " + Quote(user), nil
}

// passwordFrame is the shell line that consumes stdin up to and including
// the fence line. read takes one byte at a time from a pipe, so nothing of
// the command's own input is lost; the password stays in a variable of this
// shell, never in argv or the environment.
func passwordFrame(fence string) string {
	return "IFS= read -r l || exit 125; [ \"$l\" = " + fence + " ] || IFS= read -r l; " +
		"[ \"$l\" = " + fence + " ] || { echo 'hapb: the sudo password frame was not found on stdin' >&2; exit 125; }; unset l\n"
}

// finish takes the login shell's name and sudo's prompt out of stderr and
// turns sudo's own refusals into clear errors.
func (b *becomer) finish(w *wrapped, res *Result, secrets []string) error {
	if w.asks {
		b.learnShell(w, res)
	}
	if w.prompt != "" {
		res.Stderr = bytes.ReplaceAll(res.Stderr, []byte(w.prompt), nil)
	}
	if b.password != "" {
		res.Stderr = bytes.ReplaceAll(res.Stderr, []byte(b.password), []byte("********"))
	}
	if w.sudo && res.ExitCode == 1 {
		if err := b.sudoError(res.Stderr, secrets); err != nil {
			return err
		}
	}
	return nil
}

// probe finds out once per become user whether sudo needs a password, and
// checks the password, so a wrong one never eats a command's stdin.
func (b *becomer) probe(ctx context.Context, user string) (bool, error) {
	b.mu.Lock()
	if b.users == nil {
		b.users = map[string]*sudoProbe{}
	}
	p := b.users[user]
	if p == nil {
		p = &sudoProbe{}
		b.users[user] = p
	}
	b.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		p.password, p.err = b.doProbe(ctx, user)
		// A cancelled caller says nothing about sudo: ask again next time.
		p.done = ctx.Err() == nil
	}
	return p.password, p.err
}

func (b *becomer) doProbe(ctx context.Context, user string) (bool, error) {
	res, err := b.run(ctx, "sudo -n -u "+Quote(user)+" -- true", nil)
	if err != nil {
		return false, err
	}
	if res.ExitCode == 0 {
		return false, nil
	}
	if res.ExitCode == 127 {
		return false, b.becomeError(user, "sudo is not installed")
	}
	if !bytes.Contains(res.Stderr, []byte("password is required")) {
		if err := b.sudoError(res.Stderr, nil); err != nil {
			return false, err
		}
		return false, b.becomeError(user, "sudo -n true failed: "+string(bytes.TrimSpace(res.Stderr)))
	}
	if b.password == "" {
		return false, b.becomeError(user, "sudo needs a password: set ansible_become_password for the host (in the inventory, vars or -e)")
	}
	prompt := "[hapb-sudo-" + Nonce() + "]"
	res, err = b.run(ctx, "sudo -k -S -p "+Quote(prompt)+" -u "+Quote(user)+" -- true", strings.NewReader(b.password+"\n"))
	if err != nil {
		return false, err
	}
	if res.ExitCode != 0 {
		stderr := bytes.ReplaceAll(res.Stderr, []byte(prompt), nil)
		if err := b.sudoError(stderr, nil); err != nil {
			return false, err
		}
		return false, b.becomeError(user, "incorrect sudo password")
	}
	return true, nil
}

// sudoError recognises sudo's own failure messages.
func (b *becomer) sudoError(stderr []byte, secrets []string) error {
	s := string(stderr)
	switch {
	case strings.Contains(s, "must have a tty"):
		return &BecomeError{Host: b.host, Reason: fmt.Sprintf(
			"sudo requires a tty on %s: remove 'Defaults requiretty' from its sudoers (hapb never allocates a PTY, which would echo secrets)", b.host)}
	case strings.Contains(s, "incorrect password attempt"), strings.Contains(s, "Sorry, try again"):
		return &BecomeError{Host: b.host, Reason: "incorrect sudo password"}
	case strings.Contains(s, "is not in the sudoers file"), strings.Contains(s, "is not allowed to execute"),
		strings.Contains(s, "may not run sudo"):
		return &BecomeError{Host: b.host, Reason: Redact(strings.TrimSpace(s), append(secrets, b.password))}
	}
	return nil
}

func (b *becomer) becomeError(user, reason string) error {
	return &BecomeError{Host: b.host, User: user, Reason: reason}
}

// BecomeError is a failure to become another user.
type BecomeError struct {
	Host, User string
	Reason     string
}

func (e *BecomeError) Error() string {
	if e.User != "" {
		return fmt.Sprintf("%s: become %s: %s", e.Host, e.User, e.Reason)
	}
	return fmt.Sprintf("%s: become: %s", e.Host, e.Reason)
}

// reapScript stops the process groups of a cancelled command, found by its
// marker in the environment (Linux /proc) or in argv: the belt for a killed
// session, since sshd does not kill a command whose channel closed (and
// refuses signals for root sessions). TERM first, so traps can clean up,
// then KILL. The marker is spelled in two pieces so the reaper never matches
// itself.
const reapScript = `gs=$( { ps -eo pgid=,args= | awk -v n="$1" 'index($0, "hapb-" n) { print $1 }'
grep -l "HAPB_RUN=$1" /proc/[0-9]*/environ 2>/dev/null | while IFS=/ read -r _ _ p _; do ps -o pgid= -p "$p"; done
} | sort -u)
[ -n "$gs" ] || exit 0
for g in $gs; do kill -s TERM -- "-$g"; done 2>/dev/null
sleep 0.3 2>/dev/null || sleep 1
for g in $gs; do kill -s KILL -- "-$g"; done 2>/dev/null; exit 0`

func (b *becomer) reap(ctx context.Context, w *wrapped, become Become) error {
	cmd := &Cmd{Script: "sh -c " + Quote(reapScript) + " hapb-reap " + Quote(w.marker), Become: become}
	rw, err := b.wrap(ctx, cmd, nil)
	if err != nil {
		return err
	}
	run := b.reapRun
	if run == nil {
		run = b.run
	}
	_, err = run(ctx, rw.line, rw.stdin)
	return err
}

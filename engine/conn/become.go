package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// rawRunner runs one POSIX shell line on a host, with no wrapping.
type rawRunner func(ctx context.Context, line string, stdin io.Reader) (*Result, error)

// becomer turns a Cmd into the line that runs it, under sudo when it must
// become another user. Every command runs as `sh -c LINE hapb-NONCE`: the
// target's login shell may not be POSIX, and the marker in argv lets a
// cancelled command's process group be found and killed (reap).
type becomer struct {
	host     string
	login    string // the connecting user: becoming it needs no sudo
	password string
	run      rawRunner

	mu    sync.Mutex
	users map[string]*sudoProbe
}

// sudoProbe is what `sudo -n true` said for one become user, asked once.
type sudoProbe struct {
	once     sync.Once
	password bool // a password is needed (and was checked)
	err      error
}

// wrapped is a command ready to run.
type wrapped struct {
	line   string
	stdin  io.Reader
	marker string
	prompt string // sudo's password prompt, removed from stderr
}

func (b *becomer) wrap(ctx context.Context, cmd *Cmd, stdin io.Reader) (*wrapped, error) {
	w := &wrapped{marker: "hapb-" + Nonce(), stdin: stdin}
	// The trailing exit keeps sh from exec'ing the last command, so the
	// marker stays in the process table while the command runs.
	inner := "sh -c " + Quote(ShellLine(cmd)+"\nexit $?") + " " + w.marker
	user := cmd.Become.User
	if user == "" || user == b.login {
		w.line = inner
		return w, nil
	}
	pw, err := b.probe(ctx, user)
	if err != nil {
		return nil, err
	}
	if !pw {
		w.line = "sudo -n -u " + Quote(user) + " -- " + inner
		return w, nil
	}
	w.prompt = "[hapb-sudo-" + Nonce() + "]"
	w.line = "sudo -k -S -p " + Quote(w.prompt) + " -u " + Quote(user) + " -- " + inner
	// The password goes first on stdin, never in argv; sudo reads exactly
	// one line and the command gets the rest.
	pwr := strings.NewReader(b.password + "\n")
	if stdin == nil {
		w.stdin = pwr
	} else {
		w.stdin = io.MultiReader(pwr, stdin)
	}
	return w, nil
}

// finish strips sudo's prompt from stderr and turns sudo's own refusals into
// clear errors.
func (b *becomer) finish(w *wrapped, res *Result, secrets []string) error {
	if w.prompt != "" {
		res.Stderr = bytes.ReplaceAll(res.Stderr, []byte(w.prompt), nil)
	}
	if b.password != "" {
		res.Stderr = bytes.ReplaceAll(res.Stderr, []byte(b.password), []byte("********"))
	}
	if strings.HasPrefix(w.line, "sudo ") && res.ExitCode == 1 {
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
	p.once.Do(func() { p.password, p.err = b.doProbe(ctx, user) })
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
		return false, b.becomeError(user, "sudo needs a password: set ansible_become_password (or --ask-become-pass)")
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

// reapScript stops the process groups whose argv holds the marker of a
// cancelled command: the belt for a killed session, since sshd does not kill
// a command whose channel closed (and refuses signals for root sessions). TERM
// first, so traps can clean up, then KILL. The awk program spells the marker
// in two pieces so the reaper never matches itself.
const reapScript = `gs=$(ps -eo pgid=,args= | awk -v n="$1" 'index($0, "hapb-" n) { print $1 }' | sort -u)
[ -n "$gs" ] || exit 0
for g in $gs; do kill -s TERM -- "-$g"; done 2>/dev/null
sleep 0.3 2>/dev/null || sleep 1
for g in $gs; do kill -s KILL -- "-$g"; done 2>/dev/null; exit 0`

func (b *becomer) reap(ctx context.Context, w *wrapped, become Become) error {
	nonce := strings.TrimPrefix(w.marker, "hapb-")
	cmd := &Cmd{Script: "sh -c " + Quote(reapScript) + " hapb-reap " + Quote(nonce), Become: become}
	rw, err := b.wrap(ctx, cmd, nil)
	if err != nil {
		return err
	}
	_, err = b.run(ctx, rw.line, rw.stdin)
	return err
}

var errNoExitStatus = errors.New("remote command ended without an exit status")

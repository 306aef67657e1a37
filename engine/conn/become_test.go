package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The password has shell metacharacters, so a leak through unquoted argv or
// an echo would show.
const testSudoPassword = `pw'"$(id)` + "`x` ;*"

// sudoUsers creates test users (root only) with a sudoers drop-in, removed
// after the test: hapbpw needs a password, hapbnp does not, hapbrt needs a
// tty, hapbsh needs one for everything but sh (so sudo -n true fails, yet
// sudo sh never asks).
func sudoUsers(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating test users needs root")
	}
	users := []string{"hapbpw", "hapbnp", "hapbrt", "hapbsh"}
	for _, u := range users {
		exec.Command("userdel", u).Run()
		if out, err := exec.Command("useradd", "-M", "-d", "/tmp", "-s", "/bin/sh", u).CombinedOutput(); err != nil {
			t.Fatalf("useradd %s: %v %s", u, err, out)
		}
	}
	chpw := exec.Command("chpasswd")
	// A user without a password is locked, and sshd refuses even its keys.
	chpw.Stdin = strings.NewReader("hapbpw:" + testSudoPassword + "\nhapbnp:" + Nonce() + "\nhapbrt:" + Nonce() + "\nhapbsh:" + testSudoPassword + "\n")
	if out, err := chpw.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
	sudoers := "/etc/sudoers.d/hapb-test"
	rules := "hapbpw ALL=(ALL) ALL\nhapbnp ALL=(ALL) NOPASSWD: ALL\nDefaults:hapbrt requiretty\nhapbrt ALL=(ALL) NOPASSWD: ALL\n" +
		"hapbsh ALL=(ALL) ALL\nhapbsh ALL=(ALL) NOPASSWD: /bin/sh, /usr/bin/sh\n"
	if err := os.WriteFile(sudoers, []byte(rules), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(sudoers)
		for _, u := range users {
			exec.Command("userdel", u).Run()
		}
	})
}

func TestSudo(t *testing.T) {
	sudoUsers(t)
	s := startSSHD(t)
	d := s.dialer(t)
	dial := func(user, pw string) Conn {
		hc := s.host(user + "-" + pw)
		hc.User, hc.BecomePassword = user, pw
		c, err := d.Dial(context.Background(), hc)
		if err != nil {
			t.Fatalf("dial %s: %v", user, err)
		}
		return c
	}
	tests := []struct {
		name, user, pw, become string
		want, err              string
	}{
		{"root to user", "root", "", "hapbnp", "hapbnp", ""},
		{"nopasswd", "hapbnp", "", "root", "root", ""},
		{"password", "hapbpw", testSudoPassword, "root", "root", ""},
		{"wrong password", "hapbpw", "wrong", "root", "", "incorrect sudo password"},
		{"no password", "hapbpw", "", "root", "", "needs a password"},
		{"requiretty", "hapbrt", "", "root", "", "sudo requires a tty on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(tt.user, tt.pw)
			res, err := c.Run(context.Background(), &Cmd{Args: []string{"id", "-un"}, Become: Become{User: tt.become}})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil || strings.TrimSpace(string(res.Stdout)) != tt.want {
				t.Fatalf("got %v %+v, want %s", err, res, tt.want)
			}
		})
	}
}

func TestPasswordAuth(t *testing.T) {
	sudoUsers(t)
	s := startSSHD(t)
	known := s.dialer(t).opts.KnownHosts
	t.Setenv("HOME", t.TempDir()) // no default key files: only the password
	d := NewDialer(DialerOptions{KnownHosts: known, SSHConfigPath: "none"})
	defer d.Close()
	hc := ConfigFromVars("pw", map[string]any{"ansible_host": "127.0.0.1", "ansible_port": s.port,
		"ansible_user": "hapbpw", "ansible_password": testSudoPassword})
	c, err := d.Dial(context.Background(), hc)
	if err != nil {
		t.Fatal(err)
	}
	if res := mustRun(t, c, &Cmd{Args: []string{"id", "-un"}}); string(res.Stdout) != "hapbpw\n" {
		t.Fatalf("got %q", res.Stdout)
	}
}

// TestSudoPasswordNeverShown looks for the password everywhere: output,
// errors, Explain, and the process table while a command runs.
func TestSudoPasswordNeverShown(t *testing.T) {
	sudoUsers(t)
	s := startSSHD(t)
	d := s.dialer(t)
	hc := s.host("pw")
	hc.User, hc.BecomePassword = "hapbpw", testSudoPassword
	c, err := d.Dial(context.Background(), hc)
	if err != nil {
		t.Fatal(err)
	}
	root := Become{User: "root"}
	var captured bytes.Buffer
	// The process table, read until the command shows in it (sudo and ssh
	// take their time on a loaded machine), every read kept for the search.
	var psOut []byte
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			out, _ := exec.Command("ps", "-eo", "args").Output()
			psOut = append(psOut, out...)
			if bytes.Contains(out, []byte("sleep 1")) {
				return
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	cmd := &Cmd{Script: "cat; echo; sleep 1; echo err >&2", Stdin: strings.NewReader("input"), Become: root}
	res, err := c.Run(context.Background(), cmd)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(res.Stdout), "input\n") || string(res.Stderr) != "err\n" {
		t.Errorf("stdout %q stderr %q: the command must get its own stdin, and no prompt", res.Stdout, res.Stderr)
	}
	captured.Write(res.Stdout)
	captured.Write(res.Stderr)
	captured.WriteString(Explain(cmd))
	captured.Write(psOut)
	if !bytes.Contains(psOut, []byte("sleep 1")) {
		t.Errorf("ps did not see the command:\n%s", psOut)
	}
	// A root-only upload and read through sudo.
	if err := c.Upload(context.Background(), strings.NewReader("secret"), "/root/.hapb-test", FileOpts{Mode: 0o600, Become: root}); err != nil {
		t.Fatal(err)
	}
	defer os.Remove("/root/.hapb-test")
	if b, err := c.ReadFile(context.Background(), "/root/.hapb-test", root); err != nil || string(b) != "secret" {
		t.Fatalf("read back %q, %v", b, err)
	}
	// A timeout under sudo kills the root process too.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = c.Run(ctx, &Cmd{Args: []string{"sleep", "27.1828"}, Become: root})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	captured.WriteString(err.Error())
	out, _ := exec.Command("ps", "-eo", "pid,pgid,user,args").Output()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "sleep 27.1828") {
			t.Errorf("the timed out root command survives: %s", l)
		}
	}
	if bytes.Contains(captured.Bytes(), []byte(testSudoPassword)) {
		t.Fatalf("the sudo password leaked:\n%s", captured.String())
	}
}

// TestSudoPasswordNotStdin gives every kind of sudo user a become password:
// the command's stdin must be exactly its own, also where sudo does not ask
// (hapbsh: NOPASSWD for sh only), and the password must never reach a file.
func TestSudoPasswordNotStdin(t *testing.T) {
	sudoUsers(t)
	s := startSSHD(t)
	d := s.dialer(t)
	dir := t.TempDir()
	for _, user := range []string{"hapbpw", "hapbsh", "hapbnp"} {
		for _, stdin := range []string{"", "line one\nline two"} {
			t.Run(fmt.Sprintf("%s stdin %q", user, stdin), func(t *testing.T) {
				hc := s.host(user)
				hc.User, hc.BecomePassword = user, testSudoPassword
				c, err := d.Dial(context.Background(), hc)
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(dir, user+fmt.Sprint(len(stdin)))
				cmd := &Cmd{Script: "cat >" + Quote(file) + "; id -un", Become: Become{User: "root"}}
				if stdin != "" {
					cmd.Stdin = strings.NewReader(stdin)
				}
				res := mustRun(t, c, cmd)
				if res.ExitCode != 0 || string(res.Stdout) != "root\n" {
					t.Fatalf("exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
				}
				got, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != stdin {
					t.Errorf("the command read %q, want %q", got, stdin)
				}
				if bytes.Contains(got, []byte(testSudoPassword)) {
					t.Errorf("the sudo password reached the command's stdin")
				}
			})
		}
	}
}

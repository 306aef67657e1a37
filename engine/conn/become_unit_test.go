package conn

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestWrap runs wrapped lines with the local sh, as a POSIX login shell
// would, for login shells of both kinds and with sudo (probed by a fake):
// the first line asks which login shell runs it, the next ones use the
// answer.
func TestWrap(t *testing.T) {
	tests := []struct {
		name, shell string
		become      string
		prefix      string // of the lines once the login shell is known
	}{
		{"posix", "/bin/bash", "", "HAPB_RUN="},
		{"fish", "/usr/bin/fish", "", "sh -c "},
		{"sudo", "/bin/sh", "alice", "HAPB_RUN="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ran []string
			b := &becomer{host: "h", login: "me", run: func(_ context.Context, line string, _ io.Reader) (*Result, error) {
				ran = append(ran, line)
				return &Result{}, nil // sudo -n true succeeds
			}}
			cmd := &Cmd{Args: []string{"printf", "%s|%s", "a b", "it's"}, Become: Become{User: tt.become}}
			for i, asks := range []bool{true, false} {
				w, err := b.wrap(context.Background(), cmd, nil)
				if err != nil {
					t.Fatal(err)
				}
				prefix := tt.prefix
				if asks {
					prefix = "sh -c "
				}
				if !strings.HasPrefix(w.line, prefix) || !strings.Contains(w.line, w.marker) || w.asks != asks ||
					strings.Contains(w.line, shellTag) != asks {
					t.Fatalf("line %d: %q (asks %v)", i, w.line, w.asks)
				}
				if tt.become != "" {
					if !strings.Contains(w.line, "sudo -n -u alice -- sh -c ") {
						t.Fatalf("line %q", w.line)
					}
					// As the login shell would run it, sudo aside.
					w.line = strings.ReplaceAll(w.line, "sudo -n -u alice -- ", "")
				}
				c := exec.Command("sh", "-c", w.line)
				c.Env = append(c.Environ(), "SHELL="+tt.shell)
				var stdout, stderr strings.Builder
				c.Stdout, c.Stderr = &stdout, &stderr
				if err := c.Run(); err != nil || stdout.String() != "a b|it's" {
					t.Fatalf("%q ran to %q, %v", w.line, stdout.String(), err)
				}
				res := &Result{Stdout: []byte(stdout.String()), Stderr: []byte(stderr.String() + "the command's own\n")}
				if err := b.finish(w, res, nil); err != nil {
					t.Fatal(err)
				}
				if string(res.Stderr) != "the command's own\n" {
					t.Errorf("line %d: stderr %q after finish", i, res.Stderr)
				}
			}
			if posix, known := b.loginShell(); !known || posix != (tt.name != "fish") {
				t.Errorf("login shell: posix %v, known %v", posix, known)
			}
			if tt.become == "" && len(ran) != 0 {
				t.Errorf("sessions of their own: %q", ran)
			}
		})
	}
}

// The line that asks runs the command as sshd would have: by a POSIX
// login shell itself, so bash's own syntax works there as on the lines
// after it; its $# is the command's.
func TestWrapAskRunsLoginShell(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed: ", err)
	}
	b := &becomer{host: "h", login: "me"}
	w, err := b.wrap(context.Background(), &Cmd{Script: `read -r x <<<"a b"; printf '%s|%s' "$x" "$#"`}, nil)
	if err != nil || !w.asks {
		t.Fatalf("%+v, %v", w, err)
	}
	c := exec.Command("sh", "-c", w.line)
	c.Env = append(c.Environ(), "SHELL="+bash)
	out, err := c.Output()
	if err != nil || string(out) != "a b|0" {
		t.Fatalf("%q ran to %q, %v", w.line, out, err)
	}
	// Under a login shell that is not POSIX, sh runs it, as before.
	w, err = b.wrap(context.Background(), &Cmd{Script: `printf '%s' "$#"`}, nil)
	if err != nil || !w.asks {
		t.Fatalf("%+v, %v", w, err)
	}
	c = exec.Command("sh", "-c", w.line)
	c.Env = append(c.Environ(), "SHELL=/usr/bin/fish")
	if out, err := c.Output(); err != nil || string(out) != "0" {
		t.Fatalf("%q ran to %q, %v", w.line, out, err)
	}
}

// A command that ended before it named the login shell leaves the
// question to the next one; its stderr is left as it was.
func TestWrapShellUntold(t *testing.T) {
	b := &becomer{host: "h", login: "me"}
	w, err := b.wrap(context.Background(), &Cmd{Args: []string{"true"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, stderr := range []string{"", "sh: killed\n", shellTag + w.marker + ":/bin/sh"} {
		res := &Result{Stderr: []byte(stderr)}
		if err := b.finish(w, res, nil); err != nil || string(res.Stderr) != stderr {
			t.Errorf("finish(%q): stderr %q, %v", stderr, res.Stderr, err)
		}
		if _, known := b.loginShell(); known {
			t.Fatalf("login shell known from stderr %q", stderr)
		}
	}
	if w, _ := b.wrap(context.Background(), &Cmd{Args: []string{"true"}}, nil); !w.asks {
		t.Error("the next command does not ask")
	}
}

func TestWrapNUL(t *testing.T) {
	b := &becomer{host: "h", posixLogin: true}
	_, err := b.wrap(context.Background(), &Cmd{Args: []string{"echo", "a\x00b"}}, nil)
	if !errors.Is(err, ErrNUL) {
		t.Fatalf("got %v, want ErrNUL", err)
	}
}

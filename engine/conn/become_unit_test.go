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
// would, for login shells of both kinds and with sudo (probed by a fake).
func TestWrap(t *testing.T) {
	tests := []struct {
		name, shell string
		become      string
		prefix      string
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
				if strings.Contains(line, "$SHELL") {
					return &Result{Stdout: []byte(tt.shell + "\n")}, nil
				}
				return &Result{}, nil // sudo -n true succeeds
			}}
			cmd := &Cmd{Args: []string{"printf", "%s|%s", "a b", "it's"}, Become: Become{User: tt.become}}
			w, err := b.wrap(context.Background(), cmd, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(w.line, tt.prefix) || !strings.Contains(w.line, w.marker) {
				t.Fatalf("line %q", w.line)
			}
			if tt.become != "" {
				if !strings.Contains(w.line, "sudo -n -u alice -- sh -c ") {
					t.Fatalf("line %q", w.line)
				}
				return
			}
			out, err := exec.Command("sh", "-c", w.line).Output()
			if err != nil || string(out) != "a b|it's" {
				t.Fatalf("%q ran to %q, %v", w.line, out, err)
			}
			if len(ran) != 1 {
				t.Errorf("login shell asked %d times", len(ran))
			}
		})
	}
}

func TestWrapNUL(t *testing.T) {
	b := &becomer{host: "h", posixLogin: true}
	_, err := b.wrap(context.Background(), &Cmd{Args: []string{"echo", "a\x00b"}}, nil)
	if !errors.Is(err, ErrNUL) {
		t.Fatalf("got %v, want ErrNUL", err)
	}
}

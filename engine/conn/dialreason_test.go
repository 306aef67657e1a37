package conn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// authLogAfter is an authLog that saw one AuthCallback call.
func authLogAfter(names, tried, allowed []string) *authLog {
	l := &authLog{names: names}
	l.callback(&ssh.ClientAuthContext{TriedMethods: tried, AllowedMethods: allowed})
	return l
}

func TestDialReason(t *testing.T) {
	tg := &target{name: "h", addr: "10.0.0.1:22", user: "bob", timeout: 2 * time.Second}
	handshake := func(err error) error { return fmt.Errorf("ssh: handshake failed: %w", err) }
	dialErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	// x/crypto's own error when no method is left (client_auth.go).
	exhausted := handshake(errors.New("ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain"))
	keyOnly := []string{"publickey", "publickey"}
	tests := []struct {
		name string
		err  error
		alog *authLog
		want string
	}{
		{"refused", dialErr(syscall.ECONNREFUSED), nil, "connection refused"},
		{"refused, wrapped", fmt.Errorf("proxy: %w", dialErr(syscall.ECONNREFUSED)), nil, "connection refused"},
		{"other network error", dialErr(syscall.EHOSTUNREACH), nil, "connect: no route to host"},
		{"timeout", context.DeadlineExceeded, nil, "timed out after 2s"},
		{"cancelled", context.Canceled, nil, "cancelled"},
		{"host key", &HostKeyError{Host: "h", Msg: "host key for h is not known"}, nil, "host key for h is not known"},
		{"handshake EOF", handshake(io.EOF), &authLog{}, "connection closed by the server during the handshake"},
		{"handshake unexpected EOF", handshake(io.ErrUnexpectedEOF), &authLog{}, "connection closed by the server during the handshake"},
		// An EOF in authentication, after every method was tried, is still
		// the server closing the connection.
		{"EOF after the last method", handshake(io.EOF),
			authLogAfter(keyOnly, []string{"none", "publickey"}, []string{"publickey"}),
			"connection closed by the server during the handshake"},
		{"EOF while dialing (a bastion)", fmt.Errorf("dial through bastion: %w", io.EOF), nil, "dial through bastion: EOF"},
		{"every method rejected", exhausted,
			authLogAfter(keyOnly, []string{"none", "publickey"}, []string{"publickey", "password"}),
			"authentication failed for user bob (unable to authenticate, attempted methods [none publickey], no supported methods remain)"},
		{"rejected, password too", handshake(errors.New("x")),
			authLogAfter([]string{"publickey", "password", "keyboard-interactive"},
				[]string{"none", "publickey", "password", "keyboard-interactive"}, []string{"publickey", "password", "keyboard-interactive"}),
			"authentication failed for user bob (unable to authenticate, attempted methods [none publickey password keyboard-interactive], no supported methods remain)"},
		// A method left to try: the handshake failed for another reason.
		{"a method left", handshake(errors.New("ssh: disconnect, reason 2: too many")),
			authLogAfter([]string{"publickey", "password"}, []string{"none", "publickey"}, []string{"publickey", "password"}),
			"ssh: handshake failed: ssh: disconnect, reason 2: too many"},
		// The server allows none of hapb's methods: nothing to try either.
		{"no method allowed", exhausted,
			authLogAfter(keyOnly, []string{"none"}, []string{"gssapi-with-mic"}),
			"authentication failed for user bob (unable to authenticate, attempted methods [none], no supported methods remain)"},
		{"no authentication yet", handshake(errors.New("ssh: no common algorithm for key exchange")), &authLog{names: keyOnly},
			"ssh: handshake failed: ssh: no common algorithm for key exchange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dialReason(context.Background(), tg, tt.err, tt.alog)
			var de *DialError
			if !errors.As(err, &de) || de.Reason != tt.want {
				t.Fatalf("reason %q, want %q", de.Reason, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("%v does not wrap %v", err, tt.err)
			}
			if want := "ssh bob@10.0.0.1:22: " + tt.want; err.Error() != want {
				t.Errorf("got %q, want %q", err, want)
			}
		})
	}
}

// TestSSHAuthRejectedReason: against a real sshd, the reason rebuilt from
// the AuthCallback's record is word for word what hapb said when it read
// x/crypto's error text, and a server that closes at once is told apart.
func TestSSHAuthRejectedReason(t *testing.T) {
	s := startSSHD(t)
	wrongKey := t.TempDir() + "/wrong"
	writeKey(t, wrongKey)
	h := s.host("w")
	h.KeyFiles = []string{wrongKey}
	_, err := s.dialer(t).Dial(context.Background(), h)
	var de *DialError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a DialError", err)
	}
	old := fmt.Sprintf("authentication failed for user %s (%s)", de.User, strings.TrimPrefix(de.Err.Error(), "ssh: handshake failed: ssh: "))
	if !strings.Contains(de.Err.Error(), "unable to authenticate") || de.Reason != old {
		t.Fatalf("reason %q, want %q (x/crypto: %v)", de.Reason, old, de.Err)
	}

	// A server that reads the client's version line and closes (before it
	// has read everything, its close would be a reset, a network error).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			bufio.NewReader(c).ReadString('\n')
			c.Close()
		}
	}()
	_, err = s.dialer(t).Dial(context.Background(), HostConfig{Name: "c", Address: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port})
	if !errors.As(err, &de) || de.Reason != "connection closed by the server during the handshake" {
		t.Fatalf("got %v, want closed by the server", err)
	}
}

package conn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestKnownHostsAcceptNew(t *testing.T) {
	s := startSSHD(t)
	kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
	d := s.dialer(t, func(o *DialerOptions) { o.KnownHosts = []string{kh} })
	s.dial(t, d)
	b, err := os.ReadFile(kh)
	if err != nil {
		t.Fatal(err)
	}
	want := knownhosts.Line([]string{knownhosts.Normalize(s.addr())}, s.hostKey)
	if strings.TrimSpace(string(b)) != want {
		t.Fatalf("known_hosts:\n%s\nwant\n%s", b, want)
	}
	// Now recorded, the key passes strict checking.
	strict := s.dialer(t, func(o *DialerOptions) { o.KnownHosts = []string{kh}; o.HostKeyChecking = HostKeyStrict })
	s.dial(t, strict)
}

func TestKnownHostsChanged(t *testing.T) {
	s := startSSHD(t)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	other := writeKey(t, filepath.Join(t.TempDir(), "other"))
	lines := "# comment\n" + knownhosts.Line([]string{knownhosts.Normalize(s.addr())}, other) + "\n"
	os.WriteFile(kh, []byte(lines), 0o600)
	// SSH_KNOWN_HOSTS is read (and written) before ~/.ssh/known_hosts.
	d := s.dialer(t, func(o *DialerOptions) { o.KnownHosts = nil })
	t.Setenv("SSH_KNOWN_HOSTS", kh)
	t.Setenv("HOME", t.TempDir())
	d = NewDialer(d.opts)
	defer d.Close()
	_, err := d.Dial(context.Background(), s.host("h"))
	var hk *HostKeyError
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &hk) {
		t.Fatalf("got %v, want an unreachable HostKeyError", err)
	}
	if hk.File != kh || hk.Line != 2 || !strings.Contains(err.Error(), fmt.Sprintf("line 2 of %s", kh)) {
		t.Errorf("error %q does not name %s line 2", err, kh)
	}
}

func TestHostKeyAlgorithms(t *testing.T) {
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	ed := writeKey(t, filepath.Join(dir, "k"))
	os.WriteFile(kh, []byte(knownhosts.Line([]string{"[10.0.0.1]:2222"}, ed)+"\n"), 0o600)
	h := &hostKeys{mode: HostKeyAcceptNew, files: []string{kh}}
	tests := []struct {
		addr string
		want []string
	}{
		{"10.0.0.1:2222", []string{ssh.KeyAlgoED25519}},
		{"10.0.0.2:22", nil},
	}
	for _, tt := range tests {
		if got := h.algorithms(tt.addr); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("algorithms(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

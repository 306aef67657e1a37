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
	ca := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(writeKey(t, filepath.Join(dir, "ca")))))
	os.WriteFile(kh, []byte(knownhosts.Line([]string{"[10.0.0.1]:2222"}, ed)+"\n"+
		"@cert-authority 10.0.0.3,10.0.0.4 "+ca+"\n"+knownhosts.Line([]string{"10.0.0.3"}, ed)+"\n"), 0o600)
	h := &hostKeys{mode: HostKeyAcceptNew, files: []string{kh}}
	tests := []struct {
		addr string
		want []string
	}{
		{"10.0.0.1:2222", []string{ssh.KeyAlgoED25519}},
		{"10.0.0.2:22", nil},
		{"10.0.0.3:22", append(append([]string{}, certHostKeyAlgos...), ssh.KeyAlgoED25519)},
		{"10.0.0.4:22", nil}, // the CA's own key type says nothing of the host's
	}
	for _, tt := range tests {
		if got := h.algorithms(tt.addr); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("algorithms(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// hostCert makes a host key signed by a new CA (ssh-keygen -s) for the
// principal 127.0.0.1, and returns the sshd_config lines that serve it
// (before the test's own host key, so sshd offers this one) and the CA's
// public key.
func hostCert(t *testing.T) (sshd []string, ca string) {
	t.Helper()
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("no ssh-keygen")
	}
	dir := t.TempDir()
	caFile, hostFile := filepath.Join(dir, "ca"), filepath.Join(dir, "host")
	caKey := writeKey(t, caFile)
	hostKey := writeKey(t, hostFile)
	os.WriteFile(hostFile+".pub", ssh.MarshalAuthorizedKey(hostKey), 0o644)
	out, err := exec.Command("ssh-keygen", "-q", "-s", caFile, "-I", "hapb-test", "-h", "-n", "127.0.0.1", "-V", "-5m:+1h", hostFile+".pub").CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen -s: %v %s", err, out)
	}
	return []string{"HostKey " + hostFile, "HostCertificate " + hostFile + "-cert.pub"},
		strings.TrimSpace(string(ssh.MarshalAuthorizedKey(caKey)))
}

// TestKnownHostsCertificates matches OpenSSH: a host certificate signed by
// a @cert-authority is accepted, also strictly; without a CA line the
// certificate's plain key is what counts (and what accept-new records); a
// line that does not parse is skipped with a warning.
func TestKnownHostsCertificates(t *testing.T) {
	certSSHD, ca := hostCert(t)
	s := startSSHD(t, certSSHD...)
	plain := startSSHD(t)
	tests := []struct {
		name   string
		s      *testSSHD
		mode   string
		known  func(port int) string
		warn   string
		record bool // accept-new records the plain key
	}{
		{"cert-authority for the host", s, HostKeyStrict, func(port int) string {
			return fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s\n", port, ca)
		}, "", false},
		{"cert-authority wildcard", s, HostKeyStrict, func(port int) string {
			return fmt.Sprintf("# CA\n@cert-authority [127.0.0.*]:%d %s\n", port, ca)
		}, "", false},
		{"certificate without a CA line", s, HostKeyAcceptNew, func(int) string { return "" }, "", true},
		{"certificate of another CA", s, HostKeyAcceptNew, func(int) string {
			other := writeKey(t, filepath.Join(t.TempDir(), "k"))
			return "@cert-authority * " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(other))) + "\n"
		}, "", true},
		{"unparsable line", plain, HostKeyStrict, func(port int) string {
			return "this is not a key line\n" + knownhosts.Line([]string{fmt.Sprintf("[127.0.0.1]:%d", port)}, plain.hostKey) + "\n"
		}, "line 1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kh := filepath.Join(t.TempDir(), "known_hosts")
			os.WriteFile(kh, []byte(tt.known(tt.s.port)), 0o600)
			var warnings []string
			d := tt.s.dialer(t, func(o *DialerOptions) {
				o.KnownHosts, o.HostKeyChecking = []string{kh}, tt.mode
				o.Warn = func(w string) { warnings = append(warnings, w) }
			})
			c := tt.s.dial(t, d)
			mustRun(t, c, &Cmd{Args: []string{"true"}})
			if tt.warn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.warn) || !strings.Contains(warnings[0], kh)) {
				t.Errorf("warnings %q, want one naming %s %s", warnings, kh, tt.warn)
			}
			if !tt.record {
				return
			}
			// What accept-new recorded lets a strict run in.
			strict := tt.s.dialer(t, func(o *DialerOptions) { o.KnownHosts, o.HostKeyChecking = []string{kh}, HostKeyStrict })
			tt.s.dial(t, strict)
			if b, _ := os.ReadFile(kh); bytes.Contains(b, []byte("cert-v01")) {
				t.Errorf("accept-new recorded a certificate:\n%s", b)
			}
		})
	}
}

package conn

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// TestEncryptedKey logs in with a passphrase-protected key: from the
// variable, from the prompt (asked once for two hosts), or not at all.
func TestEncryptedKey(t *testing.T) {
	s := startSSHD(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("open sesame"))
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "enc")
	os.WriteFile(key, pem.EncodeToMemory(block), 0o600)
	sp, _ := ssh.NewPublicKey(pub)
	ak, _ := os.OpenFile(filepath.Join(s.dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0)
	ak.Write(ssh.MarshalAuthorizedKey(sp))
	ak.Close()

	var prompts atomic.Int32
	tests := []struct {
		name       string
		passphrase string
		prompt     func(string) ([]byte, error)
		err        string
	}{
		{"variable", "open sesame", nil, ""},
		{"prompt", "", func(string) ([]byte, error) { prompts.Add(1); return []byte("open sesame"), nil }, ""},
		{"none", "", nil, "ansible_ssh_private_key_passphrase"},
		{"wrong", "nope", nil, "wrong passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := s.dialer(t, func(o *DialerOptions) { o.KeyFiles = []string{key}; o.PassphrasePrompt = tt.prompt })
			for _, name := range []string{"a", "b"} {
				hc := s.host(name)
				hc.KeyPassphrase = tt.passphrase
				_, err := d.Dial(context.Background(), hc)
				if tt.err == "" && err != nil {
					t.Fatal(err)
				}
				if tt.err != "" && (!errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), tt.err)) {
					t.Fatalf("got %v, want unreachable with %q", err, tt.err)
				}
			}
		})
	}
	if n := prompts.Load(); n != 1 {
		t.Errorf("prompted %d times, want once", n)
	}
}

func TestAgentAuth(t *testing.T) {
	s := startSSHD(t)
	pem, _ := os.ReadFile(s.keyFile)
	raw, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	kr := agent.NewKeyring()
	kr.Add(agent.AddedKey{PrivateKey: raw})
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
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
			go agent.ServeAgent(kr, c)
		}
	}()
	known := s.dialer(t).opts.KnownHosts
	t.Setenv("SSH_AUTH_SOCK", sock)
	t.Setenv("HOME", t.TempDir()) // no default key files: only the agent's key
	d := NewDialer(DialerOptions{KnownHosts: known, SSHConfigPath: "none"})
	defer d.Close()
	c, err := d.Dial(context.Background(), s.host("h"))
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, c, &Cmd{Args: []string{"true"}})
}

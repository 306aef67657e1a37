package conn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyring loads private keys once per run: an encrypted key asks for its
// passphrase (variable or prompt) only the first time.
type keyring struct {
	prompt func(file string) ([]byte, error)
	mu     sync.Mutex
	keys   map[string]ssh.Signer

	agentOnce sync.Once
	agent     agent.ExtendedAgent
}

// defaultKeyFiles are tried, when present, if no key file is configured.
var defaultKeyFiles = []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"}

// signer loads file; optional files that do not exist yield nil, nil.
func (k *keyring) signer(file, passphrase string, optional bool) (ssh.Signer, error) {
	file = expandHome(file)
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.keys[file]; ok {
		return s, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("private key: %w", err)
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		pass := []byte(passphrase)
		if len(pass) == 0 && k.prompt != nil {
			if pass, err = k.prompt(file); err != nil {
				return nil, fmt.Errorf("private key %s: passphrase: %w", file, err)
			}
		}
		if len(pass) == 0 {
			return nil, fmt.Errorf("private key %s is encrypted: set ansible_ssh_private_key_passphrase", file)
		}
		s, err = ssh.ParsePrivateKeyWithPassphrase(pem, pass)
		if err != nil {
			return nil, fmt.Errorf("private key %s: wrong passphrase or bad key: %v", file, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", file, err)
	}
	if k.keys == nil {
		k.keys = map[string]ssh.Signer{}
	}
	k.keys[file] = s
	return s, nil
}

// agentSigners returns the keys of the ssh-agent at $SSH_AUTH_SOCK, if any.
func (k *keyring) agentSigners() []ssh.Signer {
	k.agentOnce.Do(func() {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return
		}
		c, err := net.Dial("unix", sock)
		if err != nil {
			return
		}
		k.agent = agent.NewClient(c)
	})
	if k.agent == nil {
		return nil
	}
	s, err := k.agent.Signers()
	if err != nil {
		return nil
	}
	return s
}

// authMethods are the methods for one target: key files first (explicit, or
// the defaults), then the agent's keys, then a password if one is set.
// Optional files (the defaults, ~/.ssh/config's) may be missing.
//
// The methods come with their RFC 4252 names, in the same order: x/crypto's
// AuthMethod does not say its name, and authLog needs them.
func (k *keyring) authMethods(files []string, optional bool, passphrase, password string) (*authPlan, error) {
	if len(files) == 0 {
		files, optional = defaultKeyFiles, true
	}
	var signers []ssh.Signer
	for _, f := range files {
		s, err := k.signer(f, passphrase, optional)
		if err != nil {
			return nil, err
		}
		if s != nil {
			signers = append(signers, s)
		}
	}
	p := &authPlan{}
	if len(signers) > 0 {
		p.add("publickey", ssh.PublicKeys(signers...))
	}
	// The agent is asked lazily, so a run without an agent pays nothing.
	p.add("publickey", ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		return k.agentSigners(), nil
	}))
	if password != "" {
		p.add("password", ssh.Password(password))
		p.add("keyboard-interactive",
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				a := make([]string, len(qs))
				for i := range a {
					a[i] = password
				}
				return a, nil
			}))
	}
	return p, nil
}

// authPlan is a connection's authentication methods and their names.
type authPlan struct {
	methods []ssh.AuthMethod
	names   []string
}

func (p *authPlan) add(name string, m ssh.AuthMethod) {
	p.methods = append(p.methods, m)
	p.names = append(p.names, name)
}

// authLog learns, without reading error text, whether a handshake failed
// because the server rejected every method hapb offered.
//
// x/crypto/ssh (v0.58) has no typed error for it: clientAuthenticate ends
// with fmt.Errorf("ssh: unable to authenticate, attempted methods %v, no
// supported methods remain", tried), without %w and no exported type. But it
// calls ClientConfig.AuthCallback after every failed attempt with the
// methods tried and the ones the server still allows; returning nil, nil
// leaves the choice of the next method to x/crypto, as without a callback.
// authLog records the last call: if none of hapb's methods is both untried
// and allowed, x/crypto has nothing left to try and its loop ends with that
// error, or with the error of the last attempt itself: dialReason tells an
// EOF, a network error and a timeout apart first; a method's own failure
// (an agent that cannot sign) on the last attempt reads as a rejection.
type authLog struct {
	names []string // hapb's methods, by name

	mu        sync.Mutex
	tried     []string // x/crypto's tried list at the last callback
	exhausted bool     // nothing was left to try at the last callback
}

func newAuthLog(p *authPlan) *authLog { return &authLog{names: p.names} }

// callback is the ClientConfig.AuthCallback.
func (l *authLog) callback(ctx *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
	left := false
	for _, n := range l.names {
		if !slices.Contains(ctx.TriedMethods, n) && slices.Contains(ctx.AllowedMethods, n) {
			left = true
			break
		}
	}
	l.mu.Lock()
	l.tried, l.exhausted = slices.Clone(ctx.TriedMethods), !left
	l.mu.Unlock()
	return nil, nil
}

// rejected says whether the server rejected every method, and with what
// methods tried ("none" first, as x/crypto counts them).
func (l *authLog) rejected() ([]string, bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tried, l.exhausted
}

// homeFile is a path under the user's home directory.
func homeFile(parts ...string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(append([]string{home}, parts...)...)
}

package conn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
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
func (k *keyring) authMethods(files []string, optional bool, passphrase, password string) ([]ssh.AuthMethod, error) {
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
	var methods []ssh.AuthMethod
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	// The agent is asked lazily, so a run without an agent pays nothing.
	methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		return k.agentSigners(), nil
	}))
	if password != "" {
		methods = append(methods, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				a := make([]string, len(qs))
				for i := range a {
					a[i] = password
				}
				return a, nil
			}))
	}
	return methods, nil
}

// homeFile is a path under the user's home directory.
func homeFile(parts ...string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(append([]string{home}, parts...)...)
}

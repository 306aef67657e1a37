package conn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys checks server host keys against known_hosts files. The parsed
// files are kept while their size and modification time stay the same, so
// keys appended during the run (by this process or by ssh) count, yet 1,000
// connections do not parse a 1,000-line file 2,000 times; appends are
// serialised by mu.
type hostKeys struct {
	mode  string
	files []string // files[0] is where new keys are written
	warn  func(string)
	mu    sync.Mutex

	cacheMu sync.Mutex
	stamp   string // the files' names, sizes and times when db was parsed
	db      *hostKeyDB
}

// HostKeyError is a host key that was refused.
type HostKeyError struct {
	Host string
	// File and Line locate the recorded key that differs; empty for an
	// unknown host in strict mode.
	File string
	Line int
	Msg  string
}

func (e *HostKeyError) Error() string { return e.Msg }

// knownHostsFiles is $SSH_KNOWN_HOSTS (a list of paths) then
// ~/.ssh/known_hosts, unless the caller gave its own list.
func knownHostsFiles(explicit []string) []string {
	if len(explicit) > 0 {
		return explicit
	}
	var files []string
	for _, f := range filepath.SplitList(os.Getenv("SSH_KNOWN_HOSTS")) {
		if f != "" {
			files = append(files, expandHome(f))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".ssh", "known_hosts"))
	}
	return files
}

func (h *hostKeys) load() (*hostKeyDB, error) {
	var existing []string
	var stamp strings.Builder
	for _, f := range h.files {
		if fi, err := os.Stat(f); err == nil {
			existing = append(existing, f)
			fmt.Fprintf(&stamp, "%s\x00%d\x00%d\x00", f, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	h.cacheMu.Lock()
	defer h.cacheMu.Unlock()
	if h.db != nil && h.stamp == stamp.String() {
		return h.db, nil
	}
	warn := h.warn
	if warn == nil {
		warn = func(string) {}
	}
	db, err := loadHostKeyDB(existing, warn)
	if err != nil {
		return nil, err
	}
	h.db, h.stamp = db, stamp.String()
	return db, nil
}

// algorithms returns the host key algorithms of the keys recorded for addr,
// best first, or nil when none are recorded. Without this, x/crypto/ssh may
// negotiate a key type we have no record of and report a false mismatch
// (golang/go#29286). A host a @cert-authority line covers is asked for a
// certificate first, as OpenSSH does.
func (h *hostKeys) algorithms(addr string) []string {
	if h.mode == HostKeyOff {
		return nil
	}
	db, err := h.load()
	if err != nil {
		return nil
	}
	var algos []string
	if db.hasAuthority(addr) {
		algos = append(algos, certHostKeyAlgos...)
	}
	// A key of a type nobody records makes the callback list every known key.
	var ke *knownhosts.KeyError
	if !errors.As(db.check(addr, fakeAddr(addr), probeKey{}), &ke) || len(ke.Want) == 0 {
		return nil // any plain key may do: the default list, certificates first
	}
	seen := map[string]bool{}
	for _, k := range ke.Want {
		seen[k.Key.Type()] = true
	}
	for _, a := range preferredHostKeyAlgos {
		if seen[keyTypeOf(a)] {
			algos = append(algos, a)
		}
	}
	return algos
}

var certHostKeyAlgos = []string{
	ssh.CertAlgoED25519v01, ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
	ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01,
}

var preferredHostKeyAlgos = []string{
	ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA,
}

func keyTypeOf(algo string) string {
	switch algo {
	case ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256:
		return ssh.KeyAlgoRSA
	}
	return algo
}

// callback is the ssh.HostKeyCallback for this mode.
func (h *hostKeys) callback(display string) ssh.HostKeyCallback {
	if h.mode == HostKeyOff {
		return ssh.InsecureIgnoreHostKey()
	}
	return func(addr string, remote net.Addr, key ssh.PublicKey) error {
		key, err := h.check(addr, remote, key)
		var ke *knownhosts.KeyError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ke) && len(ke.Want) > 0:
			w := ke.Want[0]
			return &HostKeyError{Host: display, File: w.Filename, Line: w.Line, Msg: fmt.Sprintf(
				"host key for %s has changed (now %s %s): possible man-in-the-middle attack, or the host was reinstalled; if that is expected, remove line %d of %s (ssh-keygen -R %s -f %s)",
				addr, key.Type(), ssh.FingerprintSHA256(key), w.Line, w.Filename, knownhosts.Normalize(addr), w.Filename)}
		case errors.As(err, &ke):
			if h.mode == HostKeyStrict {
				return &HostKeyError{Host: display, Msg: fmt.Sprintf(
					"host key for %s (%s %s) is not known and host key checking is strict: add it to %s (ssh-keyscan) or use accept-new",
					addr, key.Type(), ssh.FingerprintSHA256(key), h.writeFile())}
			}
			return h.add(addr, remote, key)
		}
		var hk *HostKeyError
		if errors.As(err, &hk) {
			hk.Host = display
		}
		return err
	}
}

// check checks a host key as OpenSSH does, and returns the key that counts:
// a certificate signed by a CA named for the host must be valid; any other
// certificate stands for its plain key, which is checked (and recorded by
// accept-new) like any key.
func (h *hostKeys) check(addr string, remote net.Addr, key ssh.PublicKey) (ssh.PublicKey, error) {
	db, err := h.load()
	if err != nil {
		return key, fmt.Errorf("known_hosts: %w", err)
	}
	if cert, ok := key.(*ssh.Certificate); ok {
		if cert.CertType == ssh.HostCert && db.isAuthority(cert.SignatureKey, addr) {
			return key, db.certificate(addr, remote, cert)
		}
		key = cert.Key
	}
	return key, db.check(addr, remote, key)
}

func (h *hostKeys) writeFile() string {
	if len(h.files) == 0 {
		return "~/.ssh/known_hosts"
	}
	return h.files[0]
}

// add appends key for addr (accept-new), unless a concurrent dial already did.
func (h *hostKeys) add(addr string, remote net.Addr, key ssh.PublicKey) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.check(addr, remote, key)
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) || len(ke.Want) > 0 {
		return h.callback(addr)(addr, remote, key) // known now, or changed
	}
	file := h.writeFile()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	// A file without a final newline would glue our line to the last one.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		b := make([]byte, 1)
		if r, err := os.Open(file); err == nil {
			r.ReadAt(b, st.Size()-1)
			r.Close()
			if b[0] != '\n' {
				f.WriteString("\n")
			}
		}
	}
	_, err = f.WriteString(knownhosts.Line([]string{knownhosts.Normalize(addr)}, key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	return nil
}

// probeKey is a public key of a type no known_hosts file holds.
type probeKey struct{}

func (probeKey) Type() string                        { return "hapb-probe" }
func (probeKey) Marshal() []byte                     { return []byte("hapb-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe") }
func (probeKey) String() string                      { return "hapb-probe" }

// fakeAddr is a TCP address for the callback, which insists on one.
func fakeAddr(string) net.Addr { return &net.TCPAddr{IP: net.IPv4zero} }

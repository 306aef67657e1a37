package conn

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyDB is the parsed known_hosts files, split in two as OpenSSH reads
// them: the plain keys (with @revoked), and the @cert-authority keys, which
// vouch for host certificates only. x/crypto's knownhosts mixes them (a CA
// key counts as a plain key of every host it matches, so a host with only a
// CA line looks "changed"), refuses a whole file for one bad line, where
// OpenSSH skips the line, and scans every line for each lookup: with a line
// per host, N connections cost N² matches. So the lines are matched here,
// with x/crypto's rules and its error types.
type hostKeyDB struct {
	plain, ca hostLines
	revoked   map[string]*knownhosts.KnownKey // by plain key blob, for every host
}

// loadHostKeyDB reads files; warn is told about each line skipped.
func loadHostKeyDB(files []string, warn func(string)) (*hostKeyDB, error) {
	db := &hostKeyDB{revoked: map[string]*knownhosts.KnownKey{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		lines, bad := parseKnownHosts(data, f)
		for _, b := range bad {
			warn(fmt.Sprintf("%s line %d is not a valid known_hosts line, skipped: %v", f, b.line, b.err))
		}
		for _, l := range lines {
			switch l.marker {
			case "@revoked":
				db.revoked[string(l.key.Key.Marshal())] = &l.key // the last line names it, as in x/crypto
			case "@cert-authority":
				db.ca.add(l)
			default:
				db.plain.add(l)
			}
		}
	}
	return db, nil
}

// check checks a plain host key as x/crypto's knownhosts does: a revoked
// key is refused for any host; otherwise the key must be one of the lines
// matching address (remote's when address is empty), else a KeyError
// lists them (none: the host is unknown).
func (db *hostKeyDB) check(address string, remote net.Addr, key ssh.PublicKey) error {
	if r := db.revoked[plainKeyBlob(key)]; r != nil {
		return &knownhosts.RevokedError{Revoked: *r}
	}
	return db.plain.check(address, remote, key)
}

// isAuthority reports whether a @cert-authority line names key for addr.
func (db *hostKeyDB) isAuthority(key ssh.PublicKey, addr string) bool {
	return db.ca.check(addr, fakeAddr(addr), key) == nil
}

// hasAuthority reports whether any @cert-authority line matches addr.
func (db *hostKeyDB) hasAuthority(addr string) bool {
	var ke *knownhosts.KeyError
	return errors.As(db.ca.check(addr, fakeAddr(addr), probeKey{}), &ke) && len(ke.Want) > 0
}

// certificate checks a host certificate whose CA is named for addr: it must
// be valid (principal, dates, signature, not revoked).
func (db *hostKeyDB) certificate(addr string, remote net.Addr, cert *ssh.Certificate) error {
	checker := &ssh.CertChecker{
		IsHostAuthority: db.isAuthority,
		IsRevoked: func(c *ssh.Certificate) bool {
			var re *knownhosts.RevokedError
			return errors.As(db.check(addr, remote, c.Key), &re) || errors.As(db.check(addr, remote, c.SignatureKey), &re)
		},
	}
	if err := checker.CheckHostKey(addr, remote, cert); err != nil {
		return &HostKeyError{Msg: fmt.Sprintf("host certificate for %s (%s, signed by %s) is not valid: %v",
			addr, cert.KeyId, ssh.FingerprintSHA256(cert.SignatureKey), err)}
	}
	return nil
}

// plainKeyBlob is a key's wire form, a certificate's own key's for a
// certificate: what @revoked lines are compared with.
func plainKeyBlob(key ssh.PublicKey) string {
	if c, ok := key.(*ssh.Certificate); ok {
		key = c.Key
	}
	return string(key.Marshal())
}

// hostLines are the key lines of one kind in file order, indexed: a line
// whose positive host patterns are all literal names is listed under each
// of them; the others (wildcards, hashed names, only negations) are tried
// for every address. A lookup matches the lines of its address and those,
// in file order, so it costs what matches, not the file's length.
type hostLines struct {
	lines  []knownLine
	byAddr map[hostAddr][]int // indexes into lines, ascending
	scan   []int              // ascending
}

func (s *hostLines) add(l knownLine) {
	i := len(s.lines)
	s.lines = append(s.lines, l)
	literal := l.hashed == nil
	positive := 0
	for _, p := range l.patterns {
		if !p.negate {
			positive++
			literal = literal && !strings.ContainsAny(p.addr.host, "*?")
		}
	}
	if !literal || positive == 0 {
		s.scan = append(s.scan, i)
		return
	}
	if s.byAddr == nil {
		s.byAddr = map[hostAddr][]int{}
	}
	for _, p := range l.patterns {
		if ix := s.byAddr[p.addr]; !p.negate && (len(ix) == 0 || ix[len(ix)-1] != i) {
			s.byAddr[p.addr] = append(ix, i)
		}
	}
}

func (s *hostLines) check(address string, remote net.Addr, key ssh.PublicKey) error {
	if address == "" {
		address = remote.String()
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("knownhosts: SplitHostPort(%s): %v", address, err)
	}
	a := hostAddr{host, port}
	ke := &knownhosts.KeyError{}
	ix, scan := s.byAddr[a], s.scan
	var hashedName string // the name hashed lines hash, made once
	for len(ix) > 0 || len(scan) > 0 {
		var i int
		if len(scan) == 0 || len(ix) > 0 && ix[0] < scan[0] {
			i, ix = ix[0], ix[1:]
		} else {
			i, scan = scan[0], scan[1:]
		}
		l := &s.lines[i]
		if l.hashed != nil && hashedName == "" {
			hashedName = knownhosts.Normalize(net.JoinHostPort(host, port))
		}
		if !l.match(a, hashedName) {
			continue
		}
		ke.Want = append(ke.Want, l.key)
		if bytes.Equal(l.key.Key.Marshal(), key.Marshal()) {
			return nil
		}
	}
	return ke
}

// hostAddr is a host name and port as known_hosts patterns hold them.
type hostAddr struct{ host, port string }

// knownLine is one valid line of a known_hosts file.
type knownLine struct {
	marker   string // "", "@cert-authority" or "@revoked"
	patterns []hostPattern
	hashed   *hashedHost // instead of patterns
	key      knownhosts.KnownKey
}

type hostPattern struct {
	negate bool
	addr   hostAddr
}

// match follows x/crypto (OpenSSH's rules): a positive pattern matches and
// no negated one does; a hashed line hashes the normalised name.
func (l *knownLine) match(a hostAddr, hashedName string) bool {
	if l.hashed != nil {
		return l.hashed.match(hashedName)
	}
	matched := false
	for _, p := range l.patterns {
		if p.addr.port != a.port || !wildcardMatch(p.addr.host, a.host) {
			continue
		}
		if p.negate {
			return false
		}
		matched = true
	}
	return matched
}

// wildcardMatch matches * (any run, separators included) and ? (one byte).
func wildcardMatch(pat, s string) bool {
	for len(pat) > 0 {
		switch pat[0] {
		case '*':
			for pat = strings.TrimLeft(pat, "*"); ; s = s[1:] {
				if wildcardMatch(pat, s) {
					return true
				}
				if s == "" {
					return false
				}
			}
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || pat[0] != s[0] {
				return false
			}
		}
		pat, s = pat[1:], s[1:]
	}
	return s == ""
}

type badLine struct {
	line int
	err  error
}

// parseKnownHosts returns the valid lines of a known_hosts file and the
// ones skipped (OpenSSH skips a line it cannot read; x/crypto refused the
// whole file).
func parseKnownHosts(data []byte, file string) (lines []knownLine, bad []badLine) {
	for i, l := range bytes.Split(data, []byte("\n")) {
		t := bytes.Trim(l, " \t\r")
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		kl, err := parseKnownHostsLine(string(t))
		if err != nil {
			bad = append(bad, badLine{i + 1, err})
			continue
		}
		kl.key.Filename, kl.key.Line = file, i+1
		lines = append(lines, kl)
	}
	return lines, bad
}

// parseKnownHostsLine reads one line: [marker] patterns keytype key [comment].
func parseKnownHostsLine(line string) (knownLine, error) {
	var kl knownLine
	f := strings.Fields(line)
	if len(f) > 0 && (f[0] == "@cert-authority" || f[0] == "@revoked") {
		kl.marker, f = f[0], f[1:]
	}
	switch {
	case len(f) > 0 && strings.HasPrefix(f[0], "@"):
		return kl, fmt.Errorf("unknown marker %s", f[0])
	case len(f) < 3:
		return kl, errors.New("want [marker] hosts keytype key")
	}
	blob, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil {
		return kl, fmt.Errorf("key: %v", err)
	}
	if kl.key.Key, err = ssh.ParsePublicKey(blob); err != nil {
		return kl, fmt.Errorf("key: %v", err)
	}
	if kl.key.Key.Type() != f[1] {
		return kl, fmt.Errorf("key type %s, line says %s", kl.key.Key.Type(), f[1])
	}
	if kl.marker == "@revoked" {
		return kl, nil // for every host, whatever the patterns say
	}
	if strings.HasPrefix(f[0], "|") {
		kl.hashed, err = parseHashedHost(f[0])
		return kl, err
	}
	for _, p := range strings.Split(f[0], ",") {
		if p == "" {
			continue
		}
		var hp hostPattern
		if p[0] == '!' {
			hp.negate, p = true, p[1:]
		}
		if p == "" {
			return kl, errors.New("negation without a host name")
		}
		var err error
		if hp.addr.host, hp.addr.port, err = net.SplitHostPort(p); err != nil {
			if p[0] == '[' {
				return kl, err
			}
			hp.addr = hostAddr{p, "22"}
		}
		kl.patterns = append(kl.patterns, hp)
	}
	return kl, nil
}

// hashedHost is a hashed host name, |1|salt|hash (HMAC-SHA1 of the
// normalised name, OpenSSH's HashKnownHosts).
type hashedHost struct{ salt, hash []byte }

func parseHashedHost(s string) (*hashedHost, error) {
	h := strings.Split(s, "|")
	if len(h) != 4 || h[0] != "" || h[1] != "1" {
		return nil, errors.New("hashed host: want |1|salt|hash")
	}
	salt, err := base64.StdEncoding.DecodeString(h[2])
	if err != nil {
		return nil, fmt.Errorf("hashed host: %v", err)
	}
	hash, err := base64.StdEncoding.DecodeString(h[3])
	if err != nil {
		return nil, fmt.Errorf("hashed host: %v", err)
	}
	return &hashedHost{salt, hash}, nil
}

func (h *hashedHost) match(name string) bool {
	mac := hmac.New(sha1.New, h.salt)
	mac.Write([]byte(name))
	return hmac.Equal(mac.Sum(nil), h.hash)
}

package conn

import (
	"bytes"
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
// CA line looks "changed"), and refuses a whole file for one bad line,
// where OpenSSH skips the line.
type hostKeyDB struct {
	plain ssh.HostKeyCallback
	ca    ssh.HostKeyCallback // nil without @cert-authority lines
	// names maps the temporary files the callbacks read back to the
	// files they stand for (same line numbers), for messages.
	names map[string]string
}

// loadHostKeyDB reads files; warn is told about each line skipped.
func loadHostKeyDB(files []string, warn func(string)) (*hostKeyDB, error) {
	db := &hostKeyDB{names: map[string]string{}}
	var plain, ca []string
	defer func() {
		for tmp := range db.names {
			os.Remove(tmp)
		}
	}()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		p, c, bad := splitKnownHosts(data)
		for _, b := range bad {
			warn(fmt.Sprintf("%s line %d is not a valid known_hosts line, skipped: %v", f, b.line, b.err))
		}
		switch {
		case len(bad) == 0 && c == nil:
			plain = append(plain, f)
		default:
			tmp, err := db.temp(f, p)
			if err != nil {
				return nil, err
			}
			plain = append(plain, tmp)
		}
		if c != nil {
			tmp, err := db.temp(f, c)
			if err != nil {
				return nil, err
			}
			ca = append(ca, tmp)
		}
	}
	var err error
	if db.plain, err = knownhosts.New(plain...); err != nil {
		return nil, db.rename(err)
	}
	if len(ca) > 0 {
		if db.ca, err = knownhosts.New(ca...); err != nil {
			return nil, db.rename(err)
		}
	}
	return db, nil
}

// temp writes data to a temporary file standing for name; knownhosts.New
// reads it at once, and it is removed when loading ends.
func (db *hostKeyDB) temp(name string, data []byte) (string, error) {
	f, err := os.CreateTemp("", "hapb-known_hosts-*")
	if err != nil {
		return "", err
	}
	db.names[f.Name()] = name
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

func (db *hostKeyDB) rename(err error) error {
	msg := err.Error()
	for tmp, name := range db.names {
		msg = strings.ReplaceAll(msg, tmp, name)
	}
	return errors.New(msg)
}

// check checks a plain host key.
func (db *hostKeyDB) check(addr string, remote net.Addr, key ssh.PublicKey) error {
	err := db.plain(addr, remote, key)
	var ke *knownhosts.KeyError
	if errors.As(err, &ke) {
		for i := range ke.Want {
			if name, ok := db.names[ke.Want[i].Filename]; ok {
				ke.Want[i].Filename = name
			}
		}
	}
	return err
}

// isAuthority reports whether a @cert-authority line names key for addr.
func (db *hostKeyDB) isAuthority(key ssh.PublicKey, addr string) bool {
	return db.ca != nil && db.ca(addr, fakeAddr(addr), key) == nil
}

// hasAuthority reports whether any @cert-authority line matches addr.
func (db *hostKeyDB) hasAuthority(addr string) bool {
	var ke *knownhosts.KeyError
	return db.ca != nil && errors.As(db.ca(addr, fakeAddr(addr), probeKey{}), &ke) && len(ke.Want) > 0
}

// certificate checks a host certificate whose CA is named for addr: it must
// be valid (principal, dates, signature, not revoked).
func (db *hostKeyDB) certificate(addr string, remote net.Addr, cert *ssh.Certificate) error {
	checker := &ssh.CertChecker{
		IsHostAuthority: db.isAuthority,
		IsRevoked: func(c *ssh.Certificate) bool {
			var re *knownhosts.RevokedError
			return errors.As(db.plain(addr, remote, c.Key), &re) || errors.As(db.plain(addr, remote, c.SignatureKey), &re)
		},
	}
	if err := checker.CheckHostKey(addr, remote, cert); err != nil {
		return &HostKeyError{Msg: fmt.Sprintf("host certificate for %s (%s, signed by %s) is not valid: %v",
			addr, cert.KeyId, ssh.FingerprintSHA256(cert.SignatureKey), err)}
	}
	return nil
}

type badLine struct {
	line int
	err  error
}

// splitKnownHosts returns the plain lines and the @cert-authority lines
// (marker removed) of a known_hosts file, each line where it was, the
// others blanked; ca is nil when there is none. Lines knownhosts would
// refuse are blanked in both and listed.
func splitKnownHosts(data []byte) (plain, ca []byte, bad []badLine) {
	lines := bytes.Split(data, []byte("\n"))
	var p, c bytes.Buffer
	hasCA := false
	for i, l := range lines {
		if i == len(lines)-1 && len(l) == 0 {
			break
		}
		t := bytes.Trim(l, " \t\r")
		var pl, cl []byte
		switch {
		case len(t) == 0 || t[0] == '#':
		case len(t) > 60000: // longer than knownhosts' line scanner reads
			bad = append(bad, badLine{i + 1, errors.New("line too long")})
		default:
			marker, err := checkKnownHostsLine(string(t))
			switch {
			case err != nil:
				bad = append(bad, badLine{i + 1, err})
			case marker == "@cert-authority":
				cl, hasCA = bytes.TrimSpace(t[len(marker):]), true
			default:
				pl = t
			}
		}
		p.Write(pl)
		p.WriteByte('\n')
		c.Write(cl)
		c.WriteByte('\n')
	}
	if hasCA {
		ca = c.Bytes()
	}
	return p.Bytes(), ca, bad
}

// checkKnownHostsLine applies knownhosts' parsing rules to one line, so a
// line it would refuse (refusing the whole file) can be skipped instead.
func checkKnownHostsLine(line string) (marker string, err error) {
	f := strings.Fields(line)
	if len(f) > 0 && (f[0] == "@cert-authority" || f[0] == "@revoked") {
		marker, f = f[0], f[1:]
	}
	switch {
	case len(f) > 0 && strings.HasPrefix(f[0], "@"):
		return "", fmt.Errorf("unknown marker %s", f[0])
	case len(f) < 3:
		return "", errors.New("want [marker] hosts keytype key")
	}
	blob, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil {
		return "", fmt.Errorf("key: %v", err)
	}
	key, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return "", fmt.Errorf("key: %v", err)
	}
	if key.Type() != f[1] {
		return "", fmt.Errorf("key type %s, line says %s", key.Type(), f[1])
	}
	if marker == "@revoked" {
		return marker, nil
	}
	if strings.HasPrefix(f[0], "|") {
		h := strings.Split(f[0], "|")
		if len(h) != 4 || h[1] != "1" {
			return "", errors.New("hashed host: want |1|salt|hash")
		}
		for _, part := range h[2:] {
			if _, err := base64.StdEncoding.DecodeString(part); err != nil {
				return "", fmt.Errorf("hashed host: %v", err)
			}
		}
		return marker, nil
	}
	for _, p := range strings.Split(f[0], ",") {
		if p == "" {
			continue
		}
		if p = strings.TrimPrefix(p, "!"); p == "" {
			return "", errors.New("negation without a host name")
		}
		if strings.HasPrefix(p, "[") {
			if _, _, err := net.SplitHostPort(p); err != nil {
				return "", err
			}
		}
	}
	return marker, nil
}

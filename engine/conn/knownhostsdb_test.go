package conn

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func newPublicKey(t testing.TB) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func authorized(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// TestParseKnownHosts: every line x/crypto's knownhosts would refuse
// (refusing the whole file) is skipped and named; the others keep their
// line numbers and markers.
func TestParseKnownHosts(t *testing.T) {
	key := authorized(newPublicKey(t))
	lines := []string{
		"# comment",
		"h1 " + key,
		"@cert-authority *.lab " + key,
		"@revoked h2 " + key,
		"garbage",
		"h3 ssh-ed25519 !!notbase64",
		"@unknown h4 " + key,
		"|1|bad|hash " + key,
		"!,h5 " + key,
		"[h6 " + key,
		"h7 ssh-rsa " + strings.Fields(key)[1],
		"|1|c2FsdA==|aGFzaA== " + key,
		"a,,!b " + key,
		"  \t",
		"[h8]:2222,h9:23 " + key + " comment",
	}
	got, bad := parseKnownHosts([]byte(strings.Join(lines, "\r\n")), "kh")
	var badLines []int
	for _, b := range bad {
		badLines = append(badLines, b.line)
	}
	if fmt.Sprint(badLines) != "[5 6 7 8 9 10 11]" {
		t.Errorf("bad lines %v, want [5 6 7 8 9 10 11]", bad)
	}
	var good []string
	for _, l := range got {
		var pats []string
		for _, p := range l.patterns {
			pats = append(pats, fmt.Sprintf("%s%s/%s", map[bool]string{true: "!"}[p.negate], p.addr.host, p.addr.port))
		}
		good = append(good, fmt.Sprintf("%s:%d %q %v hashed=%v", l.key.Filename, l.key.Line, l.marker, pats, l.hashed != nil))
	}
	want := []string{
		`kh:2 "" [h1/22] hashed=false`,
		`kh:3 "@cert-authority" [*.lab/22] hashed=false`,
		`kh:4 "@revoked" [] hashed=false`,
		`kh:12 "" [] hashed=true`,
		`kh:13 "" [a/22 !b/22] hashed=false`,
		`kh:15 "" [h8/2222 h9/23] hashed=false`,
	}
	if strings.Join(good, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant\n%s", strings.Join(good, "\n"), strings.Join(want, "\n"))
	}
}

// TestHostKeyDBIndex: the index finds what a scan of every line finds, in
// file order, for every kind of line: literal names and ports, several names
// on a line, wildcards, negations, hashed names, a key listed twice,
// @revoked keys, IPv6. x/crypto's knownhosts (which scans) says what is
// right, on the same file.
func TestHostKeyDBIndex(t *testing.T) {
	k := make([]ssh.PublicKey, 6)
	for i := range k {
		k[i] = newPublicKey(t)
	}
	lines := []string{
		"h1 " + authorized(k[0]),                                      // 1
		"[h1]:2222 " + authorized(k[1]),                               // 2
		"h2,h3,10.0.0.3 " + authorized(k[2]),                          // 3
		"*.lab,!bad.lab " + authorized(k[3]),                          // 4
		"h1 " + authorized(k[4]),                                      // 5: second key of h1, after a wildcard line
		knownhosts.HashHostname("h4") + " " + authorized(k[0]),        // 6
		knownhosts.HashHostname("[h4]:2200") + " " + authorized(k[1]), // 7
		"@revoked * " + authorized(k[5]),                              // 8
		"[::1]:2222,::2 " + authorized(k[2]),                          // 9
		"[10.0.0.?]:22,h1.lab " + authorized(k[1]),                    // 10: h1.lab also matches line 4
		"!h2,h2 " + authorized(k[3]),                                  // 11: negated, never h2
		"H5 " + authorized(k[0]),                                      // 12: names are compared as they are
		"h1,h1 " + authorized(k[2]),                                   // 13: one line, one match
		"[*]:2222 " + authorized(k[4]),                                // 14
	}
	file := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := loadHostKeyDB([]string{file}, func(w string) { t.Errorf("warning: %s", w) })
	if err != nil {
		t.Fatal(err)
	}
	scan, err := knownhosts.New(file)
	if err != nil {
		t.Fatal(err)
	}
	addrs := []string{"h1:22", "h1:2222", "h2:22", "h3:22", "10.0.0.3:22", "10.0.0.4:22", "x.lab:22", "bad.lab:22",
		"h1.lab:22", "h4:22", "h4:2200", "h4:2222", "[::1]:2222", "[::2]:22", "[::1]:22", "h5:22", "H5:22", "h9:2222", "h9:22"}
	tests := []struct {
		addr string
		want string // what db.check says of a key no line has: the lines matching
	}{
		{"h1:22", "1 5 13"},
		{"h1:2222", "2 14"},
		{"h2:22", "3"},
		{"h3:22", "3"},
		{"10.0.0.3:22", "3 10"},
		{"x.lab:22", "4"},
		{"bad.lab:22", ""},
		{"h1.lab:22", "4 10"},
		{"h4:22", "6"},
		{"h4:2200", "7"},
		{"[::1]:2222", "9 14"},
		{"[::2]:22", "9"},
		{"H5:22", "12"},
		{"h5:22", ""},
	}
	for _, tt := range tests {
		var ke *knownhosts.KeyError
		err := db.check(tt.addr, fakeAddr(tt.addr), newPublicKey(t))
		if !errors.As(err, &ke) {
			t.Errorf("%s: %v, want a KeyError", tt.addr, err)
			continue
		}
		var got []string
		for _, w := range ke.Want {
			got = append(got, fmt.Sprint(w.Line))
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: lines %q, want %q", tt.addr, strings.Join(got, " "), tt.want)
		}
	}
	for _, addr := range addrs {
		for i, key := range append(k, newPublicKey(t)) {
			got, want := db.check(addr, fakeAddr(addr), key), scan(addr, fakeAddr(addr), key)
			if describe(got) != describe(want) {
				t.Errorf("%s, key %d: %s; x/crypto: %s", addr, i, describe(got), describe(want))
			}
		}
	}
}

// describe says what a host key check found, lines by number.
func describe(err error) string {
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &re):
		return fmt.Sprintf("revoked (line %d)", re.Revoked.Line)
	case errors.As(err, &ke):
		s := "key error, want"
		for _, w := range ke.Want {
			s += fmt.Sprintf(" %s:%d", filepath.Base(w.Filename), w.Line)
		}
		return s
	}
	return err.Error()
}

// BenchmarkHostKeyLookup looks up one host in a known_hosts of a line per
// host, as ssh-keyscan writes it: with the index the time does not grow
// with the file.
func BenchmarkHostKeyLookup(b *testing.B) {
	key := newPublicKey(b)
	for _, n := range []int{100, 5000} {
		var sb strings.Builder
		for i := range n {
			sb.WriteString(knownhosts.Line([]string{fmt.Sprintf("[127.77.%d.%d]:2222", i/250, i%250+1)}, key) + "\n")
		}
		file := filepath.Join(b.TempDir(), "known_hosts")
		os.WriteFile(file, []byte(sb.String()), 0o600)
		db, err := loadHostKeyDB([]string{file}, func(string) {})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(n, "lines"), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				j := i % n
				addr := fmt.Sprintf("127.77.%d.%d:2222", j/250, j%250+1)
				if err := db.check(addr, fakeAddr(addr), key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

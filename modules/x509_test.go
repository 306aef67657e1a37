package modules

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func x509Run(t *testing.T, p x509Params, check bool) *Result {
	t.Helper()
	if p.KeyType == "" {
		p.KeyType = "ecdsa"
	}
	if p.RenewBefore == 0 {
		p.RenewBefore = 30
	}
	plan, err := x509Plan(context.Background(), &Task{}, &p)
	if err != nil {
		t.Fatal(err)
	}
	if !check && plan.Apply != nil {
		if err := plan.Apply(context.Background(), &plan.Result); err != nil {
			t.Fatal(err)
		}
	}
	return &plan.Result
}

func TestX509(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki", "etcd")
	ca := x509Params{Cert: filepath.Join(dir, "ca.crt"), CA: true, CommonName: "etcd-ca"}
	member := x509Params{Cert: filepath.Join(dir, "member-etcd1.crt"), CACert: ca.Cert, CommonName: "etcd1",
		DNSNames: []string{"etcd1", "localhost"}, IPAddresses: []string{"10.0.0.21", "127.0.0.1"},
		Usages: []string{"server_auth", "client_auth"}}
	client := x509Params{Cert: filepath.Join(dir, "apiserver-etcd-client.crt"), CACert: ca.Cert, CommonName: "kube-apiserver-etcd-client",
		Organization: []string{"system:masters"}, Usages: []string{"client_auth"}, KeyType: "rsa", RSABits: 2048}

	// Check mode writes nothing.
	if r := x509Run(t, ca, true); !r.Changed {
		t.Fatal("CA: want changed")
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("check mode wrote files")
	}
	if r := x509Run(t, ca, false); !r.Changed {
		t.Fatal("CA: want changed")
	}
	if r := x509Run(t, ca, false); r.Changed {
		t.Fatalf("CA again: changed (%s)", r.Msg)
	}
	r := x509Run(t, member, false)
	if !r.Changed || strings.Join(r.Data["sans"].([]string), ",") != "etcd1,localhost,10.0.0.21,127.0.0.1" {
		t.Fatalf("member: %+v", r)
	}
	serial := r.Data["serial"]
	if r := x509Run(t, member, false); r.Changed || r.Data["serial"] != serial {
		t.Fatalf("member again: changed (%s)", r.Msg)
	}
	x509Run(t, client, false)

	x509VerifyIssued(t, dir, ca, member, client)

	// A new SAN reissues the certificate with the same key.
	keyBefore, _ := os.ReadFile(filepath.Join(dir, "member-etcd1.key"))
	member.IPAddresses = append(member.IPAddresses, "10.0.0.100")
	if r := x509Run(t, member, true); !r.Changed || !strings.Contains(r.Msg, "IP addresses differ") {
		t.Fatalf("new SAN: %+v", r)
	}
	x509Run(t, member, false)
	if keyAfter, _ := os.ReadFile(filepath.Join(dir, "member-etcd1.key")); string(keyAfter) != string(keyBefore) {
		t.Error("key was not reused")
	}
	member.Usages = []string{"server_auth"}
	if r := x509Run(t, member, false); !r.Changed || !strings.Contains(r.Msg, "usages differ") {
		t.Fatalf("usage change: %+v", r)
	}

	// Renewal window.
	for _, days := range []int{400, 1000000} { // 1000000 days overflowed a Duration
		member.RenewBefore = days
		if r := x509Run(t, member, true); !r.Changed || !strings.Contains(r.Msg, "expires") {
			t.Fatalf("renewal within %d days: %+v", days, r)
		}
	}
	member.RenewBefore = 30

	// A new CA invalidates what it signed.
	os.Remove(ca.Cert)
	os.Remove(filepath.Join(dir, "ca.key"))
	x509Run(t, ca, false)
	if r := x509Run(t, member, false); !r.Changed || !strings.Contains(r.Msg, "not signed by the current CA") {
		t.Fatalf("after new CA: %+v", r)
	}

	// Key type change.
	client.KeyType = "ecdsa"
	if r := x509Run(t, client, false); !r.Changed || !strings.Contains(r.Msg, "key type") {
		t.Fatalf("key type: %+v", r)
	}
	if cc, _ := x509ReadCert(client.Cert); cc.PublicKeyAlgorithm != x509.ECDSA || time.Until(cc.NotAfter) < 364*24*time.Hour {
		t.Errorf("client cert after key change: %v %v", cc.PublicKeyAlgorithm, cc.NotAfter)
	}
}

func TestX509Errors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		p   x509Params
		err string
	}{
		{x509Params{Cert: dir + "/a.crt", CommonName: "a"}, "exactly one of"},
		{x509Params{Cert: dir + "/a.crt", CommonName: "a", CACert: dir + "/none.crt"}, "the CA"},
		{x509Params{Cert: dir + "/a.crt", CommonName: "a", CA: true, IPAddresses: []string{"10.0.0.300"}}, "not an IP"},
		{x509Params{Cert: dir + "/a.crt", CommonName: "a", CA: true, Usages: []string{"code_signing"}}, "unknown usage"},
	}
	for _, tt := range tests {
		_, err := x509Plan(context.Background(), &Task{}, &tt.p)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%+v: err = %v, want %q", tt.p, err, tt.err)
		}
	}
}

func TestX509ConcurrentCA(t *testing.T) {
	dir := t.TempDir()
	p := x509Params{Cert: dir + "/ca.crt", CA: true, CommonName: "ca", KeyType: "ecdsa", RenewBefore: 30}
	var plans []*Plan
	for range 4 {
		q := p
		plan, err := x509Plan(context.Background(), &Task{}, &q)
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, plan)
	}
	done := make(chan error)
	for _, plan := range plans {
		go func() { done <- plan.Apply(context.Background(), &plan.Result) }()
	}
	serials := map[any]bool{}
	for range plans {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, plan := range plans {
		serials[plan.Data["serial"]] = true
	}
	if len(serials) != 1 {
		t.Errorf("hosts saw %d different CAs", len(serials))
	}
}

// In check mode a certificate whose CA an earlier task plans is unknown
// until applied; with no CA planned it fails as the real run does.
func TestX509CheckModeAfterPlannedCA(t *testing.T) {
	dir := t.TempDir()
	ca := &x509Params{Cert: filepath.Join(dir, "ca.crt"), CA: true, CommonName: "ca", KeyType: "ecdsa", RenewBefore: 30}
	leaf := x509Params{Cert: filepath.Join(dir, "leaf.crt"), CACert: ca.Cert, CommonName: "leaf", KeyType: "ecdsa", RenewBefore: 30}
	for _, withCA := range []bool{true, false} {
		task := &Task{Check: true, Effects: &Effects{}}
		if withCA {
			res, err := Execute(context.Background(), mustLookup(t, "x509"), task, ca)
			if err != nil || !res.Changed {
				t.Fatalf("CA: %+v %v", res, err)
			}
		}
		p := leaf
		res, err := Execute(context.Background(), mustLookup(t, "x509"), task, &p)
		switch {
		case withCA && (err != nil || !res.Unknown || !res.Changed):
			t.Errorf("after a planned CA: %+v %v", res, err)
		case !withCA && err == nil:
			t.Errorf("no CA planned: %+v, want the real run's failure", res)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("check mode wrote %v", entries)
	}
}

// A certificate an earlier task of the same check-mode run makes (the same
// CA asked for by two plays) is unknown until applied, not a second change.
func TestX509CheckModeMadeEarlier(t *testing.T) {
	dir := t.TempDir()
	ca := x509Params{Cert: filepath.Join(dir, "ca.crt"), CA: true, CommonName: "ca", KeyType: "ecdsa", RenewBefore: 30}
	task := &Task{Check: true, Effects: &Effects{}}
	for i, want := range []struct{ changed, unknown bool }{{true, false}, {true, true}} {
		p := ca
		res, err := Execute(context.Background(), mustLookup(t, "x509"), task, &p)
		if err != nil || res.Changed != want.changed || res.Unknown != want.unknown {
			t.Errorf("run %d: %+v %v, want changed=%v unknown=%v", i+1, res, err, want.changed, want.unknown)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("check mode wrote %v", entries)
	}
}

func mustLookup(t *testing.T, name string) Module {
	t.Helper()
	m, ok := Lookup(name)
	if !ok {
		t.Fatalf("no module %s", name)
	}
	return m
}

// x509VerifyIssued checks what TestX509 issued: chains to the CA for each
// usage, the client's organization and key type, the files' modes.
func x509VerifyIssued(t *testing.T, dir string, ca, member, client x509Params) {
	t.Helper()
	roots := x509.NewCertPool()
	caCert, _ := x509ReadCert(ca.Cert)
	roots.AddCert(caCert)
	for _, c := range []struct {
		path  string
		usage x509.ExtKeyUsage
		name  string
	}{{member.Cert, x509.ExtKeyUsageServerAuth, "10.0.0.21"}, {member.Cert, x509.ExtKeyUsageClientAuth, "etcd1"}, {client.Cert, x509.ExtKeyUsageClientAuth, ""}} {
		cert, err := x509ReadCert(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: c.name, KeyUsages: []x509.ExtKeyUsage{c.usage}}); err != nil {
			t.Errorf("%s: %v", c.path, err)
		}
	}
	cc, _ := x509ReadCert(client.Cert)
	if cc.Subject.Organization[0] != "system:masters" || cc.PublicKeyAlgorithm != x509.RSA {
		t.Errorf("client cert: %v %v", cc.Subject, cc.PublicKeyAlgorithm)
	}
	for path, want := range map[string]os.FileMode{member.Cert: 0o644, filepath.Join(dir, "member-etcd1.key"): 0o600, filepath.Join(dir, "ca.key"): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), want, err)
		}
	}
}

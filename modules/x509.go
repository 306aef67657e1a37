package modules

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

func init() { Define("x509", x509Doc, x509Plan, OnController) }

type x509Params struct {
	Cert         string   `yaml:"cert" alias:"path" required:"true" doc:"certificate file on the controller (PEM)"`
	Key          string   `yaml:"key" doc:"private key file on the controller; default: cert with .key"`
	CA           bool     `yaml:"ca" doc:"make a self-signed CA instead of a certificate signed by ca_cert"`
	CACert       string   `yaml:"ca_cert" doc:"the signing CA's certificate on the controller"`
	CAKey        string   `yaml:"ca_key" doc:"the signing CA's key; default: ca_cert with .key"`
	CommonName   string   `yaml:"common_name" alias:"cn" required:"true"`
	Organization []string `yaml:"organization" alias:"o" doc:"subject O values, e.g. system:masters"`
	DNSNames     []string `yaml:"dns_names" alias:"dns" doc:"DNS subject alternative names"`
	IPAddresses  []string `yaml:"ip_addresses" alias:"ips" doc:"IP subject alternative names"`
	Usages       []string `yaml:"usages" doc:"extended key usages: server_auth, client_auth"`
	Days         int      `yaml:"days" doc:"validity; default 3650 for a CA, 365 otherwise"`
	KeyType      string   `yaml:"key_type" default:"ecdsa" choices:"ecdsa,rsa" doc:"ecdsa is P-256"`
	RSABits      int      `yaml:"rsa_bits" default:"2048"`
	RenewBefore  int      `yaml:"renew_before" default:"30" doc:"reissue when the certificate expires within this many days"`
}

const x509Doc = `Makes a CA or a certificate signed by one, with crypto/x509, on the
CONTROLLER's filesystem (the module never contacts the host; distribute
the files with copy). The usual flow for etcd: one task makes the CA in a
directory such as {{ playbook_dir }}/../.pki/etcd (run_once), then a task
per member makes its certificate there (member-{{ inventory_hostname }})
with the member's names and IPs, and copy ships ca.crt, the certificate
and its key; ca.key never leaves the controller.

Idempotent: an existing certificate is kept while it matches its key, is
signed by the current CA, has the declared CN, O, SANs, usages and CA
flag, and does not expire within renew_before days; otherwise it is
reissued, reusing the existing key when it is of the declared type. Keys
are written 0600, certificates 0644, each atomically; new directories
0700. Relative paths are relative to hapb's working directory, so prefer
{{ playbook_dir }}-based paths. Check mode writes nothing.`

var x509Usages = map[string]x509.ExtKeyUsage{"server_auth": x509.ExtKeyUsageServerAuth, "client_auth": x509.ExtKeyUsageClientAuth}

// x509Locks serialises writes per certificate: tasks of several hosts may
// make the same CA at once.
var x509Locks sync.Map

// x509State is what Plan found on disk.
type x509State struct {
	key     crypto.Signer // reusable existing key, or nil
	caCert  *x509.Certificate
	caKey   crypto.Signer
	reasons []string // why the certificate must be (re)issued
	cert    *x509.Certificate
	ips     []net.IP
	usages  []x509.ExtKeyUsage
}

func x509Plan(ctx context.Context, t *Task, params *x509Params) (*Plan, error) {
	x509Defaults(params)
	st, err := x509Inspect(params)
	if _, planned := t.Effects.Planned(PathEffect, params.CACert); err != nil && planned && errors.Is(err, fs.ErrNotExist) && !params.CA {
		// Check mode on a fresh controller: the CA this certificate needs
		// is planned by an earlier task of the same run.
		return unknownPlan("would issue a new certificate once an earlier task has made its CA "+params.CACert,
			x509Data(params, nil), x509Effects(params)...), nil
	}
	if err != nil {
		return nil, err
	}
	if _, planned := t.Effects.Planned(PathEffect, params.Cert); planned && st.cert == nil {
		// Check mode: an earlier task of the same run makes this file (the
		// same certificate asked for twice, by two plays): whether this task
		// changes it is known once it exists.
		return unknownPlan("an earlier task makes "+params.Cert+" first",
			x509Data(params, nil), x509Effects(params)...), nil
	}
	plan := &Plan{Result: Result{Data: x509Data(params, st.cert)}}
	if len(st.reasons) == 0 {
		return plan, nil
	}
	plan.Changed = true
	plan.Msg = strings.Join(st.reasons, "; ")
	plan.Effects = x509Effects(params)
	plan.Apply = func(ctx context.Context, r *Result) error {
		mu, _ := x509Locks.LoadOrStore(params.Cert, &sync.Mutex{})
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
		// Another host's task may have done it meanwhile.
		st, err := x509Inspect(params)
		if err != nil {
			return err
		}
		if len(st.reasons) > 0 {
			if st.cert, err = x509Issue(params, st); err != nil {
				return err
			}
		}
		r.Data = x509Data(params, st.cert)
		return nil
	}
	return plan, nil
}

func x509Defaults(p *x509Params) {
	if p.Key == "" {
		p.Key = strings.TrimSuffix(p.Cert, filepath.Ext(p.Cert)) + ".key"
	}
	if p.CAKey == "" && p.CACert != "" {
		p.CAKey = strings.TrimSuffix(p.CACert, filepath.Ext(p.CACert)) + ".key"
	}
	if p.Days == 0 {
		p.Days = 365
		if p.CA {
			p.Days = 3650
		}
	}
	if p.RSABits == 0 {
		p.RSABits = 2048
	}
}

func x509Inspect(p *x509Params) (*x509State, error) {
	st := &x509State{}
	for _, s := range p.IPAddresses {
		ip := net.ParseIP(strings.TrimSpace(s))
		if ip == nil {
			return nil, fmt.Errorf("x509: %q is not an IP address", s)
		}
		st.ips = append(st.ips, ip)
	}
	for _, u := range p.Usages {
		eku, ok := x509Usages[u]
		if !ok {
			return nil, fmt.Errorf("x509: unknown usage %q (want server_auth or client_auth)", u)
		}
		st.usages = append(st.usages, eku)
	}
	if p.CA == (p.CACert != "") {
		return nil, fmt.Errorf("x509: set exactly one of ca (a self-signed CA) and ca_cert (the signing CA)")
	}
	if !p.CA {
		var err error
		if st.caCert, err = x509ReadCert(p.CACert); err != nil {
			return nil, fmt.Errorf("x509: the CA: %w", err)
		}
		if st.caKey, err = x509ReadKey(p.CAKey); err != nil {
			return nil, fmt.Errorf("x509: the CA key: %w", err)
		}
		if !st.caCert.IsCA || !x509SameKey(st.caCert, st.caKey) {
			return nil, fmt.Errorf("x509: %s is not a CA matching %s", p.CACert, p.CAKey)
		}
	}
	key, err := x509ReadKey(p.Key)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st.reasons = append(st.reasons, "new key")
	case err != nil:
		return nil, fmt.Errorf("x509: %w", err)
	case x509KeyType(key) != p.KeyType:
		st.reasons = append(st.reasons, "key type changes to "+p.KeyType)
	default:
		st.key = key
	}
	cert, err := x509ReadCert(p.Cert)
	if errors.Is(err, fs.ErrNotExist) {
		st.reasons = append(st.reasons, "new certificate")
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("x509: %w", err)
	}
	st.cert = cert
	st.compare(p, cert)
	return st, nil
}

// compare lists why the existing certificate does not do (st.reasons).
func (st *x509State) compare(p *x509Params, cert *x509.Certificate) {
	add := func(cond bool, why string) {
		if cond {
			st.reasons = append(st.reasons, why)
		}
	}
	strs := func(n int, at func(int) string) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, at(i))
		}
		return out
	}
	add(st.key != nil && !x509SameKey(cert, st.key), "certificate does not match the key")
	add(cert.Subject.CommonName != p.CommonName, "common name differs")
	add(!x509SameSet(cert.Subject.Organization, p.Organization), "organization differs")
	add(!x509SameSet(cert.DNSNames, p.DNSNames), "DNS names differ")
	add(!x509SameSet(strs(len(cert.IPAddresses), func(i int) string { return cert.IPAddresses[i].String() }),
		strs(len(st.ips), func(i int) string { return st.ips[i].String() })), "IP addresses differ")
	add(!x509SameSet(strs(len(cert.ExtKeyUsage), func(i int) string { return fmt.Sprint(cert.ExtKeyUsage[i]) }),
		strs(len(st.usages), func(i int) string { return fmt.Sprint(st.usages[i]) })), "usages differ")
	add(cert.IsCA != p.CA, "CA flag differs")
	// AddDate, not a Duration: days * 24h overflows past 106,751 days, and
	// "renew everything now" is a large renew_before.
	add(cert.NotAfter.Before(time.Now().AddDate(0, 0, p.RenewBefore)), "expires "+cert.NotAfter.UTC().Format(time.DateOnly))
	if st.caCert != nil {
		add(!bytes.Equal(cert.RawIssuer, st.caCert.RawSubject) || cert.CheckSignatureFrom(st.caCert) != nil, "not signed by the current CA")
	}
}

func x509Issue(p *x509Params, st *x509State) (*x509.Certificate, error) {
	key := st.key
	newKey := key == nil
	if newKey {
		var err error
		if p.KeyType == "rsa" {
			key, err = rsa.GenerateKey(rand.Reader, p.RSABits)
		} else {
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		if err != nil {
			return nil, fmt.Errorf("x509: generating key: %w", err)
		}
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: p.CommonName, Organization: p.Organization},
		// Tolerate a little clock skew between controller and hosts.
		NotBefore:   now.Add(-5 * time.Minute),
		NotAfter:    now.Add(time.Duration(p.Days) * 24 * time.Hour),
		DNSNames:    p.DNSNames,
		IPAddresses: st.ips,
		ExtKeyUsage: st.usages,
		KeyUsage:    x509.KeyUsageDigitalSignature,
	}
	if _, ok := key.(*rsa.PrivateKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	parent, signer := st.caCert, st.caKey
	if p.CA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("x509: signing %s: %w", p.Cert, err)
	}
	cert, _ := x509.ParseCertificate(der)
	if err := os.MkdirAll(filepath.Dir(p.Cert), 0o700); err != nil {
		return nil, err
	}
	if newKey {
		if err := os.MkdirAll(filepath.Dir(p.Key), 0o700); err != nil {
			return nil, err
		}
		b, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		if err := x509Write(p.Key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b}), 0o600); err != nil {
			return nil, err
		}
	}
	if err := x509Write(p.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return cert, nil
}

func x509Data(p *x509Params, cert *x509.Certificate) map[string]any {
	d := map[string]any{"cert": p.Cert, "key": p.Key, "ca_cert": p.CACert}
	if cert != nil {
		var sans []string
		sans = append(sans, cert.DNSNames...)
		for _, ip := range cert.IPAddresses {
			sans = append(sans, ip.String())
		}
		d["serial"] = hex.EncodeToString(cert.SerialNumber.Bytes())
		d["not_after"] = cert.NotAfter.UTC().Format(time.RFC3339)
		d["sans"] = sans
		d["subject"] = cert.Subject.String()
	}
	return d
}

// x509Write replaces path atomically with data and mode.
func x509Write(path string, data []byte, mode os.FileMode) error {
	if err := writeFileAtomic(path, data, mode); err != nil {
		return fmt.Errorf("x509: writing %s: %w", path, err)
	}
	return nil
}

func x509ReadCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return x509.ParseCertificate(blk.Bytes)
}

func x509ReadKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM key", path)
	}
	var k any
	switch blk.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported key type %T", path, k)
	}
	return s, nil
}

func x509KeyType(k crypto.Signer) string {
	switch k.(type) {
	case *ecdsa.PrivateKey:
		return "ecdsa"
	case *rsa.PrivateKey:
		return "rsa"
	}
	return fmt.Sprintf("%T", k)
}

func x509SameKey(cert *x509.Certificate, key crypto.Signer) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

func x509SameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// x509Effects are the files on the controller a new certificate replaces.
func x509Effects(p *x509Params) []Effect {
	return []Effect{{Kind: PathEffect, Name: p.Cert, State: "file"}, {Kind: PathEffect, Name: p.Key, State: "file"}}
}

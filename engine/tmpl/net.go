package tmpl

import (
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strings"
)

// IP and CIDR helpers, shared by templates and expressions. An address may
// be given with a prefix ("10.0.0.5/24"): the address part is used.

func parseAddr(s any) (netip.Addr, error) {
	str := strings.TrimSpace(ToString(s))
	if i := strings.IndexByte(str, '/'); i >= 0 {
		str = str[:i]
	}
	a, err := netip.ParseAddr(str)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", ToString(s))
	}
	return a.Unmap(), nil
}

func parsePrefix(s any) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(ToString(s)))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR", ToString(s))
	}
	return p, nil
}

// isIP reports whether s is an IP address (with or without a prefix).
func isIP(s any) bool {
	_, err := parseAddr(s)
	return err == nil
}

// ipFamily returns 4 or 6.
func ipFamily(s any) (int, error) {
	a, err := parseAddr(s)
	if err != nil {
		return 0, err
	}
	if a.Is4() {
		return 4, nil
	}
	return 6, nil
}

func ipInCIDR(ip, cidr any) (bool, error) {
	a, err := parseAddr(ip)
	if err != nil {
		return false, err
	}
	p, err := parsePrefix(cidr)
	if err != nil {
		return false, err
	}
	return p.Masked().Contains(a), nil
}

// cidrHost returns the n-th address of a network; negative n counts from
// the end (-1 is the broadcast address of an IPv4 network).
func cidrHost(cidr any, n int) (string, error) {
	p, err := parsePrefix(cidr)
	if err != nil {
		return "", err
	}
	p = p.Masked()
	bits := p.Addr().BitLen()
	size := new(big.Int).Lsh(big.NewInt(1), uint(bits-p.Bits()))
	off := big.NewInt(int64(n))
	if n < 0 {
		off.Add(off, size)
	}
	if off.Sign() < 0 || off.Cmp(size) >= 0 {
		return "", fmt.Errorf("cidrHost: %d is outside %s", n, p)
	}
	base := new(big.Int).SetBytes(p.Addr().AsSlice())
	b := base.Add(base, off).FillBytes(make([]byte, bits/8))
	a, _ := netip.AddrFromSlice(b)
	return a.String(), nil
}

// cidrNetmask returns an IPv4 network's mask in dotted form.
func cidrNetmask(cidr any) (string, error) {
	p, err := parsePrefix(cidr)
	if err != nil {
		return "", err
	}
	if !p.Addr().Is4() {
		return "", fmt.Errorf("cidrNetmask: %s is not an IPv4 network", p)
	}
	return net.IP(net.CIDRMask(p.Bits(), 32)).String(), nil
}

func cidrPrefix(cidr any) (int, error) {
	p, err := parsePrefix(cidr)
	if err != nil {
		return 0, err
	}
	return p.Bits(), nil
}

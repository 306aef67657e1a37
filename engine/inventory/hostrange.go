package inventory

import (
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Host identifiers as ansible.parsing.utils.addresses accepts them. Go's
// regexp has no look-behind, so a label's last character is spelled out.
const (
	hostRange  = `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	labelStart = `(?:[\p{L}\p{N}_]|` + hostRange + `)`
	labelMid   = `(?:[\p{L}\p{N}_-]|` + hostRange + `)`
	labelEnd   = `(?:[\p{L}\p{N}]|` + hostRange + `)`
	label      = `(?:` + labelStart + labelMid + `*` + labelEnd + `|[\p{L}\p{N}]|` + hostRange + `)`
	v4part     = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|\[[0-9]+:[0-9]+(?::[0-9]+)?\])`
)

var (
	bracketedHostPort = regexp.MustCompile(`^\[(.+)\]:([0-9]+)$`)
	hostPort          = regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`)
	ipv4Re            = regexp.MustCompile(`^(?:` + v4part + `\.){3}` + v4part + `$`)
	hostnameRe        = regexp.MustCompile(`(?i)^` + label + `(?:\.` + label + `)*$`)
	anyRange          = regexp.MustCompile(`\[[^\]]*\]`)
)

// parseAddress splits "host:port", "[v6]:port" and checks the host is a
// valid name or address, as Ansible's parse_address.
func parseAddress(addr string, allowRanges bool) (string, int, error) {
	port := 0
	for _, re := range []*regexp.Regexp{bracketedHostPort, hostPort} {
		if m := re.FindStringSubmatch(addr); m != nil {
			addr = m[1]
			p, err := strconv.Atoi(m[2])
			if err != nil {
				return "", 0, err
			}
			port = p
		}
	}
	if !ipv4Re.MatchString(addr) && !isIPv6(addr) && !hostnameRe.MatchString(addr) {
		return "", 0, fmt.Errorf("not a valid network hostname: %s", addr)
	}
	if !allowRanges && strings.Contains(addr, "[") {
		return "", 0, errors.New("detected range in host but was asked to ignore ranges")
	}
	return addr, port, nil
}

func isIPv6(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	// Ranges inside IPv6 addresses are allowed by Ansible; test a sample.
	ip := net.ParseIP(anyRange.ReplaceAllString(s, "0"))
	return ip != nil && strings.Count(s, ":") >= 2
}

// expandHostPattern returns the host names and port of an inventory host
// key such as "node[01:10].lab:2222".
func expandHostPattern(pattern string) ([]string, int, error) {
	name, port, err := parseAddress(pattern, true)
	if err != nil {
		name, port = pattern, 0
	}
	if !strings.Contains(name, "[") {
		return []string{name}, port, nil
	}
	hosts, err := expandRange(name, MaxRangeHosts)
	return hosts, port, err
}

// MaxRangeHosts bounds the hosts one host pattern may expand to: a typo
// such as h[0:999999999] must be an error, not a billion hosts in memory.
const MaxRangeHosts = 100_000

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandRange is expand_hostname_range: [beg:end] or [beg:end:step], numeric
// (zero-padded when beg has a leading zero) or alphabetic, nested ranges
// expanded left to right. It refuses to make more than limit names.
func expandRange(line string, limit int) ([]string, error) {
	open := strings.Index(line, "[")
	close := strings.Index(line, "]")
	if open < 0 || close < open {
		return nil, fmt.Errorf("host range in %q is not closed", line)
	}
	head, nrange, tail := line[:open], line[open+1:close], line[close+1:]
	bounds := strings.Split(nrange, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, errors.New("host range must be begin:end or begin:end:step")
	}
	beg, end, step := bounds[0], bounds[1], "1"
	if len(bounds) == 3 {
		step = bounds[2]
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, errors.New("host range must specify end value")
	}
	pad := 0
	if beg[0] == '0' && len(beg) > 1 {
		pad = len(beg)
		if pad != len(end) {
			return nil, errors.New("host range must specify equal-length begin and end formats")
		}
	}
	st, err := pyInt(step)
	if err != nil {
		return nil, fmt.Errorf("host range step %q is not a number", step)
	}
	var seq []string
	tooMany := func(n int) error {
		if n <= limit {
			return nil
		}
		return fmt.Errorf("host pattern %q expands to more than %d hosts", line, MaxRangeHosts)
	}
	ib, ie := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if ib >= 0 && ie >= 0 && st > 0 {
		if ib > ie {
			return nil, errors.New("host range must have begin <= end")
		}
		if err := tooMany((ie-ib)/st + 1); err != nil {
			return nil, err
		}
		for i := ib; i <= ie; i += st {
			seq = append(seq, asciiLetters[i:i+1])
		}
	} else {
		b, err1 := pyInt(beg)
		e, err2 := pyInt(end)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("host range [%s] is neither numeric nor alphabetic", nrange)
		}
		if st == 0 {
			return nil, errors.New("host range step must not be zero")
		}
		if err := tooMany(rangeLen(b, e+1, st)); err != nil {
			return nil, err
		}
		for i := b; (st > 0 && i < e+1) || (st < 0 && i > e+1); i += st {
			s := strconv.Itoa(i)
			if pad > 0 && len(s) < pad {
				s = strings.Repeat("0", pad-len(s)) + s
			}
			seq = append(seq, s)
		}
	}
	var out []string
	for _, s := range seq {
		h := head + s + tail
		if strings.Contains(h, "[") {
			// n·m <= limit for every m <= limit/n.
			more, err := expandRange(h, limit/len(seq))
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		} else {
			out = append(out, h)
		}
	}
	return out, nil
}

// rangeLen is len(range(start, stop, step)) in Python, step not 0, without
// overflow for any int bounds.
func rangeLen(start, stop, step int) int {
	lo, hi, st := start, stop, step
	if step < 0 {
		lo, hi, st = stop, start, -step
	}
	if lo >= hi {
		return 0
	}
	d := uint(hi) - uint(lo) // the true distance, even past MaxInt
	return int(min((d-1)/uint(st)+1, uint(math.MaxInt)))
}

// pyInt parses an integer the way Python's int() does for range bounds.
func pyInt(s string) (int, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	return strconv.Atoi(s)
}

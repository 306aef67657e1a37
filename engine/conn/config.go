package conn

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HostConfig is how to reach one inventory host. Empty fields fall back to
// the Dialer's defaults, then to ~/.ssh/config, then to ssh's own defaults.
type HostConfig struct {
	Name           string // inventory name, used in errors
	Address        string // ansible_host; "" means Name
	Port           int    // 0 means ssh config or 22
	User           string
	KeyFiles       []string
	Password       string // ansible_password: ssh password authentication
	KeyPassphrase  string // ansible_ssh_private_key_passphrase
	BecomePassword string // sudo password
	ProxyJump      string // [user@]host[:port], comma-separated for a chain
	Connection     string // "ssh" (default) or "local"
	Timeout        time.Duration
	// HostKeyChecking is strict, accept-new or off; "" means the Dialer's.
	HostKeyChecking string
}

// Host key checking modes.
const (
	HostKeyStrict    = "strict"
	HostKeyAcceptNew = "accept-new"
	HostKeyOff       = "off"
)

// ConfigFromVars reads the ansible_* connection variables of one host. Values
// may be strings, ints or bools, as YAML and INI inventories give them.
func ConfigFromVars(name string, vars map[string]any) HostConfig {
	hc := HostConfig{Name: name}
	str := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := vars[k]; ok && v != nil {
				return fmt.Sprint(v)
			}
		}
		return ""
	}
	hc.Address = str("ansible_host", "ansible_ssh_host")
	if p, err := strconv.Atoi(str("ansible_port", "ansible_ssh_port")); err == nil {
		hc.Port = p
	}
	hc.User = str("ansible_user", "ansible_ssh_user")
	switch v := vars["ansible_ssh_private_key_file"].(type) {
	case []any:
		for _, f := range v {
			hc.KeyFiles = append(hc.KeyFiles, fmt.Sprint(f))
		}
	case []string:
		hc.KeyFiles = append(hc.KeyFiles, v...)
	default:
		if f := str("ansible_ssh_private_key_file", "ansible_private_key_file"); f != "" {
			hc.KeyFiles = []string{f}
		}
	}
	hc.Password = str("ansible_password", "ansible_ssh_pass", "ansible_ssh_password")
	hc.KeyPassphrase = str("ansible_ssh_private_key_passphrase")
	hc.BecomePassword = str("ansible_become_password", "ansible_become_pass", "ansible_sudo_pass")
	hc.ProxyJump = jumpFromArgs(str("ansible_ssh_common_args") + " " + str("ansible_ssh_extra_args"))
	switch c := str("ansible_connection"); c {
	case "", "ssh", "smart", "paramiko":
		hc.Connection = "ssh"
	default:
		hc.Connection = c
	}
	if s, err := strconv.ParseFloat(str("ansible_timeout", "ansible_ssh_timeout"), 64); err == nil && s > 0 {
		hc.Timeout = time.Duration(s * float64(time.Second))
	}
	hc.HostKeyChecking = hostKeyMode(str("ansible_ssh_host_key_checking", "ansible_host_key_checking"))
	return hc
}

// hostKeyMode maps ansible's boolean host_key_checking, or a mode name, to a
// mode; "" keeps the Dialer's default.
func hostKeyMode(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "1", "on", "strict":
		return HostKeyStrict
	case "false", "no", "0", "off":
		return HostKeyOff
	case "accept-new", "accept_new":
		return HostKeyAcceptNew
	}
	return ""
}

// jumpFromArgs finds the jump host in ssh arguments: -J HOST, -JHOST or
// -o ProxyJump=HOST. Other options (ProxyCommand included) are ignored.
func jumpFromArgs(args string) string {
	f := splitWords(args)
	for i := 0; i < len(f); i++ {
		a := f[i]
		switch {
		case a == "-J" && i+1 < len(f):
			return f[i+1]
		case strings.HasPrefix(a, "-J"):
			return a[2:]
		case a == "-o" && i+1 < len(f):
			if v, ok := proxyJumpOption(f[i+1]); ok {
				return v
			}
			i++
		case strings.HasPrefix(a, "-o"):
			if v, ok := proxyJumpOption(a[2:]); ok {
				return v
			}
		}
	}
	return ""
}

func proxyJumpOption(opt string) (string, bool) {
	k, v, ok := strings.Cut(opt, "=")
	if !ok {
		k, v, ok = strings.Cut(opt, " ")
	}
	if ok && strings.EqualFold(strings.TrimSpace(k), "proxyjump") {
		return strings.TrimSpace(v), true
	}
	return "", false
}

// splitWords splits s into words the way a shell would for the simple cases
// found in ansible_ssh_common_args: blanks separate, quotes group.
func splitWords(s string) []string {
	var words []string
	var b strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			b.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words = append(words, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, b.String())
	}
	return words
}

// jumpHost is one hop of a ProxyJump.
type jumpHost struct {
	User, Host string
	Port       int
}

// parseJump parses [user@]host[:port] hops separated by commas.
func parseJump(s string) ([]jumpHost, error) {
	var hops []jumpHost
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "ssh://"))
		if h == "" || strings.EqualFold(h, "none") {
			continue
		}
		var j jumpHost
		if u, rest, ok := strings.Cut(h, "@"); ok {
			j.User, h = u, rest
		}
		j.Host = h
		if i := strings.LastIndex(h, ":"); i >= 0 && !strings.HasSuffix(h, "]") {
			p, err := strconv.Atoi(h[i+1:])
			if err != nil || p <= 0 || p > 65535 {
				return nil, fmt.Errorf("proxy jump %q: bad port", s)
			}
			j.Host, j.Port = h[:i], p
		}
		j.Host = strings.TrimSuffix(strings.TrimPrefix(j.Host, "["), "]")
		if j.Host == "" {
			return nil, fmt.Errorf("proxy jump %q: no host", s)
		}
		hops = append(hops, j)
	}
	return hops, nil
}

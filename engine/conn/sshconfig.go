package conn

import (
	"bufio"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// sshConfig is the subset of ssh_config(5) hapb honours: HostName, Port, User,
// IdentityFile and ProxyJump under Host patterns. Match and Include blocks are
// skipped. As in ssh, the first value found for a keyword wins, except
// IdentityFile, which accumulates.
type sshConfig struct {
	blocks []sshConfigBlock
}

type sshConfigBlock struct {
	patterns []string
	opts     [][2]string // keyword (lower case), value
}

// hostSettings is what ~/.ssh/config says about one host.
type hostSettings struct {
	HostName, User, ProxyJump string
	Port                      string
	IdentityFiles             []string
}

func loadSSHConfig(file string) (*sshConfig, error) {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return &sshConfig{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseSSHConfig(f)
}

func parseSSHConfig(r io.Reader) (*sshConfig, error) {
	cfg := &sshConfig{}
	// Options before the first Host apply to every host.
	cur := &sshConfigBlock{patterns: []string{"*"}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		key, val := splitConfigLine(line)
		switch strings.ToLower(key) {
		case "host":
			cfg.blocks = append(cfg.blocks, *cur)
			cur = &sshConfigBlock{patterns: splitWords(val)}
		case "match":
			cfg.blocks = append(cfg.blocks, *cur)
			cur = &sshConfigBlock{} // never matches
		default:
			cur.opts = append(cur.opts, [2]string{strings.ToLower(key), val})
		}
	}
	cfg.blocks = append(cfg.blocks, *cur)
	return cfg, sc.Err()
}

// splitConfigLine splits "Key value", "Key=value" or "Key = value".
func splitConfigLine(line string) (string, string) {
	i := strings.IndexAny(line, " \t=")
	if i < 0 {
		return line, ""
	}
	key, rest := line[:i], strings.TrimLeft(line[i:], " \t")
	rest = strings.TrimLeft(strings.TrimPrefix(rest, "="), " \t")
	if len(rest) >= 2 && rest[0] == '"' && rest[len(rest)-1] == '"' {
		rest = rest[1 : len(rest)-1]
	}
	return key, rest
}

// lookup returns the settings for host, the name given on the command line
// (here the inventory address).
func (c *sshConfig) lookup(host string) hostSettings {
	var s hostSettings
	for _, b := range c.blocks {
		if !matchHostPatterns(b.patterns, host) {
			continue
		}
		for _, o := range b.opts {
			switch o[0] {
			case "hostname":
				first(&s.HostName, strings.ReplaceAll(o[1], "%h", host))
			case "port":
				first(&s.Port, o[1])
			case "user":
				first(&s.User, o[1])
			case "proxyjump":
				first(&s.ProxyJump, o[1])
			case "identityfile":
				s.IdentityFiles = append(s.IdentityFiles, expandHome(o[1]))
			}
		}
	}
	return s
}

func first(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// matchHostPatterns reports whether host matches a Host line: some pattern
// matches and no negated (!) pattern does. Patterns use * and ?.
func matchHostPatterns(patterns []string, host string) bool {
	matched := false
	for _, p := range patterns {
		for _, p := range strings.Split(p, ",") {
			neg := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(p, "!")
			// path.Match treats [ and \ specially; ssh does not.
			p = strings.NewReplacer("[", `\[`, "]", `\]`, `\`, `\\`).Replace(p)
			ok, _ := path.Match(strings.ToLower(p), strings.ToLower(host))
			if ok && neg {
				return false
			}
			matched = matched || ok
		}
	}
	return matched
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

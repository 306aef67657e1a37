package inventory

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/go-multierror"
)

var (
	patternWithSubscript = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)
	patternWords         = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)
)

// Select returns the hosts an Ansible host pattern names (play `hosts:`,
// --limit): all or *, group and host names, globs (web*), regexes (~web\d+),
// unions with "," or ":", exclusions (!db), intersections (&k8s),
// subscripts (web[0], web[-1], web[0:2]) and @file (one pattern per line, as
// in a retry file). Hosts come in Ansible's order: by pattern, then within a
// group in inventory order. Names that match nothing are ignored, as Ansible
// does; Match reports them.
func (inv *Inventory) Select(pattern string) ([]*Host, error) {
	hosts, _, err := inv.Match(pattern)
	return hosts, err
}

// Match is Select that also returns the patterns that matched nothing, for
// the caller to warn about ("Could not match supplied host pattern").
func (inv *Inventory) Match(pattern string) (hosts []*Host, unmatched []string, err error) {
	var pats []string
	var errs *multierror.Error
	for _, p := range SplitPattern(pattern) {
		if !strings.HasPrefix(p, "@") {
			pats = append(pats, p)
			continue
		}
		lines, err := readPatternFile(p[1:])
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		pats = append(pats, lines...)
	}
	if errs != nil {
		return nil, nil, errs.ErrorOrNil()
	}
	var regular, and, not []string
	for _, p := range pats {
		switch p[0] {
		case '!':
			not = append(not, p)
		case '&':
			and = append(and, p)
		default:
			regular = append(regular, p)
		}
	}
	if len(regular) == 0 {
		regular = []string{"all"}
	}
	for _, p := range append(append(regular, and...), not...) {
		if h, ok := inv.hosts[p]; ok {
			hosts = append(hosts, h)
			continue
		}
		that, miss, err := inv.matchOne(p)
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		if miss {
			unmatched = append(unmatched, strings.TrimLeft(p, "!&"))
		}
		set := make(map[*Host]bool, len(that))
		for _, h := range that {
			set[h] = true
		}
		switch p[0] {
		case '!':
			hosts = filterHosts(hosts, func(h *Host) bool { return !set[h] })
		case '&':
			hosts = filterHosts(hosts, func(h *Host) bool { return set[h] })
		default:
			have := make(map[*Host]bool, len(hosts))
			for _, h := range hosts {
				have[h] = true
			}
			for _, h := range that {
				if !have[h] {
					hosts = append(hosts, h)
				}
			}
		}
	}
	if errs != nil {
		return nil, nil, errs.ErrorOrNil()
	}
	seen := make(map[*Host]bool, len(hosts))
	return filterHosts(hosts, func(h *Host) bool {
		if seen[h] {
			return false
		}
		seen[h] = true
		return true
	}), unmatched, nil
}

// SplitPattern cuts a host pattern into single patterns as Ansible's
// split_host_pattern: on commas if there are any, else on colons that are
// not part of an IPv6 address or a [x:y] range.
func SplitPattern(pattern string) []string {
	var parts []string
	if strings.Contains(pattern, ",") {
		parts = strings.Split(pattern, ",")
	} else if _, _, err := parseAddress(pattern, true); err == nil {
		parts = []string{pattern}
	} else {
		parts = patternWords.FindAllString(pattern, -1)
	}
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func readPatternFile(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unable to find limit file %s", path)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("limit starting with \"@\" must be a file, not a directory: %s", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

func filterHosts(hs []*Host, keep func(*Host) bool) []*Host {
	out := hs[:0:0]
	for _, h := range hs {
		if keep(h) {
			out = append(out, h)
		}
	}
	return out
}

// matchOne resolves one pattern without its !/& prefix; miss reports that
// it named no group and no host.
func (inv *Inventory) matchOne(pattern string) (hosts []*Host, miss bool, err error) {
	p := strings.TrimLeft(pattern[:1], "!&") + pattern[1:]
	expr, start, end, hasSub := p, 0, 0, false
	if !strings.HasPrefix(p, "~") {
		if m := patternWithSubscript.FindStringSubmatch(p); m != nil {
			expr, hasSub = m[1], true
			if m[2] != "" {
				start, _ = strconv.Atoi(m[2])
				end = 0
			} else {
				start, _ = strconv.Atoi(m[3])
				end = -1
				if m[5] != "" {
					end, _ = strconv.Atoi(m[5])
				}
			}
		}
	}
	hosts, groupHit, err := inv.enumerate(expr)
	if err != nil {
		return nil, false, err
	}
	miss = len(hosts) == 0 && !groupHit && expr != "all"
	if !hasSub || len(hosts) == 0 {
		return hosts, miss, nil
	}
	if end != 0 { // a [start:end] slice, clipped like Python's
		if end == -1 {
			end = len(hosts) - 1
		}
		if start > len(hosts) {
			start = len(hosts)
		}
		if end+1 > len(hosts) {
			end = len(hosts) - 1
		}
		if end+1 < start {
			return nil, miss, nil
		}
		return hosts[start : end+1], miss, nil
	}
	i := start
	if i < 0 {
		i += len(hosts)
	}
	if i < 0 || i >= len(hosts) {
		return nil, true, nil // Ansible: "No hosts matched the subscripted pattern"
	}
	return []*Host{hosts[i]}, miss, nil
}

// enumerate matches a pattern against group names (all their hosts) and,
// for regexes, globs and names that are no group, against host names.
func (inv *Inventory) enumerate(pattern string) ([]*Host, bool, error) {
	match, err := compilePattern(pattern)
	if err != nil {
		return nil, false, err
	}
	var out []*Host
	groupHit := false
	for _, g := range inv.groupOrder {
		if match(g.name) {
			groupHit = true
			out = append(out, g.allHosts...)
		}
	}
	if !groupHit || pattern[0] == '~' || strings.ContainsAny(pattern, ".?*[") {
		for _, h := range inv.hostOrder {
			if match(h.Name) {
				out = append(out, h)
			}
		}
	}
	if len(out) == 0 && inv.localhost != nil && isLocalhostName(pattern) {
		out = append(out, inv.localhost)
	}
	return out, groupHit, nil
}

// compilePattern turns "~regex" (anchored at the start, as Python's
// re.match) or a shell glob (whole name) into a matcher.
func compilePattern(p string) (func(string) bool, error) {
	var src string
	if strings.HasPrefix(p, "~") {
		src = `^(?:` + p[1:] + `)`
	} else if !strings.ContainsAny(p, "*?[") {
		return func(s string) bool { return s == p }, nil
	} else {
		src = "^" + globToRegexp(p) + "$"
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("invalid host list pattern: %s", p)
	}
	return re.MatchString, nil
}

// globToRegexp is Python's fnmatch.translate.
func globToRegexp(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			b.WriteString(`(?s:.*)`)
		case '?':
			b.WriteString(`(?s:.)`)
		case '[':
			j := i + 1
			if j < len(p) && p[j] == '!' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				j++
			}
			if j >= len(p) {
				b.WriteString(`\[`)
				continue
			}
			set := p[i+1 : j]
			i = j
			set = strings.ReplaceAll(set, `\`, `\\`)
			if strings.HasPrefix(set, "!") {
				set = "^" + set[1:]
			} else if strings.HasPrefix(set, "^") {
				set = `\` + set
			}
			b.WriteString("[" + set + "]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// Limit keeps the hosts that the pattern also selects, in their given
// order: how --limit narrows a play's hosts (Ansible's subset).
func (inv *Inventory) Limit(hosts []*Host, pattern string) ([]*Host, error) {
	sel, err := inv.Select(pattern)
	if err != nil {
		return nil, err
	}
	keep := make(map[*Host]bool, len(sel))
	for _, h := range sel {
		keep[h] = true
	}
	return filterHosts(hosts, func(h *Host) bool { return keep[h] }), nil
}

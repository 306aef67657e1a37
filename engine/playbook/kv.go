package playbook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hapb/hapb/engine/params"
)

// splitKV splits Ansible's `key=value key2="quoted value"` argument form.
func splitKV(s string) ([][2]string, error) {
	var out [][2]string
	for _, f := range splitQuoted(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || !identifier.MatchString(k) {
			return nil, fmt.Errorf("not key=value: %q", f)
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// splitQuoted splits on spaces outside quotes and template actions.
func splitQuoted(s string) []string {
	var out []string
	for _, r := range tokens(s) {
		out = append(out, s[r[0]:r[1]])
	}
	return out
}

// tokens returns the [start, end) ranges of the space-separated words of
// s, a quoted string or a template action counting as part of one word.
func tokens(s string) [][2]int {
	var out [][2]int
	var quote byte
	depth, start := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if start < 0 && c != ' ' {
			start = i
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case strings.HasPrefix(s[i:], "{{"):
			depth++
		case strings.HasPrefix(s[i:], "}}") && depth > 0:
			depth--
		case c == ' ' && depth == 0 && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// cutParams takes Ansible's inline parameters out of a one-line free-form
// string (`command: kubeadm init creates=/etc/kubernetes/admin.conf`):
// words key=value whose key is one of the module's parameters. Multi-line
// scripts are left alone.
func cutParams(s, freeForm string, p any) (string, [][2]string) {
	if strings.Contains(s, "\n") || !strings.Contains(s, "=") {
		return s, nil
	}
	var names []string
	if _, free := p.(*map[string]any); !free && checkParamsType(p) == nil {
		for _, f := range params.Fields(p) {
			if f.Name != freeForm {
				names = append(names, append([]string{f.Name}, f.Aliases...)...)
			}
		}
	}
	var kvs [][2]string
	var rest strings.Builder
	last := 0
	for _, r := range tokens(s) {
		kv, err := splitKV(s[r[0]:r[1]])
		if err != nil || !contains(names, kv[0][0]) {
			continue
		}
		kvs = append(kvs, kv[0])
		rest.WriteString(strings.TrimRight(s[last:r[0]], " "))
		last = r[1]
	}
	rest.WriteString(s[last:])
	if kvs == nil {
		return s, nil
	}
	return strings.TrimSpace(rest.String()), kvs
}

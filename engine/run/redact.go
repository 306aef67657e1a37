package run

import (
	"sort"
	"strings"
	"sync"

	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
)

// redactor hides secrets in everything reported, for the rest of the run.
// It learns them from every variable whose name says it is secret
// (report.SecretName), whatever the variable's source, type or depth, once
// its value is rendered (see vars.Host.Observe and taskVars), and from the
// values modules mark as secret (kubeadm tokens).
//
// How a secret is hidden depends on its length. Where a secret-named field
// is shown (debug var=, a set_fact result, registered data), its whole
// value is replaced, whatever it is. Elsewhere, in free text (messages,
// command lines, stdout, diffs), every occurrence of a secret of at least
// minFreeText characters is replaced, longest first; a shorter one only
// where it is a whole string value: masking every "no" or "1" in the output
// would hide nothing and garble everything. Booleans are only masked as
// fields, for the same reason.
type redactor struct {
	mu    sync.RWMutex
	long  map[string]bool // replaced wherever they occur
	short map[string]bool // replaced where they are the whole string
	rep   *strings.Replacer
	stale bool // rep must be rebuilt from long
}

const minFreeText = 4

func newRedactor() *redactor {
	return &redactor{long: map[string]bool{}, short: map[string]bool{}}
}

// learn is told a variable's value: the secrets in it join the redactor.
// It has the signature of vars.Host.Observe.
func (rd *redactor) learn(key string, v any) {
	if report.SecretName(key) {
		if m, ok := v.(map[string]any); ok && isResult(m) {
			rd.addResult(m)
		} else {
			rd.addAll(v)
			return
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			rd.learn(k, e)
		}
	case []any:
		for _, e := range v {
			rd.learn("", e)
		}
	}
}

// learnAll is learn for every variable of m.
func (rd *redactor) learnAll(m map[string]any) {
	for k, v := range m {
		rd.learn(k, v)
	}
}

// isResult reports whether m is a registered task result: every result has
// its changed and failed booleans.
func isResult(m map[string]any) bool {
	_, c := m["changed"].(bool)
	_, f := m["failed"].(bool)
	return c && f
}

// addResult adds what a task registered under a secret name printed: its
// output, not its command line or timestamps (a register named
// join_token must not mask every "kubeadm" in the output).
func (rd *redactor) addResult(m map[string]any) {
	for _, k := range []string{"stdout", "stdout_lines", "content"} {
		rd.addAll(m[k])
	}
	if items, ok := m["results"].([]any); ok {
		for _, it := range items {
			if im, ok := it.(map[string]any); ok {
				rd.addResult(im)
			}
		}
	}
}

// addAll adds every value in v, a secret, at any depth.
func (rd *redactor) addAll(v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			rd.addAll(e)
		}
	case []any:
		for _, e := range v {
			rd.addAll(e)
		}
	case []string:
		rd.add(v...)
	case string:
		rd.add(v)
	case nil, bool:
	case *tmpl.Template:
		// Not rendered yet: it is learned once it is.
	default:
		// A number: hidden in free text and as a value when it has at
		// least minFreeText digits, like a string (a field holding it is
		// masked whatever its length).
		if n := tmpl.ToString(v); len(n) >= minFreeText {
			rd.add(n)
		}
	}
}

func (rd *redactor) add(secrets ...string) {
	var news []string
	rd.mu.RLock()
	for _, s := range secrets {
		if s != "" && !rd.long[s] && !rd.short[s] {
			news = append(news, s)
		}
	}
	rd.mu.RUnlock()
	if len(news) == 0 {
		return
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	for _, s := range news {
		if len(s) >= minFreeText {
			rd.long[s] = true
			rd.stale = true
		} else {
			rd.short[s] = true
		}
	}
}

// replacer returns the replacer of the long secrets, rebuilt when secrets
// were added since: longest first, so that of two secrets where one is a
// prefix of the other, no tail is left visible, and in a fixed order.
func (rd *redactor) replacer() *strings.Replacer {
	rd.mu.RLock()
	rep, stale := rd.rep, rd.stale
	rd.mu.RUnlock()
	if !stale {
		return rep
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.stale {
		secrets := make([]string, 0, len(rd.long))
		for s := range rd.long {
			secrets = append(secrets, s)
		}
		sort.Slice(secrets, func(i, j int) bool {
			if len(secrets[i]) != len(secrets[j]) {
				return len(secrets[i]) > len(secrets[j])
			}
			return secrets[i] < secrets[j]
		})
		pairs := make([]string, 0, 2*len(secrets))
		for _, s := range secrets {
			pairs = append(pairs, s, report.Masked)
		}
		rd.rep = strings.NewReplacer(pairs...)
		rd.stale = false
	}
	return rd.rep
}

// str hides the secrets in free text.
func (rd *redactor) str(s string) string {
	if s == "" {
		return s
	}
	rd.mu.RLock()
	whole := rd.short[s]
	rd.mu.RUnlock()
	if whole {
		return report.Masked
	}
	if rep := rd.replacer(); rep != nil {
		return rep.Replace(s)
	}
	return s
}

// value returns v with every secret hidden: the value of every
// secret-named field whatever it is, and secrets in strings as str does.
// v itself is not modified: it is copied, unless there is nothing to hide.
func (rd *redactor) value(v any) any {
	rd.mu.RLock()
	none := len(rd.long) == 0 && len(rd.short) == 0
	rd.mu.RUnlock()
	if none && !hasSecretField(v) {
		return v
	}
	return rd.hide(v)
}

// hasSecretField reports whether v holds a non-empty secret-named field.
func hasSecretField(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if hasSecretField(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if (report.SecretName(k) && e != nil && e != "") || hasSecretField(e) {
				return true
			}
		}
	}
	return false
}

func (rd *redactor) hide(v any) any {
	switch v := v.(type) {
	case string:
		return rd.str(v)
	case []string:
		out := make([]string, len(v))
		for i, e := range v {
			out[i] = rd.str(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = rd.hide(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if report.SecretName(k) && e != nil && e != "" {
				out[k] = report.Masked
			} else {
				out[k] = rd.hide(e)
			}
		}
		return out
	case int, int64, uint64, float64:
		rd.mu.RLock()
		secret := rd.long[tmpl.ToString(v)]
		rd.mu.RUnlock()
		if secret {
			return report.Masked
		}
	}
	return v
}

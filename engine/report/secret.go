package report

import "strings"

// Masked is what a secret is replaced with in output.
const Masked = "********"

// SecretName reports whether a variable or result field named name holds a
// secret: its name contains password, passwd, passphrase, secret, token or
// certificate_key, or one of its _-separated words is "pass"
// (ansible_ssh_pass, become_pass). Case does not matter.
func SecretName(name string) bool {
	// Called on every field of every result shown (every fact of every
	// host after gathering): no allocation unless the name has capitals,
	// and most names are done after three searches and a fourth for "pass",
	// which every other word contains.
	n := name
	for i := 0; i < len(n); i++ {
		if 'A' <= n[i] && n[i] <= 'Z' {
			n = strings.ToLower(n)
			break
		}
	}
	if strings.Contains(n, "secret") || strings.Contains(n, "token") || strings.Contains(n, "certificate_key") {
		return true
	}
	i := strings.Index(n, "pass")
	if i < 0 {
		return false
	}
	if rest := n[i:]; strings.Contains(rest, "password") || strings.Contains(rest, "passwd") || strings.Contains(rest, "passphrase") {
		return true
	}
	for rest := n; rest != ""; {
		i := strings.IndexAny(rest, "_-.")
		word := rest
		if i >= 0 {
			word, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if word == "pass" {
			return true
		}
	}
	return false
}

// MaskSecretFields returns a copy of v with the value of every secret-named
// key replaced by Masked, at any depth, whatever its type (a number, a
// list, a whole mapping). An empty value ("" or null) is left as it is: it
// hides nothing, and showing it says the variable is unset.
func MaskSecretFields(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if SecretName(k) && !empty(e) {
				out[k] = Masked
			} else {
				out[k] = MaskSecretFields(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = MaskSecretFields(e)
		}
		return out
	}
	return v
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	}
	return false
}

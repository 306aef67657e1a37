// Package remote is the wire format between hapb's modules and a host's
// POSIX shell: sectioned scripts that read several things in one round
// trip, and the positional path probe. Modules build the scripts and parse
// what comes back here; test fakes answer in the same format through the
// same code, so the two never drift apart.
package remote

import "strings"

// Preamble defines the shell function s, which starts a section: the script
// runs `s NAME` before the commands whose output is NAME's body.
const Preamble = `s() { printf '\n@@hapb %s\n' "$1"; }`

// Marker is a string every sectioned script contains, for fakes that answer
// them by substring.
const Marker = "@@hapb"

// sep starts a section in the output: the preamble's printf.
const sep = "\n" + Marker + " "

// Script is body between the preamble and a last section, end, whose
// presence says the script ran to the end.
func Script(body string) string {
	return Preamble + "\n" + strings.TrimSuffix(body, "\n") + "\ns end\n"
}

// Sections is a sectioned script's output by section name. A section the
// script did not start (a file that does not exist) is absent, which is
// how scripts say "no" without inventing a value.
type Sections map[string]string

// Parse splits a sectioned script's output into its sections; each body is
// the command's exact output.
func Parse(out []byte) Sections {
	m := Sections{}
	parts := strings.Split(string(out), sep)
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		m[name] = body
	}
	return m
}

// Has reports whether the script started section name.
func (s Sections) Has(name string) bool {
	_, ok := s[name]
	return ok
}

// Trimmed is section name's body without surrounding white space.
func (s Sections) Trimmed(name string) string { return strings.TrimSpace(s[name]) }

// Status splits a section whose command was followed by `echo "rc=$?"` into
// the command's output and its exit status ("" when the status is missing,
// so the command did not finish).
func (s Sections) Status(name string) (out, rc string) {
	v := strings.TrimSpace(s[name])
	i := strings.LastIndex(v, "rc=")
	if i < 0 {
		return v, ""
	}
	return strings.TrimSpace(v[:i]), v[i+3:]
}

// Format is the output a sectioned script prints for the given name, body
// pairs followed by the end section: what fakes answer.
func Format(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString(sep + pairs[i] + "\n" + pairs[i+1])
	}
	b.WriteString(sep + "end\n")
	return b.String()
}

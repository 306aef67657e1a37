package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/hapb/hapb/engine/tmpl"
)

// parseExtraVars merges -e values, last wins: `k=v k2=v2`, inline JSON or
// YAML (`{"k": 1}`), or `@file` (YAML or JSON).
func parseExtraVars(specs []string) (map[string]any, error) {
	out := map[string]any{}
	for _, spec := range specs {
		spec = strings.TrimSpace(spec)
		var m map[string]any
		switch {
		case spec == "":
			continue
		case strings.HasPrefix(spec, "@"):
			b, err := os.ReadFile(spec[1:])
			if err != nil {
				return nil, fmt.Errorf("-e %s: %w", spec, err)
			}
			if m, err = decodeVars(b); err != nil {
				return nil, fmt.Errorf("-e %s: %w", spec, err)
			}
		case strings.HasPrefix(spec, "{"):
			var err error
			if m, err = decodeVars([]byte(spec)); err != nil {
				return nil, fmt.Errorf("-e %q: %w", spec, err)
			}
		default:
			var err error
			if m, err = parseKeyValues(spec); err != nil {
				return nil, fmt.Errorf("-e %q: %w", spec, err)
			}
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// decodeVars decodes a YAML or JSON mapping of variables; values tagged
// !unsafe stay text that is never rendered.
func decodeVars(b []byte) (map[string]any, error) {
	v, err := tmpl.DecodeYAML(b)
	if err != nil || v == nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a mapping of variables, got %T", v)
	}
	return m, nil
}

// parseKeyValues parses `a=1 b='two words'`; values stay strings, as in
// Ansible.
func parseKeyValues(s string) (map[string]any, error) {
	m := map[string]any{}
	for _, f := range splitShellish(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", f)
		}
		m[k] = v
	}
	return m, nil
}

// splitShellish splits on blanks outside single or double quotes and drops
// the quotes.
func splitShellish(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

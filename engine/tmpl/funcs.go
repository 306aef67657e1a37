package tmpl

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"text/template"

	"gopkg.in/yaml.v3"
)

// funcs is the template function library. Every function is documented,
// with a tested example, in funcDocs (docs.go), which `hapb doc templates`
// prints. Arguments follow Sprig's order: the value worked on comes last,
// so functions chain in pipelines: {{ .name | replace "-" "_" | upper }}.
var funcs = template.FuncMap{
	// Definedness: default and defined get their operand leniently (lenient.go).
	"default": func(d, v any) any {
		if v == nil || isMissing(v) {
			return d
		}
		return v
	},
	"defined":  func(v any) bool { return !isMissing(v) },
	"hasKey":   hasKey,
	"index":    func(v any, keys ...any) (any, error) { return getPath("", v, keys...) },
	"__lookup": lookup,
	"__native": toJSONText,
	// __str ends every action, so values print as ToString does: lists as
	// JSON, null as nothing, never "<no value>".
	"__str": func(v any) (string, error) {
		if isMissing(v) {
			return "", errUndefinedValue
		}
		return ToString(v), nil
	},

	// Strings.
	"join":      join,
	"split":     func(sep string, s any) []any { return toAnyList(strings.Split(ToString(s), sep)) },
	"quote":     func(s any) string { return shellQuote(ToString(s)) },
	"upper":     func(s any) string { return strings.ToUpper(ToString(s)) },
	"lower":     func(s any) string { return strings.ToLower(ToString(s)) },
	"trim":      func(s any) string { return strings.TrimSpace(ToString(s)) },
	"replace":   func(old, new string, s any) string { return strings.ReplaceAll(ToString(s), old, new) },
	"contains":  contains,
	"hasPrefix": func(p string, s any) bool { return strings.HasPrefix(ToString(s), p) },
	"hasSuffix": func(p string, s any) bool { return strings.HasSuffix(ToString(s), p) },
	"indent":    indent,
	"nindent":   func(n int, s any) string { return "\n" + indent(n, s) },
	"regexReplace": func(re, repl string, s any) (string, error) {
		r, err := cachedRegexp(re)
		if err != nil {
			return "", err
		}
		return r.ReplaceAllString(ToString(s), repl), nil
	},
	"regexMatch": func(re string, s any) (bool, error) {
		r, err := cachedRegexp(re)
		if err != nil {
			return false, err
		}
		return r.MatchString(ToString(s)), nil
	},

	// Encodings.
	"toYaml":   toYAML,
	"toJson":   func(v any) (string, error) { return toJSONText(v) },
	"fromYaml": fromYAML,
	"fromJson": func(s string) (any, error) { return fromJSON([]byte(s)) },
	"b64enc":   func(s any) string { return base64.StdEncoding.EncodeToString([]byte(ToString(s))) },
	"b64dec": func(s string) (string, error) {
		b, err := base64.StdEncoding.DecodeString(s)
		return string(b), err
	},
	"sha256": func(s any) string {
		h := sha256.Sum256([]byte(ToString(s)))
		return hex.EncodeToString(h[:])
	},

	// Collections.
	"list":       func(v ...any) []any { return v },
	"concat":     concat,
	"dict":       dict,
	"keys":       keys,
	"values":     values,
	"first":      first,
	"last":       last,
	"len":        length,
	"length":     length,
	"unique":     unique,
	"sort":       sortList,
	"pluck":      pluck,
	"hostvarsOf": hostvarsOf,
	"seq":        seq,

	// Conversions and logic.
	"ternary": func(a, b any, cond bool) any {
		if cond {
			return a
		}
		return b
	},
	"int":    toInt,
	"string": func(v any) string { return ToString(v) },
	"bool":   toBool,
	"add":    arith('+'),
	"sub":    arith('-'),
	"mul":    arith('*'),
	"div":    arith('/'),
	"mod":    arith('%'),

	// Networks (net.go).
	"ipInCIDR":    ipInCIDR,
	"cidrHost":    cidrHost,
	"cidrNetmask": cidrNetmask,
	"cidrPrefix":  cidrPrefix,
	"ipFamily":    ipFamily,
	"isIP":        isIP,
}

// shellQuote quotes s for a POSIX shell: 'it'\”s'.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func join(sep string, list any) (string, error) {
	l, err := toList(list)
	if err != nil {
		return "", fmt.Errorf("join: %v", err)
	}
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = ToString(e)
	}
	return strings.Join(parts, sep), nil
}

// contains reports whether a string holds a substring or a list an element.
func contains(needle, haystack any) (bool, error) {
	if s, ok := haystack.(string); ok {
		return strings.Contains(s, ToString(needle)), nil
	}
	l, err := toList(haystack)
	if err != nil {
		return false, fmt.Errorf("contains: %v", err)
	}
	for _, e := range l {
		if equal(e, needle) {
			return true, nil
		}
	}
	return false, nil
}

func indent(n int, s any) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(ToString(s), "\n", "\n"+pad)
}

var regexpCache sync.Map // string → *regexp.Regexp

// cachedRegexp compiles each pattern once: templates and expressions call
// the regexp functions per host.
func cachedRegexp(re string) (*regexp.Regexp, error) {
	if r, ok := regexpCache.Load(re); ok {
		return r.(*regexp.Regexp), nil
	}
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, err
	}
	regexpCache.Store(re, r)
	return r, nil
}

func toYAML(v any) (string, error) {
	var b strings.Builder
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(v); err != nil {
		return "", err
	}
	e.Close()
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func fromYAML(s string) (any, error) {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return v, nil
}

func toBool(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "yes", "on", "1", "y":
			return true, nil
		case "false", "no", "off", "0", "n", "":
			return false, nil
		}
		return false, fmt.Errorf("bool: %q is not a boolean", v)
	case nil:
		return false, nil
	}
	if i, err := toInt(v); err == nil {
		return i != 0, nil
	}
	return false, fmt.Errorf("bool: %T is not a boolean", v)
}

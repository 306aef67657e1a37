// Package yaml11 types YAML scalars as PyYAML, which implements YAML 1.1,
// does: "yes" and "on" are booleans, "0755" is octal, "1:20" is 80, "1e3" is
// a string. Ansible reads every YAML file with PyYAML (inventories,
// playbooks, vars files, include_vars, -e @file), so hapb types them all
// here; yaml.v3 alone implements YAML 1.2.
package yaml11

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	boolWords = map[string]bool{
		"yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true,
		"no": false, "No": false, "NO": false, "false": false, "False": false, "FALSE": false, "off": false, "Off": false, "OFF": false,
	}
	intRE   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	floatRE = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	// TimestampRE is PyYAML's timestamp. Callers decide what one becomes:
	// Ansible's values are datetime objects, which print differently in
	// ansible-inventory's JSON and in a template.
	TimestampRE = regexp.MustCompile(`^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})` +
		`(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?` +
		`(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$`)
)

// Plain types an untagged, unquoted scalar: nil, bool, int, float64 (also
// ±Inf and NaN, as Python's float('inf')), *big.Int for an integer beyond
// int64 (Python's are unbounded; a float would lose digits, so it keeps every
// one, prints and encodes exactly, and arithmetic on it is an error, never a
// rounding), or, for anything else and for timestamps, the text itself.
func Plain(s string) (any, error) {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil, nil
	}
	if b, ok := boolWords[s]; ok {
		return b, nil
	}
	if floatRE.MatchString(s) {
		if f, ok := parseFloat(s); ok {
			return f, nil
		}
	}
	if intRE.MatchString(s) {
		return parseInt(s), nil
	}
	return s, nil
}

// Tagged types a scalar with an explicit YAML tag (!!int, !!float, !!bool,
// !!null); ok is false when the text is not one, or the tag is another
// (!!str, !unsafe: the caller keeps the text).
func Tagged(tag, s string) (v any, ok bool, err error) {
	switch tag {
	case "!!int":
		if !intRE.MatchString(s) {
			return nil, false, nil
		}
		return parseInt(s), true, nil
	case "!!float":
		f, ok := parseFloat(s)
		return f, ok, nil
	case "!!bool":
		b, ok := boolWords[s]
		return b, ok, nil
	case "!!null":
		return nil, true, nil
	}
	return nil, false, nil
}

// Scalar types a scalar node: quoted and block scalars are text, plain ones
// go through Plain, tagged ones through Tagged (an explicit tag whose text
// does not fit is an error, as in PyYAML).
func Scalar(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle == 0 {
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return n.Value, nil
		}
		return Plain(n.Value)
	}
	switch n.Tag {
	case "!!int", "!!float", "!!bool", "!!null":
		v, ok, err := Tagged(n.Tag, n.Value)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("cannot read %q as %s", n.Value, n.Tag)
		}
		return v, nil
	}
	return n.Value, nil // !!str, Ansible's !unsafe, and the rest: the text
}

func splitSign(s string) (string, int) {
	s = strings.ReplaceAll(s, "_", "")
	switch {
	case strings.HasPrefix(s, "-"):
		return s[1:], -1
	case strings.HasPrefix(s, "+"):
		return s[1:], 1
	}
	return s, 1
}

// parseInt reads a text intRE matched: an int, or a *big.Int beyond int64.
func parseInt(s string) any {
	s, sign := splitSign(s)
	n := new(big.Int)
	switch {
	case strings.HasPrefix(s, "0b"):
		n.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		n.SetString(s[2:], 16)
	case strings.Contains(s, ":"):
		sixty := big.NewInt(60)
		for _, part := range strings.Split(s, ":") {
			d, _ := new(big.Int).SetString(part, 10)
			n.Mul(n, sixty).Add(n, d)
		}
	case len(s) > 1 && s[0] == '0':
		n.SetString(s[1:], 8)
	default:
		n.SetString(s, 10)
	}
	if sign < 0 {
		n.Neg(n)
	}
	if n.IsInt64() {
		return int(n.Int64())
	}
	return n
}

func parseFloat(s string) (float64, bool) {
	s, sign := splitSign(strings.ToLower(s))
	switch {
	case s == ".inf":
		return math.Inf(sign), true
	case s == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		var f float64
		for _, part := range strings.Split(s, ":") {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return 0, false
			}
			f = f*60 + d
		}
		return float64(sign) * f, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return float64(sign) * f, true
}

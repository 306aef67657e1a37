package inventory

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseINIValue types an INI value as Ansible does, with Python's
// ast.literal_eval: "1" is an int, "True" a bool, "[1, 2]" a list, "'x'" the
// string x; anything that is not a Python literal ("yes", "true", "a b")
// stays the string as written.
func parseINIValue(s string) any {
	p := &pyParser{s: s}
	v, err := p.top()
	if err != nil {
		return s
	}
	return v
}

var errNotLiteral = errors.New("not a Python literal")

// pyParser reads the subset of Python expressions literal_eval accepts and
// JSON can represent: numbers, strings, True/False/None, lists, tuples,
// dicts and sets.
type pyParser struct {
	s   string
	pos int
}

func (p *pyParser) top() (any, error) {
	p.skip()
	if p.pos >= len(p.s) {
		return nil, errNotLiteral
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.peek() == ',' { // a bare tuple: "1, 2"
		items := []any{v}
		for p.peek() == ',' {
			p.pos++
			p.skip()
			if p.pos >= len(p.s) {
				break
			}
			w, err := p.value()
			if err != nil {
				return nil, err
			}
			items = append(items, w)
			p.skip()
		}
		v = items
	}
	if p.pos != len(p.s) {
		return nil, errNotLiteral
	}
	return v, nil
}

func (p *pyParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

// skip passes whitespace and a trailing # comment.
func (p *pyParser) skip() {
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; {
		case c == ' ' || c == '\t' || c == '\f':
			p.pos++
		case c == '#':
			p.pos = len(p.s)
		default:
			return
		}
	}
}

func (p *pyParser) value() (any, error) {
	p.skip()
	c := p.peek()
	switch {
	case c == '-' || c == '+':
		p.pos++
		p.skip()
		if !isDigit(p.peek()) && p.peek() != '.' {
			return nil, errNotLiteral
		}
		v, err := p.number()
		if err != nil || c == '+' {
			return v, err
		}
		switch n := v.(type) {
		case int:
			return -n, nil
		case float64:
			return -n, nil
		}
		return nil, errNotLiteral
	case isDigit(c) || (c == '.' && p.pos+1 < len(p.s) && isDigit(p.s[p.pos+1])):
		return p.number()
	case c == '\'' || c == '"':
		return p.strings("")
	case c == '[':
		p.pos++
		items, err := p.sequence(']')
		return items, err
	case c == '(':
		p.pos++
		start := p.pos
		items, err := p.sequence(')')
		if err != nil {
			return nil, err
		}
		// "(x)" is x, "(x,)" and "(x, y)" are tuples.
		if len(items) == 1 && !strings.Contains(strings.TrimRight(p.s[start:p.pos-1], " \t"), ",") {
			return items[0], nil
		}
		return items, nil
	case c == '{':
		p.pos++
		return p.dictOrSet()
	case isIdentStart(c):
		word := p.ident()
		switch word {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		}
		if lw := strings.ToLower(word); (lw == "r" || lw == "u") && (p.peek() == '\'' || p.peek() == '"') {
			return p.strings(lw)
		}
	}
	return nil, errNotLiteral
}

func (p *pyParser) ident() string {
	start := p.pos
	for p.pos < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.pos:])
		if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			break
		}
		p.pos += n
	}
	return p.s[start:p.pos]
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 0x80 || unicode.IsLetter(rune(c)) }

// sequence reads items up to the closing byte; a trailing comma is allowed.
func (p *pyParser) sequence(close byte) ([]any, error) {
	items := []any{}
	for {
		p.skip()
		if p.peek() == close {
			p.pos++
			return items, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.skip()
		switch p.peek() {
		case ',':
			p.pos++
		case close:
		default:
			return nil, errNotLiteral
		}
	}
}

func (p *pyParser) dictOrSet() (any, error) {
	p.skip()
	if p.peek() == '}' {
		p.pos++
		return map[string]any{}, nil
	}
	first, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.peek() != ':' {
		return nil, errNotLiteral // a set: JSON has none, keep the text
	}
	m := map[string]any{}
	key := first
	for {
		p.pos++ // ':'
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		k, ok := jsonKey(key)
		if !ok {
			return nil, errNotLiteral
		}
		m[k] = v
		p.skip()
		if p.peek() == ',' {
			p.pos++
			p.skip()
		}
		if p.peek() == '}' {
			p.pos++
			return m, nil
		}
		if key, err = p.value(); err != nil {
			return nil, err
		}
		p.skip()
		if p.peek() != ':' {
			return nil, errNotLiteral
		}
	}
}

// jsonKey is how Python's json module writes a dict key.
func jsonKey(k any) (string, bool) {
	switch k := k.(type) {
	case string:
		return k, true
	case int:
		return strconv.Itoa(k), true
	case float64:
		return strconv.FormatFloat(k, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(k), true
	case nil:
		return "null", true
	}
	return "", false
}

func (p *pyParser) number() (any, error) {
	start := p.pos
	s := p.s
	if p.peek() == '0' && p.pos+1 < len(s) && strings.ContainsRune("xXoObB", rune(s[p.pos+1])) {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[s[p.pos+1]|0x20]
		p.pos += 2
		for p.pos < len(s) && (isHex(s[p.pos]) || s[p.pos] == '_') {
			p.pos++
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(s[start+2:p.pos], "_", ""), base, 64)
		if err != nil || badUnderscores(s[start+2:p.pos]) {
			return nil, errNotLiteral
		}
		return p.endNumber(int(n))
	}
	digits := func() {
		for p.pos < len(s) && (isDigit(s[p.pos]) || s[p.pos] == '_') {
			p.pos++
		}
	}
	digits()
	isFloat := false
	if p.peek() == '.' {
		isFloat = true
		p.pos++
		digits()
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		save := p.pos
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if isDigit(p.peek()) {
			isFloat = true
			digits()
		} else {
			p.pos = save
		}
	}
	lit := s[start:p.pos]
	if badUnderscores(lit) {
		return nil, errNotLiteral
	}
	clean := strings.ReplaceAll(lit, "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(clean, 64)
		if err != nil {
			return nil, errNotLiteral
		}
		return p.endNumber(f)
	}
	// Python 3 rejects leading zeros in decimal integers ("01"), but not "00".
	if len(clean) > 1 && clean[0] == '0' && strings.Trim(clean, "0") != "" {
		return nil, errNotLiteral
	}
	n, err := strconv.Atoi(clean)
	if err != nil {
		// Beyond int64: Python's ints are unbounded; a float keeps the magnitude.
		f, ferr := strconv.ParseFloat(clean, 64)
		if ferr != nil {
			return nil, errNotLiteral
		}
		return p.endNumber(f)
	}
	return p.endNumber(n)
}

// endNumber rejects "1abc", "1j" (complex) and the like.
func (p *pyParser) endNumber(v any) (any, error) {
	if p.pos < len(p.s) && (isIdentStart(p.s[p.pos]) || isDigit(p.s[p.pos]) || p.s[p.pos] == '.') {
		return nil, errNotLiteral
	}
	return v, nil
}

func badUnderscores(s string) bool {
	return strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") ||
		strings.Contains(s, "_.") || strings.Contains(s, "._")
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

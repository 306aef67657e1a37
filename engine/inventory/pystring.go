package inventory

import (
	"strconv"
	"strings"
)

// strings reads one or more adjacent string literals ('a' "b" → "ab").
func (p *pyParser) strings(prefix string) (any, error) {
	var b strings.Builder
	for {
		raw := strings.Contains(prefix, "r")
		q := p.peek()
		if q != '\'' && q != '"' {
			return nil, errNotLiteral
		}
		delim := string(q)
		if strings.HasPrefix(p.s[p.pos:], strings.Repeat(delim, 3)) {
			delim = strings.Repeat(delim, 3)
		}
		p.pos += len(delim)
		for {
			if p.pos >= len(p.s) {
				return nil, errNotLiteral
			}
			if strings.HasPrefix(p.s[p.pos:], delim) {
				p.pos += len(delim)
				break
			}
			c := p.s[p.pos]
			if c == '\\' && p.pos+1 < len(p.s) {
				if raw {
					b.WriteString(p.s[p.pos : p.pos+2])
					p.pos += 2
					continue
				}
				p.pos++
				if err := p.escape(&b); err != nil {
					return nil, err
				}
				continue
			}
			b.WriteByte(c)
			p.pos++
		}
		p.skip()
		prefix = ""
		if c := p.peek(); c == 'r' || c == 'R' || c == 'u' || c == 'U' {
			if p.pos+1 < len(p.s) && (p.s[p.pos+1] == '\'' || p.s[p.pos+1] == '"') {
				prefix = strings.ToLower(string(c))
				p.pos++
			}
		}
		if c := p.peek(); c != '\'' && c != '"' {
			return b.String(), nil
		}
	}
}

func (p *pyParser) escape(b *strings.Builder) error {
	c := p.s[p.pos]
	p.pos++
	simple := map[byte]string{'\\': "\\", '\'': "'", '"': "\"", 'a': "\a", 'b': "\b", 'f': "\f",
		'n': "\n", 'r': "\r", 't': "\t", 'v': "\v", '\n': ""}
	if r, ok := simple[c]; ok {
		b.WriteString(r)
		return nil
	}
	hex := map[byte]int{'x': 2, 'u': 4, 'U': 8}
	if n, ok := hex[c]; ok {
		if p.pos+n > len(p.s) {
			return errNotLiteral
		}
		v, err := strconv.ParseUint(p.s[p.pos:p.pos+n], 16, 32)
		if err != nil {
			return errNotLiteral
		}
		p.pos += n
		b.WriteRune(rune(v))
		return nil
	}
	if c >= '0' && c <= '7' {
		end := p.pos - 1
		for end < len(p.s) && end < p.pos+2 && p.s[end] >= '0' && p.s[end] <= '7' {
			end++
		}
		v, _ := strconv.ParseUint(p.s[p.pos-1:end], 8, 32)
		p.pos = end
		b.WriteRune(rune(v))
		return nil
	}
	b.WriteByte('\\') // unknown escapes keep their backslash
	b.WriteByte(c)
	return nil
}

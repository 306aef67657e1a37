package fleet

import (
	"fmt"
	"strings"
)

// token is a shell word or an operator (";", "&&", "||", "|", newline).
type token struct {
	text string
	op   bool
}

// tokenize splits a POSIX shell line into words and operators, removing
// quotes. It covers what hapb's Conn and modules emit: single quotes (with
// a quote inside closed, escaped and reopened), double quotes with
// backslash escapes, and backslashes.
// Expansions ($x, globs) are kept literally; the stand-in never needs them.
func tokenize(s string) ([]token, error) {
	var toks []token
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			toks = append(toks, token{text: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t':
			flush()
		case '\n', ';':
			flush()
			toks = append(toks, token{text: ";", op: true})
		case '&', '|':
			flush()
			op := string(c)
			if i+1 < len(s) && s[i+1] == c {
				op += op
				i++
			}
			toks = append(toks, token{text: op, op: true})
		case '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					cur.WriteByte(s[i])
				}
			}
		case '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	flush()
	return toks, nil
}

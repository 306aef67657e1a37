package inventory

import (
	"errors"
	"strings"
)

// shlexSplit is Python's shlex.split(s, comments=True) (POSIX mode), which
// Ansible uses to cut INI host lines into words.
func shlexSplit(s string) ([]string, error) {
	var (
		out    []string
		tok    strings.Builder
		inTok  bool // a token has started (possibly empty, as in '')
		quote  byte // current quote, 0 outside
		escape bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escape:
			// Inside double quotes a backslash escapes only \ and ".
			if quote == '"' && c != '\\' && c != '"' {
				tok.WriteByte('\\')
			}
			tok.WriteByte(c)
			escape = false
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				tok.WriteByte(c)
			}
		case quote == '"':
			switch c {
			case '"':
				quote = 0
			case '\\':
				escape = true
			default:
				tok.WriteByte(c)
			}
		case c == '\\':
			escape, inTok = true, true
		case c == '\'' || c == '"':
			quote, inTok = c, true
		case c == '#':
			i = len(s)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inTok {
				out = append(out, tok.String())
				tok.Reset()
				inTok = false
			}
		default:
			tok.WriteByte(c)
			inTok = true
		}
	}
	if quote != 0 {
		return nil, errors.New("no closing quotation")
	}
	if escape {
		return nil, errors.New("no escaped character")
	}
	if inTok {
		out = append(out, tok.String())
	}
	return out, nil
}

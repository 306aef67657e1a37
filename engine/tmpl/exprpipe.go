package tmpl

import (
	"fmt"
	"strings"
)

// ansibleCompat adapts Jinja habits expr would misread: it adds the
// parentheses of pipes (below) and rejects //, which Jinja reads as integer
// division and expr as the start of a comment.
func ansibleCompat(src string) (string, error) {
	if i := indexOutsideStrings(src, "//"); i >= 0 {
		return "", fmt.Errorf("// at col %d: expressions have no integer division (write int(a / b)) and no comments", i+1)
	}
	return addPipeParens(src), nil
}

// indexOutsideStrings is strings.Index ignoring quoted text.
func indexOutsideStrings(src, sub string) int {
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case strings.HasPrefix(src[i:], sub):
			return i
		}
	}
	return -1
}

// addPipeParens lets Ansible users write filters without parentheses:
// expr needs `groups.etcd | length()`, Jinja has `groups.etcd | length`.
// A single | followed by a bare name gets () appended; strings and || are
// left alone.
func addPipeParens(src string) string {
	if !strings.Contains(src, "|") {
		return src
	}
	var b strings.Builder
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		b.WriteByte(c)
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(src) {
				i++
				b.WriteByte(src[i])
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '|' && i+1 < len(src) && src[i+1] == '|':
			i++
			b.WriteByte('|')
		case c == '|':
			j := i + 1
			for j < len(src) && src[j] == ' ' {
				j++
			}
			k := j
			for k < len(src) && (isIdentByte(src[k]) || k > j && src[k] >= '0' && src[k] <= '9') {
				k++
			}
			if k == j {
				continue
			}
			l := k
			for l < len(src) && src[l] == ' ' {
				l++
			}
			if l < len(src) && (src[l] == '(' || src[l] == '.') {
				continue
			}
			b.WriteString(src[i+1 : k])
			b.WriteString("()")
			i = k - 1
		}
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

package conn

import (
	"sort"
	"strings"
)

// Quote returns s as one POSIX shell word that expands to exactly s. Single
// quotes are the only quoting with no special characters inside, so a ' is
// closed, escaped and reopened. A NUL byte cannot be quoted: no argv string
// holds one; Conn.Run refuses such commands with ErrNUL.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if isSafeWord(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2 + 3*strings.Count(s, "'"))
	singleQuote(&b, s)
	return b.String()
}

// quoteTo writes Quote(s) to b, without a string of its own: command
// lines carry whole scripts, copied once here rather than three times.
func quoteTo(b *strings.Builder, s string) {
	switch {
	case s == "":
		b.WriteString("''")
	case isSafeWord(s):
		b.WriteString(s)
	default:
		singleQuote(b, s)
	}
}

func singleQuote(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteString(`'\''`)
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('\'')
}

// QuoteArgs quotes each argument and joins them with spaces.
func QuoteArgs(args []string) string {
	var b strings.Builder
	b.Grow(quotedLen(args))
	quoteArgsTo(&b, args)
	return b.String()
}

func quoteArgsTo(b *strings.Builder, args []string) {
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		quoteTo(b, a)
	}
}

// quotedLen is about the length of QuoteArgs(args): room for the quotes
// of each and a few escaped quotes.
func quotedLen(args []string) int {
	n := 0
	for _, a := range args {
		n += len(a) + 3
	}
	return n + n/16
}

func isSafeWord(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-_./:=@%+,", r):
		default:
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

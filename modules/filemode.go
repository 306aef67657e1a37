package modules

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// FileMode is a mode parameter (file, copy, template, lineinfile, ...). It
// takes what Ansible takes: an octal string ("0644", "644", "0o644"), a YAML
// integer (0644 is read by YAML as 420, which is the mode meant), or a
// symbolic mode as chmod(1) has it ("u=rw,g=r,o=r", "u+x,go-w", "a+rX").
// "preserve" (copy, template) keeps the source file's mode. The zero value
// means "not given": leave the mode alone.
//
// A symbolic clause without a "who" applies to all (as "a"), not masked by
// the umask, so the result never depends on the host's settings.
type FileMode struct {
	set      bool
	preserve bool
	bits     uint32 // octal mode, when sym is empty
	sym      []modeClause
	src      string
}

type modeClause struct {
	who  uint32 // mask of the classes: 0700|04000 for u, ...
	acts []modeAction
}

type modeAction struct {
	op    byte   // '+', '-', '='
	perms string // "rwxXst" letters, or one of "u", "g", "o" to copy a class
}

// DecodeParam implements params.Decoder.
func (m *FileMode) DecodeParam(v any) error {
	switch v := v.(type) {
	case nil:
		*m = FileMode{}
		return nil
	case int:
		if v < 0 || v > 0o7777 {
			return fmt.Errorf("mode %d is out of range (quote octal modes: \"0644\")", v)
		}
		*m = FileMode{set: true, bits: uint32(v), src: fmt.Sprintf("%04o", v)}
		return nil
	case string:
		return m.parse(strings.TrimSpace(v))
	}
	return fmt.Errorf("expected a mode like \"0644\" or \"u=rw,g=r\", got %T", v)
}

// ParamType names the type in `hapb doc`.
func (m *FileMode) ParamType() string { return "mode" }

// ParseFileMode parses a mode as DecodeParam does; for tests and callers
// building params by hand.
func ParseFileMode(s string) (FileMode, error) {
	var m FileMode
	err := m.parse(s)
	return m, err
}

func (m *FileMode) parse(s string) error {
	switch {
	case s == "":
		*m = FileMode{}
		return nil
	case s == "preserve":
		*m = FileMode{set: true, preserve: true, src: s}
		return nil
	case s[0] >= '0' && s[0] <= '9':
		digits := strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0O")
		n, err := strconv.ParseUint(digits, 8, 32)
		if err != nil || n > 0o7777 {
			return fmt.Errorf("invalid octal mode %q", s)
		}
		*m = FileMode{set: true, bits: uint32(n), src: s}
		return nil
	}
	var clauses []modeClause
	for _, c := range strings.Split(s, ",") {
		cl, err := parseModeClause(c)
		if err != nil {
			return fmt.Errorf("invalid symbolic mode %q: %v", s, err)
		}
		clauses = append(clauses, cl)
	}
	*m = FileMode{set: true, sym: clauses, src: s}
	return nil
}

func parseModeClause(c string) (modeClause, error) {
	var cl modeClause
	i := 0
	for ; i < len(c) && strings.IndexByte("ugoa", c[i]) >= 0; i++ {
		cl.who |= classMask(c[i])
	}
	if cl.who == 0 {
		cl.who = classMask('a')
	}
	if i == len(c) {
		return cl, fmt.Errorf("clause %q has no operator", c)
	}
	for i < len(c) {
		op := c[i]
		if op != '+' && op != '-' && op != '=' {
			return cl, fmt.Errorf("unexpected %q in %q", op, c)
		}
		i++
		j := i
		for j < len(c) && c[j] != '+' && c[j] != '-' && c[j] != '=' {
			j++
		}
		perms := c[i:j]
		if len(perms) == 1 && strings.Contains("ugo", perms) {
			// copy of another class: fine as is
		} else if strings.Trim(perms, "rwxXst") != "" {
			return cl, fmt.Errorf("unexpected permission %q in %q", perms, c)
		}
		cl.acts = append(cl.acts, modeAction{op: op, perms: perms})
		i = j
	}
	return cl, nil
}

func classMask(w byte) uint32 {
	switch w {
	case 'u':
		return 0o4700
	case 'g':
		return 0o2070
	case 'o':
		return 0o1007
	}
	return 0o7777 // 'a'
}

// IsSet reports whether a mode was given.
func (m FileMode) IsSet() bool { return m.set }

// Preserve reports whether the mode is "preserve" (keep the source's mode).
func (m FileMode) Preserve() bool { return m.preserve }

// IsSymbolic reports whether the mode depends on the current mode.
func (m FileMode) IsSymbolic() bool { return len(m.sym) > 0 }

// String returns the mode as given.
func (m FileMode) String() string { return m.src }

// Apply returns the mode a path with mode cur (permission bits, 07777)
// ends up with. isDir matters for X.
func (m FileMode) Apply(cur uint32, isDir bool) uint32 {
	if !m.set || m.preserve {
		return cur
	}
	if len(m.sym) == 0 {
		return m.bits
	}
	for _, cl := range m.sym {
		for _, a := range cl.acts {
			var bits uint32
			switch a.perms {
			case "u":
				bits = ((cur >> 6) & 7) * 0o111
			case "g":
				bits = ((cur >> 3) & 7) * 0o111
			case "o":
				bits = (cur & 7) * 0o111
			default:
				for _, p := range a.perms {
					switch p {
					case 'r':
						bits |= 0o444
					case 'w':
						bits |= 0o222
					case 'x':
						bits |= 0o111
					case 'X':
						if isDir || cur&0o111 != 0 {
							bits |= 0o111
						}
					case 's':
						bits |= 0o6000
					case 't':
						bits |= 0o1000
					}
				}
			}
			bits &= cl.who
			switch a.op {
			case '+':
				cur |= bits
			case '-':
				cur &^= bits
			case '=':
				clear := cl.who & 0o777
				if !isDir { // chmod keeps a directory's setuid/setgid bits
					clear = cl.who
				}
				cur = cur&^clear | bits
			}
		}
	}
	return cur & 0o7777
}

// ChmodArg is the argument for chmod(1): octal, or the symbolic mode with
// every clause's "who" spelled out so chmod ignores the umask as Apply does.
func (m FileMode) ChmodArg() string {
	if len(m.sym) == 0 {
		return fmt.Sprintf("%04o", m.bits)
	}
	parts := make([]string, len(m.sym))
	for i, cl := range m.sym {
		var b strings.Builder
		if cl.who == 0o7777 {
			b.WriteByte('a')
		} else {
			for _, w := range "ugo" {
				if cl.who&classMask(byte(w)) == classMask(byte(w)) {
					b.WriteRune(w)
				}
			}
		}
		for _, a := range cl.acts {
			b.WriteByte(a.op)
			b.WriteString(a.perms)
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ",")
}

// unixToFSMode converts permission bits with setuid/setgid/sticky (07777) to
// an fs.FileMode, as conn.FileOpts wants.
func unixToFSMode(bits uint32) fs.FileMode {
	m := fs.FileMode(bits & 0o777)
	if bits&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if bits&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if bits&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

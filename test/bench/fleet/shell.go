package fleet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// proc is one remote command run by the stand-in shell. It interprets the
// small shell subset hapb's Conn and modules send (lists with ; && ||,
// if/then/fi, a few utilities) and answers hapb's fixed scripts, which it
// recognises by their $0 (hapb-probe, hapb-upload, hapb-guard), in Go.
type proc struct {
	host     string
	fs       *memFS
	stdin    io.Reader
	out, err bytes.Buffer
	exited   bool
	code     int
}

// run interprets line and returns its exit status.
func (p *proc) run(line string) int {
	toks, err := tokenize(line)
	if err != nil {
		fmt.Fprintln(&p.err, "sh:", err)
		return 2
	}
	st := p.list(toks)
	if p.exited {
		return p.code
	}
	return st
}

// list runs an and-or list. A command after && runs only if the last status
// was 0, after || only if it was not; ; and newline always run it.
func (p *proc) list(toks []token) int {
	st, op := 0, ";"
	for len(toks) > 0 && !p.exited {
		var cmd []token
		cmd, toks = nextCommand(toks)
		if (op == "&&" && st == 0) || (op == "||" && st != 0) || op == ";" {
			st = p.command(cmd)
		}
		op = ";"
		if len(toks) > 0 {
			op, toks = toks[0].text, toks[1:]
		}
		if op == "|" || op == "&" {
			fmt.Fprintf(&p.err, "sh: %q not supported by the fleet stand-in\n", op)
			return 2
		}
	}
	return st
}

// nextCommand splits off one command: an if ... fi construct or the words up
// to the next operator.
func nextCommand(toks []token) (cmd, rest []token) {
	if len(toks) > 0 && !toks[0].op && toks[0].text == "if" {
		depth := 0
		for i, t := range toks {
			switch {
			case t.op:
			case t.text == "if":
				depth++
			case t.text == "fi":
				if depth--; depth == 0 {
					return toks[:i+1], toks[i+1:]
				}
			}
		}
		return toks, nil
	}
	for i, t := range toks {
		if t.op {
			return toks[:i], toks[i:]
		}
	}
	return toks, nil
}

func (p *proc) command(toks []token) int {
	if len(toks) == 0 {
		return 0
	}
	if toks[0].text == "if" {
		return p.ifThen(toks)
	}
	args := make([]string, len(toks))
	for i, t := range toks {
		args[i] = t.text
	}
	return p.exec(args)
}

// ifThen runs "if LIST; then LIST; fi" (no else: hapb sends none).
func (p *proc) ifThen(toks []token) int {
	then := -1
	for i, t := range toks {
		if !t.op && t.text == "then" {
			then = i
			break
		}
	}
	if then < 0 || toks[len(toks)-1].text != "fi" {
		fmt.Fprintln(&p.err, "sh: bad if")
		return 2
	}
	if p.list(toks[1:then]) != 0 || p.exited {
		return 0
	}
	return p.list(toks[then+1 : len(toks)-1])
}

// exec runs one simple command.
func (p *proc) exec(args []string) int {
	name, rest := args[0], dashDash(args[1:])
	switch name {
	case "true", ":":
		return 0
	case "false":
		return 1
	case "exit":
		p.exited, p.code = true, 0
		if len(rest) > 0 {
			p.code, _ = strconv.Atoi(rest[0])
		}
		return p.code
	case "echo":
		fmt.Fprintln(&p.out, strings.Join(args[1:], " "))
		return 0
	case "hostname":
		fmt.Fprintln(&p.out, p.host)
		return 0
	case "uname":
		fmt.Fprintln(&p.out, "6.1.0-fleet")
		return 0
	case "systemctl":
		fmt.Fprintln(&p.out, "active")
		return 0
	case "[", "test":
		return p.test(rest)
	case "mkdir":
		return p.fail(!p.fs.put(last(rest), &node{dir: true, mode: 0o755}), "mkdir", rest)
	case "touch":
		if p.fs.get(last(rest)) != nil {
			return 0
		}
		return p.fail(!p.fs.put(last(rest), &node{mode: 0o644}), "touch", rest)
	case "chmod":
		m, err := strconv.ParseUint(rest[0], 8, 32)
		return p.fail(err != nil || !p.fs.chmod(last(rest), uint32(m)), "chmod", rest)
	case "chown":
		return p.fail(p.fs.get(last(rest)) == nil, "chown", rest)
	case "cat":
		n := p.fs.get(last(rest))
		if n == nil || n.dir {
			return p.fail(true, "cat", rest)
		}
		p.out.Write(n.data)
		return 0
	case "sh":
		if len(rest) >= 2 && rest[0] == "-c" {
			return p.script(rest[1], rest[2:])
		}
	}
	fmt.Fprintf(&p.err, "sh: %s: not found\n", name)
	return 127
}

// script runs sh -c SCRIPT [NAME ARGS...]: hapb's fixed scripts by their
// name, anything else (the Conn's outer sh -c LINE hapb-NONCE) interpreted.
func (p *proc) script(s string, argv []string) int {
	if len(argv) > 0 {
		switch argv[0] {
		case "hapb-probe":
			return p.probe(argv[1:])
		case "hapb-upload":
			return p.upload(argv[1:])
		case "hapb-guard":
			return p.guard(argv[1:])
		}
	}
	sub := &proc{host: p.host, fs: p.fs, stdin: p.stdin}
	st := sub.run(s)
	p.out.Write(sub.out.Bytes())
	p.err.Write(sub.err.Bytes())
	return st
}

func (p *proc) test(a []string) int {
	if n := len(a); n > 0 && a[n-1] == "]" {
		a = a[:n-1]
	}
	neg := len(a) > 0 && a[0] == "!"
	if neg {
		a = a[1:]
	}
	if len(a) != 2 {
		fmt.Fprintf(&p.err, "test: unsupported %q\n", a)
		return 2
	}
	n := p.fs.get(a[1])
	var ok bool
	switch a[0] {
	case "-e":
		ok = n != nil
	case "-d":
		ok = n != nil && n.dir
	case "-f":
		ok = n != nil && !n.dir
	}
	if ok != neg {
		return 0
	}
	return 1
}

func (p *proc) fail(failed bool, what string, args []string) int {
	if !failed {
		return 0
	}
	fmt.Fprintf(&p.err, "%s: %s: failed\n", what, strings.Join(args, " "))
	return 1
}

// guard answers command's creates/removes check: $1 creates, $2 removes.
func (p *proc) guard(a []string) int {
	switch {
	case len(a) > 0 && a[0] != "" && p.fs.get(a[0]) != nil:
		fmt.Fprintln(&p.out, "creates")
	case len(a) > 1 && a[1] != "" && p.fs.get(a[1]) == nil:
		fmt.Fprintln(&p.out, "removes")
	default:
		fmt.Fprintln(&p.out, "run")
	}
	return 0
}

// probe answers modules' probeScript: path, flags, into-dir, content cap,
// other path. Links are not simulated.
func (p *proc) probe(a []string) int {
	for len(a) < 5 {
		a = append(a, "")
	}
	pth, flags, into, other := a[0], a[1], a[2], a[4]
	max, _ := strconv.ParseInt(a[3], 10, 64)
	if into != "" && p.fs.isDir(pth) {
		pth = strings.TrimSuffix(pth, "/") + "/" + into
		fmt.Fprintln(&p.out, "D")
	} else {
		fmt.Fprintln(&p.out, "-")
	}
	if other != "" {
		e := p.fs.get(other) != nil
		fmt.Fprintf(&p.out, "%d%d\n", b2i(e), b2i(e && path.Clean(other) == path.Clean(pth)))
	} else {
		fmt.Fprintln(&p.out, "--")
	}
	fmt.Fprintln(&p.out, b2i(p.fs.isDir(path.Dir(pth))))
	n := p.fs.get(pth)
	if n == nil {
		fmt.Fprintln(&p.out, "absent")
		return 0
	}
	typ := uint32(0o100000)
	if n.dir {
		typ = 0o040000
	}
	fmt.Fprintf(&p.out, "%x 0 0 root root %d %d\n111\n", typ|n.mode, len(n.data), n.mtime)
	switch {
	case n.dir || !strings.Contains(flags, "s"):
		fmt.Fprintln(&p.out, "-")
	default:
		sum := sha256.Sum256(n.data)
		fmt.Fprintln(&p.out, hex.EncodeToString(sum[:]))
	}
	if !n.dir && strings.Contains(flags, "c") && int64(len(n.data)) <= max {
		p.out.Write(n.data)
	}
	return 0
}

// upload answers the Conn's upload script: dst, mode, owner, size, sha256;
// the content comes on stdin.
func (p *proc) upload(a []string) int {
	if len(a) < 5 {
		fmt.Fprintln(&p.err, "upload: want 5 arguments")
		return 2
	}
	data, err := io.ReadAll(p.stdin)
	if err != nil {
		fmt.Fprintln(&p.err, "upload:", err)
		return 1
	}
	sum := sha256.Sum256(data)
	if strconv.Itoa(len(data)) != a[3] || hex.EncodeToString(sum[:]) != a[4] {
		fmt.Fprintf(&p.err, "upload %s: received %d bytes, bad size or sha256\n", a[0], len(data))
		return 1
	}
	mode, err := strconv.ParseUint(a[1], 8, 32)
	if err != nil {
		fmt.Fprintln(&p.err, "upload: mode:", err)
		return 1
	}
	return p.fail(!p.fs.put(a[0], &node{mode: uint32(mode), data: data}), "upload", a[:1])
}

// dashDash drops options' end marker "--" (the stand-in takes no options
// but chmod's mode, which comes first).
func dashDash(a []string) []string {
	out := a[:0:0]
	for _, s := range a {
		if s != "--" {
			out = append(out, s)
		}
	}
	return out
}

func last(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return a[len(a)-1]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

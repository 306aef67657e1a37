package fleet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// proc is one remote command on a simulated host. A POSIX shell
// interpreter (mvdan.cc/sh) runs the line exactly as hapb sent it, over
// the host's in-memory file system: every redirection, test and file
// operation goes to memFS, and commands are answered in Go (utils.go) or,
// for the fake package manager, by the shell scripts in fakebin/, the only
// directory on PATH. hapb's fixed scripts whose work is bulk I/O (probe,
// upload, command guard) are answered in Go by their $0, as sshd's shell
// would run them, only faster.
type proc struct {
	host  *Host
	fs    *memFS
	stdin io.Reader // the session's: read by hapb-upload only
}

// run interprets line and returns its exit status.
func (p *proc) run(line string, stdout, stderr io.Writer) int {
	return p.script(context.Background(), line, nil, stdout, stderr)
}

// script runs src with positional parameters args. The marker that
// starts every line of hapb's Conn (conn.MarkerPrefix; the login shell's
// line inside sh -c on a host's first command) is a nonce, so no two lines
// are alike; it is taken off and put in the environment as the shell would,
// so that the rest is parsed once for every host (see parsed). A real
// shell parses a line in microseconds, this parser in tens or hundreds:
// parsing every marked line made the simulated hosts spend 14% more CPU on
// hapb's second run than on the floor's replay of the same commands (its
// lines then recorded without a marker).
func (p *proc) script(ctx context.Context, src string, args []string, stdout, stderr io.Writer) int {
	env := p.host.env
	if marker, rest, ok := unmark(src); ok {
		env, src = markedEnv{env, marker}, rest
	}
	f, err := parse(src)
	if err != nil {
		fmt.Fprintln(stderr, "sh:", err)
		return 2
	}
	r, err := interp.New(
		interp.Env(env),
		interp.Dir("/"),
		interp.Params(append([]string{"--"}, args...)...),
		interp.StdIO(nil, stdout, stderr),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc { return p.exec }),
		interp.OpenHandler(p.open),
		interp.StatHandler(p.stat),
		interp.AccessHandler(p.access),
	)
	if err != nil {
		fmt.Fprintln(stderr, "sh:", err)
		return 2
	}
	err = r.Run(ctx, f)
	if st, ok := interp.IsExitStatus(err); ok {
		return int(st)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sh:", err)
		return 2
	}
	return 0
}

// unmark takes conn.MarkerPrefix off line.
func unmark(line string) (marker, rest string, ok bool) {
	after, ok := strings.CutPrefix(line, "HAPB_RUN=")
	if !ok {
		return "", line, false // most scripts: no scan for the ';'
	}
	marker, _, _ = strings.Cut(after, ";")
	if rest, ok := strings.CutPrefix(line, conn.MarkerPrefix(marker)); ok {
		return marker, rest, true
	}
	return "", line, false
}

// markedEnv is a host's environment with the marker exported.
type markedEnv struct {
	expand.Environ
	marker string
}

func (e markedEnv) Get(name string) expand.Variable {
	if name == "HAPB_RUN" {
		return expand.Variable{Set: true, Exported: true, Kind: expand.String, Str: e.marker}
	}
	return e.Environ.Get(name)
}

func (e markedEnv) Each(f func(name string, vr expand.Variable) bool) {
	if f("HAPB_RUN", e.Get("HAPB_RUN")) {
		e.Environ.Each(f)
	}
}

// parsed caches parsed scripts: the same few scripts run on every host.
// The interpreter only reads the syntax tree, so runs share it. Lines
// that differ per host (arguments, nonces) would fill it without bound:
// past maxParsed entries it starts again, and the few fixed scripts are
// parsed once more.
var parsed struct {
	sync.Mutex
	m map[string]*syntax.File
}

const maxParsed = 2048

func parse(src string) (*syntax.File, error) {
	parsed.Lock()
	f, ok := parsed.m[src]
	parsed.Unlock()
	if ok {
		return f, nil
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return nil, err
	}
	parsed.Lock()
	if parsed.m == nil || len(parsed.m) >= maxParsed {
		parsed.m = map[string]*syntax.File{}
	}
	parsed.m[src] = f
	parsed.Unlock()
	return f, nil
}

// exec runs a simple command that is neither a shell builtin nor a
// function.
func (p *proc) exec(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	c := &call{p: p, ctx: ctx, args: args, out: hc.Stdout, err: hc.Stderr}
	switch args[0] {
	case "sh", "/bin/sh", "bash", "/bin/bash": // the login shell (SHELL) too
		return status(c.sh())
	}
	if u, ok := utils[args[0]]; ok {
		return status(u(c))
	}
	if src, ok := p.host.bin(args[0]); ok {
		return status(p.script(ctx, src, args[1:], c.out, c.err))
	}
	fmt.Fprintf(c.err, "sh: %s: not found\n", args[0])
	return status(127)
}

func status(st int) error {
	if st == 0 {
		return nil
	}
	return interp.NewExitStatus(uint8(st))
}

// sh runs sh -c SCRIPT [NAME ARGS...]: hapb's bulk fixed scripts by NAME,
// anything else (the Conn's outer sh -c LINE hapb-NONCE, the modules'
// scripts) interpreted.
func (c *call) sh() int {
	a := c.args[1:]
	if len(a) < 2 || a[0] != "-c" {
		fmt.Fprintln(c.err, "sh: only sh -c SCRIPT is simulated")
		return 2
	}
	src, argv := a[1], a[2:]
	if len(argv) > 0 {
		switch argv[0] {
		case remote.ProbeName:
			return c.probe()
		case "hapb-upload":
			return c.upload(argv[1:])
		case "hapb-guard":
			return c.guard(argv[1:])
		}
		argv = argv[1:] // $0
	}
	return c.p.script(c.ctx, src, argv, c.out, c.err)
}

// open is the interpreter's file access: redirections and what utilities
// open go to the host's memFS.
func (p *proc) open(ctx context.Context, name string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	if name == "/dev/null" {
		return devNull{}, nil
	}
	name = abs(ctx, name)
	if flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		n := p.fs.get(name)
		switch {
		case n == nil:
			return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
		case n.dir:
			return nil, &os.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
		}
		return readOnly{bytes.NewReader(n.data)}, nil
	}
	w := &fileWriter{fs: p.fs, name: name, mode: uint32(perm.Perm())}
	if n := p.fs.get(name); n != nil {
		if n.dir {
			return nil, &os.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
		}
		w.mode = n.mode
		if flag&os.O_APPEND != 0 {
			w.buf.Write(n.data)
		}
	} else if !p.fs.isDir(path.Dir(name)) {
		return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
	}
	return w, nil
}

func (p *proc) stat(ctx context.Context, name string, _ bool) (os.FileInfo, error) {
	n := p.fs.get(abs(ctx, name))
	if n == nil {
		return nil, &os.PathError{Op: "stat", Path: name, Err: os.ErrNotExist}
	}
	return info{name: path.Base(name), n: n}, nil
}

// access grants what exists: the simulated user is root.
func (p *proc) access(ctx context.Context, name string, _ interp.AccessMode) error {
	if p.fs.get(abs(ctx, name)) == nil {
		return &os.PathError{Op: "access", Path: name, Err: os.ErrNotExist}
	}
	return nil
}

func abs(ctx context.Context, name string) string {
	if !path.IsAbs(name) {
		name = path.Join(interp.HandlerCtx(ctx).Dir, name)
	}
	return path.Clean(name)
}

type devNull struct{}

func (devNull) Read([]byte) (int, error)    { return 0, io.EOF }
func (devNull) Write(b []byte) (int, error) { return len(b), nil }
func (devNull) Close() error                { return nil }

type readOnly struct{ *bytes.Reader }

func (readOnly) Write([]byte) (int, error) { return 0, errors.New("read-only") }
func (readOnly) Close() error              { return nil }

// fileWriter collects a redirection's output and stores it on Close.
type fileWriter struct {
	fs   *memFS
	name string
	mode uint32
	buf  bytes.Buffer
}

func (w *fileWriter) Read([]byte) (int, error)    { return 0, errors.New("write-only") }
func (w *fileWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }
func (w *fileWriter) Close() error {
	if !w.fs.put(w.name, &node{mode: w.mode, data: bytes.Clone(w.buf.Bytes())}) {
		return &os.PathError{Op: "write", Path: w.name, Err: os.ErrNotExist}
	}
	return nil
}

// env is what every command of a host sees: PATH has the fake
// package manager only; SHELL is the login shell, as sshd sets it (without
// it hapb takes the login shell for one that may not be POSIX, and wraps
// every command in one more sh -c).
func hostEnv(name, bin string) expand.Environ {
	return expand.ListEnviron("PATH="+bin, "HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/bash", "HOSTNAME="+name, "LANG=C")
}

// bin reads the fake command name from fakebin/, once per fleet.
func (h *Host) bin(name string) (string, bool) {
	if strings.Contains(name, "/") {
		if filepath.Dir(name) != h.fleet.bin {
			return "", false
		}
		name = filepath.Base(name)
	}
	return h.fleet.script(name)
}

// guard answers command's creates/removes check: $1 creates, $2 removes.
func (c *call) guard(a []string) int {
	fs := c.p.fs
	switch {
	case len(a) > 0 && a[0] != "" && fs.get(a[0]) != nil:
		fmt.Fprintln(c.out, "creates")
	case len(a) > 1 && a[1] != "" && fs.get(a[1]) == nil:
		fmt.Fprintln(c.out, "removes")
	default:
		fmt.Fprintln(c.out, "run")
	}
	return 0
}

// probe answers modules' path probe, in the wire format of package
// remote (its own FormatProbe, so the two never drift apart). Links are
// not simulated; the simulated user is root.
func (c *call) probe() int {
	p, o, ok := remote.ParseProbeArgs(c.args)
	if !ok {
		fmt.Fprintf(c.err, "probe: unexpected arguments %q\n", c.args[3:])
		return 2
	}
	fs := c.p.fs
	info := &remote.PathInfo{Path: p}
	if o.IntoDir != "" && fs.isDir(p) {
		p = strings.TrimSuffix(p, "/") + "/" + o.IntoDir
		info.Path, info.IntoDir = p, true
	}
	if o.Other != "" {
		info.OtherExists = fs.get(o.Other) != nil
		info.SameFile = info.OtherExists && path.Clean(o.Other) == path.Clean(p)
	}
	info.ParentDir = fs.isDir(path.Dir(p))
	if n := fs.get(p); n != nil {
		info.Exists, info.Type, info.Mode = true, "file", n.mode
		if n.dir {
			info.Type = "directory"
		}
		info.Owner, info.Group = "root", "root"
		info.Size, info.MTime = int64(len(n.data)), n.mtime
		info.Readable, info.Writable, info.Executable = true, true, true
		if !n.dir && o.Checksum {
			sum := sha256.Sum256(n.data)
			info.SHA256 = hex.EncodeToString(sum[:])
		}
		if !n.dir && o.Content > 0 && info.Size <= o.Content {
			info.Content, info.HasContent = n.data, true
		}
	}
	c.out.Write(remote.FormatProbe(info, o))
	return 0
}

// upload answers the Conn's upload script: dst, mode, owner, size, sha256;
// the content comes on the session's stdin.
func (c *call) upload(a []string) int {
	if len(a) < 5 {
		fmt.Fprintln(c.err, "upload: want 5 arguments")
		return 2
	}
	data, err := io.ReadAll(c.p.stdin)
	if err != nil {
		fmt.Fprintln(c.err, "upload:", err)
		return 1
	}
	sum := sha256.Sum256(data)
	if strconv.Itoa(len(data)) != a[3] || hex.EncodeToString(sum[:]) != a[4] {
		fmt.Fprintf(c.err, "upload %s: received %d bytes, bad size or sha256\n", a[0], len(data))
		return 1
	}
	mode, err := strconv.ParseUint(a[1], 8, 32)
	if err != nil {
		fmt.Fprintln(c.err, "upload: mode:", err)
		return 1
	}
	return c.fail(!c.p.fs.put(a[0], &node{mode: uint32(mode), data: data}), "upload", a[:1])
}

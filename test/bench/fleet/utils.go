package fleet

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// call is one simple command on a simulated host.
type call struct {
	p        *proc
	ctx      context.Context
	args     []string
	out, err io.Writer
}

// utils are the commands a simulated host has, answered in Go over its
// memFS: what hapb's modules and the setup script run, with the options
// they use. Anything else is "not found" (exit 127), as on a host without
// it; scripts that probe with command -v see only fakebin/.
var utils map[string]func(*call) int

func init() {
	utils = map[string]func(*call) int{
		"cat": (*call).cat, "mkdir": (*call).mkdir, "touch": (*call).touch, "chmod": (*call).chmod,
		"chown": (*call).chown, "rm": (*call).rm, "mv": (*call).mv, "cp": (*call).cp,
		"uname": (*call).uname, "hostname": (*call).hostname, "id": (*call).id, "date": (*call).date,
		"grep": (*call).grep, "nproc": func(c *call) int { fmt.Fprintln(c.out, "2"); return 0 },
		"systemctl": (*call).systemctl, "sysctl": (*call).sysctl,
	}
}

// split separates options (up to "--" or the first operand) from operands.
func (c *call) split() (opts, operands []string) {
	a := c.args[1:]
	for i := 0; i < len(a); i++ {
		switch {
		case a[i] == "--":
			return opts, append(operands, a[i+1:]...)
		case len(a[i]) > 1 && a[i][0] == '-' && len(operands) == 0:
			opts = append(opts, a[i])
		default:
			operands = append(operands, a[i])
		}
	}
	return opts, operands
}

func has(opts []string, o string) bool {
	for _, x := range opts {
		if x == o || (len(o) == 2 && len(x) > 1 && x[0] == '-' && x[1] != '-' && strings.Contains(x[1:], o[1:])) {
			return true
		}
	}
	return false
}

func (c *call) fail(failed bool, what string, args []string) int {
	if !failed {
		return 0
	}
	fmt.Fprintf(c.err, "%s: %s: failed\n", what, strings.Join(args, " "))
	return 1
}

func (c *call) path(p string) string { return abs(c.ctx, p) }

func (c *call) cat() int {
	_, files := c.split()
	st := 0
	for _, f := range files {
		n := c.p.fs.get(c.path(f))
		if n == nil || n.dir {
			fmt.Fprintf(c.err, "cat: %s: No such file or directory\n", f)
			st = 1
			continue
		}
		c.out.Write(n.data)
	}
	return st
}

func (c *call) mkdir() int {
	opts, dirs := c.split()
	st := 0
	for _, d := range dirs {
		d = c.path(d)
		if has(opts, "-p") {
			var parts []string
			for x := d; x != "/"; x = path.Dir(x) {
				parts = append(parts, x)
			}
			for i := len(parts) - 1; i >= 0; i-- {
				if !c.p.fs.isDir(parts[i]) && !c.p.fs.put(parts[i], &node{dir: true, mode: 0o755}) {
					st = c.fail(true, "mkdir", []string{d})
				}
			}
			continue
		}
		if c.p.fs.get(d) != nil || !c.p.fs.put(d, &node{dir: true, mode: 0o755}) {
			st = c.fail(true, "mkdir", []string{d})
		}
	}
	return st
}

func (c *call) touch() int {
	_, files := c.split()
	for _, f := range files {
		if f = c.path(f); c.p.fs.get(f) == nil && !c.p.fs.put(f, &node{mode: 0o644}) {
			return c.fail(true, "touch", files)
		}
	}
	return 0
}

func (c *call) chmod() int {
	_, a := c.split()
	if len(a) < 2 {
		return c.fail(true, "chmod", a)
	}
	m, err := strconv.ParseUint(a[0], 8, 32)
	if err != nil {
		return c.fail(true, "chmod", a)
	}
	for _, f := range a[1:] {
		if !c.p.fs.chmod(c.path(f), uint32(m)) {
			return c.fail(true, "chmod", a)
		}
	}
	return 0
}

// chown only checks the files exist: every file is root's.
func (c *call) chown() int {
	_, a := c.split()
	for _, f := range a[min(1, len(a)):] {
		if c.p.fs.get(c.path(f)) == nil {
			return c.fail(true, "chown", a)
		}
	}
	return 0
}

func (c *call) rm() int {
	opts, files := c.split()
	for _, f := range files {
		if !c.p.fs.remove(c.path(f)) && !has(opts, "-f") {
			return c.fail(true, "rm", files)
		}
	}
	return 0
}

func (c *call) mv() int {
	_, a := c.split()
	if len(a) != 2 {
		return c.fail(true, "mv", a)
	}
	return c.fail(!c.p.fs.rename(c.path(a[0]), c.path(a[1])), "mv", a)
}

func (c *call) cp() int {
	_, a := c.split()
	if len(a) != 2 {
		return c.fail(true, "cp", a)
	}
	n := c.p.fs.get(c.path(a[0]))
	if n == nil || n.dir {
		return c.fail(true, "cp", a)
	}
	return c.fail(!c.p.fs.put(c.path(a[1]), &node{mode: n.mode, data: n.data}), "cp", a)
}

func (c *call) uname() int {
	opts, _ := c.split()
	if len(opts) == 0 {
		opts = []string{"-s"}
	}
	var out []string
	for _, o := range opts {
		switch o {
		case "-r":
			out = append(out, "6.1.0-fleet")
		case "-m":
			out = append(out, "x86_64")
		case "-n":
			out = append(out, c.p.host.Name)
		default:
			out = append(out, "Linux")
		}
	}
	fmt.Fprintln(c.out, strings.Join(out, " "))
	return 0
}

func (c *call) hostname() int {
	opts, _ := c.split()
	switch {
	case has(opts, "-I"):
		host, _, _ := strings.Cut(c.p.host.Addr, ":")
		fmt.Fprintln(c.out, host)
	case has(opts, "-f"):
		fmt.Fprintln(c.out, c.p.host.Name+".fleet")
	default:
		fmt.Fprintln(c.out, c.p.host.Name)
	}
	return 0
}

func (c *call) id() int {
	opts, _ := c.split()
	switch {
	case has(opts, "-un"), has(opts, "-gn"):
		fmt.Fprintln(c.out, "root")
	case has(opts, "-u"), has(opts, "-g"):
		fmt.Fprintln(c.out, "0")
	default:
		fmt.Fprintln(c.out, "uid=0(root) gid=0(root) groups=0(root)")
	}
	return 0
}

// date prints +FORMAT with the conversions setup uses, in UTC.
func (c *call) date() int {
	_, a := c.split()
	now := time.Now().UTC()
	f := "+%a %b %e %H:%M:%S %Z %Y"
	if len(a) > 0 && strings.HasPrefix(a[0], "+") {
		f = a[0]
	}
	r := strings.NewReplacer("%s", strconv.FormatInt(now.Unix(), 10), "%Y", now.Format("2006"), "%m", now.Format("01"),
		"%d", now.Format("02"), "%H", now.Format("15"), "%M", now.Format("04"), "%S", now.Format("05"),
		"%Z", "UTC", "%a", now.Format("Mon"), "%b", now.Format("Jan"), "%e", now.Format("_2"))
	fmt.Fprintln(c.out, r.Replace(f[1:]))
	return 0
}

// grep [-E] [-c] [-q] [-F] PATTERN [FILE...]: extended regular expressions
// (Go's syntax covers what hapb sends).
func (c *call) grep() int {
	opts, a := c.split()
	if len(a) == 0 {
		return c.fail(true, "grep", a)
	}
	pat := a[0]
	if has(opts, "-F") {
		pat = regexp.QuoteMeta(pat)
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		fmt.Fprintln(c.err, "grep:", err)
		return 2
	}
	var in []byte
	for _, f := range a[1:] {
		n := c.p.fs.get(c.path(f))
		if n == nil {
			fmt.Fprintf(c.err, "grep: %s: No such file or directory\n", f)
			return 2
		}
		in = append(in, n.data...)
	}
	count := 0
	sc := bufio.NewScanner(bytes.NewReader(in))
	for sc.Scan() {
		if re.MatchString(sc.Text()) {
			count++
			if !has(opts, "-c") && !has(opts, "-q") {
				fmt.Fprintln(c.out, sc.Text())
			}
		}
	}
	if has(opts, "-c") {
		fmt.Fprintln(c.out, count)
	}
	if count == 0 {
		return 1
	}
	return 0
}

// systemctl keeps each unit's state in /run/fleet-systemd/UNIT ("active
// enabled"); a unit exists when its unit file does.
func (c *call) systemctl() int {
	fs := c.p.fs
	var a []string // the verb and units, without options (-p's value too)
	for i := 1; i < len(c.args); i++ {
		switch x := c.args[i]; {
		case x == "-p":
			i++
		case x == "--" || strings.HasPrefix(x, "-"):
		default:
			a = append(a, x)
		}
	}
	if len(a) == 0 {
		return c.fail(true, "systemctl", a)
	}
	verb, units := a[0], a[1:]
	if verb == "daemon-reload" {
		return 0
	}
	st := 0
	for _, u := range units {
		if !strings.Contains(u, ".") {
			u += ".service"
		}
		loaded := fs.get("/etc/systemd/system/"+u) != nil || fs.get("/usr/lib/systemd/system/"+u) != nil
		state := "inactive disabled"
		if n := fs.get("/run/fleet-systemd/" + u); n != nil {
			state = string(n.data)
		}
		active, enabled, _ := strings.Cut(state, " ")
		switch verb {
		case "show":
			load, file := "loaded", enabled
			if !loaded {
				load, active, file = "not-found", "inactive", ""
			}
			sub := map[string]string{"active": "running", "inactive": "dead"}[active]
			fmt.Fprintf(c.out, "Id=%s\nLoadState=%s\nActiveState=%s\nSubState=%s\nUnitFileState=%s\nNeedDaemonReload=no\n", u, load, active, sub, file)
			continue
		case "is-active":
			fmt.Fprintln(c.out, active)
			if active != "active" {
				st = 3
			}
			continue
		case "is-enabled":
			fmt.Fprintln(c.out, enabled)
			if enabled != "enabled" {
				st = 1
			}
			continue
		case "start", "restart", "reload", "reload-or-restart", "try-restart":
			active = "active"
		case "stop":
			active = "inactive"
		case "enable":
			enabled = "enabled"
		case "disable":
			enabled = "disabled"
		case "mask":
			enabled = "masked"
		case "unmask":
			enabled = "disabled"
		default:
			fmt.Fprintf(c.err, "systemctl: %s: not simulated\n", verb)
			return 1
		}
		if !loaded {
			fmt.Fprintf(c.err, "Failed to %s %s: Unit %s not found.\n", verb, u, u)
			return 5
		}
		fs.put("/run/fleet-systemd/"+u, &node{mode: 0o644, data: []byte(active + " " + enabled)})
	}
	return st
}

// sysctl -w KEY=VALUE writes /proc/sys of the simulated host; -n KEY reads.
func (c *call) sysctl() int {
	opts, a := c.split()
	for _, kv := range a {
		k, v, set := strings.Cut(kv, "=")
		p := "/proc/sys/" + strings.ReplaceAll(k, ".", "/")
		if set {
			if !c.p.fs.put(p, &node{mode: 0o644, data: []byte(v + "\n")}) {
				return c.fail(true, "sysctl", a)
			}
			if !has(opts, "-q") {
				fmt.Fprintf(c.out, "%s = %s\n", k, v)
			}
			continue
		}
		n := c.p.fs.get(p)
		if n == nil {
			fmt.Fprintf(c.err, "sysctl: cannot stat %s: No such file or directory\n", p)
			return 255
		}
		if !has(opts, "-n") {
			fmt.Fprintf(c.out, "%s = ", k)
		}
		c.out.Write(n.data)
	}
	return 0
}

// info is a memFS node as an os.FileInfo, for the interpreter's tests.
type info struct {
	name string
	n    *node
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return int64(len(i.n.data)) }
func (i info) Mode() os.FileMode {
	m := os.FileMode(i.n.mode & 0o777)
	if i.n.dir {
		m |= os.ModeDir
	}
	return m
}
func (i info) ModTime() time.Time { return time.Unix(i.n.mtime, 0) }
func (i info) IsDir() bool        { return i.n.dir }
func (i info) Sys() any           { return nil }

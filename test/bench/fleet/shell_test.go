package fleet

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
)

// The stand-in must answer the lines hapb's Conn really sends: each one
// is built here as the Conn builds it, for a POSIX login shell (the
// marker, then the command) and for another (all that through sh -c).
func TestStandIn(t *testing.T) {
	for name, line := range map[string]func(*conn.Cmd) string{
		"posix": func(cmd *conn.Cmd) string { return conn.MarkerPrefix("0123") + conn.ShellLine(cmd) },
		"sh -c": func(cmd *conn.Cmd) string {
			return "sh -c " + conn.Quote(conn.MarkerPrefix("0123")+conn.ShellLine(cmd)) + " hapb-0123"
		},
	} {
		t.Run(name, func(t *testing.T) { testStandIn(t, line) })
	}
}

func testStandIn(t *testing.T, line func(*conn.Cmd) string) {
	h := testHost(t)
	fs := h.fs.Load()
	sh := func(cmd *conn.Cmd, stdin string) (int, string) {
		p := &proc{host: h, fs: fs, stdin: strings.NewReader(stdin)}
		var out bytes.Buffer
		st := p.run(line(cmd), &out, &out)
		return st, out.String()
	}
	for _, tc := range []struct {
		cmd   *conn.Cmd
		stdin string
		code  int
		out   string
	}{
		{&conn.Cmd{Args: []string{"hostname"}}, "", 0, "h1\n"},
		{&conn.Cmd{Script: "echo \"$HAPB_RUN\"; declare -p HAPB_RUN"}, "", 0, "0123\ndeclare -x HAPB_RUN=\"0123\"\n"},
		{&conn.Cmd{Script: "echo 'a b' \"c\""}, "", 0, "a b c\n"},
		{&conn.Cmd{Script: "if [ ! -d /tmp/d ]; then mkdir -- /tmp/d && chmod 0700 -- /tmp/d || exit 1; fi"}, "", 0, ""},
		{&conn.Cmd{Args: []string{"sh", "-c", "x", "hapb-guard", "/tmp/d", "", ""}}, "", 0, "creates\n"},
		{&conn.Cmd{Args: []string{"sh", "-c", "x", "hapb-upload", "/tmp/d/f", "600", "", "3",
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}}, "abc", 0, ""},
		{&conn.Cmd{Args: []string{"cat", "--", "/tmp/d/f"}}, "", 0, "abc"},
		{&conn.Cmd{Args: []string{"sh", "-c", "x", "hapb-probe", "/tmp/d", "-", "", "0", ""}}, "", 0, "-\n--\n1\n"},
		{&conn.Cmd{Script: "false || exit 3"}, "", 3, ""},
		{&conn.Cmd{Args: []string{"nosuch"}}, "", 127, "sh: nosuch: not found\n"},
		// The fake package manager, as the yum module asks it.
		{&conn.Cmd{Script: "command -v dnf"}, "", 0, ""},
		{&conn.Cmd{Args: []string{"rpm", "-q", "--qf", "%{NAME}", "--", "kubelet-1.31.4"}}, "", 1, "package kubelet-1.31.4 is not installed\n"},
		{&conn.Cmd{Args: []string{"dnf", "-q", "list", "available", "--", "kubelet-1.31.4", "jq"}}, "", 0,
			"Available Packages\nkubelet.x86_64 0:1.31.4-1 fleet\njq.x86_64 0:1.0-1 fleet\n"},
		{&conn.Cmd{Args: []string{"dnf", "-y", "install", "--", "kubelet-1.31.4"}}, "", 0, "Installed: kubelet-1.31.4-1.x86_64\n"},
		{&conn.Cmd{Args: []string{"rpm", "-q", "--qf", "%{NAME}", "--", "kubelet-1.31.4"}}, "", 0, "kubelet\t0:1.31.4-1.x86_64\n"},
		{&conn.Cmd{Args: []string{"rpm", "-q", "--qf", "%{NAME}", "--", "kubelet-1.30.0"}}, "", 1, "package kubelet-1.30.0 is not installed\n"},
		// systemd, sysctl, and the redirections of a sectioned script.
		{&conn.Cmd{Args: []string{"systemctl", "show", "-p", "Id,LoadState", "--", "sshd"}}, "", 0, "Id=sshd.service\nLoadState=loaded\nActiveState=active\n"},
		{&conn.Cmd{Args: []string{"systemctl", "start", "--", "nosuch"}}, "", 5, "Failed to start nosuch.service"},
		{&conn.Cmd{Args: []string{"sysctl", "-w", "vm.swappiness=0"}}, "", 0, "vm.swappiness = 0\n"},
		{&conn.Cmd{Script: "s() { printf '@@%s\\n' \"$1\"; }; s live; cat /proc/sys/vm/swappiness; [ -w /proc/sys/vm/swappiness ] && echo yes; cat /nosuch 2>/dev/null || echo none"}, "", 0,
			"@@live\n0\nyes\nnone\n"},
		{&conn.Cmd{Script: "echo a >/tmp/x && echo b >>/tmp/x && cat /tmp/x && grep -c . /tmp/x"}, "", 0, "a\nb\n2\n"},
	} {
		code, out := sh(tc.cmd, tc.stdin)
		if code != tc.code || !strings.HasPrefix(out, tc.out) {
			t.Errorf("%s: exit %d, output %q; want %d, %q", conn.Explain(tc.cmd), code, out, tc.code, tc.out)
		}
	}
	if n := fs.get("/tmp/d"); n == nil || !n.dir || n.mode != 0o700 {
		t.Errorf("/tmp/d is %+v", n)
	}
}

// testHost is a host of a fleet that serves nothing: for its shell.
func testHost(t *testing.T) *Host {
	bin, err := filepath.Abs(Bin)
	if err != nil {
		t.Fatal(err)
	}
	f := &Fleet{bin: bin}
	h := &Host{Name: "h1", Addr: "127.77.0.1:2222", fleet: f, env: hostEnv("h1", bin)}
	h.fs.Store(newMemFS())
	return h
}

// A marked line is parsed without its marker (see proc.script); anything
// else is left as it came.
func TestUnmark(t *testing.T) {
	for _, tc := range []struct{ line, marker, rest string }{
		{conn.MarkerPrefix("0123") + "hostname", "0123", "hostname"},
		{conn.MarkerPrefix("0123") + "a; b", "0123", "a; b"},
		{"HAPB_RUN=0123; hostname", "", "HAPB_RUN=0123; hostname"},
		{"HAPB_RUN=0123", "", "HAPB_RUN=0123"},
		{"sh -c 'HAPB_RUN=0123; export HAPB_RUN\nhostname' hapb-0123", "", "sh -c 'HAPB_RUN=0123; export HAPB_RUN\nhostname' hapb-0123"},
	} {
		marker, rest, ok := unmark(tc.line)
		if marker != tc.marker || rest != tc.rest || ok != (tc.marker != "") {
			t.Errorf("unmark(%q) = %q, %q, %v; want %q, %q", tc.line, marker, rest, ok, tc.marker, tc.rest)
		}
	}
}

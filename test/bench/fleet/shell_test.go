package fleet

import (
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
)

// The stand-in must answer the lines hapb's Conn really sends: each one
// is built here as the Conn builds it (sh -c QUOTED-LINE MARKER).
func TestStandIn(t *testing.T) {
	fs := newMemFS()
	sh := func(cmd *conn.Cmd, stdin string) (int, string) {
		p := &proc{host: "h1", fs: fs, stdin: strings.NewReader(stdin)}
		st := p.run("sh -c " + conn.Quote(conn.ShellLine(cmd)) + " hapb-0123")
		return st, p.out.String() + p.err.String()
	}
	for _, tc := range []struct {
		cmd   *conn.Cmd
		stdin string
		code  int
		out   string
	}{
		{&conn.Cmd{Args: []string{"hostname"}}, "", 0, "h1\n"},
		{&conn.Cmd{Script: "echo 'a b' \"c\""}, "", 0, "a b c\n"},
		{&conn.Cmd{Script: "if [ ! -d /tmp/d ]; then mkdir -- /tmp/d && chmod 0700 -- /tmp/d || exit 1; fi"}, "", 0, ""},
		{&conn.Cmd{Args: []string{"sh", "-c", "x", "hapb-guard", "/tmp/d", "", ""}}, "", 0, "creates\n"},
		{&conn.Cmd{Args: []string{"sh", "-c", "x", "hapb-upload", "/tmp/d/f", "600", "", "3",
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}}, "abc", 0, ""},
		{&conn.Cmd{Args: []string{"cat", "--", "/tmp/d/f"}}, "", 0, "abc"},
		{&conn.Cmd{Args: []string{"sh", "-c", "x", "hapb-probe", "/tmp/d", "-", "", "0", ""}}, "", 0, "-\n--\n1\n"},
		{&conn.Cmd{Script: "false || exit 3"}, "", 3, ""},
		{&conn.Cmd{Args: []string{"nosuch"}}, "", 127, "sh: nosuch: not found\n"},
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

package conn

import (
	"context"
	"os/exec"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"abc", "abc"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$(id)", "'$(id)'"},
		{"-_./:=@%+,", "-_./:=@%+,"},
		{"'", `''\'''`},
		{"a'b'c", `'a'\''b'\''c'`},
		{"x'", `'x'\'''`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	// ShellLine writes the same words into the line.
	args := make([]string, len(tests))
	want := make([]string, len(tests))
	for i, tt := range tests {
		args[i], want[i] = tt.in, tt.want
	}
	if got := ShellLine(&Cmd{Args: args}); got != strings.Join(want, " ") {
		t.Errorf("ShellLine = %s, want %s", got, strings.Join(want, " "))
	}
	if got := ShellLine(&Cmd{Script: "echo 'hi'", Dir: "/a b", Env: map[string]string{"K": "it's"}}); got != `cd '/a b' && env 'K=it'\''s' sh -c 'echo '\''hi'\'''` {
		t.Errorf("ShellLine with a script = %s", got)
	}
}

// FuzzQuote checks that sh expands Quote(s) back to exactly s. A NUL byte
// cannot be in an argv string at all (C strings end there), so strings with
// NUL are skipped: commands carry binary data on stdin, never in argv.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `"q"`, "$(id)", "`id`", "a\nb", "\\", "'''", "$HOME ${x:-y}", "*?[a]", "~", "-n", "é€", "!x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, 0) {
			t.Skip("NUL cannot be passed in argv")
		}
		out, err := exec.Command("sh", "-c", "printf %s "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("sh -c printf %%s %s: %v", Quote(s), err)
		}
		if string(out) != s {
			t.Fatalf("Quote(%q) = %s expands to %q", s, Quote(s), out)
		}
	})
}

func TestExplainRedacts(t *testing.T) {
	cmd := &Cmd{Args: []string{"mysql", "-psecr3t"}, Env: map[string]string{"TOKEN": "secr3t"}, Dir: "/tmp", Secrets: []string{"secr3t"}}
	want := "cd /tmp && env TOKEN=******** mysql -p********"
	if got := Explain(cmd); got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
}

// TestCheckCmd: a command must run as written, never as a variable
// assignment or an env option.
func TestCheckCmd(t *testing.T) {
	tests := []struct {
		cmd  Cmd
		want string // "" for none
	}{
		{Cmd{Args: []string{"echo", "X=v"}}, ""},
		{Cmd{Args: []string{"X=v", "echo", "hi"}}, "first word"},
		{Cmd{Args: []string{"/opt/a=b/bin/kubeadm"}, Env: map[string]string{"A": "1"}}, "first word"},
		{Cmd{Script: "echo hi", Env: map[string]string{"--split-string=id": "x"}}, "not valid"},
		{Cmd{Script: "echo hi", Env: map[string]string{"A=B": "x"}}, "not valid"},
		{Cmd{Script: "echo hi", Env: map[string]string{"1A": "x"}}, "not valid"},
		{Cmd{Script: "echo hi", Env: map[string]string{"": "x"}}, "not valid"},
		{Cmd{Script: "echo $_a1", Env: map[string]string{"_a1": "x", "PATH": "/bin"}}, ""},
	}
	for _, tt := range tests {
		b := &becomer{host: "h", posixLogin: true}
		_, err := b.wrap(context.Background(), &tt.cmd, nil)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: got %v, want %q", tt.cmd, err, tt.want)
		}
	}
}

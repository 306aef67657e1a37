package playbook

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/diag"
)

func TestDidYouMean(t *testing.T) {
	kws := []string{"when", "tags", "register", "become", "notify"}
	for _, tc := range []struct{ word, want string }{
		{"wehn", `did you mean "when"?`},
		{"regsiter", `did you mean "register"?`},
		{"tag", `did you mean "tags"?`},
		{"becomes", `did you mean "become"?`},
		{"xyz", ""},
		{"wx", ""},
	} {
		if got := didYouMean(tc.word, kws); got != tc.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestSplitKV(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want [][2]string
		err  bool
	}{
		{"src=a dest=b", [][2]string{{"src", "a"}, {"dest", "b"}}, false},
		{`msg="hello world" x='a b'`, [][2]string{{"msg", "hello world"}, {"x", "a b"}}, false},
		{"dest={{ .dir }}/x mode=0644", [][2]string{{"dest", "{{ .dir }}/x"}, {"mode", "0644"}}, false},
		{"just words", nil, true},
	} {
		got, err := splitKV(tc.in)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitKV(%q) = %q, %v; want %q, err %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCutParams(t *testing.T) {
	for _, tc := range []struct {
		in, cmd string
		kvs     [][2]string
	}{
		{"kubeadm init", "kubeadm init", nil},
		{"kubeadm init creates=/etc/k.conf", "kubeadm init", [][2]string{{"creates", "/etc/k.conf"}}},
		{"chdir=/tmp ls  -l", "ls  -l", [][2]string{{"chdir", "/tmp"}}},
		{`echo "a  b" chdir="/x y" x=1`, `echo "a  b" x=1`, [][2]string{{"chdir", "/x y"}}},
		{"sysctl net.ipv4.ip_forward=1", "sysctl net.ipv4.ip_forward=1", nil},
		{"echo a\ncreates=/x", "echo a\ncreates=/x", nil}, // scripts are left alone
	} {
		cmd, kvs := cutParams(tc.in, "cmd", new(commandParams))
		if cmd != tc.cmd || !reflect.DeepEqual(kvs, tc.kvs) {
			t.Errorf("cutParams(%q) = %q, %q; want %q, %q", tc.in, cmd, kvs, tc.cmd, tc.kvs)
		}
	}
}

func TestDecodeParams(t *testing.T) {
	p, err := DecodeParams(testModules["set_fact"], map[string]any{"a": 1, "b": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if m := *p.(*map[string]any); m["a"] != 1 || m["b"] != "x" {
		t.Errorf("set_fact params = %v", m)
	}
	p, err = DecodeParams(testModules["copy"], map[string]any{"dest": "/x", "mode": 420})
	if err != nil || *p.(*copyParams) != (copyParams{Dest: "/x", Mode: 420}) {
		t.Errorf("copy params = %+v, %v", p, err)
	}
	_, err = DecodeParams(testModules["copy"], map[string]any{"src": "a"})
	var pe *diag.Diagnostic
	if !errors.As(err, &pe) || pe.Name != "dest" || pe.Kind != diag.Missing {
		t.Errorf("missing dest: got %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nothere.yml", Options{Modules: testModules})
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/nothere.yml: open ") {
		t.Errorf("got %v", err)
	}
}

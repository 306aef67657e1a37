package remote

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSections(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want Sections
	}{
		{"none", "", Sections{}},
		{"two", Format("a", "x\n", "b", ""), Sections{"a": "x\n", "b": "", "end": ""}},
		{"exact body", "junk\n@@hapb a\n two\n\nlines\n\n@@hapb end\n", Sections{"a": " two\n\nlines\n", "end": ""}},
	}
	for _, tt := range tests {
		if got := Parse([]byte(tt.out)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Parse(%q) = %q, want %q", tt.name, tt.out, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct{ body, out, rc string }{
		{"ok\nrc=0\n", "ok", "0"},
		{"line\nrc=1", "line", "1"},
		{"no status\n", "no status", ""},
		{"rc=100\n", "", "100"},
	}
	for _, tt := range tests {
		out, rc := Sections{"x": tt.body}.Status("x")
		if out != tt.out || rc != tt.rc {
			t.Errorf("Status(%q) = %q, %q; want %q, %q", tt.body, out, rc, tt.out, tt.rc)
		}
	}
}

// TestScriptRuns runs a script through sh: what Script builds, Parse reads.
func TestScriptRuns(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	out, err := exec.Command(sh, "-c", Script("s a; echo one\n[ -e /nonexistent ] && { s b; echo no; }\ns c; false; echo \"rc=$?\"")).Output()
	if err != nil {
		t.Fatal(err)
	}
	sec := Parse(out)
	if sec["a"] != "one\n" || sec.Has("b") || !sec.Has("end") {
		t.Errorf("sections %q", sec)
	}
	if _, rc := sec.Status("c"); rc != "1" {
		t.Errorf("rc %q", rc)
	}
}

func TestProbeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		info PathInfo
		o    ProbeOpts
	}{
		{"absent", PathInfo{Path: "/x", ParentDir: true}, ProbeOpts{}},
		{"no parent", PathInfo{Path: "/a/b"}, ProbeOpts{Checksum: true}},
		{"file", PathInfo{Path: "/etc/x", Exists: true, Type: "file", Mode: 0o4755, Owner: "root", Group: "wheel", GID: 10,
			Size: 3, MTime: 1700000000, Readable: true, Writable: true, SHA256: "abc", Content: []byte("a\nb"), HasContent: true, ParentDir: true},
			ProbeOpts{Checksum: true, Content: 10}},
		{"large file", PathInfo{Path: "/big", Exists: true, Type: "file", Mode: 0o644, Owner: "u", Group: "g", Size: 99, ParentDir: true},
			ProbeOpts{Content: 10}},
		{"link", PathInfo{Path: "/l", Exists: true, Type: "link", Mode: 0o777, Owner: "root", Group: "root", LinkTarget: "../t", ParentDir: true}, ProbeOpts{}},
		{"into dir", PathInfo{Path: "/d/f", IntoDir: true, ParentDir: true, OtherExists: true}, ProbeOpts{IntoDir: "f", Other: "/o"}},
		{"followed", PathInfo{Path: "/real", Followed: true, Exists: true, Type: "directory", Mode: 0o755, Owner: "a", Group: "b",
			ParentDir: true, Executable: true}, ProbeOpts{Follow: true}},
	}
	for _, tt := range tests {
		p := tt.info.Path
		if tt.info.IntoDir {
			p = "/d"
		}
		argv := ProbeArgs(p, tt.o)
		gp, go_, ok := ParseProbeArgs(argv)
		if !ok || gp != p || go_ != tt.o {
			t.Errorf("%s: ParseProbeArgs(%q) = %q, %+v, %v", tt.name, argv, gp, go_, ok)
		}
		got, err := ParseProbe(FormatProbe(&tt.info, tt.o), p, tt.o)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tt.info) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", tt.name, *got, tt.info)
		}
	}
}

func TestParseProbe(t *testing.T) {
	out := "D\n11\n1\n41ed 0 0 root root 4096 1700000000\n111\n-\n"
	info, err := ParseProbe([]byte(out), "/etc/", ProbeOpts{IntoDir: "x", Other: "/o"})
	if err != nil || info.Path != "/etc/x" || info.Type != "directory" || info.Mode != 0o755 || !info.SameFile || !info.OtherExists {
		t.Errorf("%+v %v", info, err)
	}
	for _, bad := range []string{"", "-\n--\n1\n", "-\n--\n1\nzz 0 0 a b 1 1\n111\n-\n", "-\n--\n1\n81a4 0 0\n111\n-\n"} {
		if _, err := ParseProbe([]byte(bad), "/x", ProbeOpts{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestProbeRuns probes real paths with sh: the script and ParseProbe agree.
func TestProbeRuns(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("hi\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("f", filepath.Join(dir, "l")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p        string
		o        ProbeOpts
		typ      string
		path     string
		content  string
		followed bool
	}{
		{f, ProbeOpts{Checksum: true, Content: 10}, "file", f, "hi\n", false},
		{filepath.Join(dir, "l"), ProbeOpts{}, "link", filepath.Join(dir, "l"), "", false},
		{filepath.Join(dir, "l"), ProbeOpts{Follow: true}, "file", f, "", true},
		{dir, ProbeOpts{IntoDir: "f"}, "file", f, "", false},
		{filepath.Join(dir, "none"), ProbeOpts{}, "", filepath.Join(dir, "none"), "", false},
	}
	for _, tt := range tests {
		argv := ProbeArgs(tt.p, tt.o)
		out, err := exec.Command(argv[0], argv[1:]...).Output()
		if err != nil {
			t.Fatalf("%s: %v", tt.p, err)
		}
		info, err := ParseProbe(out, tt.p, tt.o)
		if err != nil {
			t.Fatal(err)
		}
		if info.Type != tt.typ || info.Path != tt.path || string(info.Content) != tt.content || info.Followed != tt.followed || !info.ParentDir {
			t.Errorf("%s %+v: %+v", tt.p, tt.o, info)
		}
		if tt.o.Checksum && info.SHA256 != "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4" {
			t.Errorf("checksum %s", info.SHA256)
		}
	}
}

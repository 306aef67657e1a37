package modules

import (
	"testing"

	"github.com/hapb/hapb/engine/params"
)

func TestFileModeApply(t *testing.T) {
	tests := []struct {
		in    any
		cur   uint32
		isDir bool
		want  uint32
		chmod string
	}{
		{"0644", 0o600, false, 0o644, "0644"},
		{"644", 0o600, false, 0o644, "0644"},
		{"0o755", 0, true, 0o755, "0755"},
		{420, 0o600, false, 0o644, "0644"}, // YAML 0644
		{"04755", 0, false, 0o4755, "4755"},
		{"u=rw,g=r,o=r", 0o777, false, 0o644, "u=rw,g=r,o=r"},
		{"u+x", 0o644, false, 0o744, "u+x"},
		{"+x", 0o644, false, 0o755, "a+x"},
		{"go-w", 0o666, false, 0o644, "go-w"},
		{"a+rX", 0o600, false, 0o644, "a+rX"},
		{"a+rX", 0o700, false, 0o755, "a+rX"},
		{"a+rX", 0o700, true, 0o755, "a+rX"},
		{"u=rwx,g=u-w,o=", 0o000, false, 0o750, "u=rwx,g=u-w,o="},
		{"ug+s", 0o755, false, 0o6755, "ug+s"},
		{"+t", 0o777, true, 0o1777, "a+t"},
	}
	for _, tt := range tests {
		var m FileMode
		if err := m.DecodeParam(tt.in); err != nil {
			t.Errorf("%v: %v", tt.in, err)
			continue
		}
		if got := m.Apply(tt.cur, tt.isDir); got != tt.want {
			t.Errorf("%v on %04o: got %04o, want %04o", tt.in, tt.cur, got, tt.want)
		}
		if got := m.ChmodArg(); got != tt.chmod {
			t.Errorf("%v: chmod arg %q, want %q", tt.in, got, tt.chmod)
		}
	}
}

func TestFileModeErrors(t *testing.T) {
	for _, in := range []any{"0999", "u~x", "z+x", "u+q", 0o17777, -1, true, "u"} {
		var m FileMode
		if err := m.DecodeParam(in); err == nil {
			t.Errorf("%v: no error", in)
		}
	}
}

func TestFileModeParam(t *testing.T) {
	var p struct {
		Mode FileMode `yaml:"mode"`
	}
	if err := params.Decode(map[string]any{"mode": "0600"}, &p); err != nil || !p.Mode.IsSet() || p.Mode.Apply(0, false) != 0o600 {
		t.Fatalf("decode: %v %+v", err, p.Mode)
	}
	p.Mode = FileMode{}
	if err := params.Decode(map[string]any{}, &p); err != nil || p.Mode.IsSet() {
		t.Fatalf("unset mode: %v %+v", err, p.Mode)
	}
	if f := params.Fields(&p); f[0].Type != "mode" {
		t.Errorf("doc type %q", f[0].Type)
	}
}

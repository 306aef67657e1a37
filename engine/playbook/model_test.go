package playbook

import (
	"strings"
	"testing"
)

func TestPosString(t *testing.T) {
	long := strings.Repeat("d/", 100) + "tasks/main.yml"
	tests := []struct {
		pos  Pos
		want string
	}{
		{Pos{File: "site.yml", Line: 12, Col: 7}, "site.yml:12:7"},
		{Pos{File: "site.yml"}, "site.yml"}, // no line: the file alone
		{Pos{File: long, Line: 1234, Col: 5}, long + ":1234:5"},
		{Pos{Line: 3, Col: 1}, ":3:1"},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.pos, got, tt.want)
		}
	}
	p := Pos{File: "roles/etcd/tasks/main.yml", Line: 120, Col: 3}
	if n := testing.AllocsPerRun(100, func() { _ = p.String() }); n > 1 {
		t.Errorf("Pos.String: %v allocations, want 1 (the executor calls it for every host)", n)
	}
}

package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hapb/hapb/engine/tmpl"
)

func TestParseExtraVars(t *testing.T) {
	f := filepath.Join(t.TempDir(), "v.yml")
	os.WriteFile(f, []byte("a: from-file\nn: 3\n"), 0o644)
	u := filepath.Join(t.TempDir(), "u.yml")
	os.WriteFile(u, []byte("u: !unsafe '{{ .x }}'\n"), 0o644)
	tests := []struct {
		specs []string
		want  map[string]any
	}{
		{[]string{"a=1 b='two words'"}, map[string]any{"a": "1", "b": "two words"}},
		{[]string{`{"a": [1, 2]}`}, map[string]any{"a": []any{1, 2}}},
		{[]string{"a=1", "@" + f}, map[string]any{"a": "from-file", "n": 3}},
		{[]string{"@" + f, "a=last"}, map[string]any{"a": "last", "n": 3}},
		{[]string{"@" + u}, map[string]any{"u": tmpl.Unsafe("{{ .x }}")}},
		{[]string{`{"u": !unsafe "{{ .x }}"}`}, map[string]any{"u": tmpl.Unsafe("{{ .x }}")}},
	}
	for _, tt := range tests {
		got, err := parseExtraVars(tt.specs)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseExtraVars(%q) = %v, %v; want %v", tt.specs, got, err, tt.want)
		}
	}
	if _, err := parseExtraVars([]string{"novalue"}); err == nil {
		t.Error("want an error for a bare word")
	}
}

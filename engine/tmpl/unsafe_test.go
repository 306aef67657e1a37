package tmpl

import (
	"reflect"
	"testing"
)

func TestDecodeYAMLUnsafe(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"a: !unsafe '{{ x }}'\nb: '{{ y }}'", map[string]any{"a": Unsafe("{{ x }}"), "b": "{{ y }}"}},
		{"a: !unsafe 12", map[string]any{"a": Unsafe("12")}},
		{"a: !unsafe ['{{ x }}', 3]", map[string]any{"a": []any{Unsafe("{{ x }}"), 3}}},
		{"a: !unsafe {k: '{{ x }}'}", map[string]any{"a": map[string]any{"k": Unsafe("{{ x }}")}}},
		{"a: {b: [1, !unsafe '{{ x }}']}", map[string]any{"a": map[string]any{"b": []any{1, Unsafe("{{ x }}")}}}},
		{"x: &u !unsafe '{{ x }}'\ny: *u", map[string]any{"x": Unsafe("{{ x }}"), "y": Unsafe("{{ x }}")}},
		{"", nil},
		// YAML 1.1, as PyYAML types it, also through merge keys.
		{"a: yes\nb: 1:20\nc: 0755\nd: '0755'\ne: 1.0\nf: 2001-12-14", map[string]any{"a": true, "b": 80, "c": 493, "d": "0755", "e": 1.0, "f": "2001-12-14"}},
		{"base: &b {on_: on, keep: off}\nx:\n  <<: *b\n  keep: yes", map[string]any{"base": map[string]any{"on_": true, "keep": false},
			"x": map[string]any{"on_": true, "keep": true}}},
		{"base: &b {u: !unsafe '{{ x }}'}\nx: {<<: [*b]}", map[string]any{"base": map[string]any{"u": Unsafe("{{ x }}")}, "x": map[string]any{"u": Unsafe("{{ x }}")}}},
	}
	for _, tt := range tests {
		got, err := DecodeYAML([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeYAML(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestUnsafeRendersAsText(t *testing.T) {
	c, err := Compile("t", map[string]any{"u": Unsafe("{{ .x }}"), "t": "{{ .x }}", "l": []any{Unsafe("{{range 9}}")}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(c, map[string]any{"x": "X"})
	want := map[string]any{"u": "{{ .x }}", "t": "X", "l": []any{"{{range 9}}"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Render = %#v, %v; want %#v", got, err, want)
	}
	if p := Plain(map[string]any{"a": []any{Unsafe("u")}}); !reflect.DeepEqual(p, map[string]any{"a": []any{"u"}}) {
		t.Errorf("Plain = %#v", p)
	}
}

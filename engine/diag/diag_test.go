package diag

import (
	"errors"
	"fmt"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestError(t *testing.T) {
	for _, tt := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "a.yml", Line: 3, Col: 7, Msg: "unknown keyword \"wehn\"", Hint: "did you mean \"when\"?"},
			`a.yml:3:7: unknown keyword "wehn" (did you mean "when"?)`},
		{Diagnostic{File: "hosts", Line: 2, Msg: "expected key=value"}, "hosts:2: expected key=value"},
		{Diagnostic{File: "site.yml", Col: 4, Msg: "playbook has no plays"}, "site.yml: playbook has no plays"},
		{Diagnostic{Msg: `parameter "mode": expected an integer`}, `parameter "mode": expected an integer`},
	} {
		if got := tt.d.Error(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestAtAndFrom(t *testing.T) {
	d := &Diagnostic{Kind: UnknownParameter, Name: "x", Msg: "unknown parameter"}
	at := d.At("f.yml", 2, 3)
	if at.Error() != "f.yml:2:3: unknown parameter" || at.Kind != UnknownParameter || d.File != "" {
		t.Errorf("At: %v (%v), original %+v", at, at.Kind, d)
	}
	if again := at.At("g.yml", 9, 9); again.File != "f.yml" || again.Line != 2 {
		t.Errorf("At moved a placed diagnostic: %v", again)
	}
	if got := From(errors.New("boom"), NotFound, "f", 1, 2); got.Kind != NotFound || got.Error() != "f:1:2: boom" {
		t.Errorf("From(plain) = %v (%v)", got, got.Kind)
	}
	if got := From(d, Invalid, "f", 1, 2); got.Kind != UnknownParameter {
		t.Errorf("From(diagnostic) lost its kind: %v", got.Kind)
	}
	// A wrapped diagnostic keeps the words around it.
	if got := From(fmt.Errorf("copy: %w", d), Invalid, "f", 1, 2); got.Error() != "f:1:2: copy: unknown parameter" {
		t.Errorf("From(wrapped) = %v", got)
	}
	if got, ok := As(fmt.Errorf("x: %w", d), UnknownParameter); !ok || got != d {
		t.Errorf("As = %v, %v", got, ok)
	}
	if _, ok := As(d, Undefined); ok {
		t.Error("As matched another kind")
	}
}

// TestYAML is the table of yaml.v3 messages YAML recognises, each made by
// yaml.v3 from a source, so an upgrade that rewords one fails here.
func TestYAML(t *testing.T) {
	for _, tt := range []struct {
		src  string
		lib  string // what yaml.v3 says
		line int    // the 1-based line YAML reports
		msg  string
	}{
		// Scanner errors: yaml.v3's line is 1-based.
		{"a: 1\nb: @x\n", "yaml: line 2: found character that cannot start any token",
			2, "YAML: found character that cannot start any token"},
		{"- a\n- b\n  c: [1, 2\n", "yaml: line 3: mapping values are not allowed in this context",
			3, "YAML: mapping values are not allowed in this context"},
		// Parser errors: 0-based, where the open construct starts.
		{"a: 1\nb: [1, 2\nc: 3\n", "yaml: line 1: did not find expected ',' or ']'",
			2, "YAML: did not find expected ',' or ']'"},
		{"a: 1\nb: {x: 1\n", "yaml: line 1: did not find expected ',' or '}'",
			2, "YAML: did not find expected ',' or '}'"},
		{"a:\n  - x: 1\n    y: 2\n   z: 3\n", "yaml: line 1: did not find expected '-' indicator",
			2, "YAML: did not find expected '-' indicator"},
		{"- name: x\n  debug:\n    msg: 1\n   bad: indent\n", "yaml: line 3: did not find expected key",
			4, "YAML: did not find expected key"},
		{"x: 1\n\n\n- y: [1,\n  2\n", "yaml: line 3: did not find expected key",
			4, "YAML: did not find expected key"},
		{"a: [\n", "yaml: line 1: did not find expected node content",
			2, "YAML: did not find expected node content"},
		{"a: 1\nb: !x!y c\n", "yaml: line 1: found undefined tag handle",
			2, "YAML: found undefined tag handle"},
		{"%YAML 1.1\nfoo\n", "yaml: line 1: did not find expected <document start>",
			2, "YAML: did not find expected <document start>"},
		// No line at all.
		{"\t", "yaml: found character that cannot start any token", 0, "YAML: found character that cannot start any token"},
	} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(tt.src), &n)
		if err == nil || err.Error() != tt.lib {
			t.Errorf("yaml.v3 on %q says %v, want %q", tt.src, err, tt.lib)
			continue
		}
		d := YAML("f.yml", err)
		if d.File != "f.yml" || d.Line != tt.line || d.Col != 0 || d.Msg != tt.msg || d.Kind != Syntax {
			t.Errorf("YAML(%q) = %+v, want line %d, %q", tt.lib, d, tt.line, tt.msg)
		}
	}
	var v struct{ A int }
	err := yaml.Unmarshal([]byte("a: x\n"), &v)
	if d := YAML("f.yml", err); d.Kind != Type || d.Error() != "f.yml: line 1: cannot unmarshal !!str `x` into int" {
		t.Errorf("YAML(TypeError) = %v (%v)", d, d.Kind)
	}
}

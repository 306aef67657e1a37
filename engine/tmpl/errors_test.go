package tmpl

import (
	"io"
	"testing"
	"text/template"

	"github.com/hapb/hapb/engine/diag"
)

// TestReadLib is the table of text/template messages readLib knows, each
// made by text/template itself from a source, so an upgrade that rewords
// one fails here rather than in a user's face.
func TestReadLib(t *testing.T) {
	vars := map[string]any{"a": nil, "m": map[string]any{}, "l": []any{1}}
	for _, tt := range []struct {
		src  string
		exec bool   // the error is from Execute, not Parse
		lib  string // what text/template says
		want libError
	}{
		{"{{ .x | foo }}", false, `template: t:1: function "foo" not defined`,
			libError{msg: `function "foo" not defined`, line: 1, function: "foo", token: "foo"}},
		{"a\n{{ .x ) }}", false, "template: t:2: unexpected right paren",
			libError{msg: "unexpected right paren", line: 2}},
		{"{{ if .x }}", false, "template: t:1: unexpected EOF",
			libError{msg: "unexpected EOF", line: 1, unclosed: true}},
		{"a {{ .x", false, "template: t:1: unclosed action",
			libError{msg: "unclosed action", line: 1, unclosed: true}},
		{`{{ .x "a }}`, false, "template: t:1: unterminated quoted string",
			libError{msg: "unterminated quoted string", line: 1}},
		{"{{ $x }}", false, `template: t:1: undefined variable "$x"`,
			libError{msg: `undefined variable "$x"`, line: 1, token: "$x"}},
		{"{{ .missing }}", true, `template: t:1:3: executing "t" at <.missing>: map has no entry for key "missing"`,
			libError{msg: `at <.missing>: map has no entry for key "missing"`, at: ".missing", missingKey: "missing"}},
		{"{{ range $k := .m.z }}{{ end }}", true, `template: t:1:17: executing "t" at <.m.z>: map has no entry for key "z"`,
			libError{msg: `at <.m.z>: map has no entry for key "z"`, at: ".m.z", missingKey: "z"}},
		{"{{ .a.b }}", true, `template: t:1:5: executing "t" at <.a.b>: nil pointer evaluating interface {}.b`,
			libError{msg: "at <.a.b>: nil pointer evaluating interface {}.b", at: ".a.b", nilParent: true}},
		{`{{ index .m "k" }}`, true, `template: t:1:3: executing "t" at <index .m "k">: error calling index: undefined variable "k"`,
			libError{msg: `at <index .m "k">: index: undefined variable "k"`, at: `index .m "k"`}},
		{`{{ b64dec "!!" }}`, true, `template: t:1:3: executing "t" at <b64dec "!!">: error calling b64dec: illegal base64 data at input byte 0`,
			libError{msg: `at <b64dec "!!">: b64dec: illegal base64 data at input byte 0`, at: `b64dec "!!"`}},
		{"{{ .l.x }}", true, `template: t:1:5: executing "t" at <.l.x>: can't evaluate field x in type interface {}`,
			libError{msg: "at <.l.x>: can't evaluate field x in type interface {}", at: ".l.x"}},
	} {
		tp, err := template.New("t").Option("missingkey=error").Funcs(funcs).Parse(tt.src)
		if tt.exec && err == nil {
			err = tp.Execute(io.Discard, vars)
		}
		if err == nil || err.Error() != tt.lib {
			t.Errorf("text/template on %q says %v, want %q", tt.src, err, tt.lib)
			continue
		}
		if got := readLib(err); got != tt.want {
			t.Errorf("readLib(%q) = %+v, want %+v", tt.lib, got, tt.want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	for _, tt := range []struct {
		src  string
		kind diag.Kind
		name string
	}{
		{"{{ .x | foo }}", diag.UnknownFunction, "foo"},
		{"a {{ .x", diag.Syntax, ""},
	} {
		_, err := Parse("t", tt.src)
		d, ok := diag.As(err, tt.kind)
		if !ok || d.Name != tt.name {
			t.Errorf("Parse(%q) = %#v, want kind %v named %q", tt.src, err, tt.kind, tt.name)
		}
	}
	for _, src := range []string{"x ==", "a is defined", "len(1, 2, 3)"} {
		if _, err := CompileExpr(src); err == nil {
			t.Errorf("CompileExpr(%q) compiled", src)
		} else if d, ok := err.(*diag.Diagnostic); !ok || d.Kind == diag.Invalid && src == "x ==" {
			t.Errorf("CompileExpr(%q) = %#v, want a syntax diagnostic", src, err)
		}
	}
	_, err := CompileExpr("x ==")
	if want := `expression "x ==": unexpected token EOF (1:4)`; err.Error() != want {
		t.Errorf("CompileExpr: %q, want %q on one line", err, want)
	}
}

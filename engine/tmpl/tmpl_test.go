package tmpl

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/diag"
)

func testVars() map[string]any {
	return map[string]any{
		"x":    "X",
		"n":    2,
		"null": nil,
		"a":    map[string]any{"b": 1, "s": map[string]string{"k": "v"}},
		"l":    []any{"h1", "h2"},
		"hostvars": map[string]any{
			"h1": map[string]any{"ansible_host": "10.0.0.1"},
			"h2": map[string]any{"ansible_host": "10.0.0.2"},
		},
		"groups": map[string]any{"etcd": []any{"h1", "h2"}},
		// Typed values, as the runner makes them.
		"typed": map[string][]string{"etcd": {"e1", "e2"}},
		"hv":    namedHostvars{"e1": {"ip": "10.0.0.1"}, "e2": {"ip": "10.0.0.2"}},
	}
}

type namedHostvars map[string]map[string]any

func TestRender(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		{"plain", "plain"},
		{"{{ .x }}/{{ .n }}", "X/2"},
		// Exactly one action: the native value.
		{"{{ .l }}", []any{"h1", "h2"}},
		{"{{ .n }}", 2},
		{"{{- .l -}}", []any{"h1", "h2"}},
		{"{{ .a }}", map[string]any{"b": 1, "s": map[string]string{"k": "v"}}},
		{"{{ $.a.b }}", 1},
		{"{{ . | len }}", 9},
		{"{{ .typed.etcd | len }}", 2},
		{`{{ index .typed "etcd" 1 }}`, "e2"},
		{`{{ (index .hv "e1").ip }}`, "10.0.0.1"},
		{`{{ hostvarsOf .hv .typed.etcd | pluck "ip" | join " " }}`, "10.0.0.1 10.0.0.2"},
		{`{{ index .hv "e9" "ip" | default "none" }}`, "none"},
		{"{{ .l | len }}", 2},
		{"{{ index .a \"s\" \"k\" }}", "v"},
		{"{{ (index .hostvars \"h1\").ansible_host }}", "10.0.0.1"},
		{"{{ hostvarsOf .hostvars .groups.etcd | pluck \"ansible_host\" }}", []any{"10.0.0.1", "10.0.0.2"}},
		{"{{ add .n 1 }}", 3},
		{"{{ .null }}", nil},
		{"{{ true }}", true},
		{"{{ 1.0 }}", 1.0},
		{"{{ list 1 2.5 }}", []any{1, 2.5}},
		{"{{ concat .l (list \"h3\") .typed.etcd }}", []any{"h1", "h2", "h3", "e1", "e2"}},
		{"{{ concat .l (ternary (list 1) (list) false) }}", []any{"h1", "h2"}},
		{"{{ concat }}", []any{}},
		// Text around the action, or several actions: a string.
		{" {{ .l }}", ` ["h1","h2"]`},
		{"n={{ .null }}", "n="},
		{"{{ .a.b }}{{ .x }}", "1X"},
		{"{{ .n }}\n", "2\n"},
		{"{{ .x }}{{ .x }}", "XX"},
		{"{{ if .n }}{{ .x }}{{ end }}", "X"},
		{"{{ range .l }}{{ . }},{{ end }}", "h1,h2,"},
		{"{{ $h := .x }}{{ $h }}", "X"},
		// Definedness idioms.
		{`{{ default "d" .maybe }}`, "d"},
		{`{{ .maybe | default "d" }}`, "d"},
		{`{{ .a.maybe.deeper | default "d" }}`, "d"},
		{`{{ .null | default "d" }}`, "d"},
		{`{{ .x | default "d" }}`, "X"},
		{`{{ default 3 (index .a "maybe") }}`, 3},
		{`{{ index .hostvars "h9" "ansible_host" | default "none" }}`, "none"},
		{`{{ (index .hostvars "h9").ansible_host | default "none" }}`, "none"},
		{`{{ range .l }}{{ $.maybe | default "d" }}{{ end }}`, "dd"},
		{`{{ if defined .maybe }}y{{ else }}n{{ end }}`, "n"},
		{`{{ if defined .a.b }}y{{ else }}n{{ end }}`, "y"},
		{`{{ if hasKey . "x" }}y{{ end }}`, "y"},
		{`{{ if and (defined .maybe) .maybe }}y{{ else }}n{{ end }}`, "n"},
		{`{{ if and (defined .x) .x }}y{{ else }}n{{ end }}`, "y"},
		{`{{ define "t" }}{{ .maybe | default "d" }}{{ end }}{{ template "t" . }}`, "d"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm, err := Parse("test", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tm.Render(testVars())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			// text/template and JSON give the same, up to JSON's types.
			slow, err := parseTemplate("test", tt.src, false)
			if err != nil {
				t.Fatal(err)
			}
			got, err = slow.Render(testVars())
			if err != nil {
				t.Fatal(err)
			}
			if ToString(got) != ToString(tt.want) {
				t.Errorf("via text/template: got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestRenderUndefined(t *testing.T) {
	tests := []struct{ src, name string }{
		{"{{ .missing }}", "missing"},
		{"x{{ .missing }}", "missing"},
		{"{{ .a.missing }}", "a.missing"},
		{"x{{ .a.missing }}", "a.missing"},
		{`{{ index .a "k" }}`, "a.k"},
		{`x{{ index .a "k" }}`, "a.k"},
		{`{{ index .l 5 }}`, "l[5]"},
		{`{{ (index .hostvars "h9").ansible_host }}`, "hostvars.h9"},
		{`{{ .missing | upper }}`, "missing"},
		{`{{ upper .missing | default "d" }}`, "missing"},
		{`{{ default .missing "x" }}`, "missing"},
		{`{{ range .l }}{{ $.missing }}{{ end }}`, "missing"},
		{`{{ list .a | pluck "k" }}`, "[0].k"},
		{`{{ .null.x }}`, "null.x"},
		{`x{{ .null.x }}`, "null.x"},
		{`{{ if .null.x }}{{ end }}`, "null.x"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm, err := Parse("test", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := parseTemplate("test", tt.src, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, tm := range []*Template{tm, slow} {
				got, err := tm.Render(testVars())
				u, ok := diag.As(err, diag.Undefined)
				if !ok {
					t.Fatalf("got %#v, %v; want an undefined variable", got, err)
				}
				if u.Name != tt.name {
					t.Errorf("undefined %q, want %q (direct: %v)", u.Name, tt.name, tm != slow)
				}
			}
		})
	}
}

func TestParseError(t *testing.T) {
	tests := []struct{ src, want string }{
		{"{{ .x | foo }}", `function "foo" not defined (variables are written .foo; ` + "`hapb doc templates`" + ` lists the functions) (line 1, col 9: "{{ .x | foo }}")`},
		{"a\n{{ .x ) }}", `unexpected right paren (line 2: "{{ .x ) }}")`},
		{"{{ if .x }}", `unexpected EOF (line 1, col 1: "{{ if .x }}")`},
		{"a {{ .x", `unclosed action (line 1, col 3: "a {{ .x")`},
		{"{{ x }}", `function "x" not defined (variables are written .x;`},
		{"{{ .l | to_json }}", `(the Jinja filter to_json is toJson here)`},
	}
	for _, tt := range tests {
		_, err := Parse("test", tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestTree(t *testing.T) {
	tree := map[string]any{
		"name": "{{ .x }}",
		"args": []any{"plain", "{{ .l }}", 3},
		"keep": map[string]any{"a": "b"},
	}
	c, err := Compile("test", tree)
	if err != nil {
		t.Fatal(err)
	}
	if !HasTemplate(c) || HasTemplate(c.(map[string]any)["keep"]) {
		t.Error("HasTemplate is wrong")
	}
	got, err := Render(c, testVars())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name": "X",
		"args": []any{"plain", []any{"h1", "h2"}, 3},
		"keep": map[string]any{"a": "b"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if _, err := Render(c, map[string]any{}); !strings.HasPrefix(err.Error(), "args: ") && !strings.HasPrefix(err.Error(), "name: ") {
		t.Errorf("error %v does not name the key", err)
	}
}

// NeedsCompile must say what HasTemplate says of Compile's result: vars
// stores a tree without compiling it when it says no.
func TestNeedsCompile(t *testing.T) {
	tpl, err := Parse("t", "{{ .x }}")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{
		"plain", "{{ .x }}", 3, nil, Unsafe("{{ .x }}"), tpl,
		[]any{"a", 1, []any{"b"}}, []any{"a", []any{"{{ .x }}"}},
		map[string]any{"a": map[string]any{"b": "c"}}, map[string]any{"a": map[string]any{"b": Unsafe("c")}},
		map[string]any{"a": []any{1, tpl}}, []any{}, map[string]any{},
	} {
		c, err := Compile("t", v)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := NeedsCompile(v), HasTemplate(c); got != want {
			t.Errorf("NeedsCompile(%#v) = %v, HasTemplate(Compile) = %v", v, got, want)
		}
	}
}

func TestToString(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{"s", "s"}, {nil, ""}, {3, "3"}, {true, "true"}, {1.5, "1.5"},
		{[]any{"a", 1}, `["a",1]`}, {map[string]any{"k": "v"}, `{"k":"v"}`},
	}
	for _, tt := range tests {
		if got := ToString(tt.v); got != tt.want {
			t.Errorf("ToString(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// Render is called from many goroutines, one per host.
func TestRenderConcurrent(t *testing.T) {
	tm := MustParse("test", `{{ .x }}-{{ .maybe | default "d" }}`)
	done := make(chan string)
	for i := 0; i < 8; i++ {
		go func() {
			s, _ := tm.RenderString(testVars())
			done <- s
		}()
	}
	for i := 0; i < 8; i++ {
		if s := <-done; s != "X-d" {
			t.Errorf("got %q", s)
		}
	}
}

func TestRefs(t *testing.T) {
	tests := []struct {
		src   string
		want  []string
		whole bool // ReadsWhole
	}{
		{"{{ .a.b }}/{{ $.x }}", []string{"a", "x"}, false},
		{`{{ .maybe | default .d }}`, []string{"d", "maybe"}, false},
		{`{{ (index .hostvars "h").ip }}`, []string{"hostvars"}, false},
		{`{{ range .l }}{{ .name }}{{ $.y }}{{ end }}`, []string{"l", "y"}, false},
		{`{{ with .a }}{{ .b }}{{ else }}{{ .c }}{{ end }}`, []string{"a", "c"}, false},
		{`{{ with .a }}{{ . }}{{ end }}`, []string{"a"}, false},
		{`{{ if hasKey . "x" }}{{ .y }}{{ end }}`, []string{"x", "y"}, false},
		{`{{ index . "x" "k" }}{{ index $ "y" }}`, []string{"x", "y"}, false},
		{`{{ if hasKey . "x" }}{{ index . "x" | default 1 }}{{ end }}`, []string{"x"}, false},
		{`{{ index . .k }}`, []string{"k"}, true},
		{`{{ hasKey . "x" "y" }}`, []string{}, true},
		{`{{ range .l }}{{ index . "x" }}{{ end }}`, []string{"l"}, false},
		{`{{ index .m "x" }}`, []string{"m"}, false},
		{`{{ toJson . }}`, []string{}, true},
		{`{{ range .l }}{{ index $ . }}{{ end }}`, []string{"l"}, true},
		{`{{ $v := . }}{{ $v.x }}`, []string{}, true},
		{`{{ define "t" }}{{ .x }}{{ end }}{{ template "t" . }}`, []string{}, true},
	}
	for _, tt := range tests {
		tp := MustParse("test", tt.src)
		if got := tp.Refs(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Refs(%q) = %v, want %v", tt.src, got, tt.want)
		}
		if got := tp.ReadsWhole(); got != tt.whole {
			t.Errorf("ReadsWhole(%q) = %v, want %v", tt.src, got, tt.whole)
		}
	}
}

// TestPyFloat: floats render as Python's repr, as Ansible renders them.
func TestPyFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {-2, "-2.0"}, {1.5, "1.5"}, {1e6, "1000000.0"}, {1e16, "1e+16"}, {1.5e-5, "1.5e-05"},
		{0.0001, "0.0001"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
	}
	for _, tt := range tests {
		if got := PyFloat(tt.in); got != tt.want {
			t.Errorf("PyFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for v, want := range map[any]string{1.0: "1.0", 3: "3"} {
		if got := ToString(v); got != want {
			t.Errorf("ToString(%#v) = %q, want %q", v, got, want)
		}
	}
	if got := ToString([]any{1.0, 2}); got != "[1.0,2]" {
		t.Errorf("ToString([1.0, 2]) = %q", got)
	}
}

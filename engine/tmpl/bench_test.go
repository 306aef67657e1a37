package tmpl

import "testing"

func BenchmarkRenderString(b *testing.B) {
	t := MustParse("bench", "{{ .x }}/{{ .n }}")
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderNative(b *testing.B) {
	t := MustParse("bench", "{{ .l }}")
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderNativeIndex(b *testing.B) {
	t := MustParse("bench", `{{ (index .hostvars "h1").ansible_host }}`)
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

// default, with its lenient operand, evaluated directly.
func BenchmarkRenderNativePipeline(b *testing.B) {
	t := MustParse("bench", `{{ .maybe | default .l }}`)
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExprBool(b *testing.B) {
	e := MustCompileExpr(`a == "b" && c`)
	vars := exprVars()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := e.Bool(vars); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkExprMember(b *testing.B) {
	e := MustCompileExpr(`result.rc != 0 || inventory_hostname == groups.masters[0]`)
	vars := exprVars()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := e.Bool(vars); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// A library call through reflection.
func BenchmarkRenderNativeCall(b *testing.B) {
	t := MustParse("bench", `{{ .l | join "," }}`)
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

// Control structures run through text/template.
func BenchmarkRenderTextTemplate(b *testing.B) {
	t := MustParse("bench", `{{ if .x }}{{ .x }}/{{ .n }}{{ end }}`)
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

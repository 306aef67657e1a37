package tmpl

import (
	"strings"
	"testing"
)

func TestFuncDocExamples(t *testing.T) {
	for _, d := range Docs() {
		t.Run(d.Name, func(t *testing.T) {
			tt, err := Parse(d.Name, d.Example)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.RenderString(map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if got != d.Expected {
				t.Errorf("%s = %q, doc says %q", d.Example, got, d.Expected)
			}
			// The same through text/template, which ignores the direct
			// evaluators: both paths must agree.
			tt, err = parseTemplate(d.Name, d.Example, false)
			if err != nil {
				t.Fatal(err)
			}
			got, err = tt.RenderString(map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if got != d.Expected {
				t.Errorf("%s via text/template = %q, doc says %q", d.Example, got, d.Expected)
			}
		})
	}
}

func TestExprDocExamples(t *testing.T) {
	for _, d := range ExprDocs() {
		t.Run(d.Name, func(t *testing.T) {
			e, err := CompileExpr(d.Example)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Eval(map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if ToString(got) != d.Expected {
				t.Errorf("%s = %q, doc says %q", d.Example, ToString(got), d.Expected)
			}
		})
	}
}

// Every function is documented, and every documented function exists.
func TestDocsComplete(t *testing.T) {
	documented := map[string]bool{}
	for _, d := range Docs() {
		if documented[d.Name] {
			t.Errorf("%s documented twice", d.Name)
		}
		documented[d.Name] = true
		if _, ok := funcs[d.Name]; !ok {
			t.Errorf("%s is documented but not a template function", d.Name)
		}
	}
	for name := range funcs {
		if !strings.HasPrefix(name, "__") && !documented[name] {
			t.Errorf("template function %s is not documented", name)
		}
	}
	exprDocumented := map[string]bool{"defined": true, "??": true}
	for _, d := range ExprDocs() {
		exprDocumented[d.Name] = true
	}
	for _, f := range exprFuncs {
		if !strings.HasPrefix(f.Name, "__") && !exprDocumented[f.Name] {
			t.Errorf("expression function %s is not documented", f.Name)
		}
	}
}

func TestWriteDocs(t *testing.T) {
	var b strings.Builder
	WriteDocs(&b)
	for _, want := range []string{"TEMPLATES", "EXPRESSIONS", "hostvarsOf HOSTVARS HOSTS", "version(a, op, b)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteDocs lacks %q", want)
		}
	}
}

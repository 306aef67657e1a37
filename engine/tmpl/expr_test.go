package tmpl

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/diag"
)

func exprVars() map[string]any {
	return map[string]any{
		"a":                  "b",
		"c":                  true,
		"yes":                "yes",
		"null":               nil,
		"result":             map[string]any{"rc": 0, "stdout": "v1.31.4"},
		"results":            []any{map[string]any{"rc": 0}, map[string]any{"rc": 1}},
		"groups":             map[string]any{"masters": []any{"m1", "m2"}, "etcd": []any{"m1", "m2", "m3"}},
		"group_names":        []any{"etcd", "masters"},
		"inventory_hostname": "m1",
		"kube_version":       "v1.31.4",
		"hostvars":           map[string]any{"m1": map[string]any{"ansible_host": "10.0.0.1"}},
		"typed":              map[string][]string{"etcd": {"e1", "e2"}},
	}
}

func TestExprEval(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		{`a == "b" && c`, true},
		{`inventory_hostname == groups.masters[0]`, true},
		{`result.rc != 0`, false},
		{`"etcd" in group_names`, true},
		{`groups.etcd | length`, 3},
		{`groups.etcd | length > 2 || false`, true},
		{`int(len(groups.etcd) / 2)`, 1},
		{`c ? a : nope`, "b"},
		{`a == "b" && a != "c"`, true},
		{`defined(result) ? result.rc == 0 : false`, true},
		{`filter(results, .rc != 0) | len()`, 1},
		{`all(results, .rc == 0)`, false},
		{`map(groups.masters, hostvars[#]?.ansible_host ?? "none")`, []any{"10.0.0.1", "none"}},
		{`hostvars[inventory_hostname].ansible_host`, "10.0.0.1"},
		{`version(kube_version, ">=", "1.31")`, true},
		{`version(kube_version, "lt", "1.31.10")`, true},
		{`regex_search(result.stdout, "[0-9.]+")`, "1.31.4"},
		{`bool(yes)`, true},
		{`typed.etcd[1] == "e2" && "e1" in typed.etcd`, true},
		{`typed.etcd | length`, 2},
		{`let n = 2; n * 2`, 4},
		{`"a|b" + "|"`, "a|b|"},
		{`"http://x" + 'y//z'`, "http://xy//z"},
		// Definedness idioms.
		{`defined(nope)`, false},
		{`defined(null)`, true},
		{`defined(result.rc)`, true},
		{`defined(result.nope)`, false},
		{`defined(nope.deeper)`, false},
		{`defined("result.rc")`, true},
		{`defined(hostvars[inventory_hostname].ansible_host)`, true},
		{`!defined(nope) || nope`, true},
		{`nope ?? "d"`, "d"},
		{`result.nope ?? 3`, 3},
		{`nope.deeper.still ?? 3`, 3},
		{`null ?? 3`, 3},
		{`nope?.x`, nil},
		{`defined(nope) && nope`, false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, err := CompileExpr(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Eval(exprVars())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestExprUndefined(t *testing.T) {
	tests := []struct{ src, name string }{
		{`nope`, "nope"},
		{`nope == 1`, "nope"},
		{`result.nope`, "result.nope"},
		{`(result.nope.x ?? 1) == result.gone`, "result.gone"},
		{`c && nope`, "nope"},
		{`false || (c and nope.x)`, "nope"},
		{`groups.masters[5]`, "groups.masters[5]"},
		{`typed.nope`, "typed.nope"},
		{`hostvars["m9"].ansible_host`, `hostvars.m9`},
		{`filter(results, .nope == 1)`, ".nope"},
		{`defined(x) || nope`, "nope"},
		{`defined(hostvars[nope])`, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, err := CompileExpr(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Eval(exprVars())
			u, ok := diag.As(err, diag.Undefined)
			if !ok {
				t.Fatalf("got %#v, %v; want an undefined variable", got, err)
			}
			if u.Name != tt.name {
				t.Errorf("undefined %q, want %q", u.Name, tt.name)
			}
		})
	}
}

func TestExprBool(t *testing.T) {
	tests := []struct {
		src     string
		want    bool
		wantErr string
	}{
		{"c", true, ""},
		{"true", true, ""},
		{"yes", false, "want a boolean"}, // the string "yes" is not true
		{"result.rc", false, "want a boolean"},
		{"bool(yes)", true, ""},
	}
	for _, tt := range tests {
		got, err := MustCompileExpr(tt.src).Bool(exprVars())
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.src, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s = %v, %v; want %v", tt.src, got, err, tt.want)
		}
	}
}

func TestCompileExprError(t *testing.T) {
	tests := []struct{ src, want string }{
		{`x is defined`, "write defined(x)"},
		{`x is not defined`, "!defined(x)"},
		{`defined(1 + 2)`, "defined takes one variable"},
		{`x == None`, "write nil, not None"},
		{`c and x == True`, "write true, not True"},
		{`a ==`, "unexpected token"},
		{`groups.etcd | length // 2`, "no integer division"},
		{`a == "http://x" // c`, "col 17"},
	}
	for _, tt := range tests {
		_, err := CompileExpr(tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CompileExpr(%q) = %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestAddPipeParens(t *testing.T) {
	tests := []struct{ in, want string }{
		{`x | length`, `x | length()`},
		{`x | length > 2`, `x | length() > 2`},
		{`x | len() > 2`, `x | len() > 2`},
		{`a || b`, `a || b`},
		{`"a | b"`, `"a | b"`},
		{`x | map(#) | sum`, `x | map(#) | sum()`},
	}
	for _, tt := range tests {
		if got := addPipeParens(tt.in); got != tt.want {
			t.Errorf("addPipeParens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeParam(t *testing.T) {
	var e Expr
	if err := e.DecodeParam(true); err != nil || e.String() != "true" {
		t.Fatalf("DecodeParam(true): %v %q", err, e.String())
	}
	if err := e.DecodeParam("c && a == 'b'"); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Bool(exprVars()); !ok || err != nil {
		t.Errorf("Bool = %v, %v", ok, err)
	}
	if err := e.DecodeParam(3); err == nil {
		t.Error("DecodeParam(3) succeeded")
	}
}

func TestVersion(t *testing.T) {
	tests := []struct {
		a, op, b string
		want     bool
	}{
		{"1.31.4", ">", "1.9.0", true},
		{"v1.31", "==", "1.31.0", true},
		{"1.31.0-rc.1", "<", "1.31.0", true},
		{"1.31.0-rc.2", ">", "1.31.0-rc.1", true},
		{"3.4.13", "ge", "3.5", false},
	}
	for _, tt := range tests {
		got, err := compareVersions(tt.a, tt.op, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("version(%s %s %s) = %v, %v", tt.a, tt.op, tt.b, got, err)
		}
	}
	if _, err := compareVersions("1", "~", "2"); err == nil {
		t.Error("unknown operator accepted")
	}
}

// A variable read before the && is checked up front; after it, lazily.
func TestExprLazyChecks(t *testing.T) {
	tests := []struct {
		src  string
		lazy bool
	}{
		{`a == "b" && a != "c"`, false},
		{`c && a == "b"`, true},
	}
	for _, tt := range tests {
		e := MustCompileExpr(tt.src)
		if got := strings.Contains(e.prog.Disassemble(), "__var"); got != tt.lazy {
			t.Errorf("%s: lazy check %v, want %v\n%s", tt.src, got, tt.lazy, e.prog.Disassemble())
		}
	}
}

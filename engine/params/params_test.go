package params

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/diag"
)

type inner struct {
	Port int    `yaml:"port" required:"true"`
	Name string `yaml:"name"`
}

type sample struct {
	Name    []string       `yaml:"name" alias:"pkg" required:"true"`
	State   string         `yaml:"state" default:"present" choices:"present,absent"`
	Force   bool           `yaml:"force"`
	Count   int            `yaml:"count"`
	Ratio   float64        `yaml:"ratio"`
	Maybe   *bool          `yaml:"maybe"`
	Env     map[string]any `yaml:"env"`
	Servers []inner        `yaml:"servers"`
	Any     any            `yaml:"any"`
	Upper   upper          `yaml:"upper"`
}

// upper decodes itself, as file modes and expressions do.
type upper string

func (u *upper) DecodeParam(v any) error {
	s, ok := v.(string)
	if !ok {
		return errors.New("want a string")
	}
	*u = upper(strings.ToUpper(s))
	return nil
}

func TestDecode(t *testing.T) {
	yes := true
	tests := []struct {
		name string
		args map[string]any
		want sample
		err  string
		kind diag.Kind
	}{
		{"defaults", map[string]any{"name": "etcd"},
			sample{Name: []string{"etcd"}, State: "present"}, "", 0},
		{"alias and comma list", map[string]any{"pkg": "a, b"},
			sample{Name: []string{"a", "b"}, State: "present"}, "", 0},
		{"scalars converted as Ansible does", map[string]any{"name": []any{"x", 1}, "force": "yes", "count": "3", "ratio": 2, "maybe": "on"},
			sample{Name: []string{"x", "1"}, State: "present", Force: true, Count: 3, Ratio: 2, Maybe: &yes}, "", 0},
		{"a list a template gave (groups.NAME)", map[string]any{"name": []string{"a", "b"}},
			sample{Name: []string{"a", "b"}, State: "present"}, "", 0},
		{"nested structs", map[string]any{"name": "x", "servers": []any{map[string]any{"port": 6443}}},
			sample{Name: []string{"x"}, State: "present", Servers: []inner{{Port: 6443}}}, "", 0},
		{"custom decoder", map[string]any{"name": "x", "upper": "abc", "any": []any{1}},
			sample{Name: []string{"x"}, State: "present", Upper: "ABC", Any: []any{1}}, "", 0},
		{"unknown", map[string]any{"name": "x", "nmae": 1}, sample{}, `parameter "nmae": unknown parameter (expected one of: name, state, force, count, ratio, maybe, env, servers, any, upper)`, diag.UnknownParameter},
		{"missing required", map[string]any{"state": "absent"}, sample{}, `parameter "name": required parameter is missing`, diag.Missing},
		{"bad choice", map[string]any{"name": "x", "state": "gone"}, sample{}, `"gone" is not one of present, absent`, diag.Invalid},
		{"bad type", map[string]any{"name": "x", "force": "perhaps"}, sample{}, `parameter "force": expected a boolean, got string "perhaps"`, diag.Type},
		{"bad nested", map[string]any{"name": "x", "servers": []any{map[string]any{"name": "a"}}}, sample{}, `parameter "servers[0].port": required`, diag.Missing},
		{"alias twice", map[string]any{"name": "x", "pkg": "y"}, sample{}, "given twice", diag.Duplicate},
		{"decoder error", map[string]any{"name": "x", "upper": 1}, sample{}, `parameter "upper": want a string`, diag.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sample
			err := Decode(tt.args, &got)
			if tt.err != "" {
				var pe *diag.Diagnostic
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &pe) || pe.Kind != tt.kind {
					t.Fatalf("err = %v (%#v), want a diagnostic of kind %v containing %q", err, pe, tt.kind, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestValidateLeavesTemplates(t *testing.T) {
	var s sample
	args := map[string]any{"name": "x", "force": "{{ .force }}", "count": "{{ .n }}", "state": "{{ .s }}"}
	if err := Validate(args, &s); err != nil {
		t.Fatalf("templated values must wait for run time: %v", err)
	}
	if err := Validate(map[string]any{"name": "x", "forse": "{{ .f }}"}, &s); err == nil {
		t.Fatal("an unknown parameter is an error even when templated")
	}
}

func TestFields(t *testing.T) {
	fs := Fields(&sample{})
	if len(fs) != 10 {
		t.Fatalf("%d fields", len(fs))
	}
	n := fs[0]
	if n.Name != "name" || !n.Required || n.Type != "list of string" || n.Aliases[0] != "pkg" {
		t.Errorf("name field: %+v", n)
	}
	if fs[1].Default != "present" || len(fs[1].Choices) != 2 {
		t.Errorf("state field: %+v", fs[1])
	}
}

type common struct {
	Owner string `yaml:"owner"`
	Mode  string `yaml:"mode" default:"0644"`
}

type withEmbedded struct {
	common
	Dest string `yaml:"dest" required:"true"`
}

func TestEmbeddedParams(t *testing.T) {
	var got withEmbedded
	if err := Decode(map[string]any{"dest": "/x", "owner": "root"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Owner != "root" || got.Mode != "0644" || got.Dest != "/x" {
		t.Errorf("got %+v", got)
	}
	if names := Fields(&got); len(names) != 3 || names[0].Name != "owner" {
		t.Errorf("fields %+v", names)
	}
	if err := Decode(map[string]any{"dest": "/x", "ownr": "root"}, &got); err == nil {
		t.Error("unknown parameter accepted")
	}
}

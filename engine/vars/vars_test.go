package vars

import (
	"reflect"
	"testing"
	"time"

	"github.com/hapb/hapb/engine/tmpl"
)

func TestPrecedence(t *testing.T) {
	h := NewHost("a")
	h.Set("x", "default", RoleDefaults)
	h.Set("x", "inventory", Inventory)
	h.Set("x", "fact", Facts) // facts beat inventory
	h.Set("y", "play", PlayVars)
	h.Set("y", "fact", Facts) // but not play vars
	h.Set("z", "extra", Extra)
	h.Set("z", "set_fact", Runtime)
	h.Resolve()
	want := map[string]any{"x": "fact", "y": "play", "z": "extra"}
	if got := h.Vars(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLazyTemplates(t *testing.T) {
	h := NewHost("a")
	h.Set("endpoint", "https://{{ .ip }}:{{ .port }}", Inventory)
	h.Set("endpoints", []any{"{{ .endpoint }}", "static"}, Inventory)
	h.Set("ip", "10.0.0.1", Inventory)
	h.Set("port", 2379, Inventory)
	h.Set("uses_reg", "{{ .reg.stdout }}", PlayVars)
	h.Resolve()
	if got := h.Vars()["endpoints"]; !reflect.DeepEqual(got, []any{"https://10.0.0.1:2379", "static"}) {
		t.Errorf("endpoints = %#v", got)
	}
	if h.Has("uses_reg") || h.Broken("uses_reg") == nil {
		t.Errorf("uses_reg should be undefined and broken before reg exists")
	}
	h.Set("reg", map[string]any{"stdout": "hi"}, Runtime)
	h.Set("port", 2380, Runtime)
	h.Resolve()
	if got := h.Vars()["uses_reg"]; got != "hi" {
		t.Errorf("uses_reg = %#v", got)
	}
	if got := h.Vars()["endpoint"]; got != "https://10.0.0.1:2380" {
		t.Errorf("endpoint = %#v after port changed", got)
	}
}

func TestSelfReference(t *testing.T) {
	h := NewHost("a")
	h.Set("a", "{{ .b }}", Inventory)
	h.Set("b", "{{ .a }}", Inventory)
	h.Resolve()
	if h.Has("a") && h.Has("b") {
		t.Errorf("a cycle should leave a variable undefined: %v", h.Vars())
	}
}

func TestWithDoesNotTouchHost(t *testing.T) {
	h := NewHost("a")
	h.Set("x", 1, PlayVars)
	h.Set("e", "extra", Extra)
	m := h.With(map[string]any{"x": 2, "item": "i", "e": "task"})
	if m["x"] != 2 || m["item"] != "i" || m["e"] != "extra" {
		t.Errorf("overlay = %v", m)
	}
	if h.Vars()["x"] != 1 || h.Has("item") {
		t.Errorf("host changed: %v", h.Vars())
	}
}

// hostile is what a compromised host may print: template syntax that reads
// another host's secrets, and nested loops that would never end.
var hostile = []string{
	"{{ .hostvars.h2.ansible_become_password }}",
	"{{range 100000}}{{range 100000}}{{range 100000}}{{end}}{{end}}{{end}}",
	"{{ template \"x\" }}{{ define \"x\" }}{{ template \"x\" }}{{ end }}",
	"{{",
}

func TestHostDataIsNeverRendered(t *testing.T) {
	for _, data := range hostile {
		h := NewHost("h1")
		h.Set("secret", "s3cret", Inventory)
		h.Set("derived", "seen {{ .out.stdout }}", PlayVars)
		h.Set("nested", map[string]any{"a": []any{"{{ .out.stdout }}"}}, PlayVars)
		h.SetData("out", map[string]any{"stdout": data, "lines": []any{data}}, Runtime)
		h.SetAllData(map[string]any{"fact": data, "facts": map[string]any{"f": data}}, Facts)
		h.Resolve()
		want := map[string]any{
			"derived": "seen " + data,
			"nested":  map[string]any{"a": []any{data}},
			"fact":    data,
			"facts":   map[string]any{"f": data},
		}
		for k, w := range want {
			if got := h.Vars()[k]; !reflect.DeepEqual(got, w) {
				t.Errorf("%q: %s = %#v, want %#v", data, k, got, w)
			}
		}
		// A later change re-renders the lazy variables: still data.
		h.SetData("copy", h.Vars()["derived"], Runtime)
		h.Set("again", "{{ .copy }}", PlayVars)
		h.Resolve()
		if got := h.Vars()["again"]; got != "seen "+data {
			t.Errorf("%q: again = %#v", data, got)
		}
	}
}

func TestUnsafeIsText(t *testing.T) {
	h := NewHost("h1")
	h.Set("x", "rendered", Inventory)
	h.Set("u", tmpl.Unsafe("{{ .x }}"), Inventory)
	h.Set("m", map[string]any{"u": tmpl.Unsafe("{{ .x }}"), "t": "{{ .x }}", "l": []any{tmpl.Unsafe("{{ .x }}")}}, PlayVars)
	h.Set("plain", map[string]any{"u": tmpl.Unsafe("no braces")}, PlayVars)
	h.Set("uses", "{{ .u }}", PlayVars)
	h.SetData("data", map[string]any{"u": tmpl.Unsafe("{{ .x }}")}, Runtime)
	h.Resolve()
	want := map[string]any{
		"x":     "rendered",
		"u":     "{{ .x }}",
		"m":     map[string]any{"u": "{{ .x }}", "t": "rendered", "l": []any{"{{ .x }}"}},
		"plain": map[string]any{"u": "no braces"},
		"uses":  "{{ .x }}",
		"data":  map[string]any{"u": "{{ .x }}"},
	}
	if got := h.Vars(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func TestObserve(t *testing.T) {
	h := NewHost("h1")
	seen := map[string]any{}
	h.Observe(func(k string, v any) { seen[k] = v })
	h.Set("pw", "{{ .base }}-x", Inventory)
	h.Set("base", "b", Inventory)
	h.SetData("reg", map[string]any{"stdout": "o"}, Runtime)
	h.Set("hostvars", map[string]any{"other": 1}, Magic)
	h.Resolve()
	want := map[string]any{"pw": "b-x", "base": "b", "reg": map[string]any{"stdout": "o"}}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("observed %#v, want %#v", seen, want)
	}
}

// FuzzRenderHostData feeds arbitrary host output through register, facts,
// a lazy variable and templates: it must come out as it went in, quickly.
func FuzzRenderHostData(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Add("plain output\n")
	uses := tmpl.MustParse("t", "<{{ .out.stdout }}|{{ .fact }}>")
	f.Fuzz(func(t *testing.T, data string) {
		start := time.Now()
		h := NewHost("h1")
		h.Set("secret", "s3cret-value", Inventory)
		h.Set("derived", "{{ .out.stdout }}", PlayVars)
		h.SetData("out", map[string]any{"stdout": data}, Runtime)
		h.SetData("fact", data, Facts)
		h.Resolve()
		if got := h.Vars()["derived"]; got != data {
			t.Fatalf("derived = %#v, want %#v", got, data)
		}
		got, err := uses.RenderString(h.Vars())
		if err != nil {
			t.Fatal(err)
		}
		if want := "<" + data + "|" + data + ">"; got != want {
			t.Fatalf("rendered %q, want %q", got, want)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("host data took %s", d)
		}
	})
}

// TestOverridableByTask: block and task vars (levels 16, 17) lose to
// include_vars, set_fact and register (18, 19), as in Ansible; role params
// (20) lose to extra vars only.
func TestOverridableByTask(t *testing.T) {
	h := NewHost("h")
	h.Set("play", 1, PlayVars)
	h.Set("role", 1, RoleVars)
	h.SetData("inc", 1, IncludeVars)
	h.SetData("fact", 1, Runtime)
	h.Set("extra", 1, Extra)
	h.SetData("inventory_hostname", "h", Magic)
	tests := []struct {
		key              string
		byTask, byParams bool
	}{
		{"play", true, true},
		{"role", true, true},
		{"unset", true, true},
		{"inc", false, true},
		{"fact", false, true}, // role params (20) win over set_fact (19)
		{"extra", false, false},
		{"inventory_hostname", false, false},
	}
	for _, tt := range tests {
		if got := h.OverridableByTask(tt.key); got != tt.byTask {
			t.Errorf("OverridableByTask(%s) = %v, want %v", tt.key, got, tt.byTask)
		}
		if got := h.OverridableByParams(tt.key); got != tt.byParams {
			t.Errorf("OverridableByParams(%s) = %v, want %v", tt.key, got, tt.byParams)
		}
	}
	// include_vars after a set_fact leaves the set_fact's value.
	h.SetData("both", "set_fact", Runtime)
	h.SetData("both", "include_vars", IncludeVars)
	if got := h.Vars()["both"]; got != "set_fact" {
		t.Errorf("both = %v, want set_fact", got)
	}
}

// TestFactsLevel: a key at level Facts has no recorded level (see
// levelOf), yet every level above and below it is kept as before,
// whatever came first and whether the value was a template.
func TestFactsLevel(t *testing.T) {
	type set struct {
		v   any
		lvl Level
	}
	tests := []struct {
		name    string
		sets    []set
		want    any // nil: undefined
		byTask  bool
		byParam bool
	}{
		{name: "fact alone", want: "fact", byTask: true, byParam: true,
			sets: []set{{"fact", Facts}}},
		{name: "lower after fact", want: "fact", byTask: true, byParam: true,
			sets: []set{{"fact", Facts}, {"inventory", Inventory}, {"default", RoleDefaults}}},
		{name: "fact over inventory", want: "fact", byTask: true, byParam: true,
			sets: []set{{"inventory", Inventory}, {"fact", Facts}, {"again", Inventory}}},
		{name: "fact again", want: "fact2", byTask: true, byParam: true,
			sets: []set{{"fact", Facts}, {"fact2", Facts}}},
		{name: "play over fact", want: "play", byTask: true, byParam: true,
			sets: []set{{"fact", Facts}, {"play", PlayVars}, {"fact2", Facts}}},
		{name: "set_fact over fact", want: "runtime", byParam: true,
			sets: []set{{"fact", Facts}, {"runtime", Runtime}, {"fact2", Facts}}},
		{name: "extra", want: "extra",
			sets: []set{{"extra", Extra}, {"fact", Facts}}},
		// A template at level Facts that cannot render leaves the key
		// undefined, still at level Facts: the inventory cannot take it.
		{name: "broken template fact", want: nil, byTask: true, byParam: true,
			sets: []set{{"{{ .k }}", Facts}, {"inventory", Inventory}}},
	}
	for _, tt := range tests {
		h := NewHost("a")
		for _, s := range tt.sets {
			h.Set("k", s.v, s.lvl)
			h.Resolve()
		}
		if got, ok := h.Vars()["k"]; !reflect.DeepEqual(got, tt.want) || ok != (tt.want != nil) {
			t.Errorf("%s: k = %v, want %v", tt.name, got, tt.want)
		}
		if got := h.OverridableByTask("k"); got != tt.byTask {
			t.Errorf("%s: OverridableByTask = %v", tt.name, got)
		}
		if got := h.OverridableByParams("k"); got != tt.byParam {
			t.Errorf("%s: OverridableByParams = %v", tt.name, got)
		}
	}
}

// TestSharedLevels: hosts with equal levels share them, and a write to one
// host's levels leaves the other's alone.
func TestSharedLevels(t *testing.T) {
	a, b := NewHost("a"), NewHost("b")
	for _, h := range []*Host{a, b} {
		h.Set("ansible_host", h.Name, Inventory)
		h.Set("role", "worker", PlayVars)
		h.SetData("ansible_kernel", "6.1", Facts)
		h.Resolve()
	}
	if a.level != b.level {
		t.Fatal("equal levels are not shared")
	}
	a.SetData("role", "registered", Runtime)
	a.Resolve()
	tests := []struct {
		h      *Host
		byTask bool
		want   any
	}{
		{h: a, byTask: false, want: "registered"},
		{h: b, byTask: true, want: "play"},
	}
	for _, tt := range tests {
		tt.h.Set("role", "play", PlayVars)
		tt.h.Resolve()
		if got := tt.h.OverridableByTask("role"); got != tt.byTask {
			t.Errorf("%s: OverridableByTask(role) = %v, want %v", tt.h.Name, got, tt.byTask)
		}
		if got := tt.h.Vars()["role"]; got != tt.want {
			t.Errorf("%s: role = %v, want %v", tt.h.Name, got, tt.want)
		}
	}
	if a.level == b.level {
		t.Error("a host's write changed levels another host shares")
	}
}

// TestWholeReads: a variable that reads the variables as a whole, by a name
// Refs cannot know, sees every other one rendered, whatever the names'
// order; a literal name (index . "z") is a dependency like .z.
func TestWholeReads(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]any
		key  string
		want any
	}{
		{"index by a literal name", map[string]any{"a": `{{ index . "z" }}`, "z": "{{ .ip }}"}, "a", "10.0.0.1"},
		{"hasKey then index", map[string]any{"a": `{{ if hasKey . "z" }}{{ index . "z" }}{{ end }}`, "z": "{{ .ip }}"}, "a", "10.0.0.1"},
		{"index by a computed name", map[string]any{"a": `{{ index . .which }}`, "which": "z", "z": "{{ .ip }}"}, "a", "10.0.0.1"},
		{"toJson of the whole", map[string]any{"a": `{{ (fromJson (toJson .)).z }}`, "z": "{{ .ip }}/32"}, "a", "10.0.0.1/32"},
		{"in a list", map[string]any{"a": []any{`{{ index . .which }}`}, "which": "z", "z": "{{ .ip }}"}, "a", []any{"10.0.0.1"}},
		{"two whole readers", map[string]any{"a": `{{ index . .which }}`, "which": "b", "b": `{{ index . .w2 }}!`, "w2": "ip"}, "a", "10.0.0.1!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHost("h")
			h.Set("ip", "10.0.0.1", Inventory)
			h.SetAll(tt.vars, PlayVars)
			h.Resolve()
			if got := h.Vars()[tt.key]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v (broken: %v), want %#v", tt.key, got, h.Broken(tt.key), tt.want)
			}
		})
	}
}

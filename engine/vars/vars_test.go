package vars

import (
	"reflect"
	"testing"
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

package modules

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestLocalModules(t *testing.T) {
	vars := map[string]any{"x": 3, "name": "etcd", "result": map[string]any{"rc": 0, "stdout": "ok"}, "ansible_verbosity": 1}
	tests := []struct {
		module  string
		args    map[string]any
		failed  bool
		skipped bool
		msg     string
		data    map[string]any
		facts   map[string]any
	}{
		{module: "debug", args: map[string]any{}, msg: "Hello world!"},
		{module: "debug", args: map[string]any{"msg": "hi"}, msg: "hi", data: map[string]any{"msg": "hi"}},
		{module: "debug", args: map[string]any{"msg": []any{"a", 1}}, msg: `["a",1]`},
		{module: "debug", args: map[string]any{"var": "result.stdout"}, msg: "result.stdout: ok", data: map[string]any{"result.stdout": "ok"}},
		{module: "debug", args: map[string]any{"var": "nope"}, data: map[string]any{"nope": debugNotDefined}},
		{module: "debug", args: map[string]any{"msg": "v", "verbosity": 2}, skipped: true},
		{module: "debug", args: map[string]any{"msg": "v", "verbosity": 1}, msg: "v"},
		{module: "set_fact", args: map[string]any{"a": 1, "b": []any{"c"}, "cacheable": true}, facts: map[string]any{"a": 1, "b": []any{"c"}}},
		{module: "fail", args: map[string]any{}, failed: true, msg: "Failed as requested from task"},
		{module: "fail", args: map[string]any{"msg": "boom"}, failed: true, msg: "boom"},
		{module: "assert", args: map[string]any{"that": "x == 3"}, msg: "All assertions passed"},
		{module: "assert", args: map[string]any{"that": []any{"x > 1", "name == 'etcd'"}, "success_msg": "good"}, msg: "good"},
		{module: "assert", args: map[string]any{"that": []any{"x > 1", "x > 5"}}, failed: true, msg: "Assertion failed: x > 5", data: map[string]any{"assertion": "x > 5"}},
		{module: "assert", args: map[string]any{"that": []any{"x > 5"}, "msg": "too small"}, failed: true, msg: "too small"},
		{module: "assert", args: map[string]any{"that": "name"}, failed: true},
	}
	for _, tt := range tests {
		m, _ := Lookup(tt.module)
		if l, ok := m.(Local); !ok || !l.RunsLocally() {
			t.Errorf("%s is not Local", tt.module)
		}
		r := mustPlanApply(t, tt.module, &Task{Vars: vars}, tt.args)
		if r.Failed != tt.failed || r.Skipped != tt.skipped || r.Changed || (tt.msg != "" && r.Msg != tt.msg) {
			t.Errorf("%s %v: failed=%v skipped=%v changed=%v msg=%q", tt.module, tt.args, r.Failed, r.Skipped, r.Changed, r.Msg)
		}
		for k, v := range tt.data {
			if !reflect.DeepEqual(r.Data[k], v) {
				t.Errorf("%s %v: data[%s]=%v, want %v", tt.module, tt.args, k, r.Data[k], v)
			}
		}
		if tt.facts != nil && !reflect.DeepEqual(r.Facts, tt.facts) {
			t.Errorf("%s: facts %v", tt.module, r.Facts)
		}
	}
}

func TestIncludeVars(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/vars/more/deep", 0o755)
	os.WriteFile(dir+"/vars/main.yml", []byte("etcd_version: 3.4.30\nendpoint: \"{{ .vip }}:6443\"\n"), 0o644)
	os.WriteFile(dir+"/vars/more/a.yml", []byte("a: 1\nb: 1\n"), 0o644)
	os.WriteFile(dir+"/vars/more/b.json", []byte(`{"b": 2}`), 0o644)
	os.WriteFile(dir+"/vars/more/skip.txt", []byte("c: 1\n"), 0o644)
	os.WriteFile(dir+"/vars/more/deep/d.yml", []byte("d: 1\n"), 0o644)
	os.WriteFile(dir+"/vars/bad.yml", []byte("x: \"{{ .missing }}\"\n"), 0o644)
	task := &Task{Vars: map[string]any{"vip": "10.0.0.100"}, SearchDirs: []string{dir}}
	r := mustPlanApply(t, "include_vars", task, map[string]any{"file": "main.yml"})
	if !reflect.DeepEqual(r.Facts, map[string]any{"etcd_version": "3.4.30", "endpoint": "10.0.0.100:6443"}) {
		t.Errorf("facts %v", r.Facts)
	}
	r = mustPlanApply(t, "include_vars", task, map[string]any{"dir": "more", "name": "m"})
	if !reflect.DeepEqual(r.Facts, map[string]any{"m": map[string]any{"a": 1, "b": 2, "d": 1}}) {
		t.Errorf("dir facts %v", r.Facts)
	}
	r = mustPlanApply(t, "include_vars", task, map[string]any{"dir": "more", "depth": 1})
	if _, ok := r.Facts["d"]; ok {
		t.Errorf("depth 1 read deep/: %v", r.Facts)
	}
	_, err := planApply(t, "include_vars", task, map[string]any{"file": "bad.yml"})
	if err == nil || !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), "bad.yml") {
		t.Errorf("undefined variable error: %v", err)
	}
	if _, err := planApply(t, "include_vars", task, map[string]any{"file": "nope.yml"}); err == nil {
		t.Error("missing file: no error")
	}
}

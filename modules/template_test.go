package modules

import (
	"os"
	"strings"
	"testing"
)

func TestTemplateLocal(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/templates", 0o755)
	os.MkdirAll(dir+"/etc", 0o755)
	os.WriteFile(dir+"/templates/haproxy.cfg.tmpl", []byte(
		"# {{ .ansible_managed }}\nfrontend api\n  bind *:{{ .port }}\n{{- range .masters }}\n  server {{ . }} {{ . }}:6443 check\n{{- end }}\n"), 0o644)
	os.WriteFile(dir+"/templates/bad.tmpl", []byte("line one\nport {{ .port }}\nvip {{ .lb.vip }}\n"), 0o644)
	vars := map[string]any{"port": 8443, "masters": []any{"m1", "m2"}, "lb": map[string]any{}}
	args := map[string]any{"src": "haproxy.cfg.tmpl", "dest": dir + "/etc/haproxy.cfg", "mode": "0640"}
	task := func(check, diff bool) *Task {
		tk := localTask(check, diff, dir)
		tk.Vars = vars
		return tk
	}
	r := mustPlanApply(t, "template", task(true, true), args)
	want := "# Managed by hapb: local changes will be overwritten\nfrontend api\n  bind *:8443\n  server m1 m1:6443 check\n  server m2 m2:6443 check\n"
	if !r.Changed || len(r.Diffs) != 1 || r.Diffs[0].Before != "" || r.Diffs[0].After != want {
		t.Fatalf("check: changed=%v diffs %+v", r.Changed, r.Diffs)
	}
	if _, err := os.Stat(dir + "/etc/haproxy.cfg"); err == nil {
		t.Fatal("check mode wrote the file")
	}
	mustPlanApply(t, "template", task(false, false), args)
	if b, _ := os.ReadFile(dir + "/etc/haproxy.cfg"); string(b) != want {
		t.Fatalf("got %q", b)
	}
	wantMode(t, dir+"/etc/haproxy.cfg", 0o640)
	if r := mustPlanApply(t, "template", task(false, true), args); r.Changed || len(r.Diffs) != 0 {
		t.Fatalf("second run changed: %s", r.Msg)
	}
	vars["port"] = 9443
	r = mustPlanApply(t, "template", task(true, true), args)
	if !r.Changed || !strings.Contains(r.Diffs[0].Before, "8443") || !strings.Contains(r.Diffs[0].After, "9443") {
		t.Fatalf("change: %+v", r)
	}

	_, err := planApply(t, "template", task(false, false), map[string]any{"src": "bad.tmpl", "dest": dir + "/etc/x"})
	if err == nil || !strings.Contains(err.Error(), "bad.tmpl:3") || !strings.Contains(err.Error(), "lb.vip") {
		t.Errorf("undefined variable error: %v", err)
	}
	if _, err := planApply(t, "template", task(false, false), map[string]any{"src": "nope", "dest": dir + "/etc/x"}); err == nil {
		t.Error("missing template: no error")
	}
}

func TestTemplateUseLine(t *testing.T) {
	src := "a\n{{ .x.y }}\nb {{ index . \"z\" }}\n.w outside\n"
	for name, want := range map[string]int{"x.y": 2, "x.y.q": 2, "z": 3, "w": 0} {
		if got := templateUseLine(src, name); got != want {
			t.Errorf("%s: line %d, want %d", name, got, want)
		}
	}
}

// TestTemplateExtraVars: ansible_managed and template_* are there for a
// template that names them or reads its variables as a whole, and a host's
// own variable of the same name wins; one that reads neither renders from
// the host's variables, not a copy.
func TestTemplateExtraVars(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, src string
		vars      map[string]any
		want      string
	}{
		{"named", "{{ .template_host }} {{ .port }}", map[string]any{"port": 1}, "h1 1"},
		{"whole", `{{ index . "template_uid" | len | lt 0 }} {{ hasKey . "ansible_managed" }}`, map[string]any{}, "true true"},
		{"host wins", "{{ .template_host }}", map[string]any{"template_host": "mine"}, "mine"},
		{"none", "{{ .port }}", map[string]any{"port": 2}, "2"},
		{"none undefined", "{{ .template_host_x }}", map[string]any{}, "error"},
	}
	for _, tt := range tests {
		file := dir + "/" + strings.ReplaceAll(tt.name, " ", "_") + ".tmpl"
		os.WriteFile(file, []byte(tt.src), 0o644)
		got, err := renderTemplateFile(file, &Task{Host: "h1", Vars: tt.vars})
		if err != nil {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, err, tt.want)
		}
	}
}

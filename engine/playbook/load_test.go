package playbook

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestLoad loads each testdata/load/CASE/site.yml and compares an outline
// of the model with CASE/want.golden.
func TestLoad(t *testing.T) {
	cases, _ := filepath.Glob("testdata/load/*")
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			pb, err := Load(filepath.Join(dir, "site.yml"), Options{Modules: testModules,
				RolesPath: []string{filepath.Join(dir, "extra-roles")}})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := strings.ReplaceAll(dump(pb), dir+"/", "")
			golden(t, filepath.Join(dir, "want.golden"), got)
		})
	}
}

// TestErrors loads each broken playbook in testdata/errors and compares all
// their errors with testdata/errors.golden.
func TestErrors(t *testing.T) {
	cases, _ := filepath.Glob("testdata/errors/*")
	var b strings.Builder
	for _, dir := range cases {
		_, err := Load(filepath.Join(dir, "site.yml"), Options{Modules: testModules})
		fmt.Fprintf(&b, "== %s\n", filepath.Base(dir))
		if err == nil {
			t.Errorf("%s: no error", dir)
			continue
		}
		var me *multierror.Error
		if !errors.As(err, &me) {
			t.Fatalf("%s: error is %T, want *multierror.Error", dir, err)
		}
		for _, e := range me.Errors {
			if _, ok := e.(*diag.Diagnostic); !ok {
				t.Errorf("%s: %T in the list, want *diag.Diagnostic", dir, e)
			}
		}
		fmt.Fprintf(&b, "%v\n", err)
	}
	// tmpl owns the wording of template errors; only where they are
	// reported is the loader's business.
	out := tmplMsg.ReplaceAllString(b.String(), "${1}...")
	golden(t, "testdata/errors.golden", out)
}

var tmplMsg = regexp.MustCompile(`(?m)(: template: ).*$`)

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// dump outlines a playbook, one line a task, showing only what is set.
func dump(pb *Playbook) string {
	var b strings.Builder
	for _, p := range pb.Plays {
		fmt.Fprintf(&b, "play %q hosts=%q gather_facts=%v strategy=%s", p.Name, p.Hosts, p.GatherFacts, p.Strategy)
		if p.Serial != nil {
			fmt.Fprintf(&b, " serial=%s", val(p.Serial))
		}
		if p.MaxFailPercentage != nil {
			fmt.Fprintf(&b, " max_fail_percentage=%v", *p.MaxFailPercentage)
		}
		if p.AnyErrorsFatal {
			b.WriteString(" any_errors_fatal")
		}
		b.WriteString("\n")
		if p.Vars != nil {
			fmt.Fprintf(&b, "  vars: %s\n", val(p.Vars))
		}
		if p.VarsFiles != nil {
			fmt.Fprintf(&b, "  vars_files: %s\n", val(p.VarsFiles))
		}
		for _, r := range p.Roles {
			fmt.Fprintf(&b, "  role %s dir=%s defaults=%s vars=%s params=%s\n", r.Name, r.Dir, val(r.Defaults), val(r.Vars), val(r.Params))
		}
		for _, sec := range []struct {
			name string
			list []*Task
		}{{"pre_tasks", p.PreTasks}, {"tasks", p.Tasks}, {"post_tasks", p.PostTasks}, {"handlers", p.Handlers}} {
			if len(sec.list) > 0 {
				fmt.Fprintf(&b, "  %s:\n", sec.name)
				dumpTasks(&b, sec.list, "    ")
			}
		}
	}
	return b.String()
}

func dumpTasks(b *strings.Builder, list []*Task, indent string) {
	for _, t := range list {
		fmt.Fprintf(b, "%s- %s @%s", indent, t.Label(), t.Pos)
		f := func(k string, v any) { fmt.Fprintf(b, " %s=%s", k, val(v)) }
		if t.Action != "" && t.Name != "" {
			f("action", t.Action)
		}
		if t.Include {
			b.WriteString(" include")
		}
		if t.Role != nil {
			f("role", t.Role.Name)
		}
		if len(t.When) > 0 {
			f("when", t.When)
		}
		if len(t.Tags) > 0 {
			f("tags", t.Tags)
		}
		if t.Become {
			f("become", t.BecomeUser)
		} else if t.BecomeUser != "" {
			f("become_user", t.BecomeUser)
		}
		for _, kv := range []struct {
			k string
			v any
		}{
			{"env", t.Environment}, {"vars", t.Vars}, {"delegate_to", t.DelegateTo},
			{"delegate_facts", t.DelegateFacts}, {"run_once", t.RunOnce},
			{"ignore_errors", t.IgnoreErrors}, {"ignore_unreachable", t.IgnoreUnreachable},
			{"no_log", t.NoLog}, {"any_errors_fatal", t.AnyErrorsFatal},
			{"check_mode", t.CheckMode}, {"diff", t.Diff}, {"notify", t.Notify},
			{"listen", t.Listen}, {"throttle", t.Throttle}, {"throttle", t.ThrottleTemplate},
			{"timeout", t.Timeout}, {"register", t.Register}, {"loop", t.Loop},
			{"until", t.Until}, {"changed_when", t.ChangedWhen}, {"failed_when", t.FailedWhen},
		} {
			if v := reflect.ValueOf(kv.v); kv.v != nil && !v.IsZero() {
				f(kv.k, kv.v)
			}
		}
		if t.Until != nil || t.Retries != 0 {
			fmt.Fprintf(b, " retries=%d delay=%v", t.Retries, t.Delay)
		}
		if lc := t.LoopControl; lc.LoopVar != "item" || lc.IndexVar != "" || lc.Label != nil || lc.Pause != 0 {
			fmt.Fprintf(b, " loop_control={%s %s %s %v}", lc.LoopVar, lc.IndexVar, val(lc.Label), lc.Pause)
		}
		if t.Args != nil {
			f("args", t.Args)
		}
		if t.Params != nil {
			fmt.Fprintf(b, " params=%+v", reflect.ValueOf(t.Params).Elem().Interface())
		}
		if !t.IsBlock() || t.Include {
			f("search", t.SearchDirs)
		}
		b.WriteString("\n")
		for _, sec := range []struct {
			name string
			list []*Task
		}{{"block", t.Block}, {"rescue", t.Rescue}, {"always", t.Always}} {
			if len(sec.list) > 0 {
				fmt.Fprintf(b, "%s  %s:\n", indent, sec.name)
				dumpTasks(b, sec.list, indent+"    ")
			}
		}
	}
}

// val formats a compiled value: templates as tmpl(...), maps sorted.
func val(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case *tmpl.Template:
		if v == nil {
			return "nil"
		}
		return "tmpl(" + v.String() + ")"
	case *tmpl.Expr:
		return v.String()
	case []*tmpl.Expr:
		s := make([]string, len(v))
		for i, e := range v {
			s[i] = e.String()
		}
		return "[" + strings.Join(s, "; ") + "]"
	case *bool:
		return fmt.Sprint(*v)
	case string:
		return v
	case []string:
		return "[" + strings.Join(v, " ") + "]"
	case []any:
		s := make([]string, len(v))
		for i, e := range v {
			s[i] = val(e)
		}
		return "[" + strings.Join(s, " ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := make([]string, len(keys))
		for i, k := range keys {
			s[i] = k + ":" + val(v[k])
		}
		return "{" + strings.Join(s, " ") + "}"
	}
	return fmt.Sprint(v)
}

// TestLoopTemplateItems: a templated with_items flattens one level and a
// templated with_dict gives key/value items in key order, as Ansible.
func TestLoopTemplateItems(t *testing.T) {
	tests := []struct {
		kind string
		in   any
		want []any
	}{
		{"with_items", []any{[]any{1, 2}, 3}, []any{1, 2, 3}},
		{"with_items", "one", []any{"one"}},
		{"with_items", nil, nil},
		{"with_dict", map[string]any{"b": 2, "a": 1}, []any{map[string]any{"key": "a", "value": 1}, map[string]any{"key": "b", "value": 2}}},
	}
	for _, tt := range tests {
		got, err := (&LoopTemplate{Kind: tt.kind}).Items(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %v: %#v, %v; want %#v", tt.kind, tt.in, got, err, tt.want)
		}
	}
	if _, err := (&LoopTemplate{Kind: "with_dict"}).Items([]any{1}); err == nil {
		t.Errorf("with_dict of a list: no error")
	}
}

// TestErrorKinds checks that load errors say their kind, so callers ask it
// rather than read the message, and that a parameter's keeps its name.
func TestErrorKinds(t *testing.T) {
	_, err := Load("testdata/errors/tasks/site.yml", Options{Modules: testModules})
	var me *multierror.Error
	if !errors.As(err, &me) {
		t.Fatalf("got %v", err)
	}
	byLine := map[int]*diag.Diagnostic{}
	for _, e := range me.Errors {
		d := e.(*diag.Diagnostic)
		if byLine[d.Line] == nil {
			byLine[d.Line] = d
		}
	}
	for _, tt := range []struct {
		line int
		kind diag.Kind
		name string
	}{
		{6, diag.UnknownKeyword, "wehn"},
		{8, diag.UnknownModule, "cpoy"},
		{10, diag.UnknownParameter, "mdoe"},
		{14, diag.Type, "mode"},
		{20, diag.Invalid, "ports[1].proto"},
		{22, diag.Missing, "dest"},
		{33, diag.Syntax, ""},
		{35, diag.Syntax, ""},
		{38, diag.Duplicate, "debug"},
	} {
		d := byLine[tt.line]
		if d == nil || d.Kind != tt.kind || d.Name != tt.name {
			t.Errorf("line %d: got %+v, want kind %v named %q", tt.line, d, tt.kind, tt.name)
		}
	}
}

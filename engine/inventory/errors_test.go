package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/hapb/hapb/engine/diag"
)

// TestLoadErrors checks that each broken source fails with every problem
// listed, each located as file:line[:col].
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // relative path → content; "hosts*" are the sources
		want  []string          // substrings, one per expected error, in order
	}{
		{"unknown section type", map[string]string{"hosts": "[web:foo]\nh1\n"},
			[]string{"hosts:1: section [web:foo] has unknown type: foo"}},
		{"bad range", map[string]string{"hosts": "[web]\nweb[1:]\nweb[01:100]\nweb[1:2:3:4]\n"},
			[]string{"hosts:2: host range must specify end value",
				"hosts:3: host range must specify equal-length begin and end formats",
				"hosts:4: host range must be begin:end or begin:end:step"}},
		{"undefined child", map[string]string{"hosts": "[a]\nh1\n[a:children]\nmissing\n"},
			[]string{"hosts:4: section [a:children] includes undefined group: missing"}},
		{"vars for undefined group", map[string]string{"hosts": "[x:vars]\nfoo=1\n"},
			[]string{"hosts:1: section [x:vars] not valid for undefined group: x"}},
		{"vars without =", map[string]string{"hosts": "[a]\nh\n[a:vars]\nfoo\n"},
			[]string{"hosts:4: expected key=value, got: foo"}},
		{"host var without =", map[string]string{"hosts": "h1 a=1 oops\n"},
			[]string{"hosts:1: expected key=value host variable assignment, got: oops"}},
		{"unclosed quote", map[string]string{"hosts": "h1 a='x\n"},
			[]string{"hosts:1: error parsing host definition \"h1 a='x\": no closing quotation"}},
		{"spaces in section", map[string]string{"hosts": "[web servers]\nh1\n"},
			[]string{"hosts:1: invalid section entry"}},
		{"cycle", map[string]string{"hosts": "[a:children]\nb\n[b:children]\na\n"},
			[]string{"hosts:4: adding group \"a\" as child to \"b\" creates a recursive dependency loop"}},
		{"yaml syntax", map[string]string{"hosts.yml": "all:\n  hosts:\n    h1: [\n"},
			[]string{"hosts.yml:4: YAML: did not find expected node content"}},
		{"yaml hosts list", map[string]string{"hosts.yml": "all:\n  hosts:\n    - h1\n    - h2\n"},
			[]string{"hosts.yml:3:5: invalid \"hosts\" entry for \"all\" group, requires a dictionary, found a list instead"}},
		{"yaml numeric host", map[string]string{"hosts.yml": "web:\n  hosts:\n    123:\n    h1: [1]\n"},
			[]string{"hosts.yml:3:5: host pattern 123 must be a string",
				"hosts.yml:4:9: invalid data for host h1, expected a dictionary of variables, got a list"}},
		{"yaml cycle", map[string]string{"hosts.yml": "a:\n  children:\n    b:\n      children:\n        a:\n"},
			[]string{"hosts.yml:3:5: adding group \"b\" as child to \"a\" creates a recursive dependency loop"}},
		{"yaml not a mapping", map[string]string{"hosts.yml": "- a\n- b\n"},
			[]string{"hosts.yml:1:1: YAML inventory has invalid structure, it should be a dictionary, got: list"}},
		{"bad group_vars", map[string]string{"hosts": "[web]\nh1\n", "group_vars/web.yml": "- not\n- a mapping\n"},
			[]string{"group_vars/web.yml:1:1: vars file must hold a mapping, got a list"}},
		{"bad host_vars yaml", map[string]string{"hosts": "h1\n", "host_vars/h1": "a: [\n"},
			[]string{"host_vars/h1:2: YAML:"}},
		{"two files two errors", map[string]string{"hosts1": "[a:vars]\nx\n", "hosts2.yml": "a: [\n"},
			[]string{"hosts1:2: expected key=value, got: x", "hosts1:1: section [a:vars] not valid for undefined group: a", "hosts2.yml:2: YAML:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var sources []string
			for name, content := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(name, "hosts") {
					sources = append(sources, p)
				}
			}
			sortStrings(sources)
			inv, err := Load(sources)
			if err == nil {
				t.Fatalf("Load succeeded (%d hosts), want errors %q", len(inv.Hosts()), tt.want)
			}
			var merr *multierror.Error
			if !errors.As(err, &merr) {
				t.Fatalf("error %T is not a *multierror.Error: %v", err, err)
			}
			flat := flatten(merr)
			if len(flat) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(flat), len(tt.want), err)
			}
			for i, e := range flat {
				if _, ok := e.(*diag.Diagnostic); !ok {
					t.Errorf("error %d is %T, not a *diag.Diagnostic: %v", i, e, e)
				}
				msg := strings.TrimPrefix(e.Error(), dir+"/")
				if !strings.Contains(msg, tt.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, msg, tt.want[i])
				}
			}
		})
	}
}

func flatten(err error) []error {
	var merr *multierror.Error
	if !errors.As(err, &merr) {
		return []error{err}
	}
	var out []error
	for _, e := range merr.Errors {
		out = append(out, flatten(e)...)
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestLoadScriptRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "inv.py")
	if err := os.WriteFile(p, []byte("#!/usr/bin/env python3\nprint('{}')\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Load([]string{p})
	if err == nil || !strings.Contains(err.Error(), "inv.py:1: dynamic inventory scripts are not supported") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadMissingSource(t *testing.T) {
	_, err := Load([]string{"testdata/does-not-exist"})
	if err == nil || !strings.Contains(err.Error(), "does-not-exist: inventory source: no such file or directory") {
		t.Fatalf("got %v", err)
	}
}

// TestLoadErrorKinds checks that an inventory error says its kind.
func TestLoadErrorKinds(t *testing.T) {
	for _, tt := range []struct {
		name, content string
		kind          diag.Kind
	}{
		{"hosts.yml", "all:\n  hosts:\n    h1: [\n", diag.Syntax},
		{"hosts", "[a:children]\nb\n[b:children]\na\n", diag.Cycle},
		{"hosts", "[a]\nh1\n[a:children]\nmissing\n", diag.NotFound},
		{"hosts", "[web:foo]\nh1\n", diag.UnknownKeyword},
		{"hosts.yml", "all:\n  hosts:\n    - h1\n", diag.Type},
		{"hosts.yml", "plugin: aws_ec2\n", diag.Unsupported},
	} {
		p := filepath.Join(t.TempDir(), tt.name)
		if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load([]string{p})
		var d *diag.Diagnostic
		if !errors.As(err, &d) || d.Kind != tt.kind {
			t.Errorf("%q: got %v (%+v), want kind %v", tt.content, err, d, tt.kind)
		}
	}
}

package modules

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

func init() { Define("template", templateDoc, templatePlan) }

type templateParams struct {
	Src string `yaml:"src" required:"true" doc:"the template on the controller; relative paths are looked up in the role's and playbook's templates/"`
	writeParams
}

const templateDoc = "Renders a Go text/template file over the task's variables and writes it to the host, like copy (ansible_managed, template_path and template_host are defined)."

func templatePlan(ctx context.Context, t *Task, p *templateParams) (*Plan, error) {
	local, err := t.FindFile("templates", p.Src)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	fi, err := os.Stat(local)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	content, err := renderTemplateFile(local, t)
	if err != nil {
		return nil, err
	}
	return planFromController(ctx, t, p.spec(), local, fi, []byte(content))
}

// renderTemplateFile renders a template file over the task's variables plus
// Ansible's template_* variables. Errors name the file and, for undefined
// variables, the line that uses the variable.
func renderTemplateFile(file string, t *Task) (string, error) {
	tp, src, err := parseTemplateFile(file)
	if err != nil {
		return "", err
	}
	extra := [...]struct{ k, v string }{
		{"ansible_managed", "Managed by hapb: local changes will be overwritten"},
		{"template_path", file},
		{"template_fullpath", file},
		{"template_host", t.Host},
		{"template_uid", templateUID},
	}
	// The host's variables are copied, to add these, only for a template
	// that may read them: a copy per host of every fact and variable.
	vars, reads := t.Vars, tp.ReadsWhole()
	for _, e := range extra {
		_, ok := slices.BinarySearch(tp.Refs(), e.k)
		reads = reads || ok
	}
	if reads {
		vars = make(map[string]any, len(t.Vars)+len(extra))
		for k, v := range t.Vars {
			vars[k] = v
		}
		for _, e := range extra {
			if _, ok := vars[e.k]; !ok {
				vars[e.k] = e.v
			}
		}
	}
	out, err := tp.RenderString(vars)
	if err != nil {
		if u, ok := diag.As(err, diag.Undefined); ok {
			if line := templateUseLine(string(src), u.Name); line > 0 {
				return "", fmt.Errorf("template %s:%d: %w", file, line, err)
			}
		}
		return "", fmt.Errorf("template %s: %w", file, err)
	}
	return out, nil
}

var templateUID = strconv.Itoa(os.Getuid())

// templateCache holds parsed template files: a play renders the same file
// for every host. Keyed by path, size and mtime, so edits are seen.
var templateCache sync.Map // string -> *templateCached

type templateCached struct {
	t   *tmpl.Template
	src []byte
}

func parseTemplateFile(file string) (*tmpl.Template, []byte, error) {
	if wasFetched(file) {
		return nil, nil, fmt.Errorf("template: %s was fetched from a host during this run: its content is data, not a template (use copy)", file)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, nil, fmt.Errorf("template: %w", err)
	}
	key := fmt.Sprintf("%s\x00%d\x00%d", file, fi.Size(), fi.ModTime().UnixNano())
	if c, ok := templateCache.Load(key); ok {
		return c.(*templateCached).t, c.(*templateCached).src, nil
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("template: %w", err)
	}
	tp, err := tmpl.Parse(file, string(src))
	if err != nil {
		return nil, nil, fmt.Errorf("template %s: %w", file, err)
	}
	templateCache.Store(key, &templateCached{t: tp, src: src})
	return tp, src, nil
}

// templateUseLine finds the first line that uses name (a.b.c) in an
// action, trying shorter prefixes when the full path is not written out.
func templateUseLine(src, name string) int {
	lines := strings.Split(src, "\n")
	parts := strings.Split(name, ".")
	for n := len(parts); n > 0; n-- {
		ref := strings.Join(parts[:n], ".")
		for i, l := range lines {
			for _, s := range []string{"." + ref, `"` + ref + `"`} {
				if j := strings.Index(l, s); j >= 0 && strings.Contains(l[:j], "{{") {
					return i + 1
				}
			}
		}
	}
	return 0
}

package modules

import (
	"context"
	"fmt"
	"maps"
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
	c, err := parseTemplateFile(file)
	if err != nil {
		return "", err
	}
	vars := t.Vars
	if c.readsExtras {
		// Copied (every fact and variable of the host) only for a
		// template that may read these.
		vars = make(map[string]any, len(t.Vars)+len(templateExtras))
		maps.Copy(vars, t.Vars)
		for i, v := range [len(templateExtras)]string{templateManaged, file, file, t.Host, templateUID} {
			if _, ok := vars[templateExtras[i]]; !ok {
				vars[templateExtras[i]] = v
			}
		}
	}
	out, err := c.t.RenderString(vars)
	if err != nil {
		if u, ok := diag.As(err, diag.Undefined); ok {
			if line := templateUseLine(string(c.src), u.Name); line > 0 {
				return "", fmt.Errorf("template %s:%d: %w", file, line, err)
			}
		}
		return "", fmt.Errorf("template %s: %w", file, err)
	}
	return out, nil
}

// templateExtras are the variables a template sees besides the host's
// (whose own of the same name win), as Ansible's: their values are, in this
// order, templateManaged, the file twice, the host and templateUID.
var templateExtras = [...]string{"ansible_managed", "template_path", "template_fullpath", "template_host", "template_uid"}

const templateManaged = "Managed by hapb: local changes will be overwritten"

var templateUID = strconv.Itoa(os.Getuid())

// templateCache holds parsed template files: a play renders the same file
// for every host. Keyed by path, size and mtime, so edits are seen.
var templateCache sync.Map // string -> *templateCached

type templateCached struct {
	t           *tmpl.Template
	src         []byte
	readsExtras bool // may read one of templateExtras
}

func parseTemplateFile(file string) (*templateCached, error) {
	if wasFetched(file) {
		return nil, fmt.Errorf("template: %s was fetched from a host during this run: its content is data, not a template (use copy)", file)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	key := fmt.Sprintf("%s\x00%d\x00%d", file, fi.Size(), fi.ModTime().UnixNano())
	if c, ok := templateCache.Load(key); ok {
		return c.(*templateCached), nil
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	tp, err := tmpl.Parse(file, string(src))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", file, err)
	}
	c := &templateCached{t: tp, src: src, readsExtras: slices.ContainsFunc(templateExtras[:], tp.Reads)}
	templateCache.Store(key, c)
	return c, nil
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

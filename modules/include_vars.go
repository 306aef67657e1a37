package modules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hapb/hapb/engine/tmpl"
)

func init() {
	Define("include_vars", includeVarsDoc, includeVarsPlan, OnController, IncludesVars, FreeFormArg("file"))
}

type includeVarsParams struct {
	File          string   `yaml:"file" doc:"a YAML or JSON file of variables, looked up in the role's and playbook's vars/; the free-form argument"`
	Dir           string   `yaml:"dir" doc:"a directory: every file in it (sorted, recursively) is read, later files win"`
	Name          string   `yaml:"name" doc:"put the variables under this one variable instead of at the top level"`
	FilesMatching string   `yaml:"files_matching" doc:"dir: only files whose name matches this regexp"`
	IgnoreFiles   []string `yaml:"ignore_files" doc:"dir: file names to skip"`
	Extensions    []string `yaml:"extensions" default:"yaml,yml,json" doc:"dir: file extensions to read"`
	Depth         int      `yaml:"depth" doc:"dir: how deep to recurse (0: no limit)"`
}

const includeVarsDoc = "Reads variables from YAML/JSON files on the controller into the host's variables. Templates in values are rendered when the file is included."

func includeVarsPlan(ctx context.Context, t *Task, p *includeVarsParams) (*Plan, error) {
	var files []string
	switch {
	case p.File != "" && p.Dir != "":
		return nil, errors.New("include_vars: give file or dir, not both")
	case p.File != "":
		f, err := t.FindFile("vars", p.File)
		if err != nil {
			return nil, fmt.Errorf("include_vars: %w", err)
		}
		files = []string{f}
	case p.Dir != "":
		d, err := t.FindFile("vars", p.Dir)
		if err != nil {
			return nil, fmt.Errorf("include_vars: %w", err)
		}
		if files, err = includeVarsDir(d, p); err != nil {
			return nil, fmt.Errorf("include_vars: %w", err)
		}
	default:
		return nil, errors.New("include_vars: give file or dir")
	}
	vars := map[string]any{}
	for _, f := range files {
		m, err := includeVarsFile(f, t.Vars)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			vars[k] = v
		}
	}
	facts := vars
	if p.Name != "" {
		facts = map[string]any{p.Name: vars}
	}
	return &Plan{Result: Result{Facts: facts, Data: map[string]any{
		"ansible_facts": facts, "ansible_included_var_files": files,
	}}}, nil
}

func includeVarsDir(dir string, p *includeVarsParams) ([]string, error) {
	var match *regexp.Regexp
	if p.FilesMatching != "" {
		var err error
		if match, err = regexp.Compile(p.FilesMatching); err != nil {
			return nil, fmt.Errorf("files_matching: %v", err)
		}
	}
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			if p.Depth > 0 && rel != "." && strings.Count(rel, string(filepath.Separator))+1 >= p.Depth {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		ext := strings.TrimPrefix(filepath.Ext(name), ".")
		switch {
		case !includeVarsHas(p.Extensions, ext), includeVarsHas(p.IgnoreFiles, name),
			match != nil && !match.MatchString(name):
			return nil
		}
		files = append(files, path)
		return nil
	})
	sort.Strings(files)
	return files, err
}

func includeVarsHas(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// includeVarsFile reads one file and renders the templates in its values
// over vars. Values tagged !unsafe, and the whole of a file fetched from a
// host during the run, are data: never rendered.
func includeVarsFile(file string, vars map[string]any) (map[string]any, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("include_vars: %w", err)
	}
	v, err := tmpl.DecodeYAML(b)
	if err != nil {
		return nil, fmt.Errorf("include_vars %s: %v", file, err)
	}
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("include_vars %s: expected a mapping of variables, got %T", file, v)
	}
	if wasFetched(file) {
		m, _ = tmpl.MarkUnsafe(m).(map[string]any)
	}
	compiled, err := tmpl.Compile(file, any(m))
	if err != nil {
		return nil, fmt.Errorf("include_vars %s: %w", file, err)
	}
	out, err := tmpl.Render(compiled, vars)
	if err != nil {
		return nil, fmt.Errorf("include_vars %s: %w", file, err)
	}
	if out == nil {
		return map[string]any{}, nil
	}
	return out.(map[string]any), nil
}

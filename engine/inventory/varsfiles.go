package inventory

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/hapb/hapb/engine/diag"
)

// varsFiles loads group_vars/ and host_vars/ entries as Ansible's
// host_group_vars plugin does, reading each file once.
type varsFiles struct {
	data    map[string]map[string]any  // file path → its variables
	errs    map[string]error           // file path → why it could not be read
	entries map[string]map[string]bool // vars dir → entry name → is a directory; nil if absent
	jinja   map[string][]error         // file path → its values that hold Jinja
}

func newVarsFiles() *varsFiles {
	return &varsFiles{data: map[string]map[string]any{}, errs: map[string]error{}, entries: map[string]map[string]bool{},
		jinja: map[string][]error{}}
}

// list reads a group_vars/host_vars directory once, so that a thousand
// hosts cost one ReadDir rather than four thousand stats.
func (vf *varsFiles) list(dir string) map[string]bool {
	if e, ok := vf.entries[dir]; ok {
		return e
	}
	var e map[string]bool
	if ents, err := os.ReadDir(dir); err == nil {
		e = make(map[string]bool, len(ents))
		for _, ent := range ents {
			isDir := ent.IsDir()
			if ent.Type()&os.ModeSymlink != 0 {
				if fi, err := os.Stat(filepath.Join(dir, ent.Name())); err == nil {
					isDir = fi.IsDir()
				}
			}
			e[ent.Name()] = isDir
		}
	}
	vf.entries[dir] = e
	return e
}

var varsExts = []string{"", ".yml", ".yaml", ".json"}

// lookup returns the variables for entity name in dir/sub ("group_vars" or
// "host_vars"): the first of NAME, NAME.yml, NAME.yaml, NAME.json that
// exists; a directory contributes all its files merged in lexical order.
func (vf *varsFiles) lookup(dir, sub, name string, errs *multierror.Error) (map[string]any, *multierror.Error) {
	if dir == "" || strings.HasPrefix(name, string(filepath.Separator)) {
		return nil, errs
	}
	base := filepath.Join(dir, sub)
	entries := vf.list(base)
	if entries == nil {
		return nil, errs
	}
	var files []string
	for _, ext := range varsExts {
		isDir, ok := entries[name+ext]
		if !ok {
			continue
		}
		full := filepath.Join(base, name+ext)
		if isDir {
			files = dirVarsFiles(full)
		} else {
			files = []string{full}
		}
		break
	}
	var out map[string]any
	for _, f := range files {
		data, err := vf.load(f)
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		if len(data) == 0 {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(data))
		}
		for k, v := range data {
			out[k] = v
		}
	}
	return out, errs
}

// dirVarsFiles lists a vars directory recursively in sorted order, skipping
// hidden files, backups (*~) and files with extensions other than YAML/JSON.
func dirVarsFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		full := filepath.Join(dir, n)
		ext := filepath.Ext(n)
		fi, err := os.Stat(full)
		if err != nil {
			continue
		}
		switch {
		case fi.IsDir() && ext == "":
			out = append(out, dirVarsFiles(full)...)
		case fi.Mode().IsRegular() && (ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json"):
			out = append(out, full)
		}
	}
	return out
}

func (vf *varsFiles) load(path string) (map[string]any, error) {
	if d, ok := vf.data[path]; ok {
		return d, nil
	}
	if err, ok := vf.errs[path]; ok {
		return nil, err
	}
	d, jinja, err := loadVarsFile(path)
	if err != nil {
		vf.errs[path] = err
		return nil, err
	}
	vf.data[path] = d
	if len(jinja) > 0 {
		vf.jinja[path] = jinja
	}
	return d, nil
}

// loadVarsFile reads a group_vars or host_vars file, and lists its values
// that hold Jinja.
func loadVarsFile(path string) (map[string]any, []error, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, errorf(path, 0, 0, diag.NotFound, "%s", unwrapPathErr(err))
	}
	n, err := parseYAMLDoc(path, raw)
	if err != nil || n == nil {
		return nil, nil, err
	}
	v, err := nodeValue(path, n)
	if err != nil {
		return nil, nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, errorf(path, n.Line, n.Column, diag.Type, "vars file must hold a mapping, got a %s", kindName(deref(n)))
	}
	return m, jinjaIn(path, "", n), nil
}

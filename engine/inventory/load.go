package inventory

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/hapb/hapb/engine/diag"
)

// ignoredName matches directory entries Ansible skips in an inventory
// directory: hidden files, vars directories, and INVENTORY_IGNORE_EXTS
// (note that *.ini is among them).
var ignoredName = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|` +
	`(\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$`)

// Load parses inventory sources in order, as repeated `-i` options: files,
// directories of inventory files, or comma-separated host lists ("a,b,").
// Later sources add to earlier ones. Every problem found is returned, each
// a *diag.Diagnostic, joined with go-multierror, and then the inventory is
// nil.
func Load(sources []string) (*Inventory, error) {
	inv := newInventory()
	var errs *multierror.Error
	for _, src := range sources {
		if src == "" {
			continue
		}
		if isHostList(src) {
			inv.sources = append(inv.sources, src)
			inv.parseHostList(src)
			continue
		}
		abs, err := filepath.Abs(src)
		if err != nil {
			errs = multierror.Append(errs, errorf(src, 0, 0, diag.NotFound, "%v", err))
			continue
		}
		inv.sources = append(inv.sources, abs)
		if err := inv.parseSource(abs); err != nil {
			errs = multierror.Append(errs, err)
		}
	}
	if errs != nil {
		return nil, errs.ErrorOrNil()
	}
	inv.reconcile()
	if err := inv.computeVars(); err != nil {
		return nil, err
	}
	return inv, nil
}

// isHostList reports whether src is a "host1,host2" list rather than a path,
// with Ansible's rule: it has a comma and no such file exists.
func isHostList(src string) bool {
	if !strings.Contains(src, ",") {
		return false
	}
	_, err := os.Stat(src)
	return err != nil
}

func (inv *Inventory) parseHostList(src string) {
	ungrouped := inv.groups["ungrouped"]
	for _, h := range strings.Split(src, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		name, port, err := parseAddress(h, false)
		if err != nil {
			name, port = h, 0
		}
		if _, ok := inv.hosts[name]; !ok {
			inv.addHost(name, ungrouped, port)
		}
	}
}

func (inv *Inventory) parseSource(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return errorf(path, 0, 0, diag.NotFound, "inventory source: %s", unwrapPathErr(err))
	}
	if !fi.IsDir() {
		return inv.parseFile(path)
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return errorf(path, 0, 0, diag.NotFound, "%s", unwrapPathErr(err))
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var errs *multierror.Error
	for _, n := range names {
		if ignoredName.MatchString(n) {
			continue
		}
		if err := inv.parseSource(filepath.Join(path, n)); err != nil {
			errs = multierror.Append(errs, err)
		}
	}
	return errs.ErrorOrNil()
}

func unwrapPathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// parseFile picks the format as Ansible's plugin chain does: YAML for .yml,
// .yaml, .json and extension-less files that hold a YAML mapping; INI for
// the rest.
func (inv *Inventory) parseFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return errorf(path, 0, 0, diag.NotFound, "%s", unwrapPathErr(err))
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode()&0o111 != 0 && bytes.HasPrefix(data, []byte("#!")) {
		// Ansible would run it (script plugin); hapb never runs inventory code.
		return errorf(path, 1, 0, diag.Unsupported, "dynamic inventory scripts are not supported: save the script's --list output as a YAML/JSON inventory, or remove the execute bit")
	}
	inv.curFile, inv.curDir = path, filepath.Dir(path)
	defer func() { inv.curFile, inv.curDir = "", "" }()
	switch filepath.Ext(path) {
	case ".yml", ".yaml", ".json":
		return inv.parseYAML(path, data)
	case "":
		if looksLikeYAMLInventory(data) {
			return inv.parseYAML(path, data)
		}
	}
	return inv.parseINI(path, data)
}

// sourceDir is Ansible's basedir() of an inventory source: the directory
// itself, or the directory holding the file; "" for host lists.
func sourceDir(source string) string {
	if source == "" {
		return ""
	}
	fi, err := os.Stat(source)
	if err != nil {
		return ""
	}
	if fi.IsDir() {
		return source
	}
	return filepath.Dir(source)
}

package inventory

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

// Inventories written for Ansible hold Jinja (kubespray's and kubeasz's
// group_vars: `kube_cert_dir: "{{ kube_config_dir }}/ssl"`). hapb renders Go
// templates, so such a value would reach a task as literal text, or fail far
// from where it is written. `hapb run` refuses it at load instead, naming the
// file, line and variable and giving the hapb spelling where one is obvious.
// `hapb inventory` still lists it, as ansible-inventory does (it renders
// nothing either).

// jinjaVar is a Jinja action simple enough to respell: a variable or a path.
var jinjaVar = regexp.MustCompile(`\{\{(-?)\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*(-?)\}\}`)

// isJinja reports whether s is meant for Jinja: a statement or comment tag,
// or an action that is not a valid Go template (`{{ name }}` calls a function
// named name, which hapb does not have).
func isJinja(s string) bool {
	if strings.Contains(s, "{%") || strings.Contains(s, "{#") {
		return true
	}
	if !strings.Contains(s, "{{") {
		return false
	}
	_, err := tmpl.Compile("", s)
	return err != nil
}

// jinjaError is the refusal of one value.
func jinjaError(path string, line, col int, key, val string) error {
	msg := fmt.Sprintf("variable %q holds Jinja (%q), which hapb does not render", key, val)
	if fixed := jinjaVar.ReplaceAllString(val, "{{$1 .$2 $3}}"); !isJinja(fixed) {
		msg += fmt.Sprintf(": write %q", fixed)
	} else {
		msg += ": write it as a Go template (see `hapb doc templates`)"
	}
	return errorf(path, line, col, diag.Unsupported, "%s", msg)
}

// jinjaIn finds the values under n (a mapping of variables, a list or a
// scalar named key) that hold Jinja. !unsafe values are data, never checked.
func jinjaIn(path, key string, n *yaml.Node) []error {
	if n == nil || n.Tag == tmpl.UnsafeTag {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		var out []error
		for _, c := range n.Content {
			out = append(out, jinjaIn(path, key, c)...)
		}
		return out
	case yaml.MappingNode:
		var out []error
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if n.Content[i].Tag == "!!merge" {
				k = key
			}
			out = append(out, jinjaIn(path, k, n.Content[i+1])...)
		}
		return out
	case yaml.ScalarNode:
		if isJinja(n.Value) {
			return []error{jinjaError(path, n.Line, n.Column, key, n.Value)}
		}
	}
	return nil
}

// TemplateErrors lists, by file and line, the variables of the inventory
// and of the group_vars and host_vars read so far that hold Jinja.
func (inv *Inventory) TemplateErrors() []error {
	out := append([]error(nil), inv.jinja...)
	for _, errs := range inv.files.jinja {
		out = append(out, errs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Error() < out[j].Error() })
	return out
}

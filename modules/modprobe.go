package modules

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
)

func init() { Define("modprobe", modprobeDoc, modprobePlan) }

type modprobeParams struct {
	Name       string `yaml:"name" required:"true" doc:"kernel module name"`
	State      string `yaml:"state" default:"present" choices:"present,absent"`
	Params     string `yaml:"params" doc:"module options (hashsize=131072), used when loading and persisted in /etc/modprobe.d/NAME.conf"`
	Persistent string `yaml:"persistent" default:"disabled" choices:"disabled,present,absent" doc:"present writes /etc/modules-load.d/NAME.conf (and modprobe.d options); absent removes both"`
}

const modprobeDoc = `Loads or unloads a kernel module, and optionally persists it for boot in
/etc/modules-load.d/NAME.conf with its options in /etc/modprobe.d/NAME.conf.
A module counts as loaded when /sys/module/NAME exists, it is listed in
/proc/modules (or by lsmod where /proc/modules is absent), or it is built
into the kernel (modules.builtin). Before loading, Plan asks modprobe
--dry-run, so a module that does not exist fails with modprobe's message,
also in check mode. Options are used when the module is loaded; a module
already loaded is not reloaded to change them.`

var modprobeNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// modprobeScript reports load state, a dry run of loading, and the
// persistence files. $1 is the name as /sys and /proc spell it (dashes as
// underscores), $2 the name as given.
var modprobeScript = remote.Script(`if [ -d "/sys/module/$1" ]; then s sys; echo yes; fi
if [ -r /proc/modules ]; then s proc; grep -E "^$1 " /proc/modules; elif command -v lsmod >/dev/null 2>&1; then s proc; lsmod 2>/dev/null | grep -E "^$1 "; fi
b="/lib/modules/$(uname -r)/modules.builtin"
if [ -r "$b" ] && grep -Eq "/($1|$2)\.ko" "$b"; then s builtin; echo yes; fi
if [ "$3" = dry ]; then s dry; modprobe -n -- "$2" 2>&1; echo "rc=$?"; fi
if [ -e "/etc/modules-load.d/$2.conf" ]; then s load; cat -- "/etc/modules-load.d/$2.conf"; fi
if [ -e "/etc/modprobe.d/$2.conf" ]; then s options; cat -- "/etc/modprobe.d/$2.conf"; fi`)

func modprobePlan(ctx context.Context, t *Task, params *modprobeParams) (*Plan, error) {
	name := params.Name
	if !modprobeNameRE.MatchString(name) {
		return nil, fmt.Errorf("modprobe: invalid module name %q", name)
	}
	dry := ""
	if params.State == "present" {
		dry = "dry"
	}
	args := []string{strings.ReplaceAll(name, "-", "_"), name, dry}
	res, err := t.Run(ctx, &conn.Cmd{Script: "sh -c " + conn.Quote(modprobeScript) + " modprobe " + conn.QuoteArgs(args)})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("modprobe: reading state of %s: %s", name, bytes.TrimSpace(res.Stderr))
	}
	sec := remote.Parse(res.Stdout)
	builtin := sec["builtin"] != ""
	loaded := sec["sys"] != "" || strings.TrimSpace(sec["proc"]) != "" || builtin

	loadPath, optPath := "/etc/modules-load.d/"+name+".conf", "/etc/modprobe.d/"+name+".conf"
	var (
		steps   [][]string
		uploads = map[string]string{}
		msgs    []string
	)
	switch {
	case params.State == "present" && !loaded:
		if out, rc := sec.Status("dry"); rc != "" && rc != "0" {
			return nil, fmt.Errorf("modprobe: cannot load %s: %s", name, out)
		}
		steps = append(steps, append([]string{"modprobe", "--", name}, strings.Fields(params.Params)...))
		msgs = append(msgs, "load "+name)
	case params.State == "absent" && builtin:
		return nil, fmt.Errorf("modprobe: %s is built into the kernel and cannot be unloaded", name)
	case params.State == "absent" && loaded:
		steps = append(steps, []string{"modprobe", "-r", "--", name})
		msgs = append(msgs, "unload "+name)
	}
	_, hasLoad := sec["load"]
	_, hasOpt := sec["options"]
	switch params.Persistent {
	case "present":
		if want := name + "\n"; sec["load"] != want {
			uploads[loadPath] = want
		}
		if params.Params != "" {
			if want := "options " + name + " " + params.Params + "\n"; sec["options"] != want {
				uploads[optPath] = want
			}
		}
	case "absent":
		var rm []string
		if hasLoad {
			rm = append(rm, loadPath)
		}
		if hasOpt {
			rm = append(rm, optPath)
		}
		if len(rm) > 0 {
			steps = append(steps, append([]string{"rm", "-f", "--"}, rm...))
			msgs = append(msgs, "remove "+strings.Join(rm, " "))
		}
	}
	var diffs []Diff
	for path, before := range map[string]string{loadPath: sec["load"], optPath: sec["options"]} {
		if content, ok := uploads[path]; ok {
			msgs = append(msgs, "write "+path)
			diffs = append(diffs, Diff{Path: path, Before: before, After: content})
		}
	}
	sort.Strings(msgs)
	plan := &Plan{Result: Result{
		Data: map[string]any{"name": name, "loaded": loaded, "builtin": builtin, "params": params.Params},
		Msg:  strings.Join(msgs, "; "),
	}}
	if t.Diff {
		sort.Slice(diffs, func(i, j int) bool { return diffs[i].Path > diffs[j].Path })
		plan.Diffs = diffs
	}
	if len(steps) == 0 && len(uploads) == 0 {
		return plan, nil
	}
	plan.Changed = true
	plan.Apply = func(ctx context.Context, r *Result) error {
		// Persist first: a load that fails still leaves the boot config
		// as asked, and the error names the module.
		for _, path := range []string{loadPath, optPath} {
			if content, ok := uploads[path]; ok {
				if err := t.Conn.Upload(ctx, strings.NewReader(content), path, conn.FileOpts{Mode: 0o644, Become: t.Become}); err != nil {
					return fmt.Errorf("modprobe: %w", err)
				}
			}
		}
		for _, s := range steps {
			res, err := t.Run(ctx, &conn.Cmd{Args: s})
			if err != nil {
				return err
			}
			if res.ExitCode != 0 {
				out := bytes.TrimSpace(append(res.Stderr, res.Stdout...))
				return fmt.Errorf("modprobe: %s: %s", conn.QuoteArgs(s), out)
			}
		}
		return nil
	}
	return plan, nil
}

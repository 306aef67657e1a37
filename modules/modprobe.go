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
	ch := &modprobeChange{uploads: map[string]string{}}
	if err := ch.load(params, sec, loaded, builtin); err != nil {
		return nil, err
	}
	ch.persist(params, sec)
	sort.Strings(ch.msgs)
	plan := &Plan{Result: Result{
		Data: map[string]any{"name": name, "loaded": loaded, "builtin": builtin, "params": params.Params},
		Msg:  strings.Join(ch.msgs, "; "),
	}}
	if t.Diff {
		sort.Slice(ch.diffs, func(i, j int) bool { return ch.diffs[i].Path > ch.diffs[j].Path })
		plan.Diffs = ch.diffs
	}
	if len(ch.steps) == 0 && len(ch.uploads) == 0 {
		return plan, nil
	}
	plan.Changed = true
	plan.Effects = ch.effects
	plan.Apply = func(ctx context.Context, r *Result) error { return ch.apply(ctx, t, name) }
	return plan, nil
}

// modprobeChange is what a plan of modprobe would do: commands to run,
// files to write, and what that says.
type modprobeChange struct {
	steps   [][]string
	uploads map[string]string // path -> content
	msgs    []string
	diffs   []Diff
	effects []Effect
}

// load plans loading or unloading the module.
func (ch *modprobeChange) load(params *modprobeParams, sec remote.Sections, loaded, builtin bool) error {
	name := params.Name
	switch {
	case params.State == "present" && !loaded:
		if out, rc := sec.Status("dry"); rc != "" && rc != "0" {
			return fmt.Errorf("modprobe: cannot load %s: %s", name, out)
		}
		ch.steps = append(ch.steps, append([]string{"modprobe", "--", name}, strings.Fields(params.Params)...))
		ch.msgs = append(ch.msgs, "load "+name)
		// A module brings its own keys under /proc/sys (ip_vs's
		// net.ipv4.vs.*), which a later sysctl in check mode must not
		// take for missing.
		ch.effects = append(ch.effects, opaqueEffect("modprobe %s", name))
	case params.State == "absent" && builtin:
		return fmt.Errorf("modprobe: %s is built into the kernel and cannot be unloaded", name)
	case params.State == "absent" && loaded:
		ch.steps = append(ch.steps, []string{"modprobe", "-r", "--", name})
		ch.msgs = append(ch.msgs, "unload "+name)
	}
	return nil
}

// persist plans the files that load the module at boot, with its options.
func (ch *modprobeChange) persist(params *modprobeParams, sec remote.Sections) {
	name := params.Name
	loadPath, optPath := "/etc/modules-load.d/"+name+".conf", "/etc/modprobe.d/"+name+".conf"
	switch params.Persistent {
	case "present":
		if want := name + "\n"; sec["load"] != want {
			ch.uploads[loadPath] = want
		}
		if params.Params != "" {
			if want := "options " + name + " " + params.Params + "\n"; sec["options"] != want {
				ch.uploads[optPath] = want
			}
		}
	case "absent":
		var rm []string
		for _, f := range []struct{ section, path string }{{"load", loadPath}, {"options", optPath}} {
			if sec.Has(f.section) {
				rm = append(rm, f.path)
				ch.effects = append(ch.effects, Effect{Kind: PathEffect, Name: f.path, State: "absent"})
			}
		}
		if len(rm) > 0 {
			ch.steps = append(ch.steps, append([]string{"rm", "-f", "--"}, rm...))
			ch.msgs = append(ch.msgs, "remove "+strings.Join(rm, " "))
		}
	}
	for path, before := range map[string]string{loadPath: sec["load"], optPath: sec["options"]} {
		if content, ok := ch.uploads[path]; ok {
			ch.msgs = append(ch.msgs, "write "+path)
			ch.diffs = append(ch.diffs, Diff{Path: path, Before: before, After: content})
			ch.effects = append(ch.effects, Effect{Kind: PathEffect, Name: path, State: "file",
				Content: []byte(content), ContentKnown: true, Mode: 0o644, ModeKnown: true})
		}
	}
}

// apply persists first, so a load that fails still leaves the boot
// config as asked, and the error names the module.
func (ch *modprobeChange) apply(ctx context.Context, t *Task, name string) error {
	for _, path := range []string{"/etc/modules-load.d/" + name + ".conf", "/etc/modprobe.d/" + name + ".conf"} {
		if content, ok := ch.uploads[path]; ok {
			if err := t.Conn.Upload(ctx, strings.NewReader(content), path, conn.FileOpts{Mode: 0o644, Become: t.Become}); err != nil {
				return fmt.Errorf("modprobe: %w", err)
			}
		}
	}
	for _, s := range ch.steps {
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

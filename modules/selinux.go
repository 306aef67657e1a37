package modules

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
)

func init() { Define("selinux", selinuxDoc, selinuxPlan) }

type selinuxParams struct {
	State      string `yaml:"state" required:"true" choices:"disabled,permissive,enforcing"`
	Policy     string `yaml:"policy" doc:"SELINUXTYPE (targeted); kept as configured when not given"`
	ConfigFile string `yaml:"configfile" alias:"conf,file" default:"/etc/selinux/config"`
}

const selinuxDoc = `Sets the SELinux mode in its config file and, where SELinux is running,
the live mode with setenforce. A host without SELinux (no config file and no
getenforce) is fine with state=disabled and fails for the other states.
Disabling is only complete after a reboot: the live mode becomes permissive
and the result says reboot_required.`

var selinuxScript = remote.Script(`if [ -e "$1" ]; then s conf; cat -- "$1"; fi
if command -v getenforce >/dev/null 2>&1; then s live; getenforce; fi`)

func selinuxPlan(ctx context.Context, t *Task, params *selinuxParams) (*Plan, error) {
	res, err := t.Run(ctx, &conn.Cmd{Script: "sh -c " + conn.Quote(selinuxScript) + " selinux " + conn.Quote(params.ConfigFile)})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("selinux: %s", bytes.TrimSpace(res.Stderr))
	}
	sec := remote.Parse(res.Stdout)
	conf, hasConf := sec["conf"]
	live, hasLive := sec["live"]
	live = strings.ToLower(strings.TrimSpace(live))
	plan := &Plan{Result: Result{Data: map[string]any{"state": params.State, "configfile": params.ConfigFile, "reboot_required": false}}}
	if !hasConf && !hasLive {
		if params.State == "disabled" {
			plan.Msg = "SELinux is not present on this host"
			return plan, nil
		}
		return nil, fmt.Errorf("selinux: cannot set %s: SELinux is not present on this host", params.State)
	}
	policy := params.Policy
	if policy == "" {
		policy = selinuxValue(conf, "SELINUXTYPE")
		if policy == "" && params.State != "disabled" {
			return nil, fmt.Errorf("selinux: policy is required when %s has none", params.ConfigFile)
		}
	}
	newConf := selinuxSet(conf, "SELINUX", params.State)
	if policy != "" {
		newConf = selinuxSet(newConf, "SELINUXTYPE", policy)
	}
	plan.Data["policy"] = policy
	var msgs []string
	writeConf := newConf != conf
	if writeConf {
		msgs = append(msgs, fmt.Sprintf("%s: SELINUX=%s", params.ConfigFile, params.State))
		if t.Diff {
			plan.Diffs = []Diff{{Path: params.ConfigFile, Before: conf, After: newConf}}
		}
	}
	enforce, reboot := selinuxLive(params.State, live)
	if enforce != "" {
		msgs = append(msgs, "setenforce "+enforce)
	}
	if reboot {
		msgs = append(msgs, "a reboot is needed for SELinux to be "+params.State)
	}
	plan.Data["reboot_required"] = reboot
	plan.Msg = strings.Join(msgs, "; ")
	if !writeConf && enforce == "" {
		return plan, nil
	}
	plan.Changed = true
	if writeConf {
		plan.Effects = []Effect{{Kind: PathEffect, Name: params.ConfigFile, State: "file", Content: []byte(newConf), ContentKnown: true}}
	}
	plan.Apply = func(ctx context.Context, r *Result) error {
		return selinuxApply(ctx, t, params.ConfigFile, newConf, writeConf, enforce)
	}
	return plan, nil
}

// selinuxLive is what reaching state takes from the live mode: the
// setenforce argument ("" for none), or a reboot (to or from disabled).
func selinuxLive(state, live string) (enforce string, reboot bool) {
	switch {
	case live == "" || live == "disabled":
		reboot = state != "disabled"
	case state == "enforcing" && live != "enforcing":
		enforce = "1"
	case state != "enforcing" && live == "enforcing":
		enforce = "0"
	}
	if state == "disabled" && live != "" && live != "disabled" {
		reboot = true
	}
	return enforce, reboot
}

// selinuxApply writes the config (when write) and sets the live mode
// (when enforce is not "").
func selinuxApply(ctx context.Context, t *Task, file, conf string, write bool, enforce string) error {
	if write {
		if err := t.Conn.Upload(ctx, strings.NewReader(conf), file, conn.FileOpts{Mode: 0o644, Become: t.Become}); err != nil {
			return fmt.Errorf("selinux: %w", err)
		}
	}
	if enforce == "" {
		return nil
	}
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"setenforce", enforce}})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("selinux: setenforce %s: %s", enforce, bytes.TrimSpace(res.Stderr))
	}
	return nil
}

func selinuxValue(conf, key string) string {
	for _, l := range strings.Split(conf, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok && strings.TrimSpace(k) == key {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

// selinuxSet sets KEY=value in conf, replacing the first line for key.
func selinuxSet(conf, key, value string) string {
	lines := strings.Split(strings.TrimSuffix(conf, "\n"), "\n")
	if conf == "" {
		lines = nil
	}
	for i, l := range lines {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok && strings.TrimSpace(k) == key {
			if strings.Trim(strings.TrimSpace(v), `"'`) == value {
				return conf
			}
			lines[i] = key + "=" + value
			return strings.Join(lines, "\n") + "\n"
		}
	}
	return strings.Join(append(lines, key+"="+value), "\n") + "\n"
}

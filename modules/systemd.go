package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/hapb/hapb/engine/conn"
)

func init() {
	m := Define("systemd", systemdDoc, systemdPlan)
	Register("systemd_service", m)
	Register("service", m)
}

type systemdParams struct {
	Name         string `yaml:"name" alias:"service,unit" doc:"unit name; .service is implied"`
	State        string `yaml:"state" choices:"started,stopped,restarted,reloaded" doc:"restarted and reloaded always change"`
	Enabled      *bool  `yaml:"enabled" doc:"start the unit on boot"`
	Masked       *bool  `yaml:"masked" doc:"mask the unit so it cannot start"`
	DaemonReload bool   `yaml:"daemon_reload" alias:"daemon-reload" doc:"run systemctl daemon-reload first"`
	Scope        string `yaml:"scope" default:"system" choices:"system" doc:"only the system manager is supported"`
	NoBlock      bool   `yaml:"no_block" doc:"do not wait for start/stop jobs to finish"`
}

const systemdDoc = `Manages a systemd unit: state (started, stopped, restarted, reloaded),
enabled, masked, and daemon_reload. The unit's state is read with one
systemctl show call. restarted and reloaded always report a change, as in
Ansible; in check mode they report it without doing it. daemon_reload
changes when systemd says a unit file changed (NeedDaemonReload), when the
unit is not loaded yet, or when no unit is named. An unknown unit fails.`

// systemdProps are the properties Plan reads.
const systemdProps = "Id,LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload"

func systemdPlan(ctx context.Context, t *Task, params *systemdParams) (*Plan, error) {
	if params.Name == "" {
		if !params.DaemonReload {
			return nil, fmt.Errorf("systemd: name is required unless daemon_reload is set")
		}
		steps := [][]string{{"systemctl", "daemon-reload"}}
		return &Plan{Result: Result{Changed: true, Msg: "daemon-reload"},
			Apply: func(ctx context.Context, r *Result) error { return systemdRun(ctx, t, steps) }}, nil
	}
	if params.Masked != nil && *params.Masked && (params.State == "started" || params.State == "restarted" || params.State == "reloaded") {
		return nil, fmt.Errorf("systemd: %s cannot be masked and %s", params.Name, params.State)
	}
	status, err := systemdShow(ctx, t, params.Name)
	if err != nil {
		return nil, err
	}
	systemdPlanned(t.Effects, params.Name, status)
	plan := &Plan{Result: Result{Data: map[string]any{"name": params.Name, "status": status}}}
	if status["LoadState"] == "not-found" && !params.DaemonReload {
		if why := systemdPlannedUnit(t.Effects, params.Name); why != "" {
			return unknownPlan(fmt.Sprintf("unit %s does not exist yet (%s); it would be %s", params.Name, why, systemdWanted(params)),
				plan.Data, systemdEffects(t.Effects, params)...), nil
		}
		return nil, fmt.Errorf("systemd: could not find the requested service %s on the host", params.Name)
	}
	steps, unloaded := systemdSteps(params, status)
	if unloaded {
		// A unit file that systemd has not loaded yet: only after the reload
		// can we see its state, so Apply reloads and plans again.
		plan.Changed = true
		plan.Msg = params.Name + " is not loaded yet; would daemon-reload and then apply"
		plan.Effects = systemdEffects(t.Effects, params)
		plan.Apply = func(ctx context.Context, r *Result) error {
			if err := systemdRun(ctx, t, [][]string{{"systemctl", "daemon-reload"}}); err != nil {
				return err
			}
			st, err := systemdShow(ctx, t, params.Name)
			if err != nil {
				return err
			}
			if st["LoadState"] == "not-found" {
				return fmt.Errorf("systemd: could not find the requested service %s on the host", params.Name)
			}
			steps, _ := systemdSteps(params, st)
			r.Data["status"] = st
			return systemdRun(ctx, t, steps)
		}
		return plan, nil
	}
	if len(steps) == 0 {
		return plan, nil
	}
	plan.Changed = true
	var msgs []string
	for _, s := range steps {
		msgs = append(msgs, s[1])
	}
	plan.Msg = strings.Join(msgs, ", ")
	plan.Effects = systemdEffects(t.Effects, params)
	plan.Apply = func(ctx context.Context, r *Result) error { return systemdRun(ctx, t, steps) }
	return plan, nil
}

// systemdUnitDirs are where a unit file an earlier task writes makes the
// unit exist.
var systemdUnitDirs = []string{"/etc/systemd/system/", "/usr/lib/systemd/system/", "/lib/systemd/system/"}

// systemdPlannedUnit says why a unit missing now may exist once earlier
// planned changes are applied ("" when nothing would make it): its unit
// file is planned, or a change with an unknown footprint (a package).
func systemdPlannedUnit(e *Effects, name string) string {
	unit := name
	if !strings.Contains(unit, ".") {
		unit += ".service"
	}
	for _, d := range systemdUnitDirs {
		if f, ok := e.Planned(PathEffect, d+unit); ok && f.State != "absent" {
			return "an earlier task writes " + d + unit
		}
	}
	if opaque := e.Opaque(); len(opaque) > 0 {
		return "an earlier change may install it: " + opaque[len(opaque)-1]
	}
	return ""
}

// systemdEffects is what the unit's change does: its state after the
// earlier planned ones (the later words win, see systemdPlanned), and, since
// a started service may make anything (a data directory), an opaque change.
func systemdEffects(e *Effects, params *systemdParams) []Effect {
	state := systemdWanted(params)
	if f, ok := e.Planned(UnitEffect, params.Name); ok {
		state = f.State + " and " + state
	}
	effs := []Effect{{Kind: UnitEffect, Name: params.Name, State: state}}
	if params.State == "started" || params.State == "restarted" {
		effs = append(effs, opaqueEffect("systemd: %s %s", params.State, params.Name))
	}
	return effs
}

// systemdPlanned lays what earlier tasks plan for the unit over its state
// as read (check mode): after a planned stop it is inactive here, so a start
// is a change, as it will be for real.
func systemdPlanned(e *Effects, name string, st map[string]string) {
	f, ok := e.Planned(UnitEffect, name)
	if !ok {
		return
	}
	for _, w := range strings.Fields(f.State) {
		switch w {
		case "started", "restarted", "reloaded":
			st["ActiveState"] = "active"
		case "stopped":
			st["ActiveState"] = "inactive"
		case "enabled", "disabled":
			st["UnitFileState"] = w
		}
	}
}

// systemdSteps lists the systemctl commands that bring the unit to params,
// in order: reload, (un)mask, enable/disable, then the state change.
// unloaded reports that the unit must be found by a daemon-reload first.
func systemdSteps(params *systemdParams, st map[string]string) (steps [][]string, unloaded bool) {
	if params.DaemonReload && st["LoadState"] == "not-found" {
		return nil, true
	}
	unit := func(verb string) []string { return []string{"systemctl", verb, "--", params.Name} }
	job := func(verb string) []string { // start/stop jobs honour no_block
		if params.NoBlock {
			return []string{"systemctl", verb, "--no-block", "--", params.Name}
		}
		return unit(verb)
	}
	if params.DaemonReload && st["NeedDaemonReload"] == "yes" {
		steps = append(steps, []string{"systemctl", "daemon-reload"})
	}
	masked := st["LoadState"] == "masked" || strings.HasPrefix(st["UnitFileState"], "masked")
	if params.Masked != nil && *params.Masked != masked {
		if *params.Masked {
			steps = append(steps, unit("mask"))
		} else {
			steps = append(steps, unit("unmask"))
		}
	}
	if params.Enabled != nil {
		switch ufs := st["UnitFileState"]; {
		case ufs == "static" || ufs == "generated" || ufs == "transient" || ufs == "indirect" || ufs == "alias":
			// Units without an [Install] section cannot be toggled.
		case *params.Enabled && ufs != "enabled" && ufs != "enabled-runtime":
			steps = append(steps, unit("enable"))
		case !*params.Enabled && (ufs == "enabled" || ufs == "enabled-runtime"):
			steps = append(steps, unit("disable"))
		}
	}
	running := st["ActiveState"] == "active" || st["ActiveState"] == "activating" || st["ActiveState"] == "reloading"
	switch params.State {
	case "started":
		if !running {
			steps = append(steps, job("start"))
		}
	case "stopped":
		if running {
			steps = append(steps, job("stop"))
		}
	case "restarted":
		steps = append(steps, job("restart"))
	case "reloaded":
		if running {
			steps = append(steps, job("reload"))
		} else {
			steps = append(steps, job("start"))
		}
	}
	return steps, false
}

func systemdShow(ctx context.Context, t *Task, name string) (map[string]string, error) {
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"systemctl", "show", "-p", systemdProps, "--", name}})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("systemd: systemctl show %s: %s", name, systemdOutput(res))
	}
	st := map[string]string{}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			st[k] = v
		}
	}
	if st["LoadState"] == "" {
		return nil, fmt.Errorf("systemd: systemctl show %s printed no LoadState", name)
	}
	return st, nil
}

// systemdRun runs steps as one script that stops at the first failure.
func systemdRun(ctx context.Context, t *Task, steps [][]string) error {
	lines := make([]string, len(steps))
	for i, s := range steps {
		lines[i] = conn.QuoteArgs(s)
	}
	res, err := t.Run(ctx, &conn.Cmd{Script: strings.Join(lines, " && ")})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("systemd: %s: %s", strings.Join(lines, " && "), systemdOutput(res))
	}
	return nil
}

func systemdOutput(res *conn.Result) string {
	if s := strings.TrimSpace(string(res.Stderr)); s != "" {
		return s
	}
	return strings.TrimSpace(string(res.Stdout))
}

// systemdWanted describes the requested state, for check-mode messages.
func systemdWanted(p *systemdParams) string {
	var want []string
	if p.State != "" {
		want = append(want, p.State)
	}
	if p.Enabled != nil {
		want = append(want, map[bool]string{true: "enabled", false: "disabled"}[*p.Enabled])
	}
	if p.Masked != nil && *p.Masked {
		want = append(want, "masked")
	}
	if len(want) == 0 {
		return "checked"
	}
	return strings.Join(want, " and ")
}

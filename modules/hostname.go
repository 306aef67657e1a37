package modules

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
)

func init() { Define("hostname", hostnameDoc, hostnamePlan) }

type hostnameParams struct {
	Name string `yaml:"name" required:"true" doc:"the host name (RFC 1123: letters, digits, dashes, dots)"`
	Use  string `yaml:"use" choices:"systemd,debian,redhat,generic" doc:"accepted for Ansible compatibility; hostnamectl is used when present"`
}

const hostnameDoc = `Sets the host name, live and in /etc/hostname. The state is read with
one command (hostname and /etc/hostname). It is set with hostnamectl
set-hostname where hostnamectl exists and works; otherwise /etc/hostname is
written and the live name set with hostname NAME.`

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$`)

var hostnameScript = remote.Script(`s live; hostname 2>/dev/null || cat /proc/sys/kernel/hostname
if [ -e /etc/hostname ]; then s file; cat /etc/hostname; fi
if command -v hostnamectl >/dev/null 2>&1; then s ctl; echo yes; fi`)

func hostnamePlan(ctx context.Context, t *Task, p *hostnameParams) (*Plan, error) {
	name := p.Name
	if len(name) > 253 || !hostnameRE.MatchString(name) {
		return nil, fmt.Errorf("hostname: invalid host name %q", name)
	}
	res, err := t.Run(ctx, &conn.Cmd{Script: hostnameScript})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("hostname: %s", bytes.TrimSpace(res.Stderr))
	}
	sec := remote.Parse(res.Stdout)
	live, file := strings.TrimSpace(sec["live"]), strings.TrimSpace(sec["file"])
	short, _, _ := strings.Cut(name, ".")
	plan := &Plan{Result: Result{
		Data:  map[string]any{"name": name, "before": live},
		Facts: map[string]any{"ansible_hostname": short, "ansible_nodename": name},
	}}
	if live == name && file == name {
		return plan, nil
	}
	plan.Changed = true
	plan.Msg = fmt.Sprintf("hostname %q -> %q", live, name)
	if t.Diff {
		plan.Diffs = []Diff{{Path: "/etc/hostname", Before: sec["file"], After: name + "\n"}}
	}
	plan.Apply = func(ctx context.Context, r *Result) error {
		if sec["ctl"] != "" {
			res, err := t.Run(ctx, &conn.Cmd{Args: []string{"hostnamectl", "set-hostname", "--", name}})
			if err != nil {
				return err
			}
			if res.ExitCode == 0 {
				return nil
			}
			// hostnamectl needs systemd-hostnamed over D-Bus, which a
			// minimal container may lack: fall back to the files.
			r.Msg += fmt.Sprintf(" (hostnamectl failed: %s; wrote /etc/hostname)", bytes.TrimSpace(res.Stderr))
		}
		if err := t.Conn.Upload(ctx, strings.NewReader(name+"\n"), "/etc/hostname", conn.FileOpts{Mode: 0o644, Become: t.Become}); err != nil {
			return fmt.Errorf("hostname: %w", err)
		}
		res, err := t.Run(ctx, &conn.Cmd{Args: []string{"hostname", name}})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("hostname %s: %s", name, bytes.TrimSpace(res.Stderr))
		}
		return nil
	}
	return plan, nil
}

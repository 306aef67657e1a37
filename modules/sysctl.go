package modules

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
)

func init() { Define("sysctl", sysctlDoc, sysctlPlan) }

type sysctlParams struct {
	Name         string `yaml:"name" alias:"key" required:"true" doc:"the kernel parameter, dotted (net.ipv4.ip_forward) or slashed"`
	Value        string `yaml:"value" alias:"val" doc:"the value; required when state is present"`
	State        string `yaml:"state" default:"present" choices:"present,absent"`
	SysctlFile   string `yaml:"sysctl_file" default:"/etc/sysctl.conf" doc:"the file that persists the setting"`
	Reload       bool   `yaml:"reload" default:"true" doc:"also set the live value (sysctl -w) when it differs"`
	SysctlSet    bool   `yaml:"sysctl_set" doc:"set the live value even when reload is false"`
	IgnoreErrors bool   `yaml:"ignoreerrors" doc:"a key that is unknown or read-only (containers) is not an error"`
}

const sysctlDoc = `Sets a kernel parameter: a KEY=VALUE line in sysctl_file (other
lines of the key are removed) and, with reload or sysctl_set, the live value
(read from /proc/sys, set with sysctl -w only when it differs). Values are
compared with whitespace normalised. state=absent removes the key's lines and
leaves the live value alone. Keys that are read-only where hapb runs (most of
/proc/sys in a container) fail unless ignoreerrors is set.`

// sysctlScript prints the live value, whether it is writable, and the file.
var sysctlScript = remote.Script(`if [ -r "$1" ]; then s live; cat -- "$1"; [ -w "$1" ] && { s writable; echo yes; }; fi
if [ -e "$2" ]; then s file; cat -- "$2"; fi`)

func sysctlPlan(ctx context.Context, t *Task, params *sysctlParams) (*Plan, error) {
	key := strings.TrimSpace(params.Name)
	// A leading "-" would make sysctl -w take the key for an option.
	if key == "" || key[0] == '-' || strings.Contains(key, "..") || strings.ContainsAny(key, " \t\n=") {
		return nil, fmt.Errorf("sysctl: invalid key %q", params.Name)
	}
	if params.State == "present" && params.Value == "" {
		return nil, fmt.Errorf("sysctl: value is required when state is present")
	}
	want := sysctlNorm(params.Value)
	res, err := t.Run(ctx, &conn.Cmd{Script: "sh -c " + conn.Quote(sysctlScript) + " sysctl " + conn.QuoteArgs([]string{sysctlProcPath(key), params.SysctlFile})})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("sysctl: reading %s: %s", key, bytes.TrimSpace(res.Stderr))
	}
	sec := remote.Parse(res.Stdout)
	before, exists := sec["file"]
	if f, ok := t.Effects.Planned(PathEffect, params.SysctlFile); ok {
		// An earlier task plans the file (check mode): edit what it
		// would leave.
		if f.State == "file" && !f.ContentKnown {
			return unknownPlan("the content of "+params.SysctlFile+" is known once an earlier task has written it", nil), nil
		}
		before, exists = string(f.Content), f.State == "file"
	}
	after := sysctlEdit(before, key, params.Value, params.State == "present")

	plan := &Plan{Result: Result{Data: map[string]any{"name": key, "value": want, "sysctl_file": params.SysctlFile}}}
	var msgs []string
	writeFile := after != before || (!exists && params.State == "present")
	if writeFile {
		msgs = append(msgs, "updated "+params.SysctlFile)
		if t.Diff {
			plan.Diffs = append(plan.Diffs, Diff{Path: params.SysctlFile, Before: before, After: after})
		}
	}
	setLive := false
	if params.State == "present" && (params.Reload || params.SysctlSet) {
		live, readable := sec["live"]
		if !readable {
			// Check mode, after a planned module load or package: the
			// key may exist by the time this task runs.
			if why := mayMake(t.Effects, sysctlProcPath(key)); why != "" {
				return unknownPlan(why, plan.Data, sysctlFileEffects(writeFile, params.SysctlFile, after)...), nil
			}
		}
		live = sysctlNorm(live)
		plan.Data["live_value"] = live
		msg, set, err := sysctlLive(params, key, live, want, readable, sec["writable"] != "")
		if err != nil {
			return nil, err
		}
		if msg != "" {
			msgs = append(msgs, msg)
		}
		setLive = set
	}
	plan.Msg = strings.Join(msgs, "; ")
	if !writeFile && !setLive {
		return plan, nil
	}
	plan.Changed = true
	plan.Effects = sysctlFileEffects(writeFile, params.SysctlFile, after)
	plan.Apply = func(ctx context.Context, r *Result) error {
		return sysctlApply(ctx, t, params, key, after, writeFile, setLive, r)
	}
	return plan, nil
}

// sysctlFileEffects is what writing file (when write) does, for later
// tasks in check mode.
func sysctlFileEffects(write bool, file, content string) []Effect {
	if !write {
		return nil
	}
	return []Effect{{Kind: PathEffect, Name: file, State: "file", Content: []byte(content), ContentKnown: true}}
}

// sysctlProcPath maps a key to its /proc/sys file. In the dotted form dots
// separate directories; the slashed form keeps dots (eth0.100).
func sysctlProcPath(key string) string {
	if strings.Contains(key, "/") {
		return "/proc/sys/" + strings.TrimPrefix(key, "/")
	}
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
}

func sysctlNorm(v string) string { return strings.Join(strings.Fields(v), " ") }

// sysctlKeyOf returns the key a KEY=VALUE line sets, or "" for comments.
func sysctlKeyOf(line string) (key, value string) {
	l := strings.TrimSpace(line)
	if l == "" || l[0] == '#' || l[0] == ';' {
		return "", ""
	}
	k, v, ok := strings.Cut(strings.TrimPrefix(l, "-"), "=")
	if !ok {
		return "", ""
	}
	return strings.ReplaceAll(strings.TrimSpace(k), "/", "."), strings.TrimSpace(v)
}

// sysctlEdit returns content with key set to value (present) or removed.
// The first line of the key is kept if it already says value, so a file
// someone formatted by hand is left alone.
func sysctlEdit(content, key, value string, present bool) string {
	norm := strings.ReplaceAll(key, "/", ".")
	var lines []string
	if content != "" {
		lines = strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	}
	var out []string
	done, touched := false, false
	for _, l := range lines {
		k, v := sysctlKeyOf(l)
		if k != norm {
			out = append(out, l)
			continue
		}
		if !present || done {
			touched = true
			continue
		}
		done = true
		if sysctlNorm(v) == sysctlNorm(value) {
			out = append(out, l)
		} else {
			touched = true
			out = append(out, key+"="+value)
		}
	}
	if present && !done {
		touched = true
		out = append(out, key+"="+value)
	}
	if !touched {
		return content
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// sysctlLive decides about the live value: set it, or say why not (a
// missing or read-only key fails unless ignoreerrors).
func sysctlLive(params *sysctlParams, key, live, want string, readable, writable bool) (msg string, set bool, err error) {
	switch {
	case !readable && params.IgnoreErrors:
		return "warning: " + key + " does not exist, live value not set", false, nil
	case !readable:
		return "", false, fmt.Errorf("sysctl: %s does not exist on this host (%s)", key, sysctlProcPath(key))
	case live == want:
		return "", false, nil
	case !writable && params.IgnoreErrors:
		return fmt.Sprintf("warning: %s is read-only here, live value stays %q", key, live), false, nil
	case !writable:
		return "", false, fmt.Errorf("sysctl: %s is read-only on this host (live %q, want %q); set ignoreerrors to accept", key, live, want)
	}
	return fmt.Sprintf("live %s: %q -> %q", key, live, want), true, nil
}

// sysctlApply writes the file (when writeFile) and sets the live value
// (when setLive).
func sysctlApply(ctx context.Context, t *Task, params *sysctlParams, key, after string, writeFile, setLive bool, r *Result) error {
	if writeFile {
		if err := t.Conn.Upload(ctx, strings.NewReader(after), params.SysctlFile, conn.FileOpts{Mode: 0o644, Become: t.Become}); err != nil {
			return fmt.Errorf("sysctl: %w", err)
		}
	}
	if !setLive {
		return nil
	}
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"sysctl", "-w", key + "=" + params.Value}})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		if !params.IgnoreErrors {
			return fmt.Errorf("sysctl: setting %s failed: %s", key, bytes.TrimSpace(res.Stderr))
		}
		r.Msg += fmt.Sprintf("; warning: setting %s failed (ignored): %s", key, bytes.TrimSpace(res.Stderr))
	}
	return nil
}

package modules

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/hapb/hapb/engine/conn"
)

func init() { Define("file", fileDoc, planFile) }

type fileParams struct {
	Path    string      `yaml:"path" alias:"dest,name" required:"true" doc:"the path to manage"`
	State   string      `yaml:"state" choices:"file,directory,link,hard,touch,absent" doc:"what path should be; default: what it is now, or file"`
	Src     string      `yaml:"src" doc:"link target (state=link: relative to the link's directory; state=hard: must exist)"`
	Mode    FileMode    `yaml:"mode" doc:"mode: \"0644\" or symbolic \"u=rw,g=r,o=r\""`
	Owner   accountName `yaml:"owner" doc:"owner name or uid"`
	Group   accountName `yaml:"group" doc:"group name or gid"`
	Recurse bool        `yaml:"recurse" doc:"state=directory: set mode, owner and group on everything below too"`
	Force   bool        `yaml:"force" doc:"state=link/hard: replace an existing file (or empty directory), and allow links to missing targets"`
	Follow  bool        `yaml:"follow" default:"true" doc:"when path is a link, set attributes of its target (states file, directory, touch)"`
	MTime   string      `yaml:"modification_time" choices:"now,preserve" doc:"state=touch: now (default) or preserve"`
	ATime   string      `yaml:"access_time" choices:"now,preserve" doc:"state=touch: now (default) or preserve"`
}

const fileDoc = "Manages a path's type (file, directory, link, hard link, absent) and its mode, owner and group."

func planFile(ctx context.Context, t *Task, p *fileParams) (*Plan, error) {
	attrs := fileAttrs{Mode: p.Mode, Owner: string(p.Owner), Group: string(p.Group)}
	if p.Mode.Preserve() {
		return nil, fmt.Errorf("file: mode=preserve is only for copy and template")
	}
	follow := p.Follow && p.State != "link" && p.State != "hard" && p.State != "absent"
	opts := probeOpts{Follow: follow}
	switch p.State {
	case "link":
		if p.Src == "" {
			return nil, fmt.Errorf("file: state=link needs src")
		}
		opts.Other = p.Src
		if !path.IsAbs(p.Src) {
			opts.Other = path.Join(path.Dir(p.Path), p.Src)
		}
	case "hard":
		if p.Src == "" {
			return nil, fmt.Errorf("file: state=hard needs src")
		}
		opts.Other = p.Src
	}
	info, err := probePath(ctx, t, p.Path, opts)
	if err != nil {
		return nil, err
	}
	state := p.State
	if state == "" {
		switch {
		case p.Recurse:
			state = "directory"
		case info.Exists && (info.Type == "directory" || info.Type == "link"):
			state = info.Type
		default:
			state = "file"
		}
	}
	fp := &filePlan{t: t, p: p, info: info, attrs: attrs, state: state}
	if info.Unknown != "" && !info.Exists && state != "touch" {
		return unknownPlan(info.Unknown, map[string]any{"path": p.Path, "state": state}, fp.effect()), nil
	}
	plan, err := fp.plan(ctx)
	if err != nil {
		return plan, err
	}
	if plan.Changed {
		plan.Effects = []Effect{fp.effect()}
	}
	plan.Data = map[string]any{"path": p.Path, "state": state}
	if info.Exists && state != "absent" {
		mode := info.Mode
		if fp.change != nil && fp.change.SetMode {
			mode = fp.change.Mode
		}
		plan.Data["mode"] = fmt.Sprintf("%04o", mode)
		plan.Data["owner"], plan.Data["group"] = info.Owner, info.Group
		plan.Data["uid"], plan.Data["gid"] = info.UID, info.GID
	}
	if plan.Changed && t.Diff {
		plan.Diffs = []Diff{{Path: p.Path, Before: fp.describe(true), After: fp.describe(false)}}
	}
	return plan, nil
}

// filePlan holds what one plan of the file module found.
type filePlan struct {
	t      *Task
	p      *fileParams
	info   *pathInfo
	attrs  fileAttrs
	state  string
	change *attrChange // attributes of an existing path
	create bool        // the path is (re)created
}

func (fp *filePlan) fail(format string, a ...any) (*Plan, error) {
	return nil, Fail(Result{Msg: fmt.Sprintf(format, a...), Data: map[string]any{"path": fp.p.Path}})
}

func (fp *filePlan) plan(ctx context.Context) (*Plan, error) {
	info, p := fp.info, fp.p
	switch fp.state {
	case "absent":
		if !info.Exists {
			return &Plan{Result: Result{Msg: "path is absent"}}, nil
		}
		if path.Clean(p.Path) == "/" {
			return fp.fail("refusing to remove /")
		}
		return fp.changed("removed "+info.Type, "rm -rf -- "+conn.Quote(p.Path))
	case "file":
		if !info.Exists {
			return fp.fail("file (%s) is absent, cannot continue", p.Path)
		}
		if info.Type == "directory" {
			return fp.fail("%s is a directory, not a file", p.Path)
		}
		return fp.attrsOnly()
	case "directory":
		if !info.Exists {
			fp.create = true
			return fp.changed("directory created", fp.mkdirScript())
		}
		if info.Type != "directory" {
			return fp.fail("%s already exists as a %s", p.Path, info.Type)
		}
		if p.Recurse {
			return fp.recurse(ctx)
		}
		return fp.attrsOnly()
	case "link":
		if info.Exists && info.Type == "link" && info.LinkTarget == p.Src {
			return fp.attrsOnly()
		}
		if !info.OtherExists && !p.Force {
			return fp.fail("src file does not exist, use force=yes if you really want to create the link: %s", p.Src)
		}
		if info.Exists && info.Type != "link" && !p.Force {
			return fp.fail("refusing to convert from %s to symlink for %s (force=yes replaces it)", info.Type, p.Path)
		}
		fp.create = true
		script := `if [ -d "$2" ] && [ ! -L "$2" ]; then rmdir -- "$2" || exit 1; fi; ln -sfn -- "$1" "$2"`
		return fp.changed("link created", conn.QuoteArgs([]string{"sh", "-c", script, "hapb-ln", p.Src, p.Path})+fp.newAttrs(true))
	case "hard":
		if !info.OtherExists {
			return fp.fail("src does not exist: %s", p.Src)
		}
		if info.Exists && info.SameFile {
			return fp.attrsOnly()
		}
		if info.Exists && !p.Force {
			return fp.fail("cannot link, a %s exists at %s (force=yes replaces it)", info.Type, p.Path)
		}
		fp.create = true
		return fp.changed("hard link created", conn.QuoteArgs([]string{"ln", "-f", "--", p.Src, p.Path})+fp.newAttrs(false))
	case "touch":
		return fp.touch()
	}
	return nil, fmt.Errorf("file: unknown state %q", fp.state)
}

// touch creates a missing file or updates the times of an existing one.
func (fp *filePlan) touch() (*Plan, error) {
	info, p := fp.info, fp.p
	if !info.Exists {
		fp.create = true
		return fp.changed("file created", conn.QuoteArgs([]string{"touch", "--", p.Path})+fp.newAttrs(false))
	}
	fp.change = fp.attrs.planAttrs(info, !p.Follow)
	var cmds, msgs []string
	if p.MTime != "preserve" || p.ATime != "preserve" {
		msgs = append(msgs, "times updated")
	}
	switch {
	case p.MTime == "preserve" && p.ATime == "preserve":
	case p.MTime == "preserve":
		cmds = append(cmds, conn.QuoteArgs([]string{"touch", "-a", "--", p.Path}))
	case p.ATime == "preserve":
		cmds = append(cmds, conn.QuoteArgs([]string{"touch", "-m", "--", p.Path}))
	default:
		cmds = append(cmds, conn.QuoteArgs([]string{"touch", "--", p.Path}))
	}
	if fp.change != nil {
		cmds = append(cmds, fp.change.shell())
		msgs = append(msgs, fp.change.msg())
	}
	if len(cmds) == 0 {
		return &Plan{Result: Result{}}, nil
	}
	return fp.changed(strings.Join(msgs, ", "), strings.Join(cmds, " && "))
}

// effect is what the planned change leaves at the path, for later tasks
// in check mode.
func (fp *filePlan) effect() Effect {
	f := Effect{Kind: PathEffect, Name: fp.info.Path, State: fp.state, Owner: fp.attrs.Owner, Group: fp.attrs.Group}
	switch fp.state {
	case "absent":
		return f
	case "touch":
		if !fp.info.Exists {
			f.State, f.ContentKnown = "file", true // an empty file
			break
		}
		f = attrsEffect(fp.info, fp.attrs)
	case "link":
		f.Target = fp.p.Src
	case "hard":
		f.State = "file" // the source's content, unknown here
	default:
		if fp.info.Exists && fp.info.Type == fp.state {
			f = attrsEffect(fp.info, fp.attrs)
		}
	}
	if m := fp.attrs.Mode; m.IsSet() && !fp.info.Exists && f.State != "link" {
		base := uint32(0o644)
		if f.State == "directory" {
			base = 0o755
		}
		f.Mode, f.ModeKnown = m.Apply(base, f.State == "directory"), true
	}
	return f
}

// attrsOnly plans the attributes of an existing path of the right type.
func (fp *filePlan) attrsOnly() (*Plan, error) {
	noDeref := !fp.p.Follow || fp.state == "link"
	fp.change = fp.attrs.planAttrs(fp.info, noDeref)
	if fp.change == nil {
		return &Plan{Result: Result{}}, nil
	}
	return fp.changed(fp.change.msg(), fp.change.shell())
}

// changed is a plan that runs script.
func (fp *filePlan) changed(msg, script string) (*Plan, error) {
	return &Plan{Result: Result{Changed: true, Msg: msg}, Apply: func(ctx context.Context, r *Result) error {
		res, err := fp.t.Run(ctx, &conn.Cmd{Script: script})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			r.Msg = fmt.Sprintf("%s: %s", fp.p.Path, strings.TrimSpace(string(res.Stderr)))
			return Fail(*r)
		}
		return nil
	}}, nil
}

// newAttrs is the shell to give a just-made path the wanted attributes.
func (fp *filePlan) newAttrs(link bool) string {
	c := &attrChange{Path: fp.p.Path, Owner: fp.attrs.Owner, Group: fp.attrs.Group, NoDeref: link}
	if m := fp.attrs.Mode; m.IsSet() && !link {
		c.Mode, c.SetMode = m.Apply(0o644, false), true
	}
	if s := c.shell(); s != "" {
		return " && " + s
	}
	return ""
}

// mkdirScript creates the missing directories one by one, giving each new
// one the wanted attributes, as Ansible does. Between the test and the
// mkdir another host on the same machine (connection local, delegate_to
// localhost) may make the same parent: mkdir -p takes a directory that
// exists by then as made (Ansible's EEXIST-and-isdir), and still fails on
// a file in the way.
func (fp *filePlan) mkdirScript() string {
	var cmds []string
	clean := path.Clean(fp.p.Path)
	for _, d := range append(fileParentDirs(clean), clean) {
		c := &attrChange{Path: d, Owner: fp.attrs.Owner, Group: fp.attrs.Group}
		if fp.attrs.Mode.IsSet() {
			c.Mode, c.SetMode = fp.attrs.Mode.Apply(0o755, true), true
		}
		mk := conn.QuoteArgs([]string{"mkdir", "-p", "--", d})
		if s := c.shell(); s != "" {
			mk += " && " + s
		}
		cmds = append(cmds, fmt.Sprintf("if [ ! -d %s ]; then %s || exit 1; fi", conn.Quote(d), mk))
	}
	return strings.Join(cmds, "\n")
}

// recurse checks everything below a directory with one find, listing the
// distinct (type, mode, owner, group) combinations only.
func (fp *filePlan) recurse(ctx context.Context) (*Plan, error) {
	res, err := fileRunScript(ctx, fp.t, "find", fp.p.Path, `find "$1" -printf '%y %m %U %G %u %g\n' | sort -u`, fp.p.Path)
	if err != nil {
		return nil, err
	}
	var desc []string
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 {
			continue
		}
		mode, _ := strconv.ParseUint(f[1], 8, 32)
		uid, _ := strconv.Atoi(f[2])
		gid, _ := strconv.Atoi(f[3])
		typ := map[string]string{"d": "directory", "l": "link", "f": "file"}[f[0]]
		info := &pathInfo{Type: typ, Mode: uint32(mode), UID: uid, GID: gid, Owner: f[4], Group: f[5]}
		if c := fp.attrs.planAttrs(info, true); c != nil {
			desc = append(desc, c.Desc...)
		}
	}
	if len(desc) == 0 {
		return &Plan{Result: Result{}}, nil
	}
	var cmds []string
	if fp.attrs.Owner != "" || fp.attrs.Group != "" {
		spec := fp.attrs.Owner
		if fp.attrs.Group != "" {
			spec += ":" + fp.attrs.Group
		}
		cmds = append(cmds, conn.QuoteArgs([]string{"chown", "-R", "--", spec, fp.p.Path}))
	}
	if fp.attrs.Mode.IsSet() {
		cmds = append(cmds, conn.QuoteArgs([]string{"chmod", "-R", fp.attrs.Mode.ChmodArg(), "--", fp.p.Path}))
	}
	fp.change = &attrChange{Desc: fileDedupe(desc)}
	return fp.changed("recursively: "+strings.Join(fileDedupe(desc), ", "), strings.Join(cmds, " && "))
}

func fileDedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range s {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// describe renders the path's state before or after, for --diff.
func (fp *filePlan) describe(before bool) string {
	info := fp.info
	var b strings.Builder
	fmt.Fprintf(&b, "path: %s\n", fp.p.Path)
	if before {
		if !info.Exists {
			b.WriteString("state: absent\n")
			return b.String()
		}
		fmt.Fprintf(&b, "state: %s\n", info.Type)
		if info.Type == "link" {
			fmt.Fprintf(&b, "src: %s\n", info.LinkTarget)
		}
		fmt.Fprintf(&b, "mode: %04o\nowner: %s\ngroup: %s\n", info.Mode, info.Owner, info.Group)
		return b.String()
	}
	fmt.Fprintf(&b, "state: %s\n", fp.state)
	if fp.state == "absent" {
		return b.String()
	}
	if fp.state == "link" {
		fmt.Fprintf(&b, "src: %s\n", fp.p.Src)
	}
	mode, owner, group := info.Mode, info.Owner, info.Group
	if fp.create || !info.Exists {
		mode, owner, group = fp.attrs.Mode.Apply(0o644, fp.state == "directory"), fp.attrs.Owner, fp.attrs.Group
		if fp.state == "directory" {
			mode = fp.attrs.Mode.Apply(0o755, true)
		}
	}
	if c := fp.change; c != nil && c.Path != "" {
		if c.SetMode {
			mode = c.Mode
		}
		if c.Owner != "" {
			owner = c.Owner
		}
		if c.Group != "" {
			group = c.Group
		}
	}
	fmt.Fprintf(&b, "mode: %04o\nowner: %s\ngroup: %s\n", mode, owner, group)
	return b.String()
}

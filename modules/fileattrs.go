package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hapb/hapb/engine/conn"
)

// fileAttrs are the attributes a module wants a path to have (the mode,
// owner and group parameters of file, copy, template, lineinfile, ...).
// Zero fields leave the attribute alone.
type fileAttrs struct {
	Mode  FileMode
	Owner string
	Group string
}

// attrChange is what it takes to give an existing path its attributes.
type attrChange struct {
	Path    string
	Mode    uint32 // when SetMode
	SetMode bool
	Owner   string // "" leaves it
	Group   string
	NoDeref bool     // the path is a link: change the link itself
	Desc    []string // "mode 0600 -> 0644", one a change
}

// planAttrs compares info (an existing path) with a; nil means nothing to
// change. Links have no mode of their own on Linux, so a link's mode is
// left alone when noDeref.
func (a fileAttrs) planAttrs(info *pathInfo, noDeref bool) *attrChange {
	c := &attrChange{Path: info.Path, NoDeref: noDeref && info.Type == "link"}
	if a.Mode.IsSet() && !a.Mode.Preserve() && !c.NoDeref {
		if m := a.Mode.Apply(info.Mode, info.Type == "directory"); m != info.Mode {
			c.Mode, c.SetMode = m, true
			c.Desc = append(c.Desc, fmt.Sprintf("mode %04o -> %04o", info.Mode, m))
		}
	}
	if a.Owner != "" && !ownerMatches(a.Owner, info.Owner, info.UID) {
		c.Owner = a.Owner
		c.Desc = append(c.Desc, fmt.Sprintf("owner %s -> %s", info.Owner, a.Owner))
	}
	if a.Group != "" && !ownerMatches(a.Group, info.Group, info.GID) {
		c.Group = a.Group
		c.Desc = append(c.Desc, fmt.Sprintf("group %s -> %s", info.Group, a.Group))
	}
	if len(c.Desc) == 0 {
		return nil
	}
	return c
}

// shell returns the quoted command line that makes the change; callers may
// chain it into a larger script.
func (c *attrChange) shell() string {
	var cmds []string
	if c.Owner != "" || c.Group != "" {
		spec := c.Owner
		if c.Group != "" {
			spec += ":" + c.Group
		}
		args := []string{"chown"}
		if c.NoDeref {
			args = append(args, "-h")
		}
		// "--" before the spec: chown takes options until then.
		cmds = append(cmds, conn.QuoteArgs(append(args, "--", spec, c.Path)))
	}
	// chmod after chown: chown clears setuid/setgid bits.
	if c.SetMode {
		cmds = append(cmds, conn.QuoteArgs([]string{"chmod", fmt.Sprintf("%04o", c.Mode), "--", c.Path}))
	}
	return strings.Join(cmds, " && ")
}

// apply makes the change on the host.
func (c *attrChange) apply(ctx context.Context, t *Task) error {
	res, err := t.Run(ctx, &conn.Cmd{Script: c.shell()})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return &pathError{Op: "chmod/chown", Path: c.Path, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
	}
	return nil
}

// msg is the change as one line for Result.Msg.
func (c *attrChange) msg() string {
	if c == nil {
		return ""
	}
	return strings.Join(c.Desc, ", ")
}

// uploadOpts are the attributes for writing new content to info.Path.
// Replacing a file must not change what the module was not asked to change,
// so an existing file keeps its mode, owner and group (as Ansible's atomic
// move does); a new file gets 0644 unless a mode is given. srcMode is the
// source's mode, for mode=preserve.
func (a fileAttrs) uploadOpts(t *Task, info *pathInfo, srcMode uint32) conn.FileOpts {
	base := uint32(0o644)
	if info.Exists && info.Type == "file" {
		base = info.Mode
	}
	mode := a.Mode.Apply(base, false)
	if a.Mode.Preserve() {
		mode = srcMode
	}
	opts := conn.FileOpts{Mode: unixToFSMode(mode), Owner: a.Owner, Group: a.Group, Become: t.Become}
	if info.Exists && info.Type == "file" {
		// Keep the owner and group, but skip the chown in the common case
		// of a root:root file written as root.
		writer := t.Become.User
		if writer == "" || info.Owner != writer || info.Group != writer {
			if opts.Owner == "" {
				opts.Owner = strconv.Itoa(info.UID)
			}
			if opts.Group == "" {
				opts.Group = strconv.Itoa(info.GID)
			}
		}
	}
	return opts
}

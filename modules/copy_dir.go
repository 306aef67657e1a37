package modules

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hapb/hapb/engine/conn"
)

// copyDirProbe reads, for each path on stdin, "F sha256 mode uid gid user
// group" for a regular file, "D mode uid gid user group" for a directory,
// "O" for something else, or "-" when absent: one line each.
const copyDirProbe = `while IFS= read -r f; do
if [ -L "$f" ]; then echo O
elif [ -f "$f" ]; then set -- $(sha256sum < "$f"); printf 'F %s ' "$1"; stat -c '%a %u %g %U %G' -- "$f" || exit 2
elif [ -d "$f" ]; then printf 'D '; stat -c '%a %u %g %U %G' -- "$f" || exit 2
elif [ -e "$f" ]; then echo O
else echo -; fi
done`

// copyDirEntry is one file or directory of a directory copy.
type copyDirEntry struct {
	local, dest string
	dir         bool
	content     []byte
	mode        uint32    // the local file's mode, for mode=preserve
	info        *pathInfo // the file on the host, when it exists
}

// planCopyDir copies a controller directory recursively, as Ansible does:
// "src/" copies the directory's content into dest, "src" the directory
// itself. The whole tree is checked with one remote command.
func planCopyDir(ctx context.Context, t *Task, p *copyParams, local string, attrs fileAttrs, dirMode FileMode) (*Plan, error) {
	root := p.Dest
	if !strings.HasSuffix(p.Src, "/") {
		root = path.Join(p.Dest, filepath.Base(local))
	}
	entries, err := copyDirWalk(local, root)
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	var list strings.Builder
	for _, e := range entries {
		list.WriteString(e.dest + "\n")
	}
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"sh", "-c", copyDirProbe, "hapb-copydir"}, Stdin: strings.NewReader(list.String())})
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(res.Stdout), "\n"), "\n")
	if res.ExitCode != 0 || len(lines) != len(entries) {
		return nil, &pathError{Op: "stat", Path: root, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
	}
	plan := &Plan{Result: Result{Data: map[string]any{"dest": root, "src": local}}}
	ch := &copyDirChange{root: root, attrs: attrs, dirMode: dirMode}
	for i, e := range entries {
		msg, err := ch.entry(e, lines[i], p.Force)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			plan.Msg = msg
			return nil, Fail(plan.Result)
		}
	}
	if len(ch.msgs) == 0 {
		return plan, nil
	}
	sort.Strings(ch.msgs)
	plan.Changed, plan.Msg = true, strings.Join(ch.msgs, "; ")
	if t.Diff {
		for _, e := range ch.uploads {
			plan.Diffs = append(plan.Diffs, Diff{Path: e.dest, After: diffText(e.content, true, int64(len(e.content)))})
		}
	}
	plan.Effects = ch.effects()
	plan.Apply = func(ctx context.Context, r *Result) error { return ch.apply(ctx, t) }
	return plan, nil
}

// copyDirWalk lists the local tree as it lands under root on the host.
func copyDirWalk(local, root string) ([]copyDirEntry, error) {
	entries := []copyDirEntry{{local: local, dest: root, dir: true}}
	err := filepath.WalkDir(local, func(lp string, d fs.DirEntry, err error) error {
		if err != nil || lp == local {
			return err
		}
		rel, _ := filepath.Rel(local, lp)
		e := copyDirEntry{local: lp, dest: path.Join(root, filepath.ToSlash(rel)), dir: d.IsDir()}
		if strings.ContainsAny(e.dest, "\n") {
			return fmt.Errorf("copy: %q: file names with newlines are not supported", lp)
		}
		if !e.dir {
			fi, err := os.Stat(lp)
			if err != nil || !fi.Mode().IsRegular() {
				return err // skip sockets and the like silently, as Ansible does
			}
			e.mode = fsModeToUnix(fi.Mode())
			if e.content, err = os.ReadFile(lp); err != nil {
				return err
			}
		}
		entries = append(entries, e)
		return nil
	})
	return entries, err
}

// copyDirChange is what copying a tree would do.
type copyDirChange struct {
	root            string
	attrs           fileAttrs
	dirMode         FileMode
	mkdirs, uploads []copyDirEntry
	fixes           []*attrChange
	msgs            []string
}

// entry plans one entry from its probe line; a non-empty result is the
// task's failure.
func (ch *copyDirChange) entry(e copyDirEntry, line string, force bool) (string, error) {
	f := strings.Fields(line)
	switch {
	case f[0] == "O" || (f[0] == "F") == e.dir && f[0] != "-":
		return fmt.Sprintf("%s exists and is not a %s", e.dest, map[bool]string{true: "directory", false: "file"}[e.dir]), nil
	case f[0] == "-" && e.dir:
		ch.mkdirs = append(ch.mkdirs, e)
		ch.msgs = append(ch.msgs, "created "+e.dest+"/")
		return "", nil
	case f[0] == "-":
		ch.uploads = append(ch.uploads, e)
		ch.msgs = append(ch.msgs, "created "+e.dest)
		return "", nil
	case len(f) < 6:
		return "", fmt.Errorf("copy: stat %s: unexpected %q", e.dest, line)
	}
	info := &pathInfo{Path: e.dest, Exists: true, Type: "file", Owner: f[len(f)-2], Group: f[len(f)-1]}
	m, _ := strconv.ParseUint(f[len(f)-5], 8, 32)
	info.Mode = uint32(m)
	info.UID, _ = strconv.Atoi(f[len(f)-4])
	info.GID, _ = strconv.Atoi(f[len(f)-3])
	a := ch.attrs
	if e.dir {
		info.Type, a.Mode = "directory", ch.dirMode
	} else if f[1] != sha256Hex(e.content) {
		if force {
			e.info = info
			ch.uploads = append(ch.uploads, e)
			ch.msgs = append(ch.msgs, "changed "+e.dest)
		}
		return "", nil
	}
	if c := a.planAttrs(info, false); c != nil {
		ch.fixes = append(ch.fixes, c)
		ch.msgs = append(ch.msgs, e.dest+": "+c.msg())
	}
	return "", nil
}

// effects are the directories and files the copy makes, for check mode.
func (ch *copyDirChange) effects() []Effect {
	var effs []Effect
	for _, e := range ch.mkdirs {
		effs = append(effs, Effect{Kind: PathEffect, Name: e.dest, State: "directory"})
	}
	for _, e := range ch.uploads {
		effs = append(effs, Effect{Kind: PathEffect, Name: e.dest, State: "file", Content: e.content, ContentKnown: true})
	}
	return effs
}

// apply makes the directories and fixes attributes in one command, then
// uploads the files.
func (ch *copyDirChange) apply(ctx context.Context, t *Task) error {
	var script []string
	for _, e := range ch.mkdirs {
		c := &attrChange{Path: e.dest, Owner: ch.attrs.Owner, Group: ch.attrs.Group}
		if ch.dirMode.IsSet() {
			c.Mode, c.SetMode = ch.dirMode.Apply(0o755, true), true
		}
		script = append(script, conn.QuoteArgs([]string{"mkdir", "-p", "--", e.dest}))
		if s := c.shell(); s != "" {
			script = append(script, s)
		}
	}
	for _, c := range ch.fixes {
		script = append(script, c.shell())
	}
	if len(script) > 0 {
		res, err := t.Run(ctx, &conn.Cmd{Script: strings.Join(script, " && ")})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return &pathError{Op: "mkdir", Path: ch.root, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
		}
	}
	for _, e := range ch.uploads {
		info := e.info
		if info == nil {
			info = &pathInfo{Path: e.dest}
		}
		if err := t.Conn.Upload(ctx, bytes.NewReader(e.content), e.dest, ch.attrs.uploadOpts(t, info, e.mode)); err != nil {
			return err
		}
	}
	return nil
}

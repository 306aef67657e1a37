package modules

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hapb/hapb/engine/tmpl"
)

func init() { Define("copy", copyDoc, copyPlan) }

type copyParams struct {
	Src     string `yaml:"src" doc:"a file on the controller; relative paths are looked up in the role's and playbook's files/"`
	Content any    `yaml:"content" doc:"the file's content, instead of src (non-strings are written as JSON)"`
	writeParams
	Remote  bool     `yaml:"remote_src" doc:"src is a file on the host, not on the controller"`
	DirMode FileMode `yaml:"directory_mode" doc:"src is a directory: the mode of the directories copied (mode is for files)"`
}

const copyDoc = "Copies a file from the controller, or given content, to the host; idempotent by sha256 (result: checksum is sha256, not Ansible's sha1)."

func copyPlan(ctx context.Context, t *Task, p *copyParams) (*Plan, error) {
	s := p.spec()
	switch {
	case p.Src != "" && p.Content != nil:
		return nil, errors.New("copy: give src or content, not both")
	case p.Content != nil:
		if p.Mode.Preserve() {
			return nil, errors.New("copy: mode=preserve needs src")
		}
		s.Content = []byte(tmpl.ToString(p.Content))
	case p.Src != "" && p.Remote:
		return planHostCopy(ctx, t, p, s)
	case p.Src != "":
		local, err := t.FindFile("files", p.Src)
		if err != nil {
			return nil, fmt.Errorf("copy: %w", err)
		}
		fi, err := os.Stat(local)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			// Check mode: an earlier task writes (or rewrites: a renewed
			// certificate) the source on the controller, so what this copy
			// ships is known once it has.
			if f, ok := t.Controller.Planned(PathEffect, local); ok && f.State == "file" {
				return unknownPlan(local+" is written on the controller by an earlier task",
					map[string]any{"src": local, "dest": p.Dest}, Effect{Kind: PathEffect, Name: p.Dest, State: "file"}), nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("copy: %w", err)
		}
		if fi.IsDir() {
			return planCopyDir(ctx, t, p, local, s.Attrs, p.DirMode)
		}
		content, err := os.ReadFile(local)
		if err != nil {
			return nil, fmt.Errorf("copy: %w", err)
		}
		return planFromController(ctx, t, s, local, fi, content)
	default:
		return nil, errors.New("copy: give src or content")
	}
	return planFileContent(ctx, t, s)
}

// fsModeToUnix is the inverse of unixToFSMode.
func fsModeToUnix(m os.FileMode) uint32 {
	bits := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		bits |= 0o1000
	}
	return bits
}

// planHostCopy plans remote_src: the source and the destination are
// probed at the same time, so the plan costs one round trip.
func planHostCopy(ctx context.Context, t *Task, p *copyParams, s contentSpec) (*Plan, error) {
	o := probeOpts{Follow: true, Checksum: true}
	if t.Diff {
		o.Content = diffMax
	}
	var src *pathInfo
	var srcErr error
	done := make(chan struct{})
	go func(o probeOpts) {
		defer close(done)
		src, srcErr = probePath(ctx, t, p.Src, o)
	}(o)
	o.Follow, o.IntoDir = false, path.Base(p.Src)
	dest := p.Dest
	if strings.HasSuffix(dest, "/") {
		dest += o.IntoDir
	}
	info, err := probePath(ctx, t, dest, o)
	<-done
	if err != nil {
		return nil, err
	}
	if srcErr != nil {
		return nil, srcErr
	}
	switch {
	case src.Unknown != "":
		return unknownPlan(src.Unknown, map[string]any{"src": p.Src, "dest": dest},
			Effect{Kind: PathEffect, Name: info.Path, State: "file"}), nil
	case !src.Exists:
		msg := "Source " + p.Src + " not found"
		return nil, Fail(Result{Msg: msg, Data: map[string]any{"msg": msg, "src": p.Src}})
	case src.Type != "file":
		return nil, fmt.Errorf("copy: remote src %s is a %s; only files are supported", p.Src, src.Type)
	}
	s.Dest, s.Info, s.Remote, s.Content, s.SrcMode = dest, info, src, src.Content, src.Mode
	plan, err := planFileContent(ctx, t, s)
	if plan != nil && plan.Data != nil {
		plan.Data["src"] = p.Src
	}
	return plan, err
}

// planFromController plans writing content made from a controller file
// (copy's src, template's rendering): a dest ending in / or naming a
// directory gets the file's base name, and mode=preserve its mode.
func planFromController(ctx context.Context, t *Task, s contentSpec, local string, fi os.FileInfo, content []byte) (*Plan, error) {
	s.Content, s.IntoDir, s.SrcMode = content, filepath.Base(local), fsModeToUnix(fi.Mode())
	if strings.HasSuffix(s.Dest, "/") {
		s.Dest += s.IntoDir
	}
	plan, err := planFileContent(ctx, t, s)
	if plan != nil && plan.Data != nil {
		plan.Data["src"] = local
	}
	return plan, err
}

package modules

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/hapb/hapb/engine/conn"
)

// contentSpec is a file whose whole content a module decides (copy,
// template, lineinfile, blockinfile): planFileContent compares it with the
// host's file and plans the upload.
type contentSpec struct {
	Dest     string
	Content  []byte
	IntoDir  string // copy/template: when Dest is a directory, write Dest/IntoDir
	SrcMode  uint32 // the source's mode, for mode=preserve
	Attrs    fileAttrs
	Backup   bool
	Force    bool   // replace a file whose content differs (copy's force=no keeps it)
	Validate string // a command with %s, run on the new file before it replaces Dest
	// Info, when set, is the probe the caller already made (with the file's
	// content); planFileContent then makes none.
	Info *pathInfo
	// Msg overrides the message of a content change ("line added").
	Msg string
	// Remote is set for copy's remote_src: the content is a file on the
	// host, copied there; Content is then only for --diff.
	Remote *pathInfo
}

// writeParams are the parameters of the modules that write a whole file
// (copy, template): where it goes and how it is replaced.
type writeParams struct {
	Dest     string      `yaml:"dest" required:"true" doc:"the path on the host; a directory gets dest/basename(src)"`
	Mode     FileMode    `yaml:"mode" doc:"mode (\"0644\", \"u=rw,g=r,o=r\", or preserve: the source's mode); an existing file keeps its mode when not given"`
	Owner    accountName `yaml:"owner" doc:"owner name or uid"`
	Group    accountName `yaml:"group" doc:"group name or gid"`
	Backup   bool        `yaml:"backup" doc:"keep a timestamped copy of the file it replaces (result: backup_file)"`
	Force    bool        `yaml:"force" default:"true" doc:"replace a file whose content differs; false only creates missing files"`
	Validate string      `yaml:"validate" doc:"command run on the new file (%s is its path) before it replaces dest"`
}

// spec is the content-independent part of a contentSpec.
func (w *writeParams) spec() contentSpec {
	return contentSpec{Dest: w.Dest, Attrs: fileAttrs{Mode: w.Mode, Owner: string(w.Owner), Group: string(w.Group)},
		Backup: w.Backup, Force: w.Force, Validate: w.Validate}
}

// planFileContent plans writing s.Content to s.Dest. It reads the host with
// one command (a checksum, and the content only when --diff wants it).
func planFileContent(ctx context.Context, t *Task, s contentSpec) (*Plan, error) {
	if s.Validate != "" && !strings.Contains(s.Validate, "%s") {
		return nil, fmt.Errorf("validate must contain %%s: %q", s.Validate)
	}
	info, err := s.probe(ctx, t)
	if err != nil {
		return nil, err
	}
	dest := info.Path
	sum, size := sha256Hex(s.Content), int64(len(s.Content))
	afterKnown := true
	if s.Remote != nil {
		sum, size, afterKnown = s.Remote.SHA256, s.Remote.Size, s.Remote.HasContent
	}
	data := map[string]any{"dest": dest, "checksum": sum, "size": size}
	fail := func(format string, a ...any) (*Plan, error) {
		msg := fmt.Sprintf(format, a...)
		data["msg"] = msg
		return nil, Fail(Result{Msg: msg, Data: data})
	}
	effect := s.effect(info, s.Content, afterKnown)
	switch {
	case info.Unknown != "":
		plan := unknownPlan(info.Unknown, data, effect)
		if t.Diff && afterKnown {
			plan.Diffs = []Diff{{Path: dest, After: string(s.Content)}}
		}
		return plan, nil
	case !info.ParentDir:
		return fail("Destination directory %s does not exist", path.Dir(dest))
	case info.Exists && info.Type == "directory":
		return fail("Destination %s is a directory", dest)
	case info.Exists && info.Type == "other":
		return fail("Destination %s is not a regular file", dest)
	}
	isFile := info.Exists && info.Type == "file"
	if isFile && (info.SHA256 == sum || !s.Force) {
		c := s.Attrs.planAttrs(info, false)
		if c == nil {
			return &Plan{Result: Result{Data: data}}, nil
		}
		return &Plan{Result: Result{Changed: true, Msg: c.msg(), Data: data}, Effects: []Effect{attrsEffect(info, s.Attrs)},
			Apply: func(ctx context.Context, r *Result) error { return c.apply(ctx, t) }}, nil
	}
	msg := s.Msg
	if msg == "" {
		msg = "content changed"
		if !isFile {
			msg = "file created"
		}
	}
	plan := &Plan{Result: Result{Changed: true, Msg: msg, Data: data}, Effects: []Effect{effect}}
	if t.Diff {
		before := ""
		if isFile {
			before = diffText(info.Content, info.HasContent, info.Size)
		}
		plan.Diffs = []Diff{{Path: dest, Before: before, After: diffText(s.Content, afterKnown, size)}}
	}
	opts := s.Attrs.uploadOpts(t, info, s.SrcMode)
	backup := s.Backup && isFile
	plan.Apply = func(ctx context.Context, r *Result) error { return s.write(ctx, t, dest, opts, backup, r) }
	return plan, nil
}

// probe reads the destination: the probe the caller made, or one that
// reads a checksum (and the content when --diff wants it).
func (s *contentSpec) probe(ctx context.Context, t *Task) (*pathInfo, error) {
	if info := s.Info; info != nil {
		if info.HasContent && info.SHA256 == "" {
			info.SHA256 = sha256Hex(info.Content)
		}
		return info, nil
	}
	o := probeOpts{Checksum: true, IntoDir: s.IntoDir}
	if t.Diff {
		o.Content = diffMax
	}
	return probePath(ctx, t, s.Dest, o)
}

// write is Apply: the content replaces dest, copied on the host for
// remote_src, validated first when asked, after a backup when asked.
func (s *contentSpec) write(ctx context.Context, t *Task, dest string, opts conn.FileOpts, backup bool, r *Result) error {
	if s.Remote != nil {
		return copyOnHost(ctx, t, *s, dest, opts, backup, r)
	}
	if s.Validate != "" {
		return uploadValidated(ctx, t, *s, dest, opts, backup, r)
	}
	if backup {
		b, err := backupFile(ctx, t, dest)
		if err != nil {
			return err
		}
		r.Data["backup_file"] = b
	}
	if err := t.Conn.Upload(ctx, bytes.NewReader(s.Content), dest, opts); err != nil {
		return err
	}
	return contentSpecialBits(ctx, t, dest, opts)
}

// effect is what writing the file does, for later tasks in check mode: a
// file with its content, when known (not a large remote_src), and its mode
// when the task sets it.
func (s *contentSpec) effect(info *pathInfo, content []byte, known bool) Effect {
	f := Effect{Kind: PathEffect, Name: info.Path, State: "file", Content: content, ContentKnown: known,
		Owner: s.Attrs.Owner, Group: s.Attrs.Group}
	if !known && s.Remote != nil {
		f.SHA256 = s.Remote.SHA256
	}
	if s.Attrs.Mode.IsSet() && !s.Attrs.Mode.Preserve() {
		f.Mode, f.ModeKnown = s.Attrs.Mode.Apply(info.Mode, false), true
	}
	return f
}

// contentSpecialBits sets setuid/setgid/sticky, which uploads may drop
// (they chmod before chown, and chown clears them).
func contentSpecialBits(ctx context.Context, t *Task, dest string, opts conn.FileOpts) error {
	m := fsModeToUnix(opts.Mode)
	if m&0o7000 == 0 {
		return nil
	}
	c := &attrChange{Path: dest, Mode: m, SetMode: true}
	return c.apply(ctx, t)
}

// validateScript runs the validation ($1, a shell line) and, when it
// passes, makes the backup (if $4) and moves the new file ($2) over the
// destination ($3); the backup's name is printed.
const validateScript = `if ! sh -c "$1" >&2; then rm -f -- "$2"; exit 99; fi
if [ -n "$4" ]; then b="$3.$$.$4~"; cp -p -- "$3" "$b" || exit 1; printf '%s' "$b"; fi
mv -f -- "$2" "$3"`

// uploadValidated uploads beside dest under a temporary name, validates it
// there and renames it over dest only if validation passes.
func uploadValidated(ctx context.Context, t *Task, s contentSpec, dest string, opts conn.FileOpts, backup bool, r *Result) error {
	tmp := path.Join(path.Dir(dest), ".hapb-validate."+conn.Nonce())
	if err := t.Conn.Upload(ctx, bytes.NewReader(s.Content), tmp, opts); err != nil {
		return err
	}
	if err := contentSpecialBits(ctx, t, tmp, opts); err != nil {
		return err
	}
	stamp := ""
	if backup {
		stamp = backupStamp()
	}
	check := strings.ReplaceAll(s.Validate, "%s", conn.Quote(tmp))
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"sh", "-c", validateScript, "hapb-validate", check, tmp, dest, stamp}})
	return replaceOutcome(res, err, "replace", dest, backup, r)
}

// replaceOutcome reads the exit of validateScript and hostCopyScript: 0
// replaced (stdout: the backup's path), 99 the validation refused the file.
func replaceOutcome(res *conn.Result, err error, op, dest string, backup bool, r *Result) error {
	if err != nil {
		return err
	}
	switch res.ExitCode {
	case 0:
		if backup {
			r.Data["backup_file"] = string(res.Stdout)
		}
		return nil
	case 99:
		r.Msg = "failed to validate: " + strings.TrimSpace(string(res.Stderr))
		r.Data["msg"] = r.Msg
		return Fail(*r)
	}
	return &pathError{Op: op, Path: dest, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
}

// hostCopyScript copies $1 to $2 through a temporary file ($3) beside it:
// owner ($5) and mode ($4) are set, the validation ($6) run and a backup
// (suffix stamp $7) made before the rename.
const hostCopyScript = `s=$1 d=$2 t=$3
trap 'rm -f -- "$t"' EXIT
(umask 077; cat -- "$s" >"$t") || exit 1
if [ -n "$5" ]; then chown -- "$5" "$t" || exit 1; fi
chmod -- "$4" "$t" || exit 1
if [ -n "$6" ] && ! sh -c "$6" >&2; then exit 99; fi
if [ -n "$7" ]; then b="$d.$$.$7~"; cp -p -- "$d" "$b" || exit 1; printf '%s' "$b"; fi
mv -f -- "$t" "$d" && trap - EXIT`

// copyOnHost is Apply for remote_src: one command on the host.
func copyOnHost(ctx context.Context, t *Task, s contentSpec, dest string, opts conn.FileOpts, backup bool, r *Result) error {
	tmp := path.Join(path.Dir(dest), ".hapb-copy."+conn.Nonce())
	owner := opts.Owner
	if opts.Group != "" {
		owner += ":" + opts.Group
	}
	check, stamp := "", ""
	if s.Validate != "" {
		check = strings.ReplaceAll(s.Validate, "%s", conn.Quote(tmp))
	}
	if backup {
		stamp = backupStamp()
	}
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"sh", "-c", hostCopyScript, "hapb-copy",
		s.Remote.Path, dest, tmp, fmt.Sprintf("%04o", fsModeToUnix(opts.Mode)), owner, check, stamp}})
	return replaceOutcome(res, err, "copy", dest, backup, r)
}

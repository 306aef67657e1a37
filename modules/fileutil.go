package modules

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hapb/hapb/engine/conn"
)

// pathInfo is what one probe learns about a path on the host.
type pathInfo struct {
	Path       string // the path described (dest/name when IntoDir applied)
	Exists     bool
	Type       string // "file", "directory", "link" or "other"
	Mode       uint32 // permission bits with setuid/setgid/sticky (07777)
	UID, GID   int
	Owner      string
	Group      string
	Size       int64
	MTime      int64
	Readable   bool
	Writable   bool
	Executable bool
	LinkTarget string // for links (not followed)
	SHA256     string // regular files, when asked
	Content    []byte // regular files up to the cap, when asked
	HasContent bool
	ParentDir  bool // the parent directory exists
	// OtherExists and SameFile answer probeOpts.Other.
	OtherExists bool
	SameFile    bool
}

// probeOpts says what a probe reads besides the stat.
type probeOpts struct {
	Follow   bool   // stat the target of a link
	Checksum bool   // sha256 of a regular file
	Content  int64  // read a regular file's content up to this size; 0: no
	IntoDir  string // if the path is a directory, describe path/IntoDir (copy's dest)
	Other    string // also test whether this path exists and is the same file
}

// probeScript prints, one a line: whether IntoDir applied (or, following a
// link, "R" and the real path), the Other flags,
// whether the parent exists, "absent" or the stat fields, the rwx access
// flags, the checksum; then the content or link target as the rest. GNU
// and busybox stat take -c.
const probeScript = `p=$1 f=$2 m=$4 o=$5 L=
case $f in *L*) L=-L;; esac
if [ -n "$3" ] && [ -d "$p" ]; then p="${p%/}/$3"; d=D; else d=-; fi
if [ -n "$L" ] && [ -L "$p" ] && r=$(readlink -f -- "$p"); then p=$r; echo "R $p"; else echo $d; fi
if [ -n "$o" ]; then e=0 s=0; [ -e "$o" ] && e=1; [ "$p" -ef "$o" ] && s=1; echo "$e$s"; else echo --; fi
if [ -d "$(dirname -- "$p")" ]; then echo 1; else echo 0; fi
if [ -e "$p" ] || { [ -z "$L" ] && [ -L "$p" ]; }; then :; else echo absent; exit 0; fi
st=$(stat $L -c '%f %u %g %U %G %s %Y' -- "$p") || exit 2
echo "$st"
r=0 w=0 x=0; [ -r "$p" ] && r=1; [ -w "$p" ] && w=1; [ -x "$p" ] && x=1; echo "$r$w$x"
if [ -z "$L" ] && [ -L "$p" ]; then echo -; readlink -- "$p"
elif [ -f "$p" ]; then
  case $f in *s*) set -- $(sha256sum < "$p") && [ -n "$1" ] || exit 3; echo "$1";; *) echo -;; esac
  set -- $st
  case $f in *c*) if [ "$6" -le "$m" ]; then cat -- "$p" || exit 4; fi;; esac
else echo -; fi`

// probePath stats p on the host in one command.
func probePath(ctx context.Context, t *Task, p string, o probeOpts) (*pathInfo, error) {
	flags := "-"
	if o.Follow {
		flags += "L"
	}
	if o.Checksum {
		flags += "s"
	}
	if o.Content > 0 {
		flags += "c"
	}
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"sh", "-c", probeScript, "hapb-probe",
		p, flags, o.IntoDir, strconv.FormatInt(o.Content, 10), o.Other}})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, &pathError{Op: "stat", Path: p, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
	}
	return parseProbe(res.Stdout, p, o)
}

// pathError is a failed remote operation on a path.
type pathError struct {
	Op, Path, Msg string
	Code          int
}

func (e *pathError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("%s %s: exit status %d", e.Op, e.Path, e.Code)
	}
	return fmt.Sprintf("%s %s: %s", e.Op, e.Path, e.Msg)
}

func parseProbe(out []byte, p string, o probeOpts) (*pathInfo, error) {
	bad := func() error { return fmt.Errorf("stat %s: unexpected output %q", p, probeTruncate(string(out), 200)) }
	var lines [6]string
	rest := out
	for i := range lines {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return nil, bad()
		}
		lines[i], rest = string(rest[:nl]), rest[nl+1:]
		if i == 3 && lines[i] == "absent" {
			break
		}
	}
	info := &pathInfo{Path: p, ParentDir: lines[2] == "1"}
	switch {
	case lines[0] == "D":
		info.Path = strings.TrimSuffix(p, "/") + "/" + o.IntoDir
	case strings.HasPrefix(lines[0], "R "):
		info.Path = lines[0][2:] // a followed link: edits go to its target
	}
	if len(lines[1]) == 2 && lines[1] != "--" {
		info.OtherExists, info.SameFile = lines[1][0] == '1', lines[1][1] == '1'
	}
	if lines[3] == "absent" {
		return info, nil
	}
	f := strings.Fields(lines[3])
	if len(f) != 7 || len(lines[4]) != 3 {
		return nil, bad()
	}
	raw, err := strconv.ParseUint(f[0], 16, 32)
	if err != nil {
		return nil, bad()
	}
	info.Exists = true
	info.Mode = uint32(raw) & 0o7777
	switch raw & 0o170000 {
	case 0o100000:
		info.Type = "file"
	case 0o040000:
		info.Type = "directory"
	case 0o120000:
		info.Type = "link"
	default:
		info.Type = "other"
	}
	info.UID, _ = strconv.Atoi(f[1])
	info.GID, _ = strconv.Atoi(f[2])
	info.Owner, info.Group = f[3], f[4]
	info.Size, _ = strconv.ParseInt(f[5], 10, 64)
	info.MTime, _ = strconv.ParseInt(f[6], 10, 64)
	info.Readable, info.Writable, info.Executable = lines[4][0] == '1', lines[4][1] == '1', lines[4][2] == '1'
	if lines[5] != "-" {
		info.SHA256 = lines[5]
	}
	switch info.Type {
	case "link":
		info.LinkTarget = strings.TrimSuffix(string(rest), "\n")
	case "file":
		if o.Content > 0 && info.Size <= o.Content {
			info.Content, info.HasContent = rest, true
		}
	}
	return info, nil
}

// ownerMatches reports whether want (a name or a numeric id) is name/id.
func ownerMatches(want, name string, id int) bool {
	if n, err := strconv.Atoi(want); err == nil {
		return n == id
	}
	return want == name
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// diffMax is the largest file whose content is read for --diff.
const diffMax = 1 << 20

// diffText is a file's content as shown by --diff: text as it is, binary or
// large content as a one-line summary.
func diffText(b []byte, known bool, size int64) string {
	switch {
	case !known:
		return fmt.Sprintf("(%d bytes, not shown: too large)\n", size)
	case !diffIsText(b):
		return fmt.Sprintf("(binary, %d bytes, sha256 %s)\n", len(b), sha256Hex(b))
	}
	return string(b)
}

func diffIsText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

func probeTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// backupScript copies $1 to a timestamped name beside it, as Ansible names
// backups (path.PID.YYYY-MM-DD@HH:MM:SS~), and prints that name.
const backupScript = `b="$1.$$.$2~"; cp -p -- "$1" "$b" && printf '%s' "$b"`

func backupStamp() string { return time.Now().Format("2006-01-02@15:04:05") }

// backupFile makes a backup of p on the host and returns its path.
func backupFile(ctx context.Context, t *Task, p string) (string, error) {
	res, err := t.Run(ctx, &conn.Cmd{Args: []string{"sh", "-c", backupScript, "hapb-backup", p, backupStamp()}})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", &pathError{Op: "backup", Path: p, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
	}
	return string(res.Stdout), nil
}

// fileRunScript runs a fixed script with arguments (every one quoted by the
// Conn) and turns a non-zero exit into a *pathError for p.
func fileRunScript(ctx context.Context, t *Task, op, p, script string, args ...string) (*conn.Result, error) {
	argv := append([]string{"sh", "-c", script, "hapb-" + op}, args...)
	res, err := t.Run(ctx, &conn.Cmd{Args: argv})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return res, &pathError{Op: op, Path: p, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
	}
	return res, nil
}

// fileParentDirs lists p's ancestors from the outermost down, for creating
// them one by one.
func fileParentDirs(p string) []string {
	var dirs []string
	for d := path.Dir(p); d != "/" && d != "." && d != ""; d = path.Dir(d) {
		dirs = append([]string{d}, dirs...)
	}
	return dirs
}

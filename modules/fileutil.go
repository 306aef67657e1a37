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
	"github.com/hapb/hapb/modules/remote"
)

// pathInfo and probeOpts are the path probe's, defined with its wire
// format in package remote.
type (
	pathInfo  = remote.PathInfo
	probeOpts = remote.ProbeOpts
)

// probePath stats p on the host in one command. In check mode the
// result includes what earlier tasks plan for p (see withPlanned).
func probePath(ctx context.Context, t *Task, p string, o probeOpts) (*pathInfo, error) {
	res, err := t.Run(ctx, &conn.Cmd{Args: remote.ProbeArgs(p, o)})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, &pathError{Op: "stat", Path: p, Msg: strings.TrimSpace(string(res.Stderr)), Code: res.ExitCode}
	}
	info, err := remote.ParseProbe(res.Stdout, p, o)
	if err != nil {
		return nil, err
	}
	withPlanned(t.Effects, info, o)
	return info, nil
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

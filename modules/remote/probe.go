package remote

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// PathInfo is what one probe learns about a path on the host.
type PathInfo struct {
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
	// OtherExists and SameFile answer ProbeOpts.Other.
	OtherExists bool
	SameFile    bool
	// IntoDir is set when the path was a directory and ProbeOpts.IntoDir
	// was applied; Followed when a link was followed to Path.
	IntoDir, Followed bool
	// Unknown is not on the wire: the caller sets it when the path's
	// state is only known once earlier planned changes are applied, and
	// says why.
	Unknown string
}

// ProbeOpts says what a probe reads besides the stat.
type ProbeOpts struct {
	Follow   bool   // stat the target of a link
	Checksum bool   // sha256 of a regular file
	Content  int64  // read a regular file's content up to this size; 0: no
	IntoDir  string // if the path is a directory, describe path/IntoDir (copy's dest)
	Other    string // also test whether this path exists and is the same file
}

// ProbeName is the $0 of the probe command, which fakes match on.
const ProbeName = "hapb-probe"

// probeScript prints, one a line: whether IntoDir applied (or, following a
// link, "R" and the real path), the Other flags, whether the parent exists,
// "absent" or the stat fields, the rwx access flags, the checksum; then the
// content or link target as the rest. GNU and busybox stat take -c.
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

// ProbeArgs is the argv that probes p.
func ProbeArgs(p string, o ProbeOpts) []string {
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
	return []string{"sh", "-c", probeScript, ProbeName, p, flags, o.IntoDir, strconv.FormatInt(o.Content, 10), o.Other}
}

// ParseProbeArgs is the inverse of ProbeArgs, for fakes; ok is false when
// argv is not a probe.
func ParseProbeArgs(argv []string) (p string, o ProbeOpts, ok bool) {
	if len(argv) != 9 || argv[3] != ProbeName {
		return "", o, false
	}
	flags := argv[5]
	o.Follow, o.Checksum = strings.Contains(flags, "L"), strings.Contains(flags, "s")
	if strings.Contains(flags, "c") {
		o.Content, _ = strconv.ParseInt(argv[7], 10, 64)
	}
	o.IntoDir, o.Other = argv[6], argv[8]
	return argv[4], o, true
}

// fileTypes maps PathInfo.Type to the stat %f type bits and back.
var fileTypes = map[string]uint64{"file": 0o100000, "directory": 0o040000, "link": 0o120000, "other": 0o010000}

// FormatProbe is what the probe prints for info asked with o: what fakes
// answer. info.Path is ignored unless Followed.
func FormatProbe(info *PathInfo, o ProbeOpts) []byte {
	var b bytes.Buffer
	switch {
	case info.Followed:
		b.WriteString("R " + info.Path + "\n")
	case info.IntoDir:
		b.WriteString("D\n")
	default:
		b.WriteString("-\n")
	}
	if o.Other == "" {
		b.WriteString("--\n")
	} else {
		fmt.Fprintf(&b, "%s%s\n", bit(info.OtherExists), bit(info.SameFile))
	}
	fmt.Fprintf(&b, "%s\n", bit(info.ParentDir))
	if !info.Exists {
		b.WriteString("absent\n")
		return b.Bytes()
	}
	fmt.Fprintf(&b, "%x %d %d %s %s %d %d\n", fileTypes[info.Type]|uint64(info.Mode&0o7777),
		info.UID, info.GID, info.Owner, info.Group, info.Size, info.MTime)
	fmt.Fprintf(&b, "%s%s%s\n", bit(info.Readable), bit(info.Writable), bit(info.Executable))
	switch {
	case info.Type == "link":
		b.WriteString("-\n" + info.LinkTarget + "\n")
	case info.Type == "file" && o.Checksum && info.SHA256 != "":
		b.WriteString(info.SHA256 + "\n")
	default:
		b.WriteString("-\n")
	}
	if info.Type == "file" && o.Content > 0 && info.Size <= o.Content {
		b.Write(info.Content)
	}
	return b.Bytes()
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// ParseProbe reads the probe's output for path p asked with o.
func ParseProbe(out []byte, p string, o ProbeOpts) (*PathInfo, error) {
	bad := func() error { return fmt.Errorf("stat %s: unexpected output %q", p, truncate(string(out), 200)) }
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
	info := &PathInfo{Path: p, ParentDir: lines[2] == "1"}
	switch {
	case lines[0] == "D":
		info.Path, info.IntoDir = strings.TrimSuffix(p, "/")+"/"+o.IntoDir, true
	case strings.HasPrefix(lines[0], "R "):
		info.Path, info.Followed = lines[0][2:], true // a followed link: edits go to its target
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
	info.Type = "other"
	for name, bits := range fileTypes {
		if raw&0o170000 == bits && name != "other" {
			info.Type = name
		}
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

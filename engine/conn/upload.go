package conn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// uploadScript writes stdin to a temporary file beside $1 and renames it over
// $1 only once its size ($4) and SHA-256 ($5) match: a connection lost
// midway gives cat an early EOF, which must not pass for the whole file.
// Traps remove the temporary file on every exit, SIGTERM included; SIGPIPE
// is ignored so an error message to a closed channel cannot skip them.
// The temporary name ($6) is ours, so that the controller can remove it
// too if the script was killed outright; noclobber makes creating it
// exclusive.
const uploadScript = `set -e; trap '' PIPE; umask 077
t=$(dirname -- "$1")/$6
set -C; : >"$t"; set +C
trap 'rm -f -- "$t"' EXIT; trap 'exit 143' TERM HUP INT
cat >"$t"
n=$(wc -c <"$t")
if [ "$n" -ne "$4" ]; then echo "upload $1: received $n of $4 bytes" >&2; exit 1; fi
if command -v sha256sum >/dev/null 2>&1; then
  s=$(sha256sum <"$t"); s=${s%% *}
  if [ "$s" != "$5" ]; then echo "upload $1: sha256 mismatch" >&2; exit 1; fi
fi
chmod "$2" "$t"
if [ -n "$3" ]; then chown -- "$3" "$t"; fi
mv -f -- "$t" "$1"; trap - EXIT`

// UploadCmd is the command an upload runs: it reads size bytes with the
// given sha256 from stdin into the temporary file tmp beside dst, checks
// them, and renames the file over dst. Exported for the benchmark's floor,
// which replays hapb's exact remote work.
func UploadCmd(dst, tmp string, size int64, sum string, opt FileOpts) *Cmd {
	mode := opt.Mode
	if mode == 0 {
		mode = 0o644
	}
	owner := opt.Owner
	if opt.Group != "" {
		owner += ":" + opt.Group
	}
	args := []string{dst, fmt.Sprintf("%o", mode.Perm()), owner, strconv.FormatInt(size, 10), sum, tmp}
	return &Cmd{Script: "sh -c " + Quote(uploadScript) + " hapb-upload " + QuoteArgs(args), Become: opt.Become}
}

// uploadWithShell is the atomic upload for any Conn that can run sh.
func uploadWithShell(ctx context.Context, c Conn, r io.Reader, dst string, opt FileOpts) error {
	src, size, sum, cleanup, err := measure(r)
	if err != nil {
		return &os.PathError{Op: "upload", Path: dst, Err: err}
	}
	defer cleanup()
	tmp := ".hapb." + Nonce()
	cmd := UploadCmd(dst, tmp, size, sum, opt)
	cmd.Stdin = src
	res, err := c.Run(ctx, cmd)
	// The script's traps remove the temporary file, unless it was killed
	// outright (SIGKILL, or a timeout's reaper): then the controller does.
	removeTmp := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		c.Run(rctx, &Cmd{Args: []string{"rm", "-f", "--", filepath.Join(filepath.Dir(dst), tmp)}, Become: opt.Become})
		cancel()
	}
	if err != nil {
		if !errors.Is(err, ErrUnreachable) {
			removeTmp()
		}
		return err
	}
	if res.ExitCode != 0 {
		if res.ExitCode > 128 {
			removeTmp()
		}
		return &os.PathError{Op: "upload", Path: dst, Err: exitError(res)}
	}
	return nil
}

// exitError describes a failed command by its stderr, or by its exit status
// when it said nothing (a killed shell has no last words).
func exitError(res *Result) error {
	if msg := bytes.TrimSpace(res.Stderr); len(msg) > 0 {
		return fmt.Errorf("%s", msg)
	}
	if res.ExitCode > 128 && res.ExitCode < 128+65 {
		return fmt.Errorf("exit status %d: killed by signal %d (%s)", res.ExitCode, res.ExitCode-128, syscall.Signal(res.ExitCode-128))
	}
	return fmt.Errorf("exit status %d", res.ExitCode)
}

// measure returns r's size and SHA-256 and a reader of the same bytes. A
// seekable r is read twice; anything else is spooled to a temporary file.
func measure(r io.Reader) (io.Reader, int64, string, func(), error) {
	h := sha256.New()
	if rs, ok := r.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			n, err := io.Copy(h, rs)
			if err != nil {
				return nil, 0, "", nil, err
			}
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return nil, 0, "", nil, err
			}
			return io.LimitReader(rs, n), n, hex.EncodeToString(h.Sum(nil)), func() {}, nil
		}
	}
	f, err := os.CreateTemp("", "hapb-upload-*")
	if err != nil {
		return nil, 0, "", nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, "", nil, err
	}
	return f, n, hex.EncodeToString(h.Sum(nil)), cleanup, nil
}

// readWithShell reads a file with cat; exit 44 means it does not exist.
func readWithShell(ctx context.Context, c Conn, path string, become Become) ([]byte, error) {
	res, err := c.Run(ctx, &Cmd{Script: "test -e " + Quote(path) + " || exit 44; cat -- " + Quote(path), Become: become})
	if err != nil {
		return nil, err
	}
	switch res.ExitCode {
	case 0:
		return res.Stdout, nil
	case 44:
		return nil, &os.PathError{Op: "read", Path: path, Err: os.ErrNotExist}
	}
	return nil, &os.PathError{Op: "read", Path: path, Err: exitError(res)}
}

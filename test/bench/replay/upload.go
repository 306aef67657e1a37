package replay

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/hapb/hapb/engine/conn"
)

// uploadScript is engine/conn/upload.go's, which is not exported: the
// upload hapb runs, so the replay does the same remote work. Keep in step.
const uploadScript = `set -e; trap '' PIPE; umask 077
t=$(mktemp "$(dirname -- "$1")/.hapb.XXXXXX")
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

// uploadCommand is the command hapb's Upload runs for b.
func uploadCommand(b []byte, dst string, opt conn.FileOpts) *Command {
	mode := opt.Mode
	if mode == 0 {
		mode = 0o644
	}
	owner := opt.Owner
	if opt.Group != "" {
		owner += ":" + opt.Group
	}
	sum := sha256.Sum256(b)
	args := []string{dst, fmt.Sprintf("%o", mode.Perm()), owner, strconv.Itoa(len(b)), hex.EncodeToString(sum[:])}
	line := wrap(&conn.Cmd{Script: "sh -c " + conn.Quote(uploadScript) + " hapb-upload " + conn.QuoteArgs(args)})
	return &Command{Line: line, Stdin: b}
}

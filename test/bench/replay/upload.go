package replay

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/hapb/hapb/engine/conn"
)

// uploadCommand is the command hapb's Upload runs for b.
func uploadCommand(b []byte, dst string, opt conn.FileOpts) *Command {
	sum := sha256.Sum256(b)
	cmd := conn.UploadCmd(dst, ".hapb."+conn.Nonce(), int64(len(b)), hex.EncodeToString(sum[:]), opt)
	return &Command{Line: wrap(cmd), Stdin: b}
}

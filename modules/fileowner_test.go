package modules

import (
	"fmt"
	"os"
	"syscall"
)

func fileOwnerIDs(fi os.FileInfo) string {
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d", st.Uid, st.Gid)
}

package conn

import (
	"io/fs"
	"syscall"
)

var errNotExist = fs.ErrNotExist

func sigstop(pid int) { syscall.Kill(pid, syscall.SIGSTOP) }
func sigcont(pid int) { syscall.Kill(pid, syscall.SIGCONT) }
func killPid(pid int) { syscall.Kill(pid, syscall.SIGKILL) }

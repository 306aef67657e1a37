package modules

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFailureKeepsTheOldFile: a write that fails (here past the
// file-size limit, so write(2) returns EFBIG) must be an error, and the file
// in place must stay as it was: never a truncated key renamed over a good
// one. Every controller-side atomic write is checked.
func TestWriteFailureKeepsTheOldFile(t *testing.T) {
	writers := map[string]func(string, []byte, os.FileMode) error{
		"x509": x509Write, "fetch": fetchWriteAtomic, "writeFileAtomic": writeFileAtomic}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) { testWriteFailure(t, write) })
	}
}

func testWriteFailure(t *testing.T, write func(string, []byte, os.FileMode) error) {
	path := filepath.Join(t.TempDir(), "ca.key")
	if err := os.WriteFile(path, []byte("old key"), 0o600); err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := old
	lim.Cur = 16
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	err := write(path, make([]byte, 4096), 0o600)
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	if err == nil {
		t.Fatal("a failed write was not reported")
	}
	if b, _ := os.ReadFile(path); string(b) != "old key" {
		t.Errorf("the file was replaced: %q", b)
	}
}

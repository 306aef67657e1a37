package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// writers are every controller-side atomic write.
var writers = map[string]func(string, []byte, os.FileMode) error{
	"x509": x509Write, "fetch": fetchWriteAtomic, "writeFileAtomic": writeFileAtomic}

// TestWriteFailureKeepsTheOldFile: a write that fails (here past the
// file-size limit, so write(2) returns EFBIG) must be an error, and the file
// in place must stay as it was: never a truncated key renamed over a good
// one. The limit is the whole process's, so each write runs in a child
// process (this test binary again): in this one it would fail other tests'
// writes, the test log's too.
func TestWriteFailureKeepsTheOldFile(t *testing.T) {
	if name := os.Getenv("HAPB_WRITE_FAILURE"); name != "" {
		writeFailureChild(t, writers[name], os.Getenv("HAPB_WRITE_PATH"))
		return
	}
	for name := range writers {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ca.key")
			if err := os.WriteFile(path, []byte("old key"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFailureKeepsTheOldFile$", "-test.v")
			cmd.Env = append(os.Environ(), "HAPB_WRITE_FAILURE="+name, "HAPB_WRITE_PATH="+path)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if b, _ := os.ReadFile(path); string(b) != "old key" {
				t.Errorf("the file was replaced: %q", b)
			}
		})
	}
}

// writeFailureChild writes past a 16-byte file-size limit and fails the
// test unless the write says so.
func writeFailureChild(t *testing.T, write func(string, []byte, os.FileMode) error, path string) {
	lim := syscall.Rlimit{Cur: 16, Max: 16}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	if err := write(path, make([]byte, 4096), 0o600); err == nil {
		t.Fatal("a failed write was not reported")
	}
}

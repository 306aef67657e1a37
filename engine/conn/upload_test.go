package conn

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSSHUploadLarge(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, 200<<20); err != nil {
		t.Fatal(err)
	}
	f.Seek(0, io.SeekStart)
	defer f.Close()
	dst := filepath.Join(dir, "dst")
	if err := c.Upload(context.Background(), f, dst, FileOpts{Mode: 0o640}); err != nil {
		t.Fatal(err)
	}
	res := mustRun(t, c, &Cmd{Script: "sha256sum < " + Quote(dst) + " | cut -c1-64; stat -c %a " + Quote(dst)})
	want := hex.EncodeToString(h.Sum(nil)) + "\n640\n"
	if string(res.Stdout) != want {
		t.Fatalf("got %q, want %q", res.Stdout, want)
	}
}

// cancelAfter cancels a context once n bytes of its second pass were read
// (the first pass is Upload's checksum).
type cancelAfter struct {
	r      io.ReadSeeker
	n      int64
	passes int
	read   int64
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.passes > 0 {
		if c.read += int64(n); c.read > c.n {
			c.cancel()
		}
	}
	return n, err
}

func (c *cancelAfter) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		c.passes++
	}
	return c.r.Seek(off, whence)
}

func TestSSHUploadInterrupted(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	dir := t.TempDir()
	dst := filepath.Join(dir, "dst")
	os.WriteFile(dst, []byte("old"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelAfter{r: bytes.NewReader(make([]byte, 64<<20)), n: 8 << 20, cancel: cancel}
	if err := c.Upload(ctx, r, dst, FileOpts{}); err == nil {
		t.Fatal("interrupted upload succeeded")
	}
	if b, _ := os.ReadFile(dst); string(b) != "old" {
		t.Errorf("dst now holds %d bytes, want the old content", len(b))
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".hapb.") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestSSHUploadConnectionLost drops the connection mid-transfer: the remote
// cat sees an early EOF, and the size check keeps the old file.
func TestSSHUploadConnectionLost(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	dir := t.TempDir()
	dst := filepath.Join(dir, "dst")
	os.WriteFile(dst, []byte("old"), 0o644)
	r := &cancelAfter{r: bytes.NewReader(make([]byte, 256<<20)), n: 16 << 20, cancel: func() {
		for _, pid := range s.children() {
			if strings.Contains(cmdline(pid), "notty") {
				killPid(pid)
			}
		}
	}}
	if err := c.Upload(context.Background(), r, dst, FileOpts{}); err == nil {
		t.Fatal("upload over a lost connection succeeded")
	}
	time.Sleep(300 * time.Millisecond) // the orphaned script finishes
	if b, _ := os.ReadFile(dst); string(b) != "old" {
		t.Errorf("dst now holds %d bytes, want the old content", len(b))
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".hapb.") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(b)
}

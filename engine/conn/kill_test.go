package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// survivors lists the local processes whose command line starts with args
// (the test's sshd runs on this machine, so its commands do too).
func survivors(t *testing.T, args string) []string {
	t.Helper()
	out, err := exec.Command("ps", "-eo", "pid,pgid,sid,user,args").Output()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && strings.HasPrefix(strings.Join(f[4:], " "), args) {
			found = append(found, l)
		}
	}
	return found
}

// TestKillEverything times out commands whose processes are hard to reach:
// a setsid child under sudo (its own session and process group, and sudo
// reset its environment), and any command where sshd allows one session per
// connection (the command holds the only slot the reaper could use).
func TestKillEverything(t *testing.T) {
	sudoUsers(t)
	tests := []struct {
		name, user string
		become     Become
		sshd       []string
		script     string
	}{
		{"setsid under sudo", "hapbnp", Become{User: "root"}, nil,
			"setsid sleep 41.41 </dev/null >/dev/null 2>&1 & sleep 41.41"},
		{"setsid under sudo with a password", "hapbpw", Become{User: "root"}, nil,
			"setsid sleep 41.41 </dev/null >/dev/null 2>&1 & sleep 41.41"},
		{"MaxSessions 1", "root", Become{}, []string{"MaxSessions 1"}, "sleep 41.41"},
		{"MaxSessions 1 under sudo", "hapbnp", Become{User: "root"}, []string{"MaxSessions 1"},
			"setsid sleep 41.41 </dev/null >/dev/null 2>&1 & sleep 41.41"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSSHD(t, tt.sshd...)
			hc := s.host(tt.name)
			hc.User, hc.BecomePassword = tt.user, testSudoPassword
			c, err := s.dialer(t).Dial(context.Background(), hc)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			res, err := c.Run(ctx, &Cmd{Script: tt.script, Become: tt.become})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want a timeout", err)
			}
			if res == nil || res.ExitCode != -1 {
				t.Errorf("result %+v, want exit code -1", res)
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("took %s", d)
			}
			// The reaper's KILL comes 0.3 s after its TERM.
			time.Sleep(500 * time.Millisecond)
			if ps := survivors(t, "sleep 41.41"); len(ps) > 0 {
				t.Fatalf("reported killed, yet runs:\n%s", strings.Join(ps, "\n"))
			}
			// The connection is still usable.
			if res := mustRun(t, c, &Cmd{Args: []string{"echo", "ok"}}); string(res.Stdout) != "ok\n" {
				t.Errorf("after the kill: %q", res.Stdout)
			}
		})
	}
}

// blockingReader passes its first n bytes, then blocks until released:
// an upload stuck midway. Seeking works as on a bytes.Reader.
type blockingReader struct {
	*bytes.Reader
	n       int64
	reading chan struct{} // closed when a read blocks
	release chan struct{}
	read    int64
	armed   bool // the second pass (the upload, after measuring)
}

func (b *blockingReader) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		b.armed, b.read = true, 0
	}
	return b.Reader.Seek(off, whence)
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.armed && b.read >= b.n {
		close(b.reading)
		<-b.release
		return 0, io.EOF
	}
	if b.armed {
		p = p[:min(int64(len(p)), b.n-b.read)]
	}
	n, err := b.Reader.Read(p)
	b.read += int64(n)
	return n, err
}

// TestUploadShellKilled kills the remote upload shell outright (SIGKILL:
// its traps cannot run): no temporary file may stay, and the error must say
// what happened.
func TestUploadShellKilled(t *testing.T) {
	s := startSSHD(t)
	c := s.dial(t, s.dialer(t))
	dir := t.TempDir()
	dst := filepath.Join(dir, "f")
	r := &blockingReader{Reader: bytes.NewReader(make([]byte, 1<<20)), n: 4096,
		reading: make(chan struct{}), release: make(chan struct{})}
	go func() {
		<-r.reading
		// cat has the first bytes once the temporary file has them.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if m, _ := filepath.Glob(filepath.Join(dir, ".hapb.*")); len(m) > 0 {
				if fi, err := os.Stat(m[0]); err == nil && fi.Size() > 0 {
					break
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		for _, l := range survivors(t, "sh -c set -e; trap") {
			var pid, pgid int
			if _, err := fmt.Sscan(l, &pid, &pgid); err == nil {
				syscall.Kill(-pgid, syscall.SIGKILL)
			}
		}
		close(r.release)
	}()
	err := c.Upload(context.Background(), r, dst, FileOpts{})
	if err == nil {
		t.Fatal("the upload of a killed shell succeeded")
	}
	if !strings.Contains(err.Error(), "killed by signal 9") {
		t.Errorf("error %q does not say the shell was killed", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".hapb.*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the destination exists: %v", err)
	}
}

package conn

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLocal(t *testing.T) {
	l := &Local{}
	res, err := l.Run(context.Background(), &Cmd{Script: "cat; echo \"$X\"; exit 5", Stdin: strings.NewReader("in "), Env: map[string]string{"X": "x"}})
	if err != nil || res.ExitCode != 5 || string(res.Stdout) != "in x\n" {
		t.Fatalf("got %+v, %v", res, err)
	}
	dst := filepath.Join(t.TempDir(), "f")
	if err := l.Upload(context.Background(), strings.NewReader("data"), dst, FileOpts{Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	if b, err := l.ReadFile(context.Background(), dst, Become{}); err != nil || string(b) != "data" {
		t.Fatalf("read %q, %v", b, err)
	}
	if st, _ := os.Stat(dst); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
}

func TestLocalTimeoutKillsGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := (&Local{}).Run(ctx, &Cmd{Script: "sleep 41.4142 & sleep 41.4142; wait"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if out, _ := exec.Command("pgrep", "-f", "^sleep 41.4142").Output(); len(out) > 0 {
		t.Fatalf("survivors: %s", out)
	}
}

func TestLocalUploadAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	// Becoming the current user needs no sudo; becoming another goes
	// through the shell upload, with sha256 check.
	dst := filepath.Join(t.TempDir(), "g")
	os.Chmod(filepath.Dir(dst), 0o777)
	os.Chmod(filepath.Dir(filepath.Dir(dst)), 0o755)
	if err := (&Local{}).Upload(context.Background(), strings.NewReader("x"), dst, FileOpts{Become: Become{User: "nobody"}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "x" {
		t.Fatalf("got %q", b)
	}
}

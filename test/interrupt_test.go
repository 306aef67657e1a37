package test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterrupt: Ctrl-C stops running commands, prints the recap and exits
// 99.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yml")
	os.WriteFile(pb, []byte(`
- hosts: all
  gather_facts: false
  tasks:
    - name: long
      command: sleep 61.4159
`), 0o644)
	cmd := exec.Command(hapbBin, "run", pb, "-i", "playbooks/local.ini")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 99 {
		t.Fatalf("exit: %v, want 99\n%s", err, out.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if !strings.Contains(out.String(), "PLAY RECAP") {
		t.Errorf("no recap:\n%s", out.String())
	}
	// The signal is sent before hapb exits; on a loaded machine the process
	// may take a moment to be scheduled and die.
	var left []byte
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		// A duration of its own: another process's `sleep 60` is not ours.
		if left, _ = exec.Command("pgrep", "-f", "^sleep 61.4159$").Output(); len(left) == 0 {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("sleep still running: %s", left)
	}
}

package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAskPass answers -k on a real terminal (script(1) gives hapb one): the
// prompt shows, the answer is not echoed, and the password it becomes is
// masked in the output.
func TestAskPass(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed (util-linux): no terminal to answer -k on")
	}
	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yml")
	os.WriteFile(pb, []byte(`
- hosts: h1
  gather_facts: false
  tasks:
    - name: show
      debug:
        msg: "pw={{ .ansible_password }}"
`), 0o644)
	cmd := exec.Command(script, "-qec", hapbBin+" run -i playbooks/local.ini -c local -k --no-color "+pb, "/dev/null")
	stdin, _ := cmd.StdinPipe()
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Answer once the prompt is up (and, a moment later, echo is off).
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "SSH password: "); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no prompt:\n%s", out.String())
		}
	}
	time.Sleep(200 * time.Millisecond)
	stdin.Write([]byte("Sekr3tPass\n"))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "SSH password: ") || !strings.Contains(got, `"msg": "pw=********"`) {
		t.Errorf("no prompt or no masked password:\n%s", got)
	}
	if strings.Contains(got, "Sekr3tPass") {
		t.Errorf("the password shows:\n%s", got)
	}
}

// syncBuffer is a bytes.Buffer that a test reads while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package modules

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
)

func waitForDefaults(p waitForParams) *waitForParams {
	if p.Host == "" {
		p.Host = "127.0.0.1"
	}
	if p.State == "" {
		p.State = "started"
	}
	if p.ConnectTimeout == 0 {
		p.ConnectTimeout = 1
	}
	if p.Sleep == 0 {
		p.Sleep = 1
	}
	return &p
}

func TestWaitForLocal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-hapb\r\n"))
			go func() { time.Sleep(3 * time.Second); c.Close() }()
		}
	}()
	open := ln.Addr().(*net.TCPAddr).Port
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "ready")
	os.WriteFile(file, []byte("etcd is ready\n"), 0o644)

	tests := []struct {
		name   string
		params waitForParams
		failed bool
	}{
		{"port open", waitForParams{Port: open, Timeout: 5}, false},
		{"port banner", waitForParams{Port: open, SearchRegex: "^SSH-2", Timeout: 5}, false},
		{"port banner mismatch", waitForParams{Port: open, SearchRegex: "^HTTP", Timeout: 1}, true},
		{"port closed times out", waitForParams{Port: closedPort, Timeout: 1}, true},
		{"port stopped", waitForParams{Port: closedPort, State: "stopped", Timeout: 5}, false},
		{"port not stopped", waitForParams{Port: open, State: "stopped", Timeout: 1}, true},
		{"file present", waitForParams{Path: file, SearchRegex: "is ready", Timeout: 5}, false},
		{"file regex missing", waitForParams{Path: file, SearchRegex: "^nope", Timeout: 1}, true},
		{"file absent", waitForParams{Path: filepath.Join(dir, "gone"), State: "absent", Timeout: 5}, false},
		{"hostile path", waitForParams{Path: "a;touch " + filepath.Join(dir, "pwned"), State: "absent", Timeout: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			plan, err := asResult(waitForPlan(context.Background(), &Task{Conn: &conn.Local{}}, waitForDefaults(tt.params)))
			if err != nil {
				t.Fatal(err)
			}
			if plan.Failed != tt.failed || plan.Changed || plan.Apply != nil {
				t.Errorf("failed = %v changed = %v msg = %q", plan.Failed, plan.Changed, plan.Msg)
			}
			if tt.failed && !strings.Contains(plan.Msg, "Timeout when waiting") {
				t.Errorf("msg = %q", plan.Msg)
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("hostile path was run by the shell")
	}
}

func TestWaitForNoProbeTool(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"sh", "date", "sleep"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skip(tool, "missing")
		}
		os.Symlink(p, filepath.Join(bin, tool))
	}
	task := &Task{Conn: &conn.Local{}, Env: map[string]string{"PATH": bin}}
	_, err := waitForPlan(context.Background(), task, waitForDefaults(waitForParams{Port: 1, Timeout: 1}))
	if err == nil || !strings.Contains(err.Error(), "neither bash nor nc") {
		t.Errorf("err = %v", err)
	}
}

func TestWaitForArgs(t *testing.T) {
	fake := conntest.New().On("wait_for", 1, "elapsed=7\n")
	p := waitForDefaults(waitForParams{Host: "10.0.0.1;reboot", Port: 6443, Timeout: 7, Msg: "apiserver down"})
	plan, err := asResult(waitForPlan(context.Background(), &Task{Conn: fake}, p))
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Failed || plan.Msg != "apiserver down" || plan.Data["elapsed"] != 7 {
		t.Errorf("plan = %+v", plan.Result)
	}
	if !strings.HasSuffix(fake.Log[0], "wait_for '10.0.0.1;reboot' 6443 '' started '' 7 0 1 1") {
		t.Errorf("args not quoted: %s", fake.Log[0])
	}
	for _, bad := range []waitForParams{{Port: 70000}, {Port: 1, Path: "/x"}} {
		if _, err := waitForPlan(context.Background(), &Task{Conn: fake}, waitForDefaults(bad)); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestWaitForDrained(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("no ss")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := <-accepted
	p := waitForDefaults(waitForParams{Port: ln.Addr().(*net.TCPAddr).Port, State: "drained", Timeout: 1})
	task := &Task{Conn: &conn.Local{}}
	if plan, err := asResult(waitForPlan(context.Background(), task, p)); err != nil || !plan.Failed {
		t.Fatalf("with a connection: %v %v", plan, err)
	}
	client.Close()
	server.Close()
	p.Timeout = 5 // the kernel may take a moment to leave ESTABLISHED
	if plan, err := asResult(waitForPlan(context.Background(), task, p)); err != nil || plan.Failed {
		t.Fatalf("drained: %+v %v", plan, err)
	}
}

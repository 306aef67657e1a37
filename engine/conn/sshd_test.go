package conn

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

const sshdPath = "/usr/sbin/sshd"

// testSSHD is a real OpenSSH server on 127.0.0.1, started for one test.
type testSSHD struct {
	t       testing.TB
	dir     string
	port    int
	cmd     *exec.Cmd
	log     *syncBuffer
	keyFile string // authorized client key
	hostKey ssh.PublicKey
}

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

// requireSSHD skips without an sshd, except on CI, where that is a failure.
func requireSSHD(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required on CI (apt-get install openssh-server): %v", sshdPath, err)
		}
		t.Skipf("no %s: install openssh-server to run the SSH tests", sshdPath)
	}
	if testing.Short() {
		t.Skip("-short: no sshd tests")
	}
}

func writeKey(t testing.TB, file string) ssh.PublicKey {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	return sp
}

// startSSHD starts sshd with extra sshd_config lines.
func startSSHD(t testing.TB, extra ...string) *testSSHD {
	t.Helper()
	requireSSHD(t)
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755) // sshd's privilege separation directory
	}
	dir, err := os.MkdirTemp("", "hapb-sshd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // other test users read authorized_keys as themselves
	s := &testSSHD{t: t, dir: dir, log: &syncBuffer{}}
	s.hostKey = writeKey(t, filepath.Join(dir, "host_key"))
	s.keyFile = filepath.Join(dir, "id_ed25519")
	clientKey := writeKey(t, s.keyFile)
	os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientKey), 0o644)
	s.port = freePort(t)
	listen := "127.0.0.1"
	cfg := []string{
		"Port " + strconv.Itoa(s.port),
		"HostKey " + filepath.Join(dir, "host_key"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PidFile none", "UsePAM no", "StrictModes no", "PermitRootLogin yes",
		"PasswordAuthentication yes", "KbdInteractiveAuthentication no",
		"Subsystem sftp internal-sftp", "LogLevel ERROR",
		// A login shell's rc files (root's may run pyenv init) are no part
		// of what we test, and make every command slow.
		"SetEnv HOME=" + dir,
	}
	for _, e := range extra {
		if strings.HasPrefix(e, "ListenAddress ") {
			listen = ""
		}
	}
	if listen != "" {
		cfg = append(cfg, "ListenAddress "+listen)
	}
	// sshd takes the first value of a keyword, so extra lines go first.
	cfgText := strings.Join(append(append([]string{}, extra...), cfg...), "\n") + "\n"
	cfgFile := filepath.Join(dir, "sshd_config")
	os.WriteFile(cfgFile, []byte(cfgText), 0o644)
	s.cmd = exec.Command(sshdPath, "-D", "-e", "-f", cfgFile)
	s.cmd.Stderr = s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", s.addr())
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not start: %v\n%s", err, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

func (s *testSSHD) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// stop kills the listener and every connection process it started.
func (s *testSSHD) stop() {
	for _, pid := range s.children() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// children are the sshd processes serving connections (pids whose parent
// is the listener, and their children).
func (s *testSSHD) children() []int {
	if s.cmd.Process == nil {
		return nil
	}
	parents := map[int]bool{s.cmd.Process.Pid: true}
	var out []int
	for range 3 {
		for _, pid := range allPids() {
			if parents[pid] {
				continue
			}
			if parents[ppid(pid)] {
				parents[pid] = true
				out = append(out, pid)
			}
		}
	}
	return out
}

func allPids() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name may hold spaces: fields start after the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 2 {
		return -1
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

// established counts the server's established TCP connections on its port.
func (s *testSSHD) established(t testing.TB) int {
	out, err := exec.Command("ss", "-Htn", "state", "established", fmt.Sprintf("( sport = :%d )", s.port)).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	return len(strings.Fields(strings.TrimSpace(string(out)))) / 4
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// dialer returns a Dialer for s with its own known_hosts file.
func (s *testSSHD) dialer(t testing.TB, mod ...func(*DialerOptions)) *Dialer {
	t.Helper()
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("SSH_KNOWN_HOSTS", "")
	opts := DialerOptions{
		KeyFiles:      []string{s.keyFile},
		KnownHosts:    []string{filepath.Join(t.TempDir(), "known_hosts")},
		SSHConfigPath: "none",
		Timeout:       5 * time.Second,
	}
	for _, m := range mod {
		m(&opts)
	}
	d := NewDialer(opts)
	t.Cleanup(func() { d.Close() })
	return d
}

func (s *testSSHD) host(name string) HostConfig {
	return HostConfig{Name: name, Address: "127.0.0.1", Port: s.port}
}

func (s *testSSHD) dial(t testing.TB, d *Dialer) Conn {
	t.Helper()
	c, err := d.Dial(context.Background(), s.host("h"))
	if err != nil {
		t.Fatalf("dial: %v\nsshd log:\n%s", err, s.log)
	}
	return c
}

func mustRun(t testing.TB, c Conn, cmd *Cmd) *Result {
	t.Helper()
	res, err := c.Run(context.Background(), cmd)
	if err != nil {
		t.Fatalf("run %s: %v", Explain(cmd), err)
	}
	return res
}

package fleet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// servers are the running simulated hosts, in this process or another.
type servers interface {
	// Check looks at what the runs left on every host.
	Check() error
	// Reset gives every host its first state again.
	Reset() error
	Close()
}

// inline serves the hosts from this process.
type inline struct {
	*Fleet
	book string
}

func startInline(k keys, n, port int, book string) (*inline, error) {
	f, err := Start(n, port, k.host, k.client)
	if err != nil {
		return nil, err
	}
	return &inline{f, book}, nil
}

func (s *inline) Check() error { return checkFleet(s.Fleet, s.book) }
func (s *inline) Reset() error { s.Fleet.Reset(); return nil }

// process serves the hosts from a child process, this test binary again
// (TestMain): the controller's memory and CPU are then its own. They talk
// by lines on the child's stdin and stdout: "check", "reset"; each answered
// "ok" or "error: …"; stdin's end stops it.
type process struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

const serveEnv = "HAPB_FLEET_SERVE"

// serversPID is the servers process's, whose CPU time each run reports.
var serversPID int

func startProcess(dir string, n, port int, book string) (*process, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// GOGC and GOMEMLIMIT tune the controller's runtime, not the servers'.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d,%d,%s,%s", serveEnv, n, port, dir, book))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	serversPID = cmd.Process.Pid
	p := &process{cmd: cmd, in: in, out: bufio.NewReader(out)}
	if err := p.answer(); err != nil {
		p.Close()
		return nil, fmt.Errorf("fleet servers: %w", err)
	}
	return p, nil
}

func (p *process) answer() error {
	l, err := p.out.ReadString('\n')
	if err != nil {
		return err
	}
	if l = strings.TrimSpace(l); l != "ok" {
		return errors.New(l)
	}
	return nil
}

func (p *process) ask(what string) error {
	if _, err := fmt.Fprintln(p.in, what); err != nil {
		return err
	}
	return p.answer()
}

func (p *process) Check() error { return p.ask("check") }
func (p *process) Reset() error { return p.ask("reset") }
func (p *process) Close() {
	p.in.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// TestMain is the server process when the environment says so.
func TestMain(m *testing.M) {
	if spec := os.Getenv(serveEnv); spec != "" {
		if err := serve(spec); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serve runs the hosts of spec (N,PORT,DIR,PLAYBOOK) until stdin ends.
func serve(spec string) error {
	parts := strings.SplitN(spec, ",", 4)
	if len(parts) != 4 {
		return fmt.Errorf("%s=%q: want N,PORT,DIR,PLAYBOOK", serveEnv, spec)
	}
	n, _ := strconv.Atoi(parts[0])
	port, _ := strconv.Atoi(parts[1])
	dir, book := parts[2], parts[3]
	host, err := readKey(filepath.Join(dir, "host_key"))
	if err != nil {
		return err
	}
	client, err := readKey(filepath.Join(dir, "id_ed25519"))
	if err != nil {
		return err
	}
	f, err := Start(n, port, host, client.PublicKey())
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Println("ok")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch sc.Text() {
		case "check":
			err = checkFleet(f, book)
		case "reset":
			f.Reset()
			err = nil
		default:
			err = fmt.Errorf("unknown request %q", sc.Text())
		}
		if err != nil {
			fmt.Println("error:", err)
		} else {
			fmt.Println("ok")
		}
	}
	return nil
}

func readKey(file string) (ssh.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(b)
}

// checkFleet looks at what a workload left on every host.
func checkFleet(f *Fleet, book string) error {
	for _, h := range f.Hosts {
		fs := h.fs.Load()
		want := map[string]string{}
		switch filepath.Base(book) {
		case "fleet.yml":
			want["/tmp/hapb-fleet/host.conf"] = "host " + h.Name + "\n"
			if n := fs.get("/tmp/hapb-fleet/static.conf"); n == nil || n.mode != 0o600 {
				return fmt.Errorf("%s: static.conf is %+v", h.Name, n)
			}
		case "worker.yml":
			want["/etc/containerd/config.toml"] = "# containerd on " + h.Name + " (Rocky 9.4)"
			want["/etc/hosts"] = "# BEGIN hapb cluster hosts\n192.168.33.11 master\n"
			want["/proc/sys/vm/swappiness"] = "0\n"
			want["/etc/sysctl.d/99-kubernetes.conf"] = "net.ipv4.ip_forward"
			want["/var/lib/fleet-rpm/kubelet"] = "0:1.31.4-1.x86_64"
			want["/run/fleet-systemd/containerd.service"] = "active enabled"
			want["/etc/kubernetes/kubelet.conf"] = ""
		}
		for p, s := range want {
			n := fs.get(p)
			if n == nil || !strings.Contains(string(n.data), s) {
				if n == nil {
					return fmt.Errorf("%s: no %s", h.Name, p)
				}
				return fmt.Errorf("%s: %s holds %q, want %q in it", h.Name, p, n.data, s)
			}
		}
	}
	return nil
}

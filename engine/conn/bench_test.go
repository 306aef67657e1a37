package conn

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Benchmark: 10 hosts (loopback aliases 127.0.0.2-11 on one sshd) × 100
// sequential commands each, hosts in parallel, as a playbook runs tasks.
// Reported as ms per command for hapb's Conn, for the floor (bare
// x/crypto/ssh: one client per host, one session per command) and for
// OpenSSH with ControlMaster (HAPB_BENCH_OPENSSH=0 leaves it out). Run with:
//
//	go test ./engine/conn -run '^$' -bench BenchmarkRun -benchtime 5x
const (
	benchHosts = 10
	benchCmds  = 100
)

func benchServer(b *testing.B) (*testSSHD, []string) {
	var extra, hosts []string
	for i := 2; i < 2+benchHosts; i++ {
		h := fmt.Sprintf("127.0.0.%d", i)
		hosts = append(hosts, h)
		extra = append(extra, "ListenAddress "+h)
	}
	extra = append(extra, "ListenAddress 127.0.0.1", "MaxStartups 100")
	return startSSHD(b, extra...), hosts
}

// round runs fn benchCmds times on every host, hosts in parallel, and
// returns the time taken.
func round(b *testing.B, hosts []string, fn func(i int, host string) error) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			for range benchCmds {
				if err := fn(i, h); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkRun interleaves rounds of the three runners, so that a busy
// machine slows them alike, and reports each one's ms per command.
func BenchmarkRun(b *testing.B) {
	s, hosts := benchServer(b)
	runners := []struct {
		name string
		fn   func(i int, host string) error
	}{
		{"hapb", hapbRunner(b, s, hosts)},
		{"floor", floorRunner(b, s, hosts)},
	}
	if os.Getenv("HAPB_BENCH_OPENSSH") != "0" {
		runners = append(runners, struct {
			name string
			fn   func(i int, host string) error
		}{"openssh", opensshRunner(b, s, hosts)})
	}
	total := make([]time.Duration, len(runners))
	b.ResetTimer()
	for range b.N {
		for i, r := range runners {
			total[i] += round(b, hosts, r.fn)
		}
	}
	b.StopTimer()
	n := float64(b.N * len(hosts) * benchCmds)
	for i, r := range runners {
		b.ReportMetric(float64(total[i].Microseconds())/1000/n, r.name+"-ms/cmd")
	}
	b.ReportMetric(float64(total[0])/float64(total[1]), "hapb/floor")
}

func hapbRunner(b *testing.B, s *testSSHD, hosts []string) func(int, string) error {
	d := s.dialer(b, func(o *DialerOptions) { o.HostKeyChecking = HostKeyOff })
	conns := make([]Conn, len(hosts))
	for i, h := range hosts {
		c, err := d.Dial(context.Background(), HostConfig{Name: h, Address: h, Port: s.port})
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
	}
	return func(i int, _ string) error {
		res, err := conns[i].Run(context.Background(), &Cmd{Args: []string{"true"}})
		if err == nil && res.ExitCode != 0 {
			err = fmt.Errorf("exit %d", res.ExitCode)
		}
		return err
	}
}

// floorRunner is the least any x/crypto/ssh runner can do: a persistent
// client per host, one session per command.
func floorRunner(b *testing.B, s *testSSHD, hosts []string) func(int, string) error {
	pem, _ := os.ReadFile(s.keyFile)
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		b.Fatal(err)
	}
	cfg := &ssh.ClientConfig{User: localUser(), Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey()}
	clients := make([]*ssh.Client, len(hosts))
	for i, h := range hosts {
		if clients[i], err = ssh.Dial("tcp", net.JoinHostPort(h, strconv.Itoa(s.port)), cfg); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { clients[i].Close() })
	}
	return func(i int, _ string) error {
		sess, err := clients[i].NewSession()
		if err != nil {
			return err
		}
		defer sess.Close()
		return sess.Run("true")
	}
}

// opensshRunner runs ssh(1) per command over a ControlMaster per host.
func opensshRunner(b *testing.B, s *testSSHD, hosts []string) func(int, string) error {
	dir, _ := os.MkdirTemp("", "hapb-cm-") // short: ControlPath is a socket path
	ssh := func(_ int, h string) error {
		out, err := exec.Command("ssh", "-F", "/dev/null", "-i", s.keyFile, "-p", strconv.Itoa(s.port),
			"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "LogLevel=ERROR", "-o", "ControlMaster=auto", "-o", "ControlPersist=60",
			"-o", "ControlPath="+filepath.Join(dir, "%h"), localUser()+"@"+h, "true").CombinedOutput()
		if err != nil {
			return fmt.Errorf("ssh %s: %v %s", h, err, out)
		}
		return nil
	}
	for _, h := range hosts {
		if err := ssh(0, h); err != nil { // start the masters
			b.Fatal(err)
		}
	}
	b.Cleanup(func() {
		for _, h := range hosts {
			exec.Command("ssh", "-o", "ControlPath="+filepath.Join(dir, "%h"), "-O", "exit", h).Run()
		}
		os.RemoveAll(dir)
	})
	return ssh
}

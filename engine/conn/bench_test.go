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
// OpenSSH with ControlMaster. Run with:
//
//	go test ./engine/conn -run '^$' -bench BenchmarkRun -benchtime 3x
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

// perHost runs fn(host) benchCmds times on every host, hosts in parallel,
// b.N times, and reports ms per command.
func perHost(b *testing.B, hosts []string, fn func(i int, host string) error) {
	b.ResetTimer()
	start := time.Now()
	for range b.N {
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
	}
	b.StopTimer()
	n := float64(b.N * len(hosts) * benchCmds)
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/n, "ms/cmd")
}

var floorLine = "true"

func init() {
	if l := os.Getenv("FLOOR_LINE"); l != "" {
		floorLine = l
	}
}

func BenchmarkRun(b *testing.B) {
	s, hosts := benchServer(b)
	b.Run("hapb", func(b *testing.B) {
		d := s.dialer(b, func(o *DialerOptions) { o.HostKeyChecking = HostKeyOff })
		conns := make([]Conn, len(hosts))
		for i, h := range hosts {
			c, err := d.Dial(context.Background(), HostConfig{Name: h, Address: h, Port: s.port})
			if err != nil {
				b.Fatal(err)
			}
			conns[i] = c
		}
		perHost(b, hosts, func(i int, _ string) error {
			res, err := conns[i].Run(context.Background(), &Cmd{Args: []string{"true"}})
			if err == nil && res.ExitCode != 0 {
				err = fmt.Errorf("exit %d", res.ExitCode)
			}
			return err
		})
	})
	b.Run("floor", func(b *testing.B) {
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
			defer clients[i].Close()
		}
		perHost(b, hosts, func(i int, _ string) error {
			sess, err := clients[i].NewSession()
			if err != nil {
				return err
			}
			defer sess.Close()
			return sess.Run(floorLine)
		})
	})
	b.Run("openssh-controlmaster", func(b *testing.B) {
		dir, _ := os.MkdirTemp("", "hapb-cm-") // short: ControlPath is a socket path
		defer os.RemoveAll(dir)
		ssh := func(h string) error {
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
			if err := ssh(h); err != nil { // start the masters
				b.Fatal(err)
			}
		}
		defer func() {
			for _, h := range hosts {
				exec.Command("ssh", "-o", "ControlPath="+filepath.Join(dir, "%h"), "-O", "exit", h).Run()
			}
		}()
		perHost(b, hosts, func(_ int, h string) error { return ssh(h) })
	})
}

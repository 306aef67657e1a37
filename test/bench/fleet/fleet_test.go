package fleet

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/inventory"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/run"
)

var (
	fleetFlag = flag.Bool("fleet", false, "the benchmark proper: 1,000 hosts (without it, a 20-host smoke run for go test ./...)")
	hostsFlag = flag.Int("fleet.hosts", 0, "simulated hosts (default 1,000 with -fleet, else 20)")
	forksFlag = flag.Int("fleet.forks", 50, "hosts worked on in parallel (hapb's default is 50)")
	tasksFlag = flag.Bool("fleet.tasks", false, "log each task's time")
	portFlag  = flag.Int("fleet.port", 2222, "port of every host (each has its own 127.77.x.y); 0: random ports")
	// Strict host key checking either way; "lines" is what ssh-keyscan
	// gives, "wildcard" one line for the fleet ([127.77.*]:port, needs a
	// fixed port), to tell the cost of reading known_hosts apart.
	knownFlag = flag.String("fleet.known", "lines", "known_hosts: one line per host (lines) or one wildcard line (wildcard)")
)

// Targets of issue 7.
const (
	wallTarget = 15 * time.Second
	rssTarget  = 300 << 20
)

// TestFleet runs testdata/fleet.yml (10 tasks) twice on a fleet of simulated
// hosts through the real inventory loader, executor, modules and SSH Dialer
// (strict host key checking against a known_hosts of every host): the
// first run changes every host, the second must change nothing. It reports
// the wall time of each run and the process's peak RSS (VmHWM), which
// includes the simulated hosts' SSH servers.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no fleet benchmark")
	}
	if *hostsFlag == 0 {
		*hostsFlag = 20
		if *fleetFlag {
			*hostsFlag = 1000
		}
	}
	raiseNoFile(t)
	dir := t.TempDir()
	hostKey, _ := newKey(t, "")
	_, clientPub := newKey(t, filepath.Join(dir, "id_ed25519"))
	f, err := Start(*hostsFlag, *portFlag, hostKey, clientPub)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := writeKnownHosts(t, filepath.Join(dir, "known_hosts"), f, hostKey.PublicKey())
	inv, err := inventory.Load([]string{writeInventory(t, dir, f)})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load("testdata/fleet.yml", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	var times, cpus []string
	for _, first := range []bool{true, false} {
		d := conn.NewDialer(conn.DialerOptions{KnownHosts: []string{known}, SSHConfigPath: "none",
			HostKeyChecking: conn.HostKeyStrict})
		clock := newTaskClock()
		cpu0 := cpuTime(t)
		start := time.Now()
		res, err := run.Run(context.Background(), pb, run.Options{
			Inventory: inventoryAdapter{inv}, Connector: connector{d},
			Reporter: clock, Forks: *forksFlag,
		})
		elapsed := time.Since(start)
		cpu := cpuTime(t) - cpu0
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkRecap(t, res.Stats, len(f.Hosts), first)
		if *tasksFlag {
			t.Logf("tasks of the %s run:\n%s", map[bool]string{true: "first", false: "second"}[first], clock)
		}
		total += elapsed
		times = append(times, elapsed.Round(10*time.Millisecond).String())
		cpus = append(cpus, cpu.Round(10*time.Millisecond).String())
	}
	checkHosts(t, f)
	rss := peakRSS(t)
	t.Logf("%d hosts x 10 tasks, forks %d, known_hosts %s: first run %s (CPU %s), second run %s (CPU %s); peak RSS %d MB (fleet servers included)",
		len(f.Hosts), *forksFlag, *knownFlag, times[0], cpus[0], times[1], cpus[1], rss>>20)
	fmt.Printf("| %d × 10, forks %d, known_hosts %s | %s (CPU %s) | %s (CPU %s) | %d MB |\n",
		len(f.Hosts), *forksFlag, *knownFlag, times[0], cpus[0], times[1], cpus[1], rss>>20)
	if len(f.Hosts) >= 1000 {
		for _, run := range []struct {
			what string
			ok   bool
		}{{"each run under 15 s", total/2 < wallTarget && total < 2*wallTarget}, {"peak RSS under 300 MB", rss < rssTarget}} {
			if !run.ok {
				t.Logf("target missed: %s", run.what)
			}
		}
	}
}

// checkRecap wants no failure anywhere, a change on every host on the first
// run and none on the second.
func checkRecap(t *testing.T, stats []*report.HostStats, hosts int, first bool) {
	t.Helper()
	if len(stats) != hosts {
		t.Fatalf("recap has %d hosts, want %d", len(stats), hosts)
	}
	for _, s := range stats {
		if s.Failed+s.Unreachable > 0 || s.OK != 10 {
			t.Fatalf("%s: ok=%d failed=%d unreachable=%d, want ok=10", s.Host, s.OK, s.Failed, s.Unreachable)
		}
		if first && s.Changed != 5 || !first && s.Changed != 0 {
			t.Fatalf("%s: changed=%d on the %s run", s.Host, s.Changed, map[bool]string{true: "first", false: "second"}[first])
		}
	}
}

// checkHosts looks at what the runs left on the simulated hosts.
func checkHosts(t *testing.T, f *Fleet) {
	t.Helper()
	for _, h := range f.Hosts {
		n := h.fs.get("/tmp/hapb-fleet/host.conf")
		if n == nil || string(n.data) != "host "+h.Name+"\n" {
			t.Fatalf("%s: host.conf is %v", h.Name, n)
		}
		if n := h.fs.get("/tmp/hapb-fleet/static.conf"); n == nil || n.mode != 0o600 {
			t.Fatalf("%s: static.conf is %v", h.Name, n)
		}
	}
}

// newKey makes an ed25519 key, written in OpenSSH format to file if not "".
func newKey(t *testing.T, file string) (ssh.Signer, ssh.PublicKey) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if file != "" {
		block, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s, s.PublicKey()
}

// writeKnownHosts records the fleet key for every host, one line each, as
// ssh-keyscan would write them.
func writeKnownHosts(t *testing.T, file string, f *Fleet, key ssh.PublicKey) string {
	t.Helper()
	var b strings.Builder
	switch *knownFlag {
	case "wildcard":
		if *portFlag == 0 {
			t.Fatal("-fleet.known wildcard needs a fixed -fleet.port")
		}
		b.WriteString(knownhosts.Line([]string{fmt.Sprintf("[127.77.*]:%d", *portFlag)}, key) + "\n")
	case "lines":
		for _, h := range f.Hosts {
			b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(h.Addr)}, key) + "\n")
		}
	default:
		t.Fatalf("-fleet.known %q: want lines or wildcard", *knownFlag)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func writeInventory(t *testing.T, dir string, f *Fleet) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[fleet]\n")
	for _, h := range f.Hosts {
		host, port, _ := net.SplitHostPort(h.Addr)
		fmt.Fprintf(&b, "%s ansible_host=%s ansible_port=%s\n", h.Name, host, port)
	}
	fmt.Fprintf(&b, "[all:vars]\nansible_user=bench\nansible_ssh_private_key_file=%s\n", filepath.Join(dir, "id_ed25519"))
	file := filepath.Join(dir, "hosts")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// raiseNoFile lifts the soft file descriptor limit to the hard one: every
// host costs three descriptors (listener, client and server end).
func raiseNoFile(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if need := uint64(3**hostsFlag + 100); lim.Cur < need {
		t.Fatalf("file descriptor limit %d, need %d: raise ulimit -Hn", lim.Cur, need)
	}
}

// cpuTime is the user plus system CPU time the process used so far: with
// other work on the machine, wall time alone says little.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's resident set high-water mark (VmHWM), in bytes.
func peakRSS(t *testing.T) int64 {
	t.Helper()
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

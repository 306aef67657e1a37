package fleet

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/inventory"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/run"
	"github.com/hapb/hapb/test/bench/replay"
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
// each run's wall and CPU time and the process's peak RSS (VmHWM, the
// simulated hosts' SSH servers included). Then it replays the commands
// hapb sent over bare x/crypto/ssh connections (package replay), from the
// same states, for the floor.
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
	b := &bench{t: t, f: f, known: writeKnownHosts(t, filepath.Join(dir, "known_hosts"), f, hostKey.PublicKey())}
	if b.inv, err = inventory.Load([]string{writeInventory(t, dir, f)}); err != nil {
		t.Fatal(err)
	}
	if b.pb, err = playbook.Load("testdata/fleet.yml", playbook.Options{}); err != nil {
		t.Fatal(err)
	}

	var hapb [2]measure
	for i, first := range []bool{true, false} {
		hapb[i] = b.hapb(first, nil)
	}
	checkHosts(t, f)
	rss := peakRSS(t)

	// The floor: record both runs from the same states, replay them.
	f.Reset()
	var recs [2]*replay.Recording
	for i, first := range []bool{true, false} {
		rec := replay.NewRecorder()
		b.hapb(first, rec)
		recs[i] = rec.Recording()
	}
	f.Reset()
	var floor [2]measure
	for i := range recs {
		floor[i] = b.replay(recs[i])
	}
	checkHosts(t, f)

	t.Logf("%d hosts x 10 tasks, forks %d, known_hosts %s; peak RSS %d MB (fleet servers included)",
		len(f.Hosts), *forksFlag, *knownFlag, rss>>20)
	for i, run := range []string{"first", "second"} {
		t.Logf("%s run: hapb %s, floor %s (%d commands): hapb/floor wall %.2f, CPU %.2f", run, hapb[i], floor[i],
			recs[i].Commands(), hapb[i].wall.Seconds()/floor[i].wall.Seconds(), hapb[i].cpu.Seconds()/floor[i].cpu.Seconds())
	}
	fmt.Printf("| %d × 10, forks %d, known_hosts %s | %s | %s | %s | %s | %d MB |\n",
		len(f.Hosts), *forksFlag, *knownFlag, hapb[0], hapb[1], floor[0], floor[1], rss>>20)
	if len(f.Hosts) >= 1000 {
		if hapb[0].wall > wallTarget || hapb[1].wall > wallTarget {
			t.Logf("target missed: each run under %s", wallTarget)
		}
		if rss > rssTarget {
			t.Logf("target missed: peak RSS under %d MB", rssTarget>>20)
		}
	}
}

// measure is a run's wall and CPU time (user + system, whole process).
type measure struct{ wall, cpu time.Duration }

func (m measure) String() string {
	return fmt.Sprintf("%.2fs (CPU %.2fs)", m.wall.Seconds(), m.cpu.Seconds())
}

// bench is what the runs share.
type bench struct {
	t     *testing.T
	f     *Fleet
	known string
	inv   *inventory.Inventory
	pb    *playbook.Playbook
}

// hapb runs the playbook as `hapb run` does, recording the commands if rec
// is not nil.
func (b *bench) hapb(first bool, rec *replay.Recorder) measure {
	t := b.t
	d := conn.NewDialer(conn.DialerOptions{KnownHosts: []string{b.known}, SSHConfigPath: "none",
		HostKeyChecking: conn.HostKeyStrict})
	defer d.Close()
	clock := newTaskClock()
	opts := run.Options{Inventory: b.inv, Connector: d, Reporter: clock, Forks: *forksFlag}
	if rec != nil {
		opts.Connector, opts.Reporter = rec.Connector(d), rec.Reporter(clock)
	}
	var res *run.Result
	var err error
	cpu0, start := cpuTime(t), time.Now()
	// The label marks the controller's goroutines in a -cpuprofile
	// (-tagfocus side=hapb); the simulated hosts' have none.
	pprof.Do(context.Background(), pprof.Labels("side", "hapb"), func(ctx context.Context) {
		res, err = run.Run(ctx, b.pb, opts)
	})
	m := measure{time.Since(start), cpuTime(t) - cpu0}
	if err != nil {
		t.Fatal(err)
	}
	checkRecap(t, res.Stats, len(b.f.Hosts), first)
	if *tasksFlag && rec == nil {
		t.Logf("tasks of the %s run:\n%s", map[bool]string{true: "first", false: "second"}[first], clock)
	}
	return m
}

// replay replays a recording with the same known_hosts, read once.
func (b *bench) replay(r *replay.Recording) measure {
	t := b.t
	cpu0, start := cpuTime(t), time.Now()
	hk, err := knownhosts.New(b.known)
	if err != nil {
		t.Fatal(err)
	}
	var res *replay.Result
	pprof.Do(context.Background(), pprof.Labels("side", "floor"), func(context.Context) {
		res, err = replay.Replay(r, hk, []string{ssh.KeyAlgoED25519})
	})
	m := measure{time.Since(start), cpuTime(t) - cpu0}
	if err != nil {
		t.Fatal(err)
	}
	if res.Differ > 0 {
		t.Fatalf("replay: %s", res)
	}
	return m
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
		n := h.fs.Load().get("/tmp/hapb-fleet/host.conf")
		if n == nil || string(n.data) != "host "+h.Name+"\n" {
			t.Fatalf("%s: host.conf is %v", h.Name, n)
		}
		if n := h.fs.Load().get("/tmp/hapb-fleet/static.conf"); n == nil || n.mode != 0o600 {
			t.Fatalf("%s: static.conf is %v", h.Name, n)
		}
	}
}

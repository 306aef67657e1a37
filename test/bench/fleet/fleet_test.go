package fleet

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

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
	portFlag  = flag.Int("fleet.port", 2222, "port of every host (each has its own 127.77.x.y)")
	bookFlag  = flag.String("fleet.playbook", "testdata/worker.yml", "the workload: worker.yml (the real worker path) or fleet.yml (10 trivial tasks)")
	// Strict host key checking either way; "lines" is what ssh-keyscan
	// gives, "wildcard" one line for the fleet ([127.77.*]:port), to tell
	// the cost of reading known_hosts apart.
	knownFlag = flag.String("fleet.known", "lines", "known_hosts: one line per host (lines) or one wildcard line (wildcard)")
	// In a process of their own, the servers' memory and CPU are not the
	// controller's: what is measured is hapb's alone.
	serversFlag = flag.String("fleet.servers", "process", "where the simulated hosts run: process (a child process) or inline (this one)")
	csvFlag     = flag.String("fleet.csv", "", "append the figures as a CSV line to this file (for plot.gp)")
	// The floor does the same remote work with the parallelism hapb has
	// (same), which tells what hapb adds; or every host at once (all), the
	// least time the remote work can take at all.
	floorFlag = flag.String("fleet.floor", "same", "the floor's parallelism: same (as -fleet.forks) or all (every host at once); none: no floor, hapb's two runs only (the memory figures)")
	heapFlag  = flag.String("fleet.heapprofile", "", "write the controller's heap profile as the second run's last task starts, every connection open")
	// One pair of runs is not a measure on a shared machine: see rounds.
	roundsFlag = flag.Int("fleet.rounds", 3, "rounds of hapb and the floor in turn; the ratios reported are their medians")
	allocFlag  = flag.String("fleet.allocprofile", "", "write heap profiles as hapb's second run starts (FILE.base) and ends (FILE), and the floor's (FILE.floor.base, FILE.floor): pprof -sample_index=alloc_space -diff_base FILE.base FILE shows what that run allocated (the last round's)")
	peakFlag   = flag.String("fleet.peakprofile", "", "write the controller's heap profile (as of the last collection, none forced) each time its heap in use grows 5% past the last one written: what was live at the peak")
)

// Targets of issue 17, at every size.
const (
	floorTarget = 1.15      // hapb's wall time over the floor's
	rssTarget   = 400 << 20 // the controller's peak RSS
)

// TestFleet runs the workload twice on a fleet of simulated hosts through
// the real inventory loader, executor, modules and SSH Dialer (strict host
// key checking against a known_hosts of every host): the first run changes
// every host, the second must change nothing. It reports each run's wall
// time and the controller's CPU time (this process; with -fleet.servers
// process the hosts' is apart) and peak RSS. Then it replays the commands
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
	gogc := run.TuneGC() // the controller's collector as hapb run sets it
	if *heapFlag != "" || *peakFlag != "" {
		runtime.MemProfileRate = 16 << 10 // a host's few KB show up
	}
	if !*fleetFlag && !flagSet("fleet.port") {
		*portFlag = freePort(t) // go test ./... beside a fleet running on 2222
	}
	dir := t.TempDir()
	keys := newKeys(t, dir)
	var f servers
	var err error
	switch *serversFlag {
	case "process":
		f, err = startProcess(dir, *hostsFlag, *portFlag, *bookFlag)
	case "inline":
		f, err = startInline(keys, *hostsFlag, *portFlag, *bookFlag)
	default:
		t.Fatalf("-fleet.servers %q: want process or inline", *serversFlag)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hosts := hostAddrs(*hostsFlag, *portFlag)
	b := &bench{t: t, f: f, hosts: hosts, known: writeKnownHosts(t, filepath.Join(dir, "known_hosts"), hosts, keys.host.PublicKey())}
	if b.inv, err = inventory.Load([]string{writeInventory(t, dir, hosts)}); err != nil {
		t.Fatal(err)
	}
	if b.pb, err = playbook.Load(*bookFlag, playbook.Options{}); err != nil {
		t.Fatal(err)
	}

	var hapb [2]measure
	mem := sampleMemory()
	for i, first := range []bool{true, false} {
		hapb[i] = b.hapb(first, nil)
	}
	t.Logf("controller memory at its peak: %s", mem.stop())
	if err := f.Check(); err != nil {
		t.Fatal(err)
	}
	rss := peakRSS(t)
	if *floorFlag == "none" {
		t.Logf("%d hosts × %d tasks (%s), forks %d, no floor, known_hosts %s, servers %s, GOGC %s; controller peak RSS %d MB",
			len(hosts), b.tasks, filepath.Base(*bookFlag), *forksFlag, *knownFlag, *serversFlag, gogc, rss>>20)
		for i, run := range []string{"first", "second"} {
			n := time.Duration(len(hosts) * b.tasks)
			t.Logf("%s run: hapb %s; per task-host %s wall, %s controller CPU", run, hapb[i],
				(hapb[i].wall / n).Round(time.Microsecond), (hapb[i].cpu / n).Round(time.Microsecond))
		}
		if rss > rssTarget && *serversFlag == "process" {
			t.Logf("target missed: controller peak RSS under %d MB", rssTarget>>20)
		}
		return
	}

	// The floor: record both runs from the same states, replay them.
	if err := f.Reset(); err != nil {
		t.Fatal(err)
	}
	var recs [2]*replay.Recording
	for i, first := range []bool{true, false} {
		rec := replay.NewRecorder()
		b.hapb(first, rec)
		recs[i] = rec.Recording()
	}
	rounds := b.rounds(recs)
	if err := f.Check(); err != nil {
		t.Fatal(err)
	}

	n, tasks := len(hosts), b.tasks
	t.Logf("%d hosts × %d tasks (%s), forks %d, floor %s, known_hosts %s, servers %s, GOGC %s, %d rounds; controller peak RSS %d MB",
		n, tasks, filepath.Base(*bookFlag), *forksFlag, *floorFlag, *knownFlag, *serversFlag, gogc, len(rounds), rss>>20)
	row := fmt.Sprintf("| %s | %d | %d | %d, %s", filepath.Base(*bookFlag), n, tasks, *forksFlag, *floorFlag)
	csv := fmt.Sprintf("%s,%d,%d,%d,%s", filepath.Base(*bookFlag), n, tasks, *forksFlag, *floorFlag)
	var spread, machine string
	for i, run := range []string{"first", "second"} {
		var wall, cpu, floorCPU, ratio, cpuRatio, machineRatio, floorWall []float64
		for r, rd := range rounds {
			h, fl := rd.hapb[i], rd.floor[i]
			wall, cpu = append(wall, h.wall.Seconds()), append(cpu, h.cpu.Seconds())
			floorWall, floorCPU = append(floorWall, fl.wall.Seconds()), append(floorCPU, fl.cpu.Seconds())
			ratio, cpuRatio = append(ratio, wall[r]/floorWall[r]), append(cpuRatio, cpu[r]/floorCPU[r])
			machineRatio = append(machineRatio, (h.cpu+h.servers).Seconds()/(fl.cpu+fl.servers).Seconds())
			t.Logf("round %d, %s run: hapb %s, floor %s: hapb/floor wall %.2f, controller CPU %.2f, controller and servers CPU %.2f",
				r+1, run, h, fl, ratio[r], cpuRatio[r], machineRatio[r])
		}
		lo, hi := slices.Min(ratio), slices.Max(ratio)
		m, mWall, mFloorWall, mCPU := median(ratio), median(wall), median(floorWall), median(cpu)
		per, cpuPer := mWall*1e6/float64(n*tasks), mCPU*1e6/float64(n*tasks)
		t.Logf("%s run (%d commands), medians of %d rounds: hapb/floor wall %.2f (%.2f–%.2f), controller CPU %.2f, controller and servers CPU %.2f; hapb per task-host %.0f µs wall, %.0f µs controller CPU",
			run, recs[i].Commands(), len(rounds), m, lo, hi, median(cpuRatio), median(machineRatio), per, cpuPer)
		row += fmt.Sprintf(" | %.2f s | %.2f s | %.2f× | %.0f µs | %.0f µs", mWall, mFloorWall, m, per, cpuPer)
		csv += fmt.Sprintf(",%.3f,%.3f,%.3f,%.3f,%.1f,%.1f", mWall, mFloorWall, m, mCPU, per, cpuPer)
		spread += fmt.Sprintf(",%.3f,%.3f,%.3f,%.3f", lo, hi, median(floorCPU), median(cpuRatio))
		machine += fmt.Sprintf(",%.3f", median(machineRatio))
		if m > floorTarget && *fleetFlag {
			t.Logf("target missed: %s run within %.2f× of the floor (median of the rounds)", run, floorTarget)
		}
	}
	fmt.Printf("%s | %d MB |\n", row, rss>>20)
	if *csvFlag != "" {
		fh, err := os.OpenFile(*csvFlag, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(fh, "%s,%d,%d%s%s\n", csv, rss>>20, len(rounds), spread, machine)
		fh.Close()
	}
	if rss > rssTarget && *serversFlag == "process" {
		t.Logf("target missed: controller peak RSS under %d MB", rssTarget>>20)
	}
}

// measure is a run's wall time, this process's CPU time (user + system:
// the controller's alone when the servers run apart) and what the Go
// runtime did meanwhile, which tells where CPU went that a profile's labels
// miss: the collector's and the scheduler's goroutines carry none.
type measure struct {
	wall time.Duration
	runtimeStats
}

func (m measure) String() string {
	return fmt.Sprintf("%.2fs (CPU %.2fs; %s)", m.wall.Seconds(), m.cpu.Seconds(), m.runtimeStats)
}

// runtimeStats are counters of the Go runtime (runtime/metrics) and of the
// process (getrusage, /proc/self/io).
type runtimeStats struct {
	cpu                              time.Duration // user + system
	allocs, objects, goroutines, gcs uint64
	gcCPU                            float64 // the runtime's estimate, seconds
	switches                         int64   // the process's threads' context switches
	reads, writes                    int64   // read and write system calls
	// The servers process's CPU time (-fleet.servers process): on a
	// machine the two processes fill, the wall time follows the sum.
	servers time.Duration
}

var runtimeMetrics = []string{"/gc/heap/allocs:bytes", "/gc/heap/allocs:objects", "/sched/goroutines-created:goroutines",
	"/gc/cycles/total:gc-cycles", "/cpu/classes/gc/total:cpu-seconds"}

func readRuntime() runtimeStats {
	s := make([]metrics.Sample, len(runtimeMetrics))
	for i, name := range runtimeMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	u := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	var gc float64
	if s[4].Value.Kind() == metrics.KindFloat64 {
		gc = s[4].Value.Float64()
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	st := runtimeStats{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), allocs: u(0), objects: u(1), goroutines: u(2), gcs: u(3),
		gcCPU: gc, switches: ru.Nvcsw + ru.Nivcsw}
	st.servers = processCPU(serversPID)
	if b, err := os.ReadFile("/proc/self/io"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(l, ": ")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "syscr":
				st.reads = n
			case "syscw":
				st.writes = n
			}
		}
	}
	return st
}

// processCPU is the user and system time of process pid (0: none), from
// /proc/pid/stat, whose fields 14 and 15 count clock ticks (USER_HZ, 100
// on Linux whatever the kernel's HZ).
func processCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if err != nil || i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func (a runtimeStats) minus(b runtimeStats) runtimeStats {
	return runtimeStats{a.cpu - b.cpu, a.allocs - b.allocs, a.objects - b.objects, a.goroutines - b.goroutines, a.gcs - b.gcs,
		a.gcCPU - b.gcCPU, a.switches - b.switches, a.reads - b.reads, a.writes - b.writes, a.servers - b.servers}
}

func (s runtimeStats) String() string {
	servers := ""
	if serversPID != 0 {
		servers = fmt.Sprintf("servers' CPU %.2fs, ", s.servers.Seconds())
	}
	return fmt.Sprintf("%sallocated %d MB in %dk objects, %dk goroutines, %d collections taking %.2fs, %dk context switches, %dk reads, %dk writes",
		servers, s.allocs>>20, s.objects/1000, s.goroutines/1000, s.gcs, s.gcCPU, s.switches/1000, s.reads/1000, s.writes/1000)
}

// bench is what the runs share.
type bench struct {
	t     *testing.T
	f     servers
	hosts []hostAddr
	known string
	inv   *inventory.Inventory
	pb    *playbook.Playbook
	tasks int // per host, from the first run's recap
}

// hapb runs the playbook as `hapb run` does, recording the commands if rec
// is not nil.
func (b *bench) hapb(first bool, rec *replay.Recorder) measure {
	t := b.t
	d := conn.NewDialer(conn.DialerOptions{KnownHosts: []string{b.known}, SSHConfigPath: "none",
		HostKeyChecking: conn.HostKeyStrict})
	defer d.Close()
	var out bytes.Buffer
	clock := newTaskClock(&out)
	if *heapFlag != "" && !first && rec == nil {
		clock.onTask = func() { writeHeap(t, *heapFlag) } // the last one stays
	}
	opts := run.Options{Inventory: b.inv, Connector: d, Reporter: clock, Forks: *forksFlag,
		PlaybookDir: filepath.Dir(*bookFlag)}
	if rec != nil {
		opts.Connector, opts.Reporter = rec.Connector(d), rec.Reporter(clock)
	}
	var res *run.Result
	var err error
	endAllocs := allocWindow(t, !first && rec == nil, "")
	rt0, start := readRuntime(), time.Now()
	// The labels mark the controller's goroutines in a -cpuprofile
	// (-tagfocus side=hapb, run=second, recording=false); with
	// -fleet.servers inline the simulated hosts' have none.
	labels := pprof.Labels("side", "hapb", "run", runName(first),
		"recording", fmt.Sprint(rec != nil))
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		res, err = run.Run(ctx, b.pb, opts)
	})
	m := measure{time.Since(start), readRuntime().minus(rt0)}
	endAllocs()
	if err != nil {
		t.Fatal(err)
	}
	if b.tasks, err = checkRecap(res.Stats, len(b.hosts), first); err != nil {
		t.Fatalf("%v; the run's output:\n%s", err, out.String())
	}
	if *tasksFlag && rec == nil {
		t.Logf("tasks of the %s run:\n%s", runName(first), clock)
	}
	return m
}

func (b *bench) floorForks() int {
	switch *floorFlag {
	case "same":
		return *forksFlag
	case "all":
		return 0
	}
	b.t.Fatalf("-fleet.floor %q: want same or all", *floorFlag)
	return 0
}

func runName(first bool) string { return map[bool]string{true: "first", false: "second"}[first] }

// replay replays a recording with the same known_hosts, read once.
func (b *bench) replay(r *replay.Recording, first bool) measure {
	t := b.t
	endAllocs := allocWindow(t, !first, ".floor")
	rt0, start := readRuntime(), time.Now()
	hk, err := floorHostKeys(b.known)
	if err != nil {
		t.Fatal(err)
	}
	var res *replay.Result
	pprof.Do(context.Background(), pprof.Labels("side", "floor", "run", runName(first)), func(context.Context) {
		res, err = replay.Replay(r, hk, []string{ssh.KeyAlgoED25519}, b.floorForks())
	})
	m := measure{time.Since(start), readRuntime().minus(rt0)}
	endAllocs()
	if err != nil {
		t.Fatal(err)
	}
	if res.Differ > 0 {
		t.Fatalf("replay: %s", res)
	}
	if *tasksFlag {
		var b strings.Builder
		fmt.Fprintf(&b, "%8s  connecting\n", res.Connect.Round(time.Millisecond))
		for i, d := range res.Task {
			fmt.Fprintf(&b, "%8s  task %d\n", d.Round(time.Millisecond), i)
		}
		t.Logf("floor, by task (hapb connects in its first task):\n%s", b.String())
	}
	return m
}

// round is one measurement of both sides, both runs.
type round struct{ hapb, floor [2]measure }

// rounds measures hapb and the floor -fleet.rounds times, in turn: hapb's
// first run and the floor's (each from a fresh fleet), then both second
// runs (from the state both first runs leave), the side that goes first
// changing every round. On a shared machine the load moves in minutes;
// measured a minute apart, the two sides of one pair differed by 0.7× to
// 1.6× from one run of the test to the next. Each run starts from a
// collected heap, so that neither side pays for the other's garbage.
func (b *bench) rounds(recs [2]*replay.Recording) []round {
	rs := make([]round, *roundsFlag)
	for r := range rs {
		hapbFirst := r%2 == 0
		for i, first := range []bool{true, false} {
			for _, hapb := range []bool{hapbFirst, !hapbFirst} {
				if first {
					if err := b.f.Reset(); err != nil {
						b.t.Fatal(err)
					}
				}
				runtime.GC()
				if hapb {
					rs[r].hapb[i] = b.hapb(first, nil)
				} else {
					rs[r].floor[i] = b.replay(recs[i], first)
				}
			}
		}
	}
	return rs
}

// median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// checkRecap wants every host alike and without failure, a change on
// every host on the first run and none on the second; it returns the
// tasks each host ran.
func checkRecap(stats []*report.HostStats, hosts int, first bool) (int, error) {
	if len(stats) != hosts {
		return 0, fmt.Errorf("recap has %d hosts, want %d", len(stats), hosts)
	}
	want := *stats[0]
	for _, s := range stats {
		if s.Failed+s.Unreachable > 0 || s.OK != want.OK || s.Changed != want.Changed || s.Skipped != want.Skipped {
			return 0, fmt.Errorf("%s: %+v; %s: %+v", s.Host, *s, want.Host, want)
		}
		if first && s.Changed == 0 || !first && s.Changed != 0 {
			return 0, fmt.Errorf("%s: changed=%d on the %s run", s.Host, s.Changed, runName(first))
		}
	}
	return want.OK + want.Skipped, nil
}

func writeHeap(t *testing.T, file string) {
	t.Helper()
	fh, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(fh); err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("controller memory, connections open: %d goroutines, stacks %d MB, heap in use %d MB (of %d MB from the OS), RSS peak %d MB",
		runtime.NumGoroutine(), ms.StackInuse>>20, ms.HeapInuse>>20, ms.HeapSys>>20, peakRSS(t)>>20)
}

// allocWindow brackets a second run for -fleet.allocprofile: it writes
// FILE+side+".base" now and returns what writes FILE+side once the run is
// measured; nothing without the flag or when the run is not one to profile.
func allocWindow(t *testing.T, profile bool, side string) (end func()) {
	if *allocFlag == "" || !profile {
		return func() {}
	}
	writeAllocs(t, *allocFlag+side+".base")
	return func() { writeAllocs(t, *allocFlag+side) }
}

// writeAllocs writes the heap profile, whose allocation counts are
// cumulative: two of them bracket a run. The profile holds what was
// allocated before the last collection but one, hence the two.
func writeAllocs(t *testing.T, file string) {
	t.Helper()
	runtime.GC()
	runtime.GC()
	fh, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := pprof.Lookup("allocs").WriteTo(fh, 0); err != nil {
		t.Fatal(err)
	}
}

// memSampler notes the controller's largest heap, stacks and goroutine
// count while hapb runs, twice a second: what its peak RSS is made of.
type memSampler struct {
	done                chan struct{}
	heap, stacks, goros uint64
	// startStack is the largest size new goroutines' stacks started at
	// (the runtime's average stack in use, rounded up to a power of 2).
	startStack uint64
	stopped    chan struct{}
}

func sampleMemory() *memSampler {
	m := &memSampler{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(m.stopped)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		var written uint64
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if *peakFlag != "" && ms.HeapInuse > written+written/20 {
				written = ms.HeapInuse
				if fh, err := os.Create(*peakFlag); err == nil {
					pprof.Lookup("heap").WriteTo(fh, 0)
					fh.Close()
				}
			}
			m.heap = max(m.heap, ms.HeapInuse)
			m.stacks = max(m.stacks, ms.StackInuse)
			m.goros = max(m.goros, uint64(runtime.NumGoroutine()))
			start := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
			if metrics.Read(start); start[0].Value.Kind() == metrics.KindUint64 {
				m.startStack = max(m.startStack, start[0].Value.Uint64())
			}
			select {
			case <-m.done:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *memSampler) stop() string {
	close(m.done)
	<-m.stopped
	return fmt.Sprintf("heap in use %d MB, stacks %d MB, %d goroutines (stacks starting at %d KB)", m.heap>>20, m.stacks>>20, m.goros, m.startStack>>10)
}

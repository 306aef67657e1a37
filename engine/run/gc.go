package run

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// GCPercent is the garbage collector's target (GOGC) for a run once its
// heap is large. What a run holds is mostly held until it ends: every
// host's SSH connection (x/crypto's buffers, ciphers and goroutine stacks),
// facts and variables. Go's default, 100, lets the heap grow by as much
// again, stacks counted, before it collects, and at thousands of hosts that
// doubling is most of the peak. 70 keeps the peak lower for a little more
// CPU spent collecting. Measured with test/bench/fleet (test/bench/README.md,
// the fleet at GOGC 70): at 5,000 hosts the controller's peak RSS 362–368
// MB against 420–425 MB with 100, and CPU per task-host within the runs'
// scatter (the collector is 10–13% of the controller's CPU and collects 43%
// more often: 4–6%).
const GCPercent = 70

// GCHeadroom is how far the heap may grow past what the last collection
// left live, stacks and globals counted, before the next one, at least. A
// fixed percentage collects a small heap as often as a large one, for
// nothing: at a few hundred hosts the live heap is tens of MB and a run
// allocates ten times that, so GOGC 70 collected eight times a run and
// was 0.08 of the 1.2× the fleet's controller spends over the floor's CPU
// (with no collection at all, 1.14×: test/bench/README.md). With this
// headroom the percentage falls to GCPercent as the heap grows past
// GCHeadroom/GCPercent (about 90 MB, around 1,000 hosts), so the peak at
// thousands of hosts is GOGC 70's.
const GCHeadroom = 64 << 20

// maxGCPercent bounds the target for a tiny heap: the runtime's smallest
// goal is 4 MB×GOGC/100, 64 MB here, GCHeadroom.
const maxGCPercent = 1600

// gcPercentFor is the target that gives a heap whose collections leave
// scan bytes to mark (live heap, stacks, globals) GCHeadroom to grow into,
// or GCPercent of it if that is more.
func gcPercentFor(scan uint64) int {
	if scan == 0 {
		return maxGCPercent
	}
	return int(min(max(GCHeadroom*100/scan, GCPercent), maxGCPercent))
}

// TuneGC sets the collector's target as above, again after each
// collection, unless GOGC is set in the environment, which still decides
// (GOMEMLIMIT, if set, bounds the heap either way); it returns the target
// in effect, for the benchmarks' reports.
func TuneGC() string {
	if v, ok := os.LookupEnv("GOGC"); ok {
		return v
	}
	tuner.once.Do(func() {
		tuner.samples = []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
		tuner.percent = maxGCPercent
		debug.SetGCPercent(tuner.percent)
		tuner.arm()
	})
	return fmt.Sprintf("%d, at least %d MiB of headroom", GCPercent, GCHeadroom>>20)
}

var tuner gcTuner

// gcTuner resets the target after every collection: a finalizer runs once
// an object becomes garbage, so one on an object nothing holds runs after
// each cycle, and arms the next.
type gcTuner struct {
	once    sync.Once
	percent int
	samples []metrics.Sample
}

// gcSentinel holds a pointer so that it is not a tiny allocation, whose
// finalizer might never run.
type gcSentinel struct{ _ *int }

func (g *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		g.tune()
		g.arm()
	})
}

func (g *gcTuner) tune() {
	metrics.Read(g.samples)
	var scan uint64
	for _, s := range g.samples {
		if s.Value.Kind() == metrics.KindUint64 {
			scan += s.Value.Uint64()
		}
	}
	// A change under an eighth is not worth resetting the runtime's pacer,
	// unless it reaches a bound.
	p := gcPercentFor(scan)
	small := abs(p-g.percent) <= g.percent/8 && p != GCPercent && p != maxGCPercent
	if p != g.percent && !small {
		g.percent = p
		debug.SetGCPercent(p)
	}
}

func abs(n int) int { return max(n, -n) }

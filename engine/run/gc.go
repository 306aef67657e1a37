package run

import (
	"os"
	"runtime/debug"
	"strconv"
)

// GCPercent is the garbage collector's target (GOGC) for a run. What a run
// holds is mostly held until it ends: every host's SSH connection (x/crypto's
// buffers, ciphers and goroutine stacks), facts and variables. Go's default,
// 100, lets the heap grow by as much again, stacks counted, before it
// collects, and at thousands of hosts that doubling is most of the peak.
// 70 keeps the peak lower for a little more CPU spent collecting. Measured
// with test/bench/fleet (test/bench/README.md, the fleet at GOGC 70): at
// 5,000 hosts the controller's peak RSS 362–368 MB against 420–425 MB with
// 100, and CPU
// per task-host within the runs' scatter (the collector is 10–13% of the
// controller's CPU and collects 43% more often: 4–6%).
const GCPercent = 70

// TuneGC sets the collector's target to GCPercent unless GOGC is set in the
// environment, which still decides; it returns the target in effect.
func TuneGC() string {
	if v, ok := os.LookupEnv("GOGC"); ok {
		return v
	}
	debug.SetGCPercent(GCPercent)
	return strconv.Itoa(GCPercent)
}

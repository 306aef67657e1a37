package run

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	tests := []struct {
		scan uint64
		want int
	}{
		{0, maxGCPercent},
		{1 << 20, maxGCPercent}, // 6,400% capped
		{4 << 20, maxGCPercent}, // exactly the cap
		{32 << 20, 200},         // 64 MiB of headroom
		{64 << 20, 100},
		{90 << 20, 71},
		{100 << 20, GCPercent}, // past GCHeadroom/GCPercent: GOGC 70
		{1 << 30, GCPercent},   // thousands of hosts
	}
	for _, tt := range tests {
		if got := gcPercentFor(tt.scan); got != tt.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", tt.scan>>20, got, tt.want)
		}
	}
}

// gcPercent is the runtime's target, read without setting it.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Run("GOGC decides", func(t *testing.T) {
		debug.SetGCPercent(100)
		t.Setenv("GOGC", "150") // the runtime read GOGC at start; TuneGC leaves it
		if got := TuneGC(); got != "150" {
			t.Errorf("TuneGC() = %q, want 150", got)
		}
		if got := gcPercent(); got != 100 {
			t.Errorf("GC percent %d, want 100 (untouched)", got)
		}
	})
	t.Run("tuned after each collection", func(t *testing.T) {
		t.Setenv("GOGC", "")
		os.Unsetenv("GOGC")
		if got, want := TuneGC(), "70, at least 64 MiB of headroom"; got != want {
			t.Errorf("TuneGC() = %q, want %q", got, want)
		}
		// A live heap of 32 MiB and more is given 64 MiB to grow: 200% or
		// less; freed, the heap is small again and the target the cap.
		live := make([]byte, 32<<20)
		waitPercent(t, func(p int) bool { return p <= 200 && p >= GCPercent })
		runtime.KeepAlive(live)
		waitPercent(t, func(p int) bool { return p == maxGCPercent })
	})
}

// waitPercent collects until the tuner has set a target ok accepts.
func waitPercent(t *testing.T, ok func(int) bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs after the cycle
		if ok(gcPercent()) {
			return
		}
	}
	t.Fatalf("GC percent %d after collections", gcPercent())
}

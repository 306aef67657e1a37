package run

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		name, env, want string
		percent         int
	}{
		{"default", "", "70", GCPercent},
		{"GOGC decides", "150", "150", 100}, // the runtime read GOGC at start; TuneGC leaves it
		{"GOGC off", "off", "off", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			if tt.env != "" {
				t.Setenv("GOGC", tt.env)
			} else {
				t.Setenv("GOGC", "")
				os.Unsetenv("GOGC")
			}
			if got := TuneGC(); got != tt.want {
				t.Errorf("TuneGC() = %q, want %q", got, tt.want)
			}
			if got := debug.SetGCPercent(100); got != tt.percent {
				t.Errorf("GC percent %d, want %d", got, tt.percent)
			}
		})
	}
}

package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// task is one task of a scripted run: its results in host order, and the
// hosts TaskHosts is told (0: not told, as for a result outside a module).
type task struct {
	name    string
	hosts   int
	results []*HostResult
	retries int // Retrying calls before the results
}

// hosts makes n results named h0000…, with the statuses at the given
// indexes and OK elsewhere; host i took i milliseconds.
func hosts(n int, at map[int]Status) []*HostResult {
	out := make([]*HostResult, n)
	for i := range out {
		st, ok := at[i]
		if !ok {
			st = OK
		}
		r := &HostResult{Host: fmt.Sprintf("h%04d", i), Status: st, Duration: time.Duration(i) * time.Millisecond}
		if st == Failed {
			r.Msg = "non-zero return code"
			r.Data = map[string]any{"rc": 1, "stderr": "boom", "cmd": "false"}
		}
		if st == Unreachable {
			r.Msg = "dial tcp: connection refused"
		}
		out[i] = r
	}
	return out
}

// loopHosts makes n hosts with two items each; host 1's second item fails.
func loopHosts(n int) []*HostResult {
	var out []*HostResult
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("h%04d", i)
		out = append(out, &HostResult{Host: h, Status: Changed, Item: "a"})
		if i == 1 {
			out = append(out, &HostResult{Host: h, Status: Failed, Item: "b", Msg: "item b failed"},
				&HostResult{Host: h, Status: Failed, Loop: true, Msg: "One or more items failed"})
			continue
		}
		out = append(out, &HostResult{Host: h, Status: OK, Item: "b"})
	}
	return out
}

// play reports one play of tasks, then the recap from the results.
func play(rep Reporter, tasks []task) {
	rep.PlayStart(Play{Name: "fleet"})
	stats := map[string]*HostStats{}
	var order []*HostStats
	for _, tk := range tasks {
		rep.TaskStart(tk.name, KindTask)
		if s, ok := rep.(TaskSizer); ok && tk.hosts > 0 {
			s.TaskHosts(tk.hosts)
		}
		for i := 0; i < tk.retries; i++ {
			rep.Retrying(fmt.Sprintf("h%04d", i), tk.name, 3)
		}
		for _, r := range tk.results {
			rep.Result(r)
			st := stats[r.Host]
			if st == nil {
				st = &HostStats{Host: r.Host}
				stats[r.Host] = st
				order = append(order, st)
			}
			if r.Item != "" {
				continue
			}
			switch r.Status {
			case OK:
				st.OK++
			case Changed:
				st.OK++
				st.Changed++
			case Failed:
				st.Failed++
			case Skipped:
				st.Skipped++
			case Unreachable:
				st.Unreachable++
			}
		}
	}
	rep.Recap(order, 1500*time.Millisecond)
}

func TestTextGolden(t *testing.T) {
	many := []task{
		{name: "gather", hosts: 60, results: hosts(60, nil)},
		{name: "configure", hosts: 60, results: hosts(60, map[int]Status{3: Changed, 7: Failed, 9: Skipped})},
		{name: "after the failure", hosts: 59, results: hosts(59, map[int]Status{12: Unreachable}), retries: 4},
		{name: "loop", hosts: 58, results: loopHosts(58)},
	}
	tests := []struct {
		name string
		text Text
		run  []task
	}{
		// Up to the threshold, every host has its line, as before.
		{"few", Text{Summary: 50}, []task{{name: "configure", hosts: 4, results: hosts(4, map[int]Status{1: Changed, 2: Failed})}}},
		// Past it, one line per task, failures in full, a short recap.
		{"many", Text{Summary: 50}, many},
		// -v restores every host's line.
		{"many-verbose", Text{Summary: 50, Verbosity: 1}, many[:2]},
		// Summary 0 never summarises.
		{"many-off", Text{}, many[1:2]},
		// The slowest hosts, with timing on.
		{"many-timing", Text{Summary: 50, Timing: true}, many[:2]},
		// A live progress line, redrawn on a terminal only.
		{"many-live", Text{Summary: 50, Live: true}, many[1:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			rep := tt.text
			rep.W = &b
			clock := time.Unix(0, 0)
			rep.now = func() time.Time { clock = clock.Add(30 * time.Millisecond); return clock }
			play(&rep, tt.run)
			golden(t, filepath.Join("testdata", tt.name+".golden"), b.Bytes())
		})
	}
}

// TestSummaryLoop counts a host once whatever its items: its worst status.
func TestSummaryLoop(t *testing.T) {
	s := &summary{hosts: 3, count: map[Status]int{}}
	for _, r := range loopHosts(3) {
		s.add(r)
		if r.Item == "" {
			s.commit()
		}
	}
	s.commit()
	if s.done != 3 || s.count[Changed] != 2 || s.count[Failed] != 1 {
		t.Fatalf("done=%d counts=%v, want 3 hosts: changed=2 failed=1", s.done, s.count)
	}
}

// TestSummaryIgnored counts an ignored failure as ok and ignored, as the
// recap does.
func TestSummaryIgnored(t *testing.T) {
	s := &summary{hosts: 2, count: map[Status]int{}}
	s.add(&HostResult{Host: "a", Status: Failed, Ignored: true})
	s.add(&HostResult{Host: "b", Status: Failed})
	s.commit()
	if s.count[OK] != 1 || s.count[Failed] != 1 || s.ignored != 1 {
		t.Fatalf("counts %v, ignored %d; want ok=1 failed=1 ignored=1", s.count, s.ignored)
	}
}

// TestSlowest keeps the three slowest hosts, slowest first.
func TestSlowest(t *testing.T) {
	s := &summary{count: map[Status]int{}}
	for i, ms := range []int{5, 1, 9, 3, 7, 9} {
		s.add(&HostResult{Host: fmt.Sprint("h", i), Status: OK, Duration: time.Duration(ms) * time.Millisecond})
		s.commit()
	}
	got := fmt.Sprint(s.slow)
	if want := "[{h2 9000000} {h5 9000000} {h4 7000000}]"; got != want {
		t.Fatalf("slowest %s, want %s", got, want)
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update to accept):\n%s", file, got)
	}
}

// TestProgressFinished: the progress line counts the hosts that finished,
// ahead of their results, which wait for a slow first host.
func TestProgressFinished(t *testing.T) {
	var b bytes.Buffer
	clock := time.Unix(0, 0)
	rep := &Text{W: &b, Summary: 2, Live: true, now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	rep.TaskStart("slow first host", KindTask)
	rep.TaskHosts(3)
	rep.HostDone() // h0002
	rep.HostDone() // h0001
	if got, want := b.String(), "\r\x1b[K[2/3] ok=0    changed=0    unreachable=0    failed=0    skipped=0"; !bytes.HasSuffix([]byte(got), []byte(want)) {
		t.Fatalf("progress %q, want it to end with %q", got, want)
	}
	rep.HostDone() // h0000
	for _, r := range hosts(3, nil) {
		rep.Result(r)
	}
	rep.Recap(nil, 0)
	if got, want := b.String(), "3 hosts: ok=3"; !bytes.Contains([]byte(got), []byte(want)) {
		t.Fatalf("output %q, want %q in it", got, want)
	}
}

package run

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
)

// TestExecutorScale runs a smaller fleet through the same path as the
// benchmark and checks the recap adds up.
func TestExecutorScale(t *testing.T) {
	var out bytes.Buffer
	res, err := Run(context.Background(), benchPlaybook(5), Options{
		Inventory: newMemInventory(30), Connector: memConnector{},
		Reporter: &report.Text{W: &out}, Forks: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stats) != 30 {
		t.Fatalf("%d hosts in recap, want 30", len(res.Stats))
	}
	for _, s := range res.Stats {
		if s.OK != 5 || s.Changed != 0 || s.Failed != 0 {
			t.Errorf("%s: %+v, want ok=5", s.Host, *s)
		}
	}
	// Output is in host order whatever the completion order.
	text := out.String()
	if i, j := strings.Index(text, "ok: [host0000]"), strings.Index(text, "ok: [host0029]"); i < 0 || j < i {
		t.Errorf("results out of host order:\n%s", text)
	}
}

func TestSerialBatches(t *testing.T) {
	tests := []struct {
		serial []any
		hosts  int
		want   []int
	}{
		{nil, 5, []int{5}},
		{[]any{2}, 5, []int{2, 2, 1}},
		{[]any{"40%"}, 5, []int{2, 2, 1}},
		{[]any{1, "50%"}, 7, []int{1, 3, 3}},
		{[]any{"10%"}, 5, []int{1, 1, 1, 1, 1}},
	}
	for _, tt := range tests {
		p := &playRun{play: &playbook.Play{Serial: tt.serial}}
		for i := 0; i < tt.hosts; i++ {
			p.hosts = append(p.hosts, &hostState{})
		}
		var got []int
		for _, b := range p.batches() {
			got = append(got, len(b))
		}
		if len(got) != len(tt.want) {
			t.Errorf("serial %v over %d: %v, want %v", tt.serial, tt.hosts, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("serial %v over %d: %v, want %v", tt.serial, tt.hosts, got, tt.want)
				break
			}
		}
	}
}

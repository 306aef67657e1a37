package run

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/report"
)

// TestFreeStrategy runs a free play over an in-memory fleet: every host
// runs every task, results registered on one host are read through
// hostvars by others while modules run unlocked (go test -race checks the
// bookkeeping stays serial), and each result is shown under its task.
func TestFreeStrategy(t *testing.T) {
	pb := benchPlaybook(6)
	play := pb.Plays[0]
	play.Strategy = "free"
	play.Serial = []any{7}
	for _, tk := range play.Tasks {
		tk.Register = "last"
	}
	var out bytes.Buffer
	res, err := Run(context.Background(), pb, Options{
		Inventory: newMemInventory(20), Connector: memConnector{},
		Reporter: &report.Text{W: &out}, Forks: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stats) != 20 {
		t.Fatalf("%d hosts in recap, want 20", len(res.Stats))
	}
	for _, s := range res.Stats {
		if s.OK != 6 || s.Failed != 0 {
			t.Errorf("%s: %+v, want ok=6", s.Host, *s)
		}
	}
	// Every result line follows a header of its own task.
	header := ""
	for _, l := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(l, "TASK ["):
			header = l
		case strings.HasPrefix(l, "ok: [") && header == "":
			t.Fatalf("a result before any task header:\n%s", out.String())
		}
	}
}

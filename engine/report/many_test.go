package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/run"
)

// updating is text_test.go's -update flag (one test binary, one flag).
func updating() bool { return flag.Lookup("update").Value.String() == "true" }

// TestManyHosts runs testdata/many.yml on 120 hosts through the real
// executor and modules, over the in-memory connection: above the
// threshold the output is a line per task, the failure in full, a short
// recap (golden); -v gives every host's line again and the JSON events
// stay one per host and result (counted: they hold the commands' times).
func TestManyHosts(t *testing.T) {
	pb, err := playbook.Load("testdata/many.yml", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(rep report.Reporter) {
		t.Helper()
		res, err := run.Run(context.Background(), pb, run.Options{
			Inventory: newInventory(120), Connector: connector{}, Reporter: rep, Forks: 9,
		})
		if err != nil {
			t.Fatal(err)
		}
		if code := res.ExitCode(nil); code != run.ExitFailed {
			t.Errorf("exit code %d, want %d", code, run.ExitFailed)
		}
	}

	var text bytes.Buffer
	exec(&report.Text{W: &text, Summary: 50})
	file := filepath.Join("testdata", "many-run.golden")
	if updating() {
		if err := os.WriteFile(file, text.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(file); err != nil {
		t.Fatalf("%v (go test -update to create it)", err)
	} else if !bytes.Equal(text.Bytes(), want) {
		t.Errorf("output differs from %s (go test -update to accept):\n%s", file, text.Bytes())
	}

	// Every host has a line for each of the first two tasks (h0005 is
	// skipped, h0042 fails and leaves), the others one for each loop item
	// and one for the debug.
	const perHost = 120*2 + 119*3
	var verbose bytes.Buffer
	exec(&report.Text{W: &verbose, Summary: 50, Verbosity: 1})
	n := 0
	for _, l := range strings.Split(verbose.String(), "\n") {
		if strings.HasPrefix(l, "ok: [") || strings.HasPrefix(l, "changed: [") || strings.HasPrefix(l, "skipping: [") ||
			strings.HasPrefix(l, "fatal: [") {
			n++
		}
	}
	if n != perHost {
		t.Errorf("-v: %d host lines, want %d", n, perHost)
	}

	var js bytes.Buffer
	exec(&report.JSON{W: &js})
	n = 0
	for _, l := range strings.Split(strings.TrimSpace(js.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("JSON line %q: %v", l, err)
		}
		ts, err := time.Parse(time.RFC3339Nano, fmt.Sprint(ev["ts"]))
		if err != nil {
			t.Fatalf("JSON line %q: ts: %v", l, err)
		}
		if ev["event"] != "result" {
			continue
		}
		n++
		// A host's time in a task (or item) is end - start; it was reported
		// when every earlier host was done, so at ts or before.
		start, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(ev["start"]))
		end, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(ev["end"]))
		if err1 != nil || err2 != nil || end.Before(start) || ts.Before(end) || ev["action"] == nil {
			t.Errorf("JSON line %q: want action and start <= end <= ts", l)
		}
	}
	if n != perHost {
		t.Errorf("JSON: %d result events, want %d", n, perHost)
	}
}

// inventory is n hosts h0000… in one group.
type inventory struct {
	names []string
	vars  map[string]map[string]any
}

func newInventory(n int) *inventory {
	inv := &inventory{vars: map[string]map[string]any{}}
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("h%04d", i)
		inv.names = append(inv.names, h)
		inv.vars[h] = map[string]any{"inventory_hostname": h}
	}
	return inv
}

func (inv *inventory) HostNames(string) ([]string, error)  { return inv.names, nil }
func (inv *inventory) HostVars(name string) map[string]any { return inv.vars[name] }
func (inv *inventory) Groups() map[string][]string {
	return map[string][]string{"all": inv.names}
}

// connector gives each host an in-memory connection; check-disk fails on
// h0042.
type connector struct{}

func (connector) Connect(_ context.Context, host string, _ map[string]any) (conn.Conn, error) {
	f := conntest.New()
	if host == "h0042" {
		f.On("check-disk", 1, "")
	}
	return f, nil
}

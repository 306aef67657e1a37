package run

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
)

// fakeConnector hands out one recording connection.
type fakeConnector struct{ c *conntest.Fake }

func (f fakeConnector) Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error) {
	return f.c, nil
}

// TestBecomeUserTemplate: a templated become_user is rendered per host,
// not handed to sudo as written.
func TestBecomeUserTemplate(t *testing.T) {
	fake := conntest.New()
	play := &playbook.Play{Name: "become", Hosts: "h1", Vars: map[string]any{"app_user": "svc"},
		Tasks: []*playbook.Task{{Name: "as app", Action: "probe", Module: probe{},
			Params: &probeParams{Cmd: "id"}, Become: true, BecomeUser: "{{ .app_user }}"}}}
	var out bytes.Buffer
	if _, err := Run(context.Background(), &playbook.Playbook{Plays: []*playbook.Play{play}},
		Options{Inventory: twoHosts{}, Connector: fakeConnector{fake}, Reporter: &report.Text{W: &out}}); err != nil {
		t.Fatal(err)
	}
	if len(fake.Log) != 1 || !strings.HasPrefix(fake.Log[0], "[as svc] ") {
		t.Errorf("commands run: %q, want one as svc\n%s", fake.Log, out.String())
	}
}

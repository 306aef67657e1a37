package run

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// rockyHost answers the setup script as a Rocky Linux host would.
type rockyHost struct{}

func (rockyHost) Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error) {
	return conntest.New().On("@@hapb", 0, "\n@@hapb os_release\nID=\"rocky\"\nVERSION_ID=\"9.4\"\n"+
		"\n@@hapb uname\n5.14.0\nx86_64\n"+host+"\n\n@@hapb end\n"), nil
}

// factsInventory gives h1 an inventory variable a fact overrides.
type factsInventory struct{ twoHosts }

func (factsInventory) HostVars(name string) map[string]any {
	return map[string]any{"ansible_kernel": "from the inventory"}
}

// TestGatheredFactsBothNames: a gathered fact is a variable under its
// top-level name and in ansible_facts, on the host and through hostvars,
// in check mode too, at the facts' precedence (over the inventory, under
// play vars).
func TestGatheredFactsBothNames(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"{{ .ansible_distribution }}", "Rocky"},
		{"{{ .ansible_facts.distribution }}", "Rocky"},
		{"{{ .ansible_os_family }}/{{ .ansible_facts.os_family }}", "RedHat/RedHat"},
		{"{{ .hostvars.h2.ansible_nodename }}", "h2"},
		{"{{ .hostvars.h2.ansible_facts.nodename }}", "h2"},
		{"{{ .ansible_kernel }}", "5.14.0"},
		{"{{ .ansible_facts.kernel }}", "5.14.0"},
		{"{{ .ansible_architecture }}", "from the play"},
		{"{{ .ansible_facts.architecture }}", "x86_64"},
		{"{{ .module_setup }}", "true"},
	}
	debug, _ := modules.Lookup("debug")
	for _, check := range []bool{false, true} {
		play := &playbook.Play{Name: "facts", Hosts: "all", GatherFacts: true,
			Vars: map[string]any{"ansible_architecture": "from the play"}}
		for _, tt := range tests {
			play.Tasks = append(play.Tasks, &playbook.Task{Name: "show", Action: "debug", Module: debug,
				Args: map[string]any{"msg": tmpl.MustParse("t", tt.expr)}})
		}
		var out bytes.Buffer
		_, err := Run(context.Background(), &playbook.Playbook{Plays: []*playbook.Play{play}},
			Options{Inventory: factsInventory{}, Connector: rockyHost{}, Reporter: &report.JSON{W: &out}, Check: check})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range strings.Split(out.String(), "\n") {
			var e struct{ Event, Action, Msg string }
			if json.Unmarshal([]byte(l), &e) == nil && e.Event == "result" && e.Action == "debug" {
				got = append(got, e.Msg)
			}
		}
		if len(got) != 2*len(tests) {
			t.Fatalf("check %v: %d debug results, want %d:\n%s", check, len(got), 2*len(tests), out.String())
		}
		for i, tt := range tests {
			if got[2*i] != tt.want || got[2*i+1] != tt.want {
				t.Errorf("check %v: %s = %q, %q; want %q on both hosts", check, tt.expr, got[2*i], got[2*i+1], tt.want)
			}
		}
	}
}

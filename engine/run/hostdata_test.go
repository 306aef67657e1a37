package run

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

// twoHosts is an inventory where h2 holds a secret h1 must never reach.
type twoHosts struct{}

func (twoHosts) HostNames(pattern string) ([]string, error) {
	if pattern == "h1" {
		return []string{"h1"}, nil
	}
	return []string{"h1", "h2"}, nil
}
func (twoHosts) HostVars(name string) map[string]any {
	if name == "h2" {
		return map[string]any{"private_value": "h2-private-value"}
	}
	return map[string]any{}
}
func (twoHosts) Groups() map[string][]string { return map[string][]string{"all": {"h1", "h2"}} }

// hostileFacts is a host whose gathered facts hold template syntax.
type hostileFacts struct{}

func (hostileFacts) Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error) {
	return conntest.New().On("@@hapb", 0, "\n@@hapb os_release\n"+
		`ID="{{ .hostvars.h2.private_value }}"`+"\n"+
		`VERSION_ID="{{range 100000}}{{range 100000}}{{range 100000}}{{end}}{{end}}{{end}}"`+"\n"+
		"\n@@hapb end\n"), nil
}

// TestGatheredFactsAreData: facts from a host are never rendered, neither
// where a task uses them nor in a lazy play variable built on them.
func TestGatheredFactsAreData(t *testing.T) {
	debug, _ := modules.Lookup("debug")
	msg := func(s string) map[string]any { return map[string]any{"msg": tmpl.MustParse("t", s)} }
	play := &playbook.Play{Name: "facts", Hosts: "h1", GatherFacts: true,
		Vars: map[string]any{"lazy": tmpl.MustParse("v", "lazy {{ .ansible_distribution }}")}}
	for _, s := range []string{"{{ .ansible_distribution }}", "{{ .ansible_distribution_version }}", "{{ .lazy }}"} {
		play.Tasks = append(play.Tasks, &playbook.Task{Name: "show", Action: "debug", Module: debug, Args: msg(s)})
	}
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), &playbook.Playbook{Plays: []*playbook.Play{play}},
			Options{Inventory: twoHosts{}, Connector: hostileFacts{}, Reporter: &report.JSON{W: &out}})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rendering host facts did not end")
	}
	text := out.String()
	if strings.Contains(text, "h2-private-value") {
		t.Errorf("a fact was rendered: h2's variable is in the output:\n%s", text)
	}
	for _, want := range []string{`"msg":"{{ .hostvars.h2.private_value }}"`, `"msg":"lazy {{ .hostvars.h2.private_value }}"`,
		`"msg":"{{range 100000}}{{range 100000}}{{range 100000}}{{end}}{{end}}{{end}}"`} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %s:\n%s", want, text)
		}
	}
}

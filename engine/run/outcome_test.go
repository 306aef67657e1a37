package run

import (
	"testing"

	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/modules"
)

// TestReportedKeepsWhatApplyReads: once shown, an outcome keeps its
// verdict, facts and the value register or a rescue reads, and nothing
// else.
func TestReportedKeepsWhatApplyReads(t *testing.T) {
	tests := []struct {
		name           string
		register       string
		failed         bool
		keepRegistered bool
	}{
		{name: "ok", keepRegistered: false},
		{name: "registered", register: "r", keepRegistered: true},
		{name: "failed", failed: true, keepRegistered: true},
	}
	for _, tt := range tests {
		res := modules.Result{Changed: true, Failed: tt.failed, Msg: "m",
			Data: map[string]any{"rc": 0}, Diffs: []modules.Diff{{Path: "/p"}}, Output: "o", Secrets: []string{"s"},
			Facts: map[string]any{"f": 1}}
		out := &outcome{res: res, items: []*itemOutcome{{label: "i"}}, registered: resultMap(&res)}
		out.reported(&playbook.Task{Register: tt.register})
		if out.items != nil || out.res.Data != nil || out.res.Diffs != nil || out.res.Output != "" || out.res.Secrets != nil {
			t.Errorf("%s: what only the report reads is kept: %+v", tt.name, out)
		}
		if !out.res.Changed || out.res.Failed != tt.failed || out.res.Facts == nil {
			t.Errorf("%s: what apply reads is gone: %+v", tt.name, out.res)
		}
		if (out.registered != nil) != tt.keepRegistered {
			t.Errorf("%s: registered = %v, want kept %v", tt.name, out.registered, tt.keepRegistered)
		}
	}
}

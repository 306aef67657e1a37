package modules

import (
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/params"
)

// TestOperandParams: values that become operands of host tools decode only
// when they are what they claim to be, never an option.
func TestOperandParams(t *testing.T) {
	tests := []struct {
		module string
		args   map[string]any
		err    string // "" when it must decode
	}{
		{"file", map[string]any{"path": "/x", "owner": "root", "group": "0"}, ""},
		{"file", map[string]any{"path": "/x", "owner": "www-data", "group": "domain.users"}, ""},
		{"file", map[string]any{"path": "/x", "owner": 1000, "group": "host$"}, ""},
		{"file", map[string]any{"path": "/x", "owner": "--reference=/etc/shadow"}, "not a user or group name"},
		{"file", map[string]any{"path": "/x", "group": "-h"}, "not a user or group name"},
		{"file", map[string]any{"path": "/x", "owner": "root:shadow"}, "not a user or group name"},
		{"copy", map[string]any{"dest": "/x", "content": "", "owner": "a b"}, "not a user or group name"},
		{"lineinfile", map[string]any{"path": "/x", "line": "l", "group": "--reference=/etc/shadow"}, "not a user or group name"},
		{"kubeadm", map[string]any{"action": "join", "api_server_endpoint": "192.168.33.130:6443"}, ""},
		{"kubeadm", map[string]any{"action": "join", "api_server_endpoint": "[fd00::1]:6443"}, ""},
		{"kubeadm", map[string]any{"action": "join", "api_server_endpoint": "vip.example.com:6443"}, ""},
		{"kubeadm", map[string]any{"action": "join", "api_server_endpoint": "--config=/tmp/evil.yaml"}, "not HOST:PORT"},
		{"kubeadm", map[string]any{"action": "join", "api_server_endpoint": "--v=9:6443"}, "bad host"},
		{"kubeadm", map[string]any{"action": "join", "api_server_endpoint": "vip:http"}, "bad port"},
	}
	for _, tt := range tests {
		m, _ := Lookup(tt.module)
		err := params.Decode(tt.args, m.NewParams())
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s %v: got %v, want %q", tt.module, tt.args, err, tt.err)
		}
	}
}

// TestChownSpecAfterDashes: chown reads options up to "--", so the spec
// goes after it.
func TestChownSpecAfterDashes(t *testing.T) {
	c := &attrChange{Path: "/p", Owner: "root", Group: "0", NoDeref: true}
	if got, want := c.shell(), "chown -h -- root:0 /p"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestSysctlKeyOption: a key that sysctl -w would read as an option.
func TestSysctlKeyOption(t *testing.T) {
	_, err := planApply(t, "sysctl", localTask(true, false), map[string]any{"name": "-p/etc/shadow", "value": "1"})
	if err == nil || !strings.Contains(err.Error(), "invalid key") {
		t.Errorf("got %v, want an invalid key", err)
	}
}

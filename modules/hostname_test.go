package modules

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
)

func TestHostname(t *testing.T) {
	tests := []struct {
		name, out, set string
		ctlFails       bool
		changed        bool
		ran, notRan    string
		file           bool
		err            string
	}{
		{"same", "\n@@hapb live\nmaster1\n\n@@hapb file\nmaster1\n\n@@hapb end\n", "master1", false, false, "", "", false, ""},
		{"hostnamectl", "\n@@hapb live\nlocalhost\n\n@@hapb file\nlocalhost\n\n@@hapb ctl\nyes\n\n@@hapb end\n", "master1", false, true, "hostnamectl set-hostname -- master1", "hostname master1", false, ""},
		{"file differs", "\n@@hapb live\nmaster1\n\n@@hapb ctl\nyes\n\n@@hapb end\n", "master1", false, true, "hostnamectl set-hostname", "", false, ""},
		{"no hostnamectl", "\n@@hapb live\nlocalhost\n\n@@hapb end\n", "etcd1.lab", false, true, "hostname etcd1.lab", "hostnamectl set-hostname", true, ""},
		{"hostnamectl fails", "\n@@hapb live\nx\n\n@@hapb ctl\nyes\n\n@@hapb end\n", "etcd1", true, true, "hostname etcd1", "", true, ""},
		{"hostile", "", "a;rm -rf /", false, false, "", "", false, "invalid host name"},
		{"option", "", "-rf", false, false, "", "", false, "invalid host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := conntest.New().On("@@hapb", 0, tt.out)
			if tt.ctlFails {
				fake.On("hostnamectl set-hostname", 1, "")
			}
			plan, err := hostnamePlan(context.Background(), &Task{Conn: fake}, &hostnameParams{Name: tt.set})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || len(fake.Log) > 0 {
					t.Fatalf("err = %v, want %q; log %v", err, tt.err, fake.Log)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plan.Changed != tt.changed {
				t.Fatalf("changed = %v", plan.Changed)
			}
			if !tt.changed {
				return
			}
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatal(err)
			}
			if !fake.Ran(tt.ran) || tt.notRan != "" && fake.Ran(tt.notRan) {
				t.Errorf("want %q, not %q:\n%s", tt.ran, tt.notRan, fake)
			}
			if got := string(fake.Files["/etc/hostname"]); tt.file && got != tt.set+"\n" {
				t.Errorf("/etc/hostname = %q", got)
			}
		})
	}
}

func TestHostnameLocalPlan(t *testing.T) {
	name, err := os.Hostname()
	if err != nil || !hostnameRE.MatchString(name) {
		t.Skip("no usable host name")
	}
	plan, err := hostnamePlan(context.Background(), &Task{Conn: &conn.Local{}}, &hostnameParams{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	// /etc/hostname may disagree with the live name; only the read is checked.
	if plan.Data["before"] != name {
		t.Errorf("before = %v, want %s", plan.Data["before"], name)
	}
}

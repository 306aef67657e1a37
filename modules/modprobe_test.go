package modules

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
)

func TestModprobe(t *testing.T) {
	const end = "\n@@hapb end\n"
	tests := []struct {
		name    string
		params  modprobeParams
		out     string
		files   map[string]string // want uploads
		ran     []string
		changed bool
		err     string
	}{
		{"load", modprobeParams{Name: "br_netfilter", State: "present"}, "\n@@hapb dry\ninsmod /lib/x.ko\nrc=0" + end,
			nil, []string{"modprobe -- br_netfilter"}, true, ""},
		{"loaded sys", modprobeParams{Name: "br_netfilter", State: "present"}, "\n@@hapb sys\nyes" + end, nil, nil, false, ""},
		{"loaded lsmod", modprobeParams{Name: "ip_vs", State: "present"}, "\n@@hapb proc\nip_vs 1 0" + end, nil, nil, false, ""},
		{"builtin", modprobeParams{Name: "overlay", State: "present"}, "\n@@hapb builtin\nyes" + end, nil, nil, false, ""},
		{"missing", modprobeParams{Name: "nf_conntrack_ipv4", State: "present"},
			"\n@@hapb dry\nmodprobe: FATAL: Module nf_conntrack_ipv4 not found in directory /lib/modules/6.1\nrc=1" + end,
			nil, nil, false, "FATAL: Module nf_conntrack_ipv4 not found"},
		{"params", modprobeParams{Name: "nf_conntrack", State: "present", Params: "hashsize=131072", Persistent: "present"}, "\n@@hapb dry\nrc=0" + end,
			map[string]string{"/etc/modules-load.d/nf_conntrack.conf": "nf_conntrack\n", "/etc/modprobe.d/nf_conntrack.conf": "options nf_conntrack hashsize=131072\n"},
			[]string{"modprobe -- nf_conntrack hashsize=131072"}, true, ""},
		{"persist only", modprobeParams{Name: "ip_vs", State: "present", Persistent: "present"}, "\n@@hapb sys\nyes" + end,
			map[string]string{"/etc/modules-load.d/ip_vs.conf": "ip_vs\n"}, nil, true, ""},
		{"persisted", modprobeParams{Name: "ip_vs", State: "present", Persistent: "present"}, "\n@@hapb sys\nyes\n@@hapb load\nip_vs\n" + end, nil, nil, false, ""},
		{"unload+unpersist", modprobeParams{Name: "sctp", State: "absent", Persistent: "absent"}, "\n@@hapb sys\nyes\n@@hapb load\nsctp\n" + end,
			nil, []string{"modprobe -r -- sctp", "rm -f -- /etc/modules-load.d/sctp.conf"}, true, ""},
		{"absent ok", modprobeParams{Name: "sctp", State: "absent"}, end, nil, nil, false, ""},
		{"absent builtin", modprobeParams{Name: "overlay", State: "absent"}, "\n@@hapb builtin\nyes" + end, nil, nil, false, "built into the kernel"},
		{"hostile", modprobeParams{Name: "a;rm -rf /", State: "present"}, end, nil, nil, false, "invalid module name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.params.Persistent == "" {
				tt.params.Persistent = "disabled"
			}
			fake := conntest.New().On("@@hapb", 0, tt.out)
			plan, err := modprobePlan(context.Background(), &Task{Conn: fake}, &tt.params)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if strings.Contains(tt.params.Name, ";") && len(fake.Log) > 0 {
					t.Errorf("ran commands for a hostile name: %v", fake.Log)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(fake.Log) != 1 {
				t.Errorf("Plan ran %d commands", len(fake.Log))
			}
			if plan.Changed != tt.changed {
				t.Fatalf("changed = %v, want %v", plan.Changed, tt.changed)
			}
			if !tt.changed {
				return
			}
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatal(err)
			}
			for path, want := range tt.files {
				if got := string(fake.Files[path]); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
			if len(fake.Files) != len(tt.files) {
				t.Errorf("uploaded %d files, want %d", len(fake.Files), len(tt.files))
			}
			for _, c := range tt.ran {
				if !fake.Ran(c) {
					t.Errorf("did not run %q:\n%s", c, fake)
				}
			}
		})
	}
}

func TestModprobeLoadFails(t *testing.T) {
	fake := conntest.New().On("@@hapb", 0, "\n@@hapb dry\nrc=0\n@@hapb end\n").
		On("modprobe -- dummy", 1, "")
	plan, err := modprobePlan(context.Background(), &Task{Conn: fake}, &modprobeParams{Name: "dummy", State: "present", Persistent: "disabled"})
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(context.Background(), &plan.Result); err == nil || !strings.Contains(err.Error(), "modprobe -- dummy") {
		t.Errorf("err = %v", err)
	}
}

func TestModprobeLocal(t *testing.T) {
	task := &Task{Conn: &conn.Local{}}
	if _, err := os.Stat("/sys/module/tcp_cubic"); err == nil {
		plan, err := modprobePlan(context.Background(), task, &modprobeParams{Name: "tcp_cubic", State: "present", Persistent: "disabled"})
		if err != nil || plan.Changed {
			t.Errorf("tcp_cubic: changed=%v err=%v", plan != nil && plan.Changed, err)
		}
	}
	_, err := modprobePlan(context.Background(), task, &modprobeParams{Name: "hapb_no_such_module", State: "present", Persistent: "disabled"})
	if err == nil || !strings.Contains(err.Error(), "cannot load hapb_no_such_module") {
		t.Errorf("err = %v", err)
	}
	t.Log(err)
}

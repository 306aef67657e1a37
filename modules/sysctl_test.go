package modules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/modules/remote"
)

func TestSysctlEdit(t *testing.T) {
	tests := []struct {
		name, in, key, value string
		present              bool
		want                 string
	}{
		{"append", "# c\n", "net.ipv4.ip_forward", "1", true, "# c\nnet.ipv4.ip_forward=1\n"},
		{"empty", "", "vm.swappiness", "0", true, "vm.swappiness=0\n"},
		{"replace", "vm.swappiness = 60\n", "vm.swappiness", "0", true, "vm.swappiness=0\n"},
		{"keep format", "vm.swappiness = 0\n", "vm.swappiness", "0", true, "vm.swappiness = 0\n"},
		{"dedupe", "a.b=1\nx=2\na.b=3\n", "a.b", "1", true, "a.b=1\nx=2\n"},
		{"whitespace value", "r = 32768\t60999\n", "r", "32768 60999", true, "r = 32768\t60999\n"},
		{"slash form", "net/ipv4/ip_forward=0\n", "net.ipv4.ip_forward", "1", true, "net.ipv4.ip_forward=1\n"},
		{"absent", "a=1\n# a=2\nb=2\na = 3\n", "a", "", false, "# a=2\nb=2\n"},
		{"absent untouched", "b=2", "a", "", false, "b=2"},
	}
	for _, tt := range tests {
		if got := sysctlEdit(tt.in, tt.key, tt.value, tt.present); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func sysctlOut(live string, writable bool, file *string) string {
	var pairs []string
	if live != "" {
		pairs = append(pairs, "live", live+"\n")
		if writable {
			pairs = append(pairs, "writable", "yes\n")
		}
	}
	if file != nil {
		pairs = append(pairs, "file", *file)
	}
	return remote.Format(pairs...)
}

func TestSysctlPlan(t *testing.T) {
	set := "net.ipv4.ip_forward=1\n"
	unset := "# nothing\n"
	tests := []struct {
		name    string
		params  sysctlParams
		out     string
		changed bool
		file    string // want uploaded content; "" for no upload
		setLive bool
		err     string
	}{
		{"all set", sysctlParams{Name: "net.ipv4.ip_forward", Value: "1", Reload: true}, sysctlOut("1", true, &set), false, "", false, ""},
		{"file only", sysctlParams{Name: "net.ipv4.ip_forward", Value: "1", Reload: true}, sysctlOut("1", true, &unset), true, "# nothing\nnet.ipv4.ip_forward=1\n", false, ""},
		{"live only", sysctlParams{Name: "net.ipv4.ip_forward", Value: "1", Reload: true}, sysctlOut("0", true, &set), true, "", true, ""},
		{"no file yet", sysctlParams{Name: "net.ipv4.ip_forward", Value: "1", Reload: true}, sysctlOut("0", true, nil), true, set, true, ""},
		{"reload off", sysctlParams{Name: "net.ipv4.ip_forward", Value: "1"}, sysctlOut("0", true, &set), false, "", false, ""},
		{"read-only", sysctlParams{Name: "kernel.panic", Value: "10", Reload: true}, sysctlOut("0", false, nil), false, "", false, "read-only"},
		{"read-only ignored", sysctlParams{Name: "kernel.panic", Value: "10", Reload: true, IgnoreErrors: true}, sysctlOut("0", false, nil), true, "kernel.panic=10\n", false, ""},
		{"unknown key", sysctlParams{Name: "net.ipv4.tcp_tw_recycle", Value: "0", Reload: true}, sysctlOut("", false, nil), false, "", false, "does not exist"},
		{"absent", sysctlParams{Name: "net.ipv4.ip_forward", State: "absent", Reload: true}, sysctlOut("1", true, &set), true, "", false, ""},
		{"no value", sysctlParams{Name: "a"}, "", false, "", false, "value is required"},
		{"hostile", sysctlParams{Name: "a;rm -rf /", Value: "1"}, "", false, "", false, "invalid key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.params.State == "" {
				tt.params.State = "present"
			}
			tt.params.SysctlFile = "/etc/sysctl.d/95-k8s.conf"
			fake := conntest.New().On("@@hapb", 0, tt.out)
			plan, err := sysctlPlan(context.Background(), &Task{Conn: fake}, &tt.params)
			if !planErr(t, err, tt.err) {
				return
			}
			if plan.Changed != tt.changed {
				t.Fatalf("changed = %v, want %v (%s)", plan.Changed, tt.changed, plan.Msg)
			}
			if !plan.Changed {
				return
			}
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatal(err)
			}
			if got, ok := fake.Files[tt.params.SysctlFile]; tt.file != "" && string(got) != tt.file || tt.file == "" && ok && tt.params.State != "absent" {
				t.Errorf("file = %q, want %q", got, tt.file)
			}
			if ran := fake.Ran("sysctl -w " + tt.params.Name + "="); ran != tt.setLive {
				t.Errorf("sysctl -w ran = %v, want %v:\n%s", ran, tt.setLive, fake)
			}
		})
	}
}

// TestSysctlCheckModuleKey: in check mode a key that a planned module load
// (or package) may bring is unknown until applied, and its file still
// planned; without such a change it is missing, an error.
func TestSysctlCheckModuleKey(t *testing.T) {
	params := sysctlParams{Name: "net.ipv4.vs.sloppy_tcp", Value: "1", State: "present", Reload: true, SysctlFile: "/etc/sysctl.d/90-lvs.conf"}
	for _, loads := range []bool{false, true} {
		effects := &Effects{}
		if loads {
			mod, err := modprobePlan(context.Background(), &Task{Conn: conntest.New().On("@@hapb", 0, "\n@@hapb dry\nrc=0\n@@hapb end\n")},
				&modprobeParams{Name: "ip_vs", State: "present", Persistent: "disabled"})
			if err != nil {
				t.Fatal(err)
			}
			effects.add(mod.Effects...)
		}
		fake := conntest.New().On("@@hapb", 0, sysctlOut("", false, nil))
		plan, err := sysctlPlan(context.Background(), &Task{Conn: fake, Check: true, Effects: effects}, &params)
		if !loads {
			planErr(t, err, "does not exist")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Changed || !plan.Unknown || !strings.Contains(plan.Msg, "modprobe ip_vs") {
			t.Errorf("after a planned modprobe: changed %v, unknown %v, %q", plan.Changed, plan.Unknown, plan.Msg)
		}
		if len(plan.Effects) != 1 || plan.Effects[0].Name != params.SysctlFile || string(plan.Effects[0].Content) != "net.ipv4.vs.sloppy_tcp=1\n" {
			t.Errorf("effects %+v, want the file with the key", plan.Effects)
		}
	}
}

func TestSysctlLocalFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "95-k8s.conf")
	os.WriteFile(file, []byte("# k8s\nvm.swappiness = 60\n"), 0o644)
	task := &Task{Conn: &conn.Local{}}
	p := &sysctlParams{Name: "vm.swappiness", Value: "0", State: "present", SysctlFile: file}
	for i, wantChanged := range []bool{true, false} {
		plan, err := sysctlPlan(context.Background(), task, p)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Changed != wantChanged {
			t.Fatalf("run %d: changed = %v", i, plan.Changed)
		}
		if plan.Apply != nil {
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatal(err)
			}
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "# k8s\nvm.swappiness=0\n" {
		t.Errorf("file = %q", b)
	}
}

package modules

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
)

func TestSelinux(t *testing.T) {
	const enforcingConf = "# comment\nSELINUX=enforcing\nSELINUXTYPE=targeted\n"
	out := func(conf, live string) string {
		s := ""
		if conf != "" {
			s += "\n@@hapb conf\n" + conf
		}
		if live != "" {
			s += "\n@@hapb live\n" + live + "\n"
		}
		return s + "\n@@hapb end\n"
	}
	tests := []struct {
		name, state, out string
		changed, reboot  bool
		conf, enforce    string
		err              string
	}{
		{"no selinux", "disabled", out("", ""), false, false, "", "", ""},
		{"no selinux permissive", "permissive", out("", ""), false, false, "", "", "not present"},
		{"to permissive", "permissive", out(enforcingConf, "Enforcing"), true, false, "# comment\nSELINUX=permissive\nSELINUXTYPE=targeted\n", "0", ""},
		{"to disabled", "disabled", out(enforcingConf, "Enforcing"), true, true, "# comment\nSELINUX=disabled\nSELINUXTYPE=targeted\n", "0", ""},
		{"disabled pending reboot", "disabled", out("SELINUX=disabled\nSELINUXTYPE=targeted\n", "Permissive"), false, true, "", "", ""},
		{"enforcing ok", "enforcing", out(enforcingConf, "Enforcing"), false, false, "", "", ""},
		{"to enforcing", "enforcing", out("SELINUX=permissive\nSELINUXTYPE=targeted\n", "Permissive"), true, false, "SELINUX=enforcing\nSELINUXTYPE=targeted\n", "1", ""},
		{"live disabled", "permissive", out("SELINUX=disabled\nSELINUXTYPE=targeted\n", "Disabled"), true, true, "SELINUX=permissive\nSELINUXTYPE=targeted\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := conntest.New().On("@@hapb", 0, tt.out)
			p := &selinuxParams{State: tt.state, ConfigFile: "/etc/selinux/config"}
			plan, err := selinuxPlan(context.Background(), &Task{Conn: fake}, p)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plan.Changed != tt.changed || plan.Data["reboot_required"] != tt.reboot {
				t.Fatalf("changed = %v reboot = %v (%s)", plan.Changed, plan.Data["reboot_required"], plan.Msg)
			}
			if !tt.changed {
				return
			}
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatal(err)
			}
			if got := string(fake.Files["/etc/selinux/config"]); got != tt.conf {
				t.Errorf("config = %q, want %q", got, tt.conf)
			}
			if ran := fake.Ran("setenforce " + tt.enforce); tt.enforce != "" && !ran || tt.enforce == "" && fake.Ran("setenforce") {
				t.Errorf("setenforce: %s", fake)
			}
		})
	}
}

func TestSelinuxQuotesConfigFile(t *testing.T) {
	fake := conntest.New()
	selinuxPlan(context.Background(), &Task{Conn: fake}, &selinuxParams{State: "disabled", ConfigFile: "/tmp/x;rm -rf /"})
	if !strings.Contains(fake.Log[0], `selinux '/tmp/x;rm -rf /'`) {
		t.Errorf("not quoted: %s", fake.Log[0])
	}
}

func TestSelinuxLocal(t *testing.T) {
	if _, err := exec.LookPath("getenforce"); err == nil {
		t.Skip("this machine has SELinux tools")
	}
	task := &Task{Conn: &conn.Local{}}
	p := &selinuxParams{State: "disabled", ConfigFile: filepath.Join(t.TempDir(), "config")}
	plan, err := selinuxPlan(context.Background(), task, p)
	if err != nil || plan.Changed {
		t.Fatalf("no SELinux, disabled: %+v %v", plan, err)
	}
	os.WriteFile(p.ConfigFile, []byte("SELINUX=enforcing\nSELINUXTYPE=targeted\n"), 0o644)
	p.State = "permissive"
	plan, err = selinuxPlan(context.Background(), task, p)
	if err != nil || !plan.Changed {
		t.Fatalf("config only: %+v %v", plan, err)
	}
	if err := plan.Apply(context.Background(), &plan.Result); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p.ConfigFile); string(b) != "SELINUX=permissive\nSELINUXTYPE=targeted\n" {
		t.Errorf("config = %q", b)
	}
}

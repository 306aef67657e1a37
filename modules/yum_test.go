package modules

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/modules/remote"
)

func TestYumVerCmp(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"1.10", "1.9", 1}, {"1.31.4", "1.31.10", -1},
		{"1.0", "1.0.1", -1}, {"1.0a", "1.0", 1}, {"1.0~rc1", "1.0", -1}, {"1.0^git1", "1.0", 1},
		{"010", "10", 0}, {"a", "1", -1}, {"150500.1.1", "150500.1.2", -1}, {"1_0", "1.0", 0},
	}
	for _, tt := range tests {
		if got := yumVerCmp(tt.a, tt.b); got != tt.want {
			t.Errorf("yumVerCmp(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestYumSplit(t *testing.T) {
	tests := []struct{ spec, name, version string }{
		{"kubelet", "kubelet", ""},
		{"kubelet-1.31.4", "kubelet", "1.31.4"},
		{"kubelet-1.31.4-150500.1.1", "kubelet", "1.31.4-150500.1.1"},
		{"kubernetes-cni-1.5.1", "kubernetes-cni", "1.5.1"},
		{"cri-tools", "cri-tools", ""},
		{"java-1.8.0-openjdk-devel", "java-1.8.0-openjdk-devel", ""},
		{"python3-libselinux", "python3-libselinux", ""},
	}
	for _, tt := range tests {
		if n, v := yumSplit(tt.spec); n != tt.name || v != tt.version {
			t.Errorf("yumSplit(%q) = %q, %q", tt.spec, n, v)
		}
	}
}

// yumFakeOut is what the plan script prints: rpm -q answers per section.
func yumFakeOut(sections map[string]string) string {
	pairs := []string{"mgr", "dnf\n"}
	for k, v := range sections {
		pairs = append(pairs, k, v)
	}
	return remote.Format(pairs...)
}

func TestYumPlan(t *testing.T) {
	const k1314 = "kubelet\t0:1.31.4-150500.1.1.x86_64\n"
	const k1300 = "kubelet\t0:1.30.0-150500.1.1.x86_64\n"
	tests := []struct {
		name    string
		params  yumParams
		out     map[string]string
		changes map[string][]string
		apply   string
		err     string
	}{
		{"install", yumParams{Name: []string{"socat"}}, map[string]string{"q0": "package socat is not installed\n", "avail": "Available Packages\nsocat.x86_64  1.7.4-1.el9  baseos\nrc=0\n"},
			map[string][]string{"installed": {"socat"}}, "dnf -y install -- socat", ""},
		{"present ok", yumParams{Name: []string{"socat"}}, map[string]string{"q0": "socat\t0:1.7-1.x86_64\n"}, nil, "", ""},
		{"pinned ok", yumParams{Name: []string{"kubelet-1.31.4"}}, map[string]string{"q0": k1314, "n0": k1314}, nil, "", ""},
		{"pinned up", yumParams{Name: []string{"kubelet-1.31.4"}, EnableRepo: []string{"kubernetes"}, DisableExcludes: "kubernetes"},
			map[string]string{"q0": "package kubelet-1.31.4 is not installed\n", "n0": k1300, "avail": "kubelet.x86_64 1.31.4-150500.1.1 kubernetes\nrc=0\n"},
			map[string][]string{"updated": {"kubelet-1.31.4"}}, "dnf -y --enablerepo=kubernetes --disableexcludes=kubernetes install -- kubelet-1.31.4", ""},
		{"pinned down refused", yumParams{Name: []string{"kubelet-1.30.0"}}, map[string]string{"q0": "package kubelet-1.30.0 is not installed\n", "n0": k1314},
			nil, "", "set allow_downgrade"},
		{"pinned down", yumParams{Name: []string{"kubelet-1.30.0"}, AllowDowngrade: true}, map[string]string{"q0": "package kubelet-1.30.0 is not installed\n", "n0": k1314, "avail": "kubelet.x86_64 1.30.0-150500.1.1 kubernetes\nrc=0\n"},
			map[string][]string{"downgraded": {"kubelet-1.30.0"}}, "dnf -y downgrade -- kubelet-1.30.0", ""},
		{"latest update", yumParams{Name: []string{"kubelet"}, State: "latest"}, map[string]string{"q0": k1300, "upd": "kubelet.x86_64   1.31.4-150500.1.1   kubernetes\nrc=100\n"},
			map[string][]string{"updated": {"kubelet"}}, "dnf -y upgrade -- kubelet", ""},
		{"latest ok", yumParams{Name: []string{"kubelet"}, State: "latest"}, map[string]string{"q0": k1314, "upd": "rc=0\n"}, nil, "", ""},
		{"latest error", yumParams{Name: []string{"kubelet"}, State: "latest"}, map[string]string{"q0": k1314, "upd": "Error: repo down\nrc=1\n"}, nil, "", "repo down"},
		{"remove", yumParams{Name: []string{"firewalld", "nope"}, State: "removed"}, map[string]string{"q0": "firewalld\t0:1.0-1.noarch\n", "q1": "package nope is not installed\n"},
			map[string][]string{"removed": {"firewalld"}}, "dnf -y remove -- firewalld", ""},
		{"hostile", yumParams{Name: []string{"a;reboot"}}, map[string]string{"q0": "package a;reboot is not installed\n", "avail": "a;reboot.x86_64 1-1 evil\nrc=0\n"},
			map[string][]string{"installed": {"a;reboot"}}, "dnf -y install -- 'a;reboot'", ""},
		{"unavailable", yumParams{Name: []string{"kubelet-1.29.0"}, AllowDowngrade: true}, map[string]string{"q0": "package kubelet-1.29.0 is not installed\n", "n0": k1314, "avail": "Error: No matching Packages to list\nrc=1\n"},
			nil, "", "no package matches kubelet-1.29.0"},
		{"group", yumParams{Name: []string{"@core"}}, nil, nil, "", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.params.State == "" {
				tt.params.State = "present"
			}
			fake := conntest.New().On("@@hapb", 0, yumFakeOut(tt.out))
			plan, err := yumPlan(context.Background(), &Task{Conn: fake}, &tt.params)
			if !planErr(t, err, tt.err) {
				return
			}
			if len(fake.Log) != 1 {
				t.Errorf("Plan ran %d commands", len(fake.Log))
			}
			if got := fmt.Sprint(plan.Data["changes"]); got != fmt.Sprint(map[string][]string(tt.changes)) && !(len(tt.changes) == 0 && !plan.Changed) {
				t.Errorf("changes = %v, want %v", got, tt.changes)
			}
			if plan.Changed != (len(tt.changes) > 0) {
				t.Fatalf("changed = %v", plan.Changed)
			}
			if plan.Apply == nil {
				return
			}
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatal(err)
			}
			if !fake.Ran(tt.apply) {
				t.Errorf("want %q:\n%s", tt.apply, fake)
			}
		})
	}
}

func TestYumPlanQuotes(t *testing.T) {
	fake := conntest.New()
	yumPlan(context.Background(), &Task{Conn: fake}, &yumParams{Name: []string{"a;rm -rf /", "b'c-1.0"}, State: "latest"})
	for _, want := range []string{"-- 'a;rm -rf /'", `-- 'b'\''c-1.0'`, `-- 'b'\''c'`} {
		if !strings.Contains(fake.Log[0], want) {
			t.Errorf("plan script lacks %q:\n%s", want, fake.Log[0])
		}
	}
}

// yumRepo builds two versions of a tiny noarch RPM and a repository with
// them, or skips (fails under CI=true) when the tools are missing.
func yumRepo(t *testing.T) (root string) {
	t.Helper()
	for _, tool := range []string{"dnf", "rpm", "rpmbuild", "createrepo_c"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (apt-get install dnf rpm createrepo-c)", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	for _, v := range []string{"1.0", "2.0"} {
		spec := filepath.Join(dir, "tiny-"+v+".spec")
		os.WriteFile(spec, []byte(fmt.Sprintf(`Name: hapb-tiny
Version: %s
Release: 1
Summary: hapb test package
License: MIT
BuildArch: noarch
%%description
test
%%install
mkdir -p %%{buildroot}/usr/share/hapb-tiny
echo %s > %%{buildroot}/usr/share/hapb-tiny/version
%%files
/usr/share/hapb-tiny/version
`, v, v)), 0o644)
		out, err := exec.Command("rpmbuild", "-bb", "--quiet", "--define", "_topdir "+filepath.Join(dir, "build"),
			"--define", "_rpmdir "+repo, "--define", "_dbpath "+filepath.Join(dir, "builddb"), spec).CombinedOutput()
		if err != nil {
			t.Fatalf("rpmbuild: %v\n%s", err, out)
		}
	}
	if out, err := exec.Command("createrepo_c", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("createrepo_c: %v\n%s", err, out)
	}
	root = filepath.Join(dir, "root")
	os.MkdirAll(filepath.Join(root, "etc/yum.repos.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/yum.repos.d/hapb.repo"), []byte(
		"[hapbtest]\nname=hapb test\nbaseurl=file://"+repo+"\ngpgcheck=0\nenabled=0\n"), 0o644)
	return root
}

func TestYumReal(t *testing.T) {
	root := yumRepo(t)
	task := &Task{Conn: &conn.Local{}}
	installed := func() string {
		out, _ := exec.Command("rpm", "--root="+root, "-q", "hapb-tiny").CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	steps := []struct {
		name      string
		pkg       string
		state     string
		downgrade bool
		changed   bool
		want      string
		err       string
	}{
		{"install pinned", "hapb-tiny-1.0", "present", false, true, "hapb-tiny-1.0-1.noarch", ""},
		{"pinned again", "hapb-tiny-1.0", "present", false, false, "hapb-tiny-1.0-1.noarch", ""},
		{"present unpinned", "hapb-tiny", "present", false, false, "hapb-tiny-1.0-1.noarch", ""},
		{"latest", "hapb-tiny", "latest", false, true, "hapb-tiny-2.0-1.noarch", ""},
		{"latest again", "hapb-tiny", "latest", false, false, "hapb-tiny-2.0-1.noarch", ""},
		{"down refused", "hapb-tiny-1.0-1", "present", false, false, "hapb-tiny-2.0-1.noarch", "allow_downgrade"},
		{"down", "hapb-tiny-1.0-1", "present", true, true, "hapb-tiny-1.0-1.noarch", ""},
		{"pinned up", "hapb-tiny-2.0", "installed", false, true, "hapb-tiny-2.0-1.noarch", ""},
		{"absent", "hapb-tiny", "absent", false, true, "package hapb-tiny is not installed", ""},
		{"absent again", "hapb-tiny", "removed", false, false, "package hapb-tiny is not installed", ""},
		{"missing", "hapb-nope", "present", false, true, "package hapb-tiny is not installed", "no package matches hapb-nope"},
	}
	for _, s := range steps {
		p := &yumParams{Name: []string{s.pkg}, State: s.state, AllowDowngrade: s.downgrade, InstallRoot: root,
			ReleaseVer: "1", EnableRepo: []string{"hapbtest"}}
		// One plan per step: it must leave the host alone (check mode),
		// then its Apply makes the change.
		plan, err := yumPlan(context.Background(), task, p)
		if s.err != "" {
			if err == nil || !strings.Contains(err.Error(), s.err) {
				t.Fatalf("%s: err = %v, want %q", s.name, err, s.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if plan.Changed != s.changed {
			t.Fatalf("%s: changed = %v (%s)", s.name, plan.Changed, plan.Msg)
		}
		if s.changed && installed() == s.want {
			t.Fatalf("%s: Plan changed the host", s.name)
		}
		if plan.Apply != nil {
			if err := plan.Apply(context.Background(), &plan.Result); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		if got := installed(); got != s.want {
			t.Fatalf("%s: installed %q, want %q", s.name, got, s.want)
		}
	}
}

func TestYumAvailable(t *testing.T) {
	out := "Available Packages\nkubernetes-cni.x86_64\n                 1.5.1-150500.1.1          kubernetes\nkubelet.x86_64   1.31.4-150500.1.1   kubernetes\nkubelet.x86_64   1:1.31.5-1   kubernetes\n"
	got := yumAvailable(out)
	if fmt.Sprint(got) != "map[kubelet:[1.31.4-150500.1.1 1:1.31.5-1] kubernetes-cni:[1.5.1-150500.1.1]]" {
		t.Errorf("got %v", got)
	}
	if !yumIsAvailable(got, "kubelet", "1.31.5") || yumIsAvailable(got, "kubelet", "1.31") || !yumIsAvailable(got, "kubernetes-cni", "") {
		t.Error("yumIsAvailable")
	}
}

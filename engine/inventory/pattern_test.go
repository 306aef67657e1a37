package inventory

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var patternSources = []string{"testdata/ini/hosts", "testdata/yaml/hosts.yml"}

// patternCases are checked against `ansible --list-hosts`; a pattern
// starting with @ is passed as --limit.
var patternCases = []string{
	"all", "*", "web", "app", "k8s", "masters", "ungrouped",
	"web01.lab", "web*", "w?.k8s", "*.lab", "~web0[12]", "~(db|lb)\\d",
	"web:db", "db,web", "web:!web02.lab", "app:&k8s", "k8s:&masters:!m2.k8s",
	"!web", "&etcd", "web[0]", "web[-1]", "web[1:3]", "web[2:]", "db[0-1]", "web[99]",
	"nomatch", "nomatch:web01.lab", "etcd:masters", "lb:etcd", "m1.k8s:masters",
	"localhost", "web[a-b]*", "@testdata/limit.retry",
}

func selectNames(t *testing.T, inv *Inventory, pattern string) []string {
	t.Helper()
	hosts, err := inv.Select(pattern)
	if strings.HasPrefix(pattern, "@") { // compared with ansible all --limit @file
		hosts, err = inv.Limit(inv.Hosts(), pattern)
	}
	if err != nil {
		t.Fatalf("Select(%q): %v", pattern, err)
	}
	names := []string{}
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	return names
}

// ansiblePatternsScript resolves every pattern with ansible-core's own
// InventoryManager in one process (the `ansible --list-hosts` code path);
// a pattern starting with @ is applied as --limit to all.
const ansiblePatternsScript = `
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
sources, patterns = json.loads(sys.argv[1]), json.loads(sys.argv[2])
inv = InventoryManager(loader=DataLoader(), sources=sources)
out = []
for p in patterns:
    try:
        if p.startswith("@"):
            inv.subset(p)
            hosts = inv.get_hosts("all")
            inv.subset(None)
        else:
            hosts = inv.get_hosts(p)
        out.append([h.name for h in hosts])
    except Exception:
        out.append([])
print(json.dumps(out))
`

func ansiblePatterns(t *testing.T, patterns []string) [][]string {
	t.Helper()
	src, _ := json.Marshal(patternSources)
	pats, _ := json.Marshal(patterns)
	cmd := exec.Command(ansiblePython(t), "-c", ansiblePatternsScript, string(src), string(pats))
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+filepath.Join(home, "none.cfg"), "ANSIBLE_LOCAL_TEMP="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ansible-core pattern oracle: %v\n%s", err, stderr.String())
	}
	var res [][]string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ansible-core pattern oracle: %v\n%s", err, out)
	}
	return res
}

// ansiblePython is the interpreter ansible-core runs with: the one on
// ansible-inventory's #! line (python3 on PATH may lack the ansible module).
func ansiblePython(t *testing.T) string {
	path, err := exec.LookPath("ansible-inventory")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	if f := strings.Fields(strings.TrimPrefix(line, "#!")); strings.HasPrefix(line, "#!") && len(f) > 0 {
		if filepath.Base(f[0]) == "env" && len(f) > 1 {
			return f[1]
		}
		return f[0]
	}
	return "python3"
}

const patternGolden = "testdata/golden/patterns.txt"

// TestSelectGolden compares Select with `ansible PATTERN --list-hosts`,
// recorded in testdata/golden/patterns.txt (-update re-records it).
func TestSelectGolden(t *testing.T) {
	inv, err := Load(patternSources)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		var b strings.Builder
		for i, hosts := range ansiblePatterns(t, patternCases) {
			b.WriteString(patternCases[i] + "\t" + strings.Join(hosts, " ") + "\n")
		}
		if err := os.WriteFile(patternGolden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(patternGolden)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		pattern, hosts, _ := strings.Cut(line, "\t")
		want := strings.Fields(hosts)
		if want == nil {
			want = []string{}
		}
		if got := selectNames(t, inv, pattern); !reflect.DeepEqual(got, want) {
			t.Errorf("Select(%q)\n got %v\nwant %v", pattern, got, want)
		}
	}
}

func TestSelectLive(t *testing.T) {
	if _, err := exec.LookPath("ansible-inventory"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-inventory is not on PATH but CI=true: install ansible-core")
		}
		t.Skip("ansible-core not installed")
	}
	inv, err := Load(patternSources)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range ansiblePatterns(t, patternCases) {
		p := patternCases[i]
		if want == nil {
			want = []string{}
		}
		if got := selectNames(t, inv, p); !reflect.DeepEqual(got, want) {
			t.Errorf("Select(%q)\n got %v\nwant %v", p, got, want)
		}
	}
}

func TestMatchUnmatched(t *testing.T) {
	inv, err := Load(patternSources)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pattern   string
		unmatched []string
	}{
		{"web", nil},
		{"nomatch:web", []string{"nomatch"}},
		{"web:!gone:&nada*", []string{"nada*", "gone"}},
		{"all", nil},
		{"web[99]", []string{"web[99]"}},
	}
	for _, tt := range tests {
		_, unmatched, err := inv.Match(tt.pattern)
		if err != nil {
			t.Fatalf("Match(%q): %v", tt.pattern, err)
		}
		if !reflect.DeepEqual(unmatched, tt.unmatched) {
			t.Errorf("Match(%q) unmatched = %v, want %v", tt.pattern, unmatched, tt.unmatched)
		}
	}
}

func TestSplitPattern(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a,b[1], c[2:3] , d", []string{"a", "b[1]", "c[2:3]", "d"}},
		{"web:db:!x", []string{"web", "db", "!x"}},
		{"web[0:2]:db", []string{"web[0:2]", "db"}},
		{"host:22", []string{"host:22"}},
		{"fe80::1", []string{"fe80::1"}},
		{"", []string{}},
	}
	for _, tt := range tests {
		got := SplitPattern(tt.in)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitPattern(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

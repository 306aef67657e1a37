package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/tmpl"
)

const secretsInventory = `all:
  vars:
    group_token: GroupTok-1
  hosts:
    h1:
      u: !unsafe "{{ .hostvars.h2.x }}"
      ul: !unsafe ["{{ .a }}"]
      db_password: 12
      db: {host: db1, password: NestedPw-2}
      ansible_become_pass: BecomePw-3
`

// TestUnsafeInventory: !unsafe values reach the executor as tmpl.Unsafe
// and are shown as their text.
func TestUnsafeInventory(t *testing.T) {
	inv := loadSecrets(t)
	hv := inv.HostVars("h1")
	if hv["u"] != tmpl.Unsafe("{{ .hostvars.h2.x }}") {
		t.Errorf("u = %#v, want tmpl.Unsafe", hv["u"])
	}
	if l, _ := hv["ul"].([]any); len(l) != 1 || l[0] != tmpl.Unsafe("{{ .a }}") {
		t.Errorf("ul = %#v, want a list of tmpl.Unsafe", hv["ul"])
	}
	out, err := inv.HostJSON("h1")
	if err != nil || !strings.Contains(string(out), `"u": "{{ .hostvars.h2.x }}"`) {
		t.Errorf("--host shows u as %s, %v", out, err)
	}
}

// TestInventoryOutputMasksSecrets: --list, --host and --graph --vars mask
// secret-named variables, nested ones and numbers included.
func TestInventoryOutputMasksSecrets(t *testing.T) {
	inv := loadSecrets(t)
	list, _ := inv.ListJSON()
	host, _ := inv.HostJSON("h1")
	outs := map[string]string{"--list": string(list), "--host": string(host), "--graph --vars": inv.GraphVars("all")}
	for mode, out := range outs {
		for _, secret := range []string{"GroupTok-1", "NestedPw-2", "BecomePw-3", `"db_password": 12`, "db_password = 12"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s shows %s:\n%s", mode, secret, out)
			}
		}
		if !strings.Contains(out, "********") || !strings.Contains(out, "db1") {
			t.Errorf("%s: secrets not masked, or too much:\n%s", mode, out)
		}
	}
}

func loadSecrets(t *testing.T) *Inventory {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hosts.yml")
	if err := os.WriteFile(p, []byte(secretsInventory), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := Load([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

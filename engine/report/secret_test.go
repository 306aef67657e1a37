package report

import (
	"reflect"
	"testing"
)

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"db_password": true, "ansible_become_password": true, "ansible_ssh_pass": true,
		"become_pass": true, "ansible_sudo_pass": true, "Vault_Token": true, "join_token": true,
		"app_secret": true, "ssh_key_passphrase": true, "certificate_key": true, "passwd": true,
		"discovery_token_ca_cert_hash": true,
		"compass":                      false, "passed": false, "bypass_cache": false, "sudo_pw": false, "msg": false,
		"stdout": false, "certificate": false,
		// "pass" first found in a word that is not a secret, then in one that is.
		"compass_password": true, "bypass_pass": true, "compass_passwd": true, "bypass-PASS": true,
		"bypass_passage": false, "ansible_distribution": false, "PASSPHRASE": true,
	} {
		if got := SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestMaskSecretFields(t *testing.T) {
	in := map[string]any{"db": map[string]any{"host": "h", "password": 1}, "api_token": []any{"a"},
		"empty_secret": "", "list": []any{map[string]any{"x_pass": true}}}
	want := map[string]any{"db": map[string]any{"host": "h", "password": Masked}, "api_token": Masked,
		"empty_secret": "", "list": []any{map[string]any{"x_pass": Masked}}}
	if got := MaskSecretFields(in); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

// BenchmarkSecretName is the names of gathered facts, the most a run asks
// about: every one of them, on every host, when the result is shown.
func BenchmarkSecretName(b *testing.B) {
	names := []string{"ansible_distribution", "ansible_os_family", "ansible_default_ipv4", "ansible_all_ipv4_addresses",
		"ansible_memtotal_mb", "ansible_processor_vcpus", "ansible_hostname", "ansible_fqdn", "changed", "failed"}
	for b.Loop() {
		for _, n := range names {
			SecretName(n)
		}
	}
}

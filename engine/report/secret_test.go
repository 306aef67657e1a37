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

package run

import (
	"reflect"
	"testing"
)

func TestRedactorText(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]any // learned, in this order of keys' values
		in   string
		want string
	}{
		{"prefix secret: longest first", map[string]any{"a_token": "abcd", "b_token": "abcdefgh"},
			"x abcdefgh y abcd", "x ******** y ********"},
		{"short: only a whole value", map[string]any{"pin_secret": "Q7z"}, "Q7z", "********"},
		{"short: not inside text", map[string]any{"pin_secret": "Q7z"}, "aQ7z b", "aQ7z b"},
		{"integer", map[string]any{"db_password": 98761015}, "port 98761015", "port ********"},
		{"short integer is a field only", map[string]any{"db_password": 12}, "12", "12"},
		{"boolean is a field only", map[string]any{"bool_secret": true}, "true", "true"},
		{"nested under a secret name", map[string]any{"app_secret": map[string]any{"k": []any{"inner-1"}}},
			"v inner-1", "v ********"},
		{"secret name nested in a mapping", map[string]any{"db": map[string]any{"host": "db1", "password": "pw-nested"}},
			"db1 pw-nested", "db1 ********"},
		{"pass as a word", map[string]any{"ansible_ssh_pass": "sshpass-1", "compass": "north-1"},
			"sshpass-1 north-1", "******** north-1"},
		{"registered under a secret name: its output only", map[string]any{"join_token": map[string]any{
			"changed": true, "failed": false, "cmd": []any{"kubeadm", "token"}, "stdout": "tok-abc.123"}},
			"kubeadm token tok-abc.123", "kubeadm token ********"},
	}
	for _, tt := range tests {
		// Fresh redactors in a loop: the result must not depend on map
		// order (a prefix secret once left its tail visible at random).
		for i := 0; i < 20; i++ {
			rd := newRedactor()
			rd.learnAll(tt.vars)
			if got := rd.str(tt.in); got != tt.want {
				t.Errorf("%s: str(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
				break
			}
		}
	}
}

func TestRedactorFields(t *testing.T) {
	rd := newRedactor()
	rd.learnAll(map[string]any{"api_token": "long-token-1", "n_password": 98761015})
	in := map[string]any{
		"db_password": 1, "flag_secret": false, "empty_token": "", "unset_secret": nil,
		"nested":  map[string]any{"x_token": map[string]any{"a": 1}, "list": []any{"long-token-1", 98761015}},
		"message": "uses long-token-1",
	}
	want := map[string]any{
		"db_password": "********", "flag_secret": "********", "empty_token": "", "unset_secret": nil,
		"nested":  map[string]any{"x_token": "********", "list": []any{"********", "********"}},
		"message": "uses ********",
	}
	if got := rd.value(in); !reflect.DeepEqual(got, want) {
		t.Errorf("value = %#v\nwant %#v", got, want)
	}
	if in["db_password"] != 1 {
		t.Error("value modified its argument")
	}
}

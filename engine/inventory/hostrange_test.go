package inventory

import (
	"reflect"
	"testing"
)

func TestExpandHostPattern(t *testing.T) {
	tests := []struct {
		in    string
		hosts []string
		port  int
	}{
		{"web[01:03]", []string{"web01", "web02", "web03"}, 0},
		{"web[1:3].lab:2222", []string{"web1.lab", "web2.lab", "web3.lab"}, 2222},
		{"db[01:10:4]", []string{"db01", "db05", "db09"}, 0},
		{"n[a:c]", []string{"na", "nb", "nc"}, 0},
		{"n[a:e:2]", []string{"na", "nc", "ne"}, 0},
		{"r[1:2]-[a:b]", []string{"r1-a", "r1-b", "r2-a", "r2-b"}, 0},
		{"h[:2]", []string{"h0", "h1", "h2"}, 0},
		{"10.0.0.[1:3]", []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, 0},
		{"plain.example.com", []string{"plain.example.com"}, 0},
		{"[2001:db8::1]:2222", []string{"2001:db8::1"}, 2222},
		{"2001:db8::1", []string{"2001:db8::1"}, 0},
		{"host:22", []string{"host"}, 22},
	}
	for _, tt := range tests {
		hosts, port, err := expandHostPattern(tt.in)
		if err != nil || !reflect.DeepEqual(hosts, tt.hosts) || port != tt.port {
			t.Errorf("expandHostPattern(%q) = %q, %d, %v; want %q, %d", tt.in, hosts, port, err, tt.hosts, tt.port)
		}
	}
	for _, bad := range []string{"w[1:]", "w[01:100]", "w[1:2:3:4]", "w[1:x]", "w[1:3:0]", "w[c:a]"} {
		if _, _, err := expandHostPattern(bad); err == nil {
			t.Errorf("expandHostPattern(%q) succeeded, want an error", bad)
		}
	}
}

func TestResolvePlain(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"yes", true}, {"Off", false}, {"y", "y"}, {"true", true}, {"~", nil}, {"", nil},
		{"0755", 493}, {"0x1f", 31}, {"0b11", 3}, {"1_000", 1000}, {"1:20", 80}, {"09", "09"},
		{"1.5", 1.5}, {"1e3", "1e3"}, {"1.0e+3", 1000.0}, {"1.", 1.0}, {".5", 0.5}, {"-2", -2},
		{"0o17", "0o17"}, {"2024-01-02", "2024-01-02"}, {"10.0.0.1", "10.0.0.1"},
		{"2001-12-14 21:59:43.10 -5", "2001-12-14T21:59:43.100000-05:00"},
	}
	for _, tt := range tests {
		if got, _ := resolvePlain(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("resolvePlain(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

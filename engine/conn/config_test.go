package conn

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestConfigFromVars(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]any
		want HostConfig
	}{
		{"defaults", nil, HostConfig{Name: "h", Connection: "ssh"}},
		{"all", map[string]any{
			"ansible_host": "10.0.0.1", "ansible_port": 2222, "ansible_user": "admin",
			"ansible_ssh_private_key_file": "~/.ssh/k", "ansible_password": "p",
			"ansible_ssh_private_key_passphrase": "pp", "ansible_become_pass": "bp",
			"ansible_ssh_common_args": "-o StrictHostKeyChecking=no -J jump@b:2200",
			"ansible_connection":      "ssh", "ansible_timeout": "30", "ansible_host_key_checking": false,
		}, HostConfig{Name: "h", Address: "10.0.0.1", Port: 2222, User: "admin", KeyFiles: []string{"~/.ssh/k"},
			Password: "p", KeyPassphrase: "pp", BecomePassword: "bp", ProxyJump: "jump@b:2200",
			Connection: "ssh", Timeout: 30 * time.Second, HostKeyChecking: HostKeyOff}},
		{"string port, local", map[string]any{"ansible_port": "22", "ansible_connection": "local", "ansible_sudo_pass": "x"},
			HostConfig{Name: "h", Port: 22, Connection: "local", BecomePassword: "x"}},
		{"ProxyJump option", map[string]any{"ansible_ssh_common_args": `-o "ProxyJump=a@b"`, "ansible_ssh_host_key_checking": "accept-new"},
			HostConfig{Name: "h", Connection: "ssh", ProxyJump: "a@b", HostKeyChecking: HostKeyAcceptNew}},
		{"key list", map[string]any{"ansible_ssh_private_key_file": []any{"a", "b"}, "ansible_host_key_checking": "true"},
			HostConfig{Name: "h", Connection: "ssh", KeyFiles: []string{"a", "b"}, HostKeyChecking: HostKeyStrict}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ConfigFromVars("h", tt.vars)
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseJump(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"", "[]", false},
		{"b", "[{User: Host:b Port:0}]", false},
		{"u@b:2200", "[{User:u Host:b Port:2200}]", false},
		{"a,u@[::1]:22", "[{User: Host:a Port:0} {User:u Host:::1 Port:22}]", false},
		{"b:x", "", true},
	}
	for _, tt := range tests {
		got, err := parseJump(tt.in)
		if (err != nil) != tt.err || (!tt.err && fmt.Sprintf("%+v", got) != tt.want) {
			t.Errorf("parseJump(%q) = %+v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

const testSSHConfig = `
# global
User globaluser
Host web? !web9
    HostName %h.example.com
    Port 2201
Host web1
    Port 9999
    IdentityFile ~/.ssh/web1
Host *.internal db
    ProxyJump bastion:22
    User=dbuser
Match host foo
    User matched
Host *
    IdentityFile /keys/default
    User other
`

func TestSSHConfig(t *testing.T) {
	cfg, err := parseSSHConfig(strings.NewReader(testSSHConfig))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		want hostSettings
	}{
		{"web1", hostSettings{HostName: "web1.example.com", Port: "2201", User: "globaluser",
			IdentityFiles: []string{expandHome("~/.ssh/web1"), "/keys/default"}}},
		{"web9", hostSettings{User: "globaluser", IdentityFiles: []string{"/keys/default"}}},
		{"db", hostSettings{User: "globaluser", ProxyJump: "bastion:22", IdentityFiles: []string{"/keys/default"}}},
		{"foo", hostSettings{User: "globaluser", IdentityFiles: []string{"/keys/default"}}},
	}
	for _, tt := range tests {
		if got := cfg.lookup(tt.host); fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
			t.Errorf("lookup(%s) = %+v, want %+v", tt.host, got, tt.want)
		}
	}
}

func TestSSHConfigUsed(t *testing.T) {
	cfg, _ := parseSSHConfig(strings.NewReader("Host alias\n  HostName 10.1.2.3\n  Port 2022\n  User u\n"))
	d := NewDialer(DialerOptions{SSHConfigPath: "none"})
	d.cfgOnce.Do(func() {})
	d.cfg = cfg
	tg, err := d.resolve(HostConfig{Name: "alias"})
	if err != nil || tg.addr != "10.1.2.3:2022" || tg.user != "u" {
		t.Fatalf("resolve = %+v, %v", tg, err)
	}
	// Inventory values win over ssh config.
	tg, _ = d.resolve(HostConfig{Name: "alias", Port: 22, User: "inv"})
	if tg.addr != "10.1.2.3:22" || tg.user != "inv" {
		t.Fatalf("resolve = %+v", tg)
	}
}

package main

import (
	"reflect"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestInterspersed(t *testing.T) {
	cmds := []*cli.Command{runCommand()}
	tests := []struct{ in, want []string }{
		{[]string{"hapb", "run", "site.yml", "-i", "inv", "--check"},
			[]string{"hapb", "run", "-i", "inv", "--check", "--", "site.yml"}},
		{[]string{"hapb", "run", "-e", "a=1", "site.yml", "-vvv", "--tags=etcd"},
			[]string{"hapb", "run", "-e", "a=1", "-vvv", "--tags=etcd", "--", "site.yml"}},
		{[]string{"hapb", "version"}, []string{"hapb", "version"}},
		{[]string{"hapb", "run", "--", "-odd-name.yml"}, []string{"hapb", "run", "--", "-odd-name.yml"}},
	}
	for _, tt := range tests {
		if got := interspersed(tt.in, cmds); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("interspersed(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

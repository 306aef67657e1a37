package run

import "testing"

func TestTagsAllow(t *testing.T) {
	tests := []struct {
		task, only, skip []string
		want             bool
	}{
		{nil, nil, nil, true},
		{[]string{"etcd"}, nil, nil, true},
		{[]string{"etcd"}, []string{"etcd"}, nil, true},
		{[]string{"etcd"}, []string{"haproxy"}, nil, false},
		{nil, []string{"haproxy"}, nil, false},
		{[]string{"always"}, []string{"haproxy"}, nil, true},
		{[]string{"always"}, nil, []string{"always"}, false},
		{[]string{"never"}, nil, nil, false},
		{[]string{"never", "debug"}, []string{"debug"}, nil, true},
		{[]string{"etcd"}, nil, []string{"etcd"}, false},
		{[]string{"etcd", "x"}, []string{"x"}, []string{"etcd"}, false},
		{nil, []string{"untagged"}, nil, true},
		{[]string{"a"}, []string{"untagged"}, nil, false},
		{[]string{"a"}, []string{"tagged"}, nil, true},
		{[]string{"a"}, []string{"all"}, nil, true},
	}
	for _, tt := range tests {
		if got := TagsAllow(tt.task, tt.only, tt.skip); got != tt.want {
			t.Errorf("TagsAllow(%v, only %v, skip %v) = %v, want %v", tt.task, tt.only, tt.skip, got, tt.want)
		}
	}
}

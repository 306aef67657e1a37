package run

import (
	"testing"

	"github.com/hapb/hapb/engine/playbook"
)

func TestStartsHere(t *testing.T) {
	role := &playbook.Role{Name: "etcd"}
	tests := []struct {
		pattern string
		task    *playbook.Task
		want    bool
	}{
		{"Start etcd", &playbook.Task{Name: "Start etcd"}, true},
		{"Start*", &playbook.Task{Name: "Start etcd"}, true},
		{"Start", &playbook.Task{Name: "Start etcd"}, false},
		{"Start etcd", &playbook.Task{Name: "Start etcd", Role: role}, true},
		{"etcd : Start etcd", &playbook.Task{Name: "Start etcd", Role: role}, true},
		{"etcd : Start*", &playbook.Task{Name: "Start etcd", Role: role}, true},
		{"other : Start etcd", &playbook.Task{Name: "Start etcd", Role: role}, false},
		{"*", &playbook.Task{Action: "debug"}, true}, // the label: the action
		{"debug", &playbook.Task{Action: "debug"}, true},
	}
	for _, tt := range tests {
		if got := StartsHere(tt.pattern, tt.task); got != tt.want {
			t.Errorf("StartsHere(%q, %q) = %v, want %v", tt.pattern, tt.task.Label(), got, tt.want)
		}
	}
}

package report

import "testing"

func TestUnified(t *testing.T) {
	tests := []struct {
		name, before, after, want string
	}{
		{"equal", "a\n", "a\n", ""},
		{"new file", "", "a\nb\n", "--- before: f\n+++ after: f\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"change middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
			"--- before: f\n+++ after: f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n"},
		{"delete all", "a\n", "", "--- before: f\n+++ after: f\n@@ -1,1 +0,0 @@\n-a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified("f", tt.before, tt.after); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

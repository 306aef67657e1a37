package yamllimit

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// bomb is the classic billion laughs: depth levels of width aliases each.
func bomb(width, depth int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x]\n")
	for i := 1; i <= depth; i++ {
		refs := make([]string, width)
		for j := range refs {
			refs[j] = fmt.Sprintf("*a%d", i-1)
		}
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.Join(refs, ", "))
	}
	return b.String()
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int // 0: accepted
	}{
		{"no aliases", "a: 1\nb: [1, 2]\n", 0},
		{"merge keys", "d: &d {x: 1, y: 2}\nh1: {<<: *d, z: 3}\nh2: {<<: *d}\n", 0},
		{"small fan-out", bomb(4, 5), 0},
		{"billion laughs", bomb(9, 9), 7},
		{"wide", "a: &a [" + strings.Repeat("x,", 2000) + "x]\nb: [" + strings.Repeat("*a,", 600) + "*a]\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tt.doc), &n); err != nil {
				t.Fatal(err)
			}
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			err := Check(&n)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 10<<20 {
				t.Errorf("checking allocated %d MB", grew>>20)
			}
			var e *Error
			switch {
			case tt.line == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.line != 0 && !errors.As(err, &e):
				t.Fatalf("got %v, want an *Error", err)
			case tt.line != 0 && e.Line != tt.line:
				t.Errorf("error at line %d, want %d", e.Line, tt.line)
			}
		})
	}
}

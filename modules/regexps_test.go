package modules

import (
	"fmt"
	"testing"
)

func TestCompileRegexp(t *testing.T) {
	for _, tt := range []struct {
		pattern string
		ok      bool
	}{{`^a+$`, true}, {`^a+$`, true}, {`(`, false}, {`(`, false}} {
		re, err := compileRegexp(tt.pattern)
		if (err == nil) != tt.ok {
			t.Fatalf("compileRegexp(%q): %v", tt.pattern, err)
		}
		if tt.ok && (re.String() != tt.pattern || !re.MatchString("aa")) {
			t.Fatalf("compileRegexp(%q) = %v", tt.pattern, re)
		}
	}
	a, _ := compileRegexp(`^b$`)
	if b, _ := compileRegexp(`^b$`); a != b {
		t.Error("a pattern compiled twice")
	}
	// Past the bound the patterns are compiled, not kept.
	for i := range regexpCacheMax + 10 {
		if _, err := compileRegexp(fmt.Sprintf("^x%d$", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := regexpCached.Load(); n > regexpCacheMax {
		t.Errorf("%d patterns kept, bound %d", n, regexpCacheMax)
	}
}

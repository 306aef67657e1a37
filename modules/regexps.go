package modules

import (
	"regexp"
	"sync"
	"sync/atomic"
)

// compileRegexp is regexp.Compile for a task's pattern, cached: a task
// compiles the same pattern for every host (lineinfile on a fleet: 1% of
// what a run allocated). A *regexp.Regexp is safe for concurrent use. The
// cache stops growing at regexpCacheMax patterns, against patterns
// rendered differently for every host.
func compileRegexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := regexpCache.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pattern)
	if err == nil && regexpCached.Load() < regexpCacheMax {
		if _, loaded := regexpCache.LoadOrStore(pattern, re); !loaded {
			regexpCached.Add(1)
		}
	}
	return re, err
}

const regexpCacheMax = 1024

var (
	regexpCache  sync.Map // pattern -> *regexp.Regexp
	regexpCached atomic.Int64
)

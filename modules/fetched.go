package modules

import (
	"path/filepath"
	"sync"
	"sync/atomic"
)

// fetched holds the controller paths fetch wrote (or found up to date)
// during this run. What they hold came from a managed host: include_vars
// reads them as data, never rendering them, and template refuses them, so
// a host cannot make the controller render templates of its choosing.
var fetched sync.Map // absolute path -> true

// anyFetched is whether fetched holds anything: most runs fetch nothing,
// and wasFetched, asked by template for every host, then needs no
// EvalSymlinks (an lstat per path component: 2% of the controller's CPU
// in the fleet benchmark's second run).
var anyFetched atomic.Bool

func noteFetched(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		fetched.Store(abs, true)
		anyFetched.Store(true)
	}
}

func wasFetched(path string) bool {
	if !anyFetched.Load() {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	if _, ok := fetched.Load(abs); ok {
		return true
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		_, ok := fetched.Load(real)
		return ok
	}
	return false
}

package modules

import (
	"path/filepath"
	"sync"
)

// fetched holds the controller paths fetch wrote (or found up to date)
// during this run. What they hold came from a managed host: include_vars
// reads them as data, never rendering them, and template refuses them, so
// a host cannot make the controller render templates of its choosing.
var fetched sync.Map // absolute path -> true

func noteFetched(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		fetched.Store(abs, true)
	}
}

func wasFetched(path string) bool {
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

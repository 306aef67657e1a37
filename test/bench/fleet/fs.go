package fleet

import (
	"path"
	"sync"
	"time"
)

// node is a file or directory of a simulated host.
type node struct {
	dir   bool
	mode  uint32 // permission bits
	data  []byte
	mtime int64
}

// memFS is a simulated host's file system: enough state for the file,
// copy and command-creates tasks to be idempotent on a second run.
type memFS struct {
	mu sync.Mutex
	m  map[string]*node
}

func newMemFS() *memFS {
	now := time.Now().Unix()
	return &memFS{m: map[string]*node{
		"/":    {dir: true, mode: 0o755, mtime: now},
		"/tmp": {dir: true, mode: 0o1777, mtime: now},
	}}
}

func (fs *memFS) get(p string) *node {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.m[path.Clean(p)]
}

func (fs *memFS) isDir(p string) bool {
	n := fs.get(p)
	return n != nil && n.dir
}

// put creates or replaces p; its parent must be a directory.
func (fs *memFS) put(p string, n *node) bool {
	p = path.Clean(p)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if d := fs.m[path.Dir(p)]; d == nil || !d.dir {
		return false
	}
	n.mtime = time.Now().Unix()
	fs.m[p] = n
	return true
}

func (fs *memFS) chmod(p string, mode uint32) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := fs.m[path.Clean(p)]
	if n == nil {
		return false
	}
	n.mode = mode
	return true
}

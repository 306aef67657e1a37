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

// memFS is a simulated host's file system: a base every host shares (an
// installed system: os-release, /proc, unit files, empty directories),
// never written, under the host's own changes. 5,000 hosts then cost what
// they change, not 5,000 copies of a system.
type memFS struct {
	mu   sync.Mutex
	base map[string]*node
	m    map[string]*node // the host's changes; nil: removed
}

func newMemFS() *memFS {
	return &memFS{base: baseFS, m: map[string]*node{}}
}

// baseFS is the shared installed system, a RHEL-like host: what setup
// reads, the sysctl keys the workload sets, systemd's directories.
var baseFS = func() map[string]*node {
	now := time.Now().Unix()
	m := map[string]*node{}
	for _, d := range []string{"/", "/etc", "/etc/sysctl.d", "/etc/systemd", "/etc/systemd/system", "/etc/yum.repos.d",
		"/run", "/run/systemd", "/run/systemd/system", "/run/fleet-systemd", "/usr", "/usr/lib", "/usr/lib/systemd", "/usr/lib/systemd/system",
		"/var", "/var/lib", "/var/lib/fleet-rpm", "/opt", "/proc", "/proc/1", "/proc/net", "/proc/sys", "/proc/sys/net",
		"/proc/sys/net/ipv4", "/proc/sys/net/core", "/proc/sys/vm", "/proc/sys/fs", "/proc/sys/fs/inotify"} {
		m[d] = &node{dir: true, mode: 0o755, mtime: now}
	}
	m["/tmp"] = &node{dir: true, mode: 0o1777, mtime: now}
	for p, data := range map[string]string{
		"/etc/os-release": "NAME=\"Rocky Linux\"\nVERSION=\"9.4 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n" +
			"VERSION_ID=\"9.4\"\nPRETTY_NAME=\"Rocky Linux 9.4 (Blue Onyx)\"\n",
		"/etc/hosts":    "127.0.0.1 localhost\n",
		"/proc/meminfo": "MemTotal:        8000000 kB\nMemFree:         6000000 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n",
		"/proc/cpuinfo": "processor\t: 0\nmodel name\t: fleet\n\nprocessor\t: 1\nmodel name\t: fleet\n",
		"/proc/1/comm":  "systemd\n",
		"/proc/net/route": "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
			"eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
		"/proc/sys/net/ipv4/ip_forward":         "0\n",
		"/proc/sys/net/core/somaxconn":          "4096\n",
		"/proc/sys/vm/swappiness":               "60\n",
		"/proc/sys/vm/max_map_count":            "65530\n",
		"/proc/sys/fs/inotify/max_user_watches": "8192\n",
		"/usr/lib/systemd/system/sshd.service":  "[Service]\nExecStart=/usr/sbin/sshd -D\n",
		"/usr/lib/systemd/system/ssh.service":   "[Service]\nExecStart=/usr/sbin/sshd -D\n",
		"/run/fleet-systemd/sshd.service":       "active enabled",
		"/run/fleet-systemd/ssh.service":        "active enabled",
		"/var/lib/fleet-rpm/openssh-server":     "0:8.7p1-38.el9.x86_64\n",
	} {
		m[p] = &node{mode: 0o644, data: []byte(data), mtime: now}
	}
	return m
}()

// lookup is get without the lock.
func (fs *memFS) lookup(p string) *node {
	if n, ok := fs.m[p]; ok {
		return n
	}
	return fs.base[p]
}

func (fs *memFS) get(p string) *node {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.lookup(path.Clean(p))
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
	if d := fs.lookup(path.Dir(p)); d == nil || !d.dir {
		return false
	}
	n.mtime = time.Now().Unix()
	fs.m[p] = n
	return true
}

func (fs *memFS) chmod(p string, mode uint32) bool {
	p = path.Clean(p)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := fs.lookup(p)
	if n == nil {
		return false
	}
	c := *n // the base is shared: change a copy
	c.mode = mode
	fs.m[p] = &c
	return true
}

// remove deletes p (a directory with its contents, unchecked).
func (fs *memFS) remove(p string) bool {
	p = path.Clean(p)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.lookup(p) == nil {
		return false
	}
	fs.m[p] = nil
	return true
}

// rename moves a file; the target's parent must be a directory.
func (fs *memFS) rename(from, to string) bool {
	from, to = path.Clean(from), path.Clean(to)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := fs.lookup(from)
	if d := fs.lookup(path.Dir(to)); n == nil || d == nil || !d.dir {
		return false
	}
	fs.m[to], fs.m[from] = n, nil
	return true
}

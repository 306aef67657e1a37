package vars

import (
	"hash/maphash"
	"maps"
	"runtime"
	"sync"
	"weak"
)

// levels are a host's recorded levels. The hosts of a play mostly have
// the same keys at the same levels (inventory, magic and play variables),
// so equal levels are shared: Resolve interns a host's levels after they
// changed, and the first write to shared levels copies them. With 5,000
// hosts that is one map instead of 5,000 (4.6 MB).
type levels struct {
	m      map[string]Level
	shared bool
}

func (l *levels) get(key string) (Level, bool) { v, ok := l.m[key]; return v, ok }

// interned are the shared levels by their hash, held weakly: levels no
// host uses any more are dropped.
var interned = struct {
	sync.Mutex
	m map[uint64][]weak.Pointer[levels]
}{m: map[uint64][]weak.Pointer[levels]{}}

var levelSeed = maphash.MakeSeed()

// levelsHash does not depend on the map's order.
func levelsHash(m map[string]Level) uint64 {
	sum := uint64(len(m))
	for k, l := range m {
		sum += maphash.String(levelSeed, k) * (2*uint64(uint8(l)) + 1)
	}
	return sum
}

// intern returns the shared levels equal to l, l itself if there are none
// yet.
func intern(l *levels) *levels {
	h := levelsHash(l.m)
	interned.Lock()
	defer interned.Unlock()
	for _, w := range interned.m[h] {
		if s := w.Value(); s != nil && maps.Equal(s.m, l.m) {
			return s
		}
	}
	l.shared = true
	interned.m[h] = append(interned.m[h], weak.Make(l))
	runtime.AddCleanup(l, forget, h)
	return l
}

// forget drops the levels of hash h that no host uses any more.
func forget(h uint64) {
	interned.Lock()
	defer interned.Unlock()
	live := interned.m[h][:0]
	for _, w := range interned.m[h] {
		if w.Value() != nil {
			live = append(live, w)
		}
	}
	if len(live) == 0 {
		delete(interned.m, h)
	} else {
		interned.m[h] = live
	}
}

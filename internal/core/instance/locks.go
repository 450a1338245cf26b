package instance

import (
	"slices"
	"sync"
)

// keyedMutex is a set of mutexes addressed by key, created on demand and
// dropped when nobody holds or waits for them.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

// Lock locks key.
func (k *keyedMutex) Lock(key string) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
}

// Unlock unlocks key.
func (k *keyedMutex) Unlock(key string) {
	k.mu.Lock()
	e := k.m[key]
	e.refs--
	if e.refs == 0 {
		delete(k.m, key)
	}
	k.mu.Unlock()
	e.mu.Unlock()
}

// LockAll locks a set of keys in sorted order (no deadlock between batches)
// and returns the function that unlocks them.
func (k *keyedMutex) LockAll(keys []string) func() {
	ks := slices.Clone(keys)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	for _, key := range ks {
		k.Lock(key)
	}
	return func() {
		for i := len(ks) - 1; i >= 0; i-- {
			k.Unlock(ks[i])
		}
	}
}

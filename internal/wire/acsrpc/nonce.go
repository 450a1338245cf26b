package acsrpc

import (
	"container/heap"
	"crypto/sha256"
	"sync"
	"time"
)

// DefaultNonceCacheSize bounds a NonceCache made with size 0: about 64 bytes
// per entry (a SHA-256 key, an expiry and a heap slot), so a few MiB.
const DefaultNonceCacheSize = 1 << 16

// NonceCache remembers the SignatureNonces of verified requests until they
// expire, so that a replayed request is refused (SignatureNonceUsed).
//
// It lives in memory only: it does not survive a restart of the daemon, so
// a request captured in the minutes before a restart can be replayed once
// after it, while its Timestamp is still within the skew. Its memory is
// bounded: keys are SHA-256 digests of access key and nonce, and past size
// entries the one that expires first is forgotten early (a flood of fresh
// nonces can shorten how long the oldest ones are remembered, never grow
// the cache). It is safe for concurrent use.
type NonceCache struct {
	mu   sync.Mutex
	size int
	seen map[[32]byte]time.Time
	q    expiryHeap
}

// NewNonceCache returns a cache of at most size entries (0 = DefaultNonceCacheSize).
func NewNonceCache(size int) *NonceCache {
	if size <= 0 {
		size = DefaultNonceCacheSize
	}
	return &NonceCache{size: size, seen: make(map[[32]byte]time.Time)}
}

// Use records the nonce of accessKeyID until expires and reports true, or
// reports false when the nonce is recorded and not yet expired at now.
func (c *NonceCache) Use(accessKeyID, nonce string, now, expires time.Time) bool {
	key := sha256.Sum256([]byte(accessKeyID + "\x00" + nonce))
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.q) > 0 && !c.q[0].expires.After(now) {
		c.drop(heap.Pop(&c.q).(entry))
	}
	if exp, ok := c.seen[key]; ok && exp.After(now) {
		return false
	}
	c.seen[key] = expires
	heap.Push(&c.q, entry{key: key, expires: expires})
	for len(c.seen) > c.size {
		c.drop(heap.Pop(&c.q).(entry))
	}
	return true
}

// Len returns the number of nonces remembered.
func (c *NonceCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// drop forgets e's key unless it was recorded again since (a stale entry).
func (c *NonceCache) drop(e entry) {
	if exp, ok := c.seen[e.key]; ok && exp.Equal(e.expires) {
		delete(c.seen, e.key)
	}
}

type entry struct {
	key     [32]byte
	expires time.Time
}

// expiryHeap is a min-heap of entries by expiry.
type expiryHeap []entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

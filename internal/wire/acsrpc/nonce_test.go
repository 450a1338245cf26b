package acsrpc

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestNonceCacheExpiry(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)
	c := NewNonceCache(0)
	if !c.Use("ak", "a", t0, t0.Add(15*time.Minute)) {
		t.Fatal("first use refused")
	}
	for _, tc := range []struct {
		name  string
		nonce string
		at    time.Duration
		want  bool
	}{
		{"reuse at once", "a", 0, false},
		{"reuse before expiry", "a", 14*time.Minute + 59*time.Second, false},
		{"other nonce", "b", time.Minute, true},
		{"reuse at expiry", "a", 15 * time.Minute, true},
	} {
		if got := c.Use("ak", tc.nonce, t0.Add(tc.at), t0.Add(tc.at+15*time.Minute)); got != tc.want {
			t.Errorf("%s: Use = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestNonceCacheBounded: memory stays bounded under a flood, expired
// entries go away, and the earliest-expiring nonce is forgotten first.
func TestNonceCacheBounded(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)
	c := NewNonceCache(100)
	for i := range 1000 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		if !c.Use("ak", fmt.Sprint(i), now, now.Add(15*time.Minute)) {
			t.Fatalf("fresh nonce %d refused", i)
		}
		if c.Len() > 100 {
			t.Fatalf("cache holds %d entries, bound 100", c.Len())
		}
	}
	now := t0.Add(time.Second)
	if c.Use("ak", "999", now, now.Add(15*time.Minute)) {
		t.Error("the newest nonce was forgotten")
	}
	if !c.Use("ak", "0", now, now.Add(15*time.Minute)) {
		t.Error("the oldest nonce is still remembered past the bound")
	}
	later := t0.Add(time.Hour)
	c.Use("ak", "x", later, later.Add(15*time.Minute))
	if c.Len() != 1 {
		t.Errorf("after expiry the cache holds %d entries, want 1", c.Len())
	}
}

func TestNonceCacheConcurrent(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)
	c := NewNonceCache(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.Use("ak", "same", t0, t0.Add(time.Minute)) {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent uses of one nonce succeeded, want 1", wins)
	}
}

package instance

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"

	"strato/internal/errdefs"
)

// ipam hands out private addresses (kept for an instance's life) and public
// addresses (new at every start).
type ipam struct {
	mu          sync.Mutex
	private     netip.Prefix
	public      netip.Prefix
	used        map[netip.Addr]bool
	nextPrivate netip.Addr
}

func newIPAM(private, public netip.Prefix) (*ipam, error) {
	if !private.Addr().Is4() || !public.Addr().Is4() || private.Bits() > 28 || public.Bits() > 30 {
		return nil, errors.New("instance: address pools must be IPv4 prefixes of at least /28 (private) and /30 (public)")
	}
	private, public = private.Masked(), public.Masked()
	if private.Overlaps(public) {
		return nil, errors.New("instance: the private and public address pools overlap")
	}
	return &ipam{private: private, public: public, used: map[netip.Addr]bool{}, nextPrivate: firstPrivate(private)}, nil
}

// firstPrivate skips the network address and the three the clouds reserve.
func firstPrivate(p netip.Prefix) netip.Addr {
	a := p.Addr()
	for range 4 {
		a = a.Next()
	}
	return a
}

func (m *ipam) claim(addrs ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range addrs {
		if a, err := netip.ParseAddr(s); err == nil {
			m.used[a] = true
		}
	}
}

func (m *ipam) release(addrs ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range addrs {
		if a, err := netip.ParseAddr(s); err == nil {
			delete(m.used, a)
		}
	}
}

var errNoAddress = errdefs.New(errdefs.LimitExceeded, errdefs.ResCapacity, "", "Insufficient capacity: no free address in the pool.")

// allocPrivate returns the next free private address, round robin.
func (m *ipam) allocPrivate() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	size := 1 << (32 - m.private.Bits())
	a := m.nextPrivate
	for range size {
		if !m.private.Contains(a) || isBroadcast(m.private, a) {
			a = firstPrivate(m.private)
		}
		if !m.used[a] {
			m.used[a] = true
			m.nextPrivate = a.Next()
			return a.String(), nil
		}
		a = a.Next()
	}
	return "", errNoAddress
}

// allocPublic returns a random free public address other than avoid.
func (m *ipam) allocPublic(avoid string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	base := m.public.Addr().As4()
	size := uint32(1) << (32 - m.public.Bits())
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	off := rand.Uint32N(size)
	for range size {
		off = (off + 1) % size
		if off == 0 || off == size-1 { // network and broadcast
			continue
		}
		v := start + off
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		if m.used[a] || a.String() == avoid {
			continue
		}
		m.used[a] = true
		return a.String(), nil
	}
	return "", errNoAddress
}

func isBroadcast(p netip.Prefix, a netip.Addr) bool {
	return a.Next().IsValid() && !p.Contains(a.Next())
}

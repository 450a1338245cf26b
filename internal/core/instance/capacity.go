package instance

import (
	"fmt"

	"strato/internal/errdefs"
)

// Capacity is an amount of compute: vCPUs and memory. In Config, a zero
// field means "unlimited".
type Capacity struct {
	VCPUs     int
	MemoryMiB int64
}

func (c Capacity) add(o Capacity) Capacity {
	return Capacity{VCPUs: c.VCPUs + o.VCPUs, MemoryMiB: c.MemoryMiB + o.MemoryMiB}
}

func (c Capacity) times(n int) Capacity {
	return Capacity{VCPUs: c.VCPUs * n, MemoryMiB: c.MemoryMiB * int64(n)}
}

// Host capacity accounting, for every API alike. An instance holds its
// type's vCPUs and memory while it is pending, running or stopping, and
// while it is stopped with StoppedModeKeepCharging (ECS keeps the
// reservation); any other stopped instance has given them back. Usage is
// derived from the instances' states, never counted on the side, so it is
// right after a restart and cannot drift. A start or launch that would go
// beyond the configured capacity fails with LimitExceeded / ResCapacity.
//
// capMu serialises every check with the write that consumes what it
// checked (Run, Start, a type change of a reserved stopped instance).
// Releases need no lock: they only make room.

// holdsCapacity reports whether in occupies its vCPUs and memory.
func holdsCapacity(in *Instance) bool {
	switch in.State {
	case Pending, Running, Stopping:
		return true
	case Stopped:
		return in.StoppedMode == StoppedModeKeepCharging
	}
	return false
}

// sizeOf returns what an instance of typ holds (zero for an unknown type).
func (s *Service) sizeOf(origin, typ string) Capacity {
	t, ok := s.typeFor(origin, typ)
	if !ok {
		return Capacity{}
	}
	return Capacity{VCPUs: t.VCPUs, MemoryMiB: t.MemoryMiB}
}

// CapacityUsage returns the host's configured capacity (zero fields mean
// unlimited) and what the instances hold now.
func (s *Service) CapacityUsage() (total, used Capacity) {
	return Capacity{VCPUs: s.cfg.CapacityVCPUs, MemoryMiB: s.cfg.CapacityMemoryMiB}, s.used()
}

// used sums what every instance holds.
func (s *Service) used() Capacity {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var u Capacity
	for _, in := range s.byID {
		if holdsCapacity(in) {
			u = u.add(s.sizeOf(in.API(), in.InstanceType))
		}
	}
	return u
}

// room returns how many more instances of size fit on the host (-1:
// unlimited). capMu must be held by the caller that then consumes it.
func (s *Service) room(size Capacity) int {
	free := Capacity{VCPUs: s.cfg.CapacityVCPUs, MemoryMiB: s.cfg.CapacityMemoryMiB}
	if free.VCPUs <= 0 && free.MemoryMiB <= 0 {
		return -1
	}
	u := s.used()
	n := -1
	if free.VCPUs > 0 && size.VCPUs > 0 {
		n = max(0, (free.VCPUs-u.VCPUs)/size.VCPUs)
	}
	if free.MemoryMiB > 0 && size.MemoryMiB > 0 {
		m := int(max(0, (free.MemoryMiB-u.MemoryMiB)/size.MemoryMiB))
		if n < 0 || m < n {
			n = m
		}
	}
	return n
}

// fits reports whether need fits next to what is held now. capMu held.
func (s *Service) fits(need Capacity) bool {
	if need.VCPUs == 0 && need.MemoryMiB == 0 {
		return true
	}
	u := s.used().add(need)
	if v := s.cfg.CapacityVCPUs; v > 0 && u.VCPUs > v {
		return false
	}
	if m := s.cfg.CapacityMemoryMiB; m > 0 && u.MemoryMiB > m {
		return false
	}
	return true
}

// errNoCapacity is the error of a start or launch the host has no room
// for, in EC2's words (the frontends' tables may use their own).
func errNoCapacity(instanceType, zone string) error {
	return &errdefs.Error{Kind: errdefs.LimitExceeded, Resource: errdefs.ResCapacity, ID: instanceType,
		Public: fmt.Sprintf("We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). "+
			"Our system will be working on provisioning additional capacity.", instanceType, zone)}
}

// checkStartCapacity refuses a start whose instances do not all fit: the
// batch is checked whole, before anything changes. Instances that keep a
// reservation while stopped need nothing more. capMu held.
func (s *Service) checkStartCapacity(insts []*Instance) error {
	var need Capacity
	var first *Instance
	for _, in := range insts {
		if _, unchanged, _ := nextFor(in, OpStart); unchanged || holdsCapacity(in) {
			continue
		}
		need = need.add(s.sizeOf(in.API(), in.InstanceType))
		if first == nil {
			first = in
		}
	}
	if first != nil && !s.fits(need) {
		return errNoCapacity(first.InstanceType, first.AvailabilityZone)
	}
	return nil
}

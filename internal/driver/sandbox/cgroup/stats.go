package cgroup

import (
	"path/filepath"
)

// Stats is a snapshot of a group's accounting. Fields whose controller is
// absent (see Capabilities) are zero.
type Stats struct {
	// MemoryUsageBytes is the memory charged to the group now.
	MemoryUsageBytes uint64
	// CPUUsageNanos is the CPU time the group's processes consumed.
	CPUUsageNanos uint64
	// CPUThrottledPeriods counts CFS periods in which the quota ran out.
	CPUThrottledPeriods uint64
	// Tasks is the number of tasks (processes and threads) counted by pids.
	Tasks uint64
	// PidsLimitHits counts forks refused because of the pids limit.
	PidsLimitHits uint64
	// OOMKills counts processes the OOM killer killed inside the group.
	OOMKills uint64
}

// Stats reads the group's accounting from every available controller.
func (g *Group) Stats() (Stats, error) {
	var s Stats
	var err error
	loc := g.layout.locations
	if d, ok := g.ctl[Memory]; ok {
		file := "memory.current"
		if loc[Memory].Version == 1 {
			file = "memory.usage_in_bytes"
		}
		if s.MemoryUsageBytes, err = readUint(filepath.Join(d, file)); err != nil {
			return s, internal(g.name, err, "cannot read memory usage")
		}
	}
	switch {
	case loc[CPUAcct].Version == 1:
		if s.CPUUsageNanos, err = readUint(filepath.Join(g.ctl[CPUAcct], "cpuacct.usage")); err != nil {
			return s, internal(g.name, err, "cannot read cpu usage")
		}
	case g.unified != "":
		kv, err := readKeyed(filepath.Join(g.unified, "cpu.stat"))
		if err != nil {
			return s, internal(g.name, err, "cannot read cpu usage")
		}
		s.CPUUsageNanos = kv["usage_usec"] * 1000
	}
	if d, ok := g.ctl[CPU]; ok {
		kv, err := readKeyed(filepath.Join(d, "cpu.stat"))
		if err != nil {
			return s, internal(g.name, err, "cannot read cpu.stat")
		}
		s.CPUThrottledPeriods = kv["nr_throttled"]
	}
	if d, ok := g.ctl[Pids]; ok {
		if s.Tasks, err = readUint(filepath.Join(d, "pids.current")); err != nil {
			return s, internal(g.name, err, "cannot read pids.current")
		}
		kv, err := readKeyed(filepath.Join(d, "pids.events"))
		if err != nil && !isNotExist(err) {
			return s, internal(g.name, err, "cannot read pids.events")
		}
		s.PidsLimitHits = kv["max"]
	}
	if g.layout.Capabilities().OOMDetection {
		if s.OOMKills, err = g.OOMKills(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// OOMKills returns how many processes the kernel's OOM killer has killed in
// the group (v1 memory.oom_control oom_kill, v2 memory.events oom_kill).
func (g *Group) OOMKills() (uint64, error) {
	if !g.layout.Capabilities().OOMDetection {
		return 0, unsupported(g.name, "oom detection is not available on this host")
	}
	d := g.ctl[Memory]
	file := "memory.events"
	if g.layout.locations[Memory].Version == 1 {
		file = "memory.oom_control"
	}
	kv, err := readKeyed(filepath.Join(d, file))
	if err != nil {
		return 0, internal(g.name, err, "cannot read %s", file)
	}
	return kv["oom_kill"], nil
}

// OOMKilled reports whether the OOM killer has killed any process in the group.
func (g *Group) OOMKilled() (bool, error) {
	n, err := g.OOMKills()
	return n > 0, err
}

// Package cgroup places sandboxed instances in control groups: it detects at
// run time whether the host uses cgroup v1, v2 or a hybrid of both, reports
// which limits and controls actually work, and creates, limits, freezes,
// kills and removes one group per instance under a Strato parent group.
//
// The package talks to cgroupfs only (no systemd, no libraries). Every path is
// derived from a Root directory and a mountinfo file given in Options, so tests
// can point it at a fake tree.
package cgroup

import (
	"fmt"
	"math"

	"strato/internal/errdefs"
)

// Mode is the cgroup layout of the host.
type Mode int

// The layouts.
const (
	// None: no cgroup hierarchy is mounted under the root.
	None Mode = iota
	// V1: only legacy per-controller hierarchies.
	V1
	// V2: only the unified hierarchy.
	V2
	// Hybrid: legacy controller hierarchies plus a unified hierarchy; the
	// unified one is used for process tracking (cgroup.kill, cgroup.freeze,
	// cpu.stat) and for any controller that is not on v1.
	Hybrid
)

func (m Mode) String() string {
	switch m {
	case V1:
		return "v1"
	case V2:
		return "v2"
	case Hybrid:
		return "hybrid"
	default:
		return "none"
	}
}

// Controller names a cgroup controller this package uses.
type Controller string

// The controllers Strato needs. CPUAcct is only meaningful on v1, where CPU
// usage is accounted by a controller of its own; on v2 usage is in cpu.stat.
const (
	CPU     Controller = "cpu"
	CPUAcct Controller = "cpuacct"
	Memory  Controller = "memory"
	Pids    Controller = "pids"
	Freezer Controller = "freezer"
)

// Controllers returns every controller Detect looks for, in a fixed order.
func Controllers() []Controller { return []Controller{CPU, CPUAcct, Memory, Pids, Freezer} }

// Location says where a controller lives.
type Location struct {
	// Version is 1 for a legacy hierarchy, 2 for the unified hierarchy and 0
	// when the controller is not available.
	Version int
	// Mount is the mount point of the hierarchy holding the controller.
	Mount string
}

// Available reports whether the controller can be used.
func (l Location) Available() bool { return l.Version != 0 }

func (l Location) String() string {
	if l.Version == 0 {
		return "absent"
	}
	return fmt.Sprintf("v%d at %s", l.Version, l.Mount)
}

// Capabilities says which operations work on this host. A false field means
// the corresponding operation returns an Unsupported error (or, for KillAll,
// is only best effort).
type Capabilities struct {
	CPULimit     bool // Limits.VCPUs is enforced (CFS quota)
	MemoryLimit  bool // Limits.MemoryBytes is enforced
	PidsLimit    bool // Limits.Pids is enforced
	Freeze       bool // Freeze, Thaw and Frozen work
	KillAll      bool // KillAll cannot be outrun by forking (cgroup.kill or a freezer)
	OOMDetection bool // OOMKills and OOMKilled work
	CPUUsage     bool // Stats.CPUUsageNanos is measured
	MemoryUsage  bool // Stats.MemoryUsageBytes is measured
}

// Options configures Detect. The zero value describes the real host.
type Options struct {
	// Root is the directory under which cgroup hierarchies are mounted;
	// mounts elsewhere are ignored. Default "/sys/fs/cgroup".
	Root string
	// MountInfo is the mountinfo file to parse. Default "/proc/self/mountinfo".
	MountInfo string
	// ProcCgroups is the kernel's controller table. Default "/proc/cgroups".
	// A missing file is not an error (the kernel may lack v1 support).
	ProcCgroups string
	// Parent is the group, relative to each hierarchy's mount, under which
	// instance groups are created. Default "strato".
	Parent string
	// DisableCgroupKill makes KillAll use the freeze-and-kill loop even where
	// cgroup.kill exists (for tests, and for kernels where it misbehaves).
	DisableCgroupKill bool
}

func (o Options) withDefaults() Options {
	if o.Root == "" {
		o.Root = "/sys/fs/cgroup"
	}
	if o.MountInfo == "" {
		o.MountInfo = "/proc/self/mountinfo"
	}
	if o.ProcCgroups == "" {
		o.ProcCgroups = "/proc/cgroups"
	}
	if o.Parent == "" {
		o.Parent = "strato"
	}
	return o
}

// Limits are the resources of one group. A zero field means unlimited.
type Limits struct {
	// VCPUs is the CPU bandwidth in cores, fractions allowed (0.5 = half a
	// core), enforced as a CFS quota over a 100 ms period.
	VCPUs float64
	// MemoryBytes caps memory; swap is capped at the same total where the
	// host allows it, so a guest cannot escape the limit by swapping.
	MemoryBytes int64
	// Pids caps the number of tasks (processes and threads).
	Pids int64
}

const (
	cfsPeriodUs  = 100000
	minQuotaUs   = 1000 // the kernel's minimum CFS quota
	maxVCPUs     = 4096
	minMemory    = 1 << 20
	maxNameBytes = 64
)

// Validate checks the limits without touching the host.
func (l Limits) Validate() error {
	switch {
	case math.IsNaN(l.VCPUs) || math.IsInf(l.VCPUs, 0) || l.VCPUs < 0:
		return invalid("", "vcpus must be a non-negative number")
	case l.VCPUs > maxVCPUs:
		return invalid("", fmt.Sprintf("vcpus must be at most %d", maxVCPUs))
	case l.VCPUs > 0 && quotaUs(l.VCPUs) < minQuotaUs:
		return invalid("", "vcpus must be at least 0.01")
	case l.MemoryBytes < 0:
		return invalid("", "memory must not be negative")
	case l.MemoryBytes > 0 && l.MemoryBytes < minMemory:
		return invalid("", "memory must be at least 1 MiB")
	case l.Pids < 0:
		return invalid("", "pids must not be negative")
	}
	return nil
}

func quotaUs(vcpus float64) int64 { return int64(math.Round(vcpus * cfsPeriodUs)) }

// ValidateName checks an instance group name: 1 to 64 characters from
// [A-Za-z0-9_-]. Dots are refused so a name can never be "..", "." or collide
// with a control file such as "cgroup.procs".
func ValidateName(name string) error {
	if name == "" || len(name) > maxNameBytes {
		return invalid(name, fmt.Sprintf("group name must be 1 to %d characters", maxNameBytes))
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return invalid(errdefs.Clip(name, maxNameBytes), "group name may only contain letters, digits, '-' and '_'")
		}
	}
	return nil
}

func invalid(id, msg string) error {
	return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResParameter, ID: id, Public: msg}
}

func unsupported(id, msg string) error {
	return &errdefs.Error{Kind: errdefs.Unsupported, ID: id, Public: msg}
}

func internal(id string, err error, format string, args ...any) error {
	return &errdefs.Error{Kind: errdefs.Internal, ID: id, Public: fmt.Sprintf(format, args...), Err: err}
}

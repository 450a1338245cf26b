package cgroup

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Layout is what Detect found: where each controller lives and which
// features the kernel offers. It is a value; copies are independent.
type Layout struct {
	// Mode is the host's cgroup layout.
	Mode Mode

	opts      Options
	locations map[Controller]Location
	// unified is the cgroup2 mount point, or "".
	unified string
	// v2Freeze and v2Kill say whether non-root v2 groups have cgroup.freeze
	// and cgroup.kill (probed on the Strato parent group).
	v2Freeze, v2Kill bool
	// v1OOMCount says whether v1 memory.oom_control reports oom_kill.
	v1OOMCount bool
}

// Location returns where controller c lives.
func (l Layout) Location(c Controller) Location { return l.locations[c] }

// Unified returns the mount point of the cgroup2 hierarchy, or "".
func (l Layout) Unified() string { return l.unified }

// Parent returns the parent group name instance groups are created under.
func (l Layout) Parent() string { return l.opts.Parent }

// Capabilities reports what works on this host. Nothing is assumed: each
// field is backed by a controller or a control file Detect found.
func (l Layout) Capabilities() Capabilities {
	freeze := l.Location(Freezer).Available() || l.v2Freeze
	mem := l.Location(Memory)
	return Capabilities{
		CPULimit:     l.Location(CPU).Available(),
		MemoryLimit:  mem.Available(),
		PidsLimit:    l.Location(Pids).Available(),
		Freeze:       freeze,
		KillAll:      freeze || l.v2Kill,
		OOMDetection: mem.Version == 2 || mem.Version == 1 && l.v1OOMCount,
		CPUUsage:     l.Location(CPUAcct).Available() || l.unified != "",
		MemoryUsage:  mem.Available(),
	}
}

// Detect inspects the real host.
func Detect() (Layout, error) { return DetectWith(Options{}) }

// DetectWith inspects the host described by opts. It reads mountinfo, the
// kernel's controller table and the unified hierarchy's cgroup.controllers.
// Where a cgroup2 hierarchy exists it creates the (empty) Strato parent group
// there to probe for cgroup.freeze and cgroup.kill, which only non-root groups
// have; failing to create it means those features are reported absent.
func DetectWith(opts Options) (Layout, error) {
	opts = opts.withDefaults()
	l := Layout{opts: opts, locations: map[Controller]Location{}}
	if err := ValidateName(opts.Parent); err != nil {
		return l, err
	}
	data, err := os.ReadFile(opts.MountInfo)
	if err != nil {
		return l, internal("", err, "cannot read mountinfo")
	}
	mounts, err := parseMountInfo(string(data))
	if err != nil {
		return l, internal("", err, "cannot parse mountinfo")
	}
	enabled, err := readProcCgroups(opts.ProcCgroups)
	if err != nil {
		return l, internal("", err, "cannot read the kernel's controller table")
	}
	root := filepath.Clean(opts.Root)
	hasV1 := false
	for _, m := range mounts {
		if m.point != root && !strings.HasPrefix(m.point, root+"/") {
			continue
		}
		switch m.fstype {
		case "cgroup":
			for _, o := range m.superOpts {
				if enabled != nil && !enabled[o] {
					continue // named hierarchies (name=systemd) and disabled controllers
				}
				if enabled == nil && !knownV1(o) {
					continue
				}
				hasV1 = true
				c := Controller(o)
				if wanted(c) && !l.locations[c].Available() {
					l.locations[c] = Location{Version: 1, Mount: m.point}
				}
			}
		case "cgroup2":
			if l.unified == "" {
				l.unified = m.point
			}
		}
	}
	if l.unified != "" {
		ctrls, err := readWords(filepath.Join(l.unified, "cgroup.controllers"))
		if err != nil {
			return l, internal("", err, "cannot read cgroup.controllers")
		}
		for _, w := range ctrls {
			c := Controller(w)
			if wanted(c) && c != CPUAcct && c != Freezer && !l.locations[c].Available() {
				l.locations[c] = Location{Version: 2, Mount: l.unified}
			}
		}
		l.probeV2()
	}
	switch {
	case hasV1 && l.unified != "":
		l.Mode = Hybrid
	case hasV1:
		l.Mode = V1
	case l.unified != "":
		l.Mode = V2
	}
	if m := l.locations[Memory]; m.Version == 1 {
		if kv, err := readKeyed(filepath.Join(m.Mount, "memory.oom_control")); err == nil {
			_, l.v1OOMCount = kv["oom_kill"]
		}
	}
	return l, nil
}

// probeV2 creates the Strato parent in the unified hierarchy and looks for the
// core control files every non-root v2 group has on a new enough kernel.
func (l *Layout) probeV2() {
	dir := filepath.Join(l.unified, l.opts.Parent)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return
	}
	l.v2Freeze = exists(filepath.Join(dir, "cgroup.freeze"))
	l.v2Kill = exists(filepath.Join(dir, "cgroup.kill"))
}

func wanted(c Controller) bool { return slices.Contains(Controllers(), c) }

// knownV1 recognises controller names when /proc/cgroups is unavailable.
func knownV1(o string) bool {
	switch o {
	case "cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "devices", "blkio", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc":
		return true
	}
	return false
}

// mount is one line of mountinfo, reduced to what Detect needs.
type mount struct {
	point     string
	fstype    string
	superOpts []string
}

// parseMountInfo parses proc(5) mountinfo:
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
func parseMountInfo(data string) ([]mount, error) {
	var out []mount
	for n, line := range strings.Split(data, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 7 || sep < 0 || sep+3 > len(f) {
			return nil, errors.New("mountinfo line " + strconv.Itoa(n+1) + ": malformed")
		}
		m := mount{point: unescapeMount(f[4]), fstype: f[sep+1]}
		if sep+3 < len(f) {
			m.superOpts = strings.Split(f[sep+3], ",")
		}
		out = append(out, m)
	}
	return out, nil
}

// unescapeMount undoes the kernel's octal escaping of space, tab, newline and
// backslash in mountinfo paths.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// readProcCgroups returns the enabled controllers of /proc/cgroups, or nil
// when the file does not exist.
func readProcCgroups(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		out[f[0]] = f[3] == "1"
	}
	return out, sc.Err()
}

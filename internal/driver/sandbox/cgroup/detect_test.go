package cgroup

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// procCgroupsAll is /proc/cgroups of a kernel with every controller enabled.
const procCgroupsAll = `#subsys_name	hierarchy	num_cgroups	enabled
cpuset	3	1	1
cpu	1	1	1
cpuacct	2	1	1
blkio	7	1	1
memory	4	41	1
devices	5	1	1
freezer	6	1	1
pids	8	1	1
`

// hybridMountinfo is this project's CI host: v1 controllers, and a cgroup2
// mount without controllers. ROOT stands for the fake tree.
const hybridMountinfo = `22 1 0:20 / /sys rw,nosuid - sysfs sysfs rw
30 22 0:27 / ROOT rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / ROOT/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / ROOT/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / ROOT/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / ROOT/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:32 / ROOT/devices rw,relatime - cgroup cgroup rw,devices
36 30 0:33 / ROOT/freezer rw,relatime - cgroup cgroup rw,freezer
37 30 0:34 / ROOT/blkio rw,relatime - cgroup cgroup rw,blkio
38 30 0:35 / ROOT/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / ROOT/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / ROOT/unified rw,relatime - cgroup2 cgroup2 rw
`

// v2Mountinfo is a modern systemd host (cgroup2 at the root, nsdelegate).
const v2Mountinfo = `25 1 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw
30 25 0:26 / ROOT rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`

// v1CoMountedMountinfo is an older host with cpu,cpuacct co-mounted and an
// optional field group before the separator.
const v1CoMountedMountinfo = `24 18 0:21 / ROOT ro,nosuid shared:8 - tmpfs tmpfs ro,mode=755
26 24 0:23 / ROOT/cpu,cpuacct rw,nosuid shared:10 master:3 - cgroup cgroup rw,cpu,cpuacct
27 24 0:24 / ROOT/memory rw,nosuid shared:11 - cgroup cgroup rw,memory
28 24 0:25 / ROOT/pids rw,nosuid shared:12 - cgroup cgroup rw,pids
29 24 0:26 / ROOT/freezer rw,nosuid shared:13 - cgroup cgroup rw,freezer
`

// fakeHost is one Detect case: mountinfo and the files of the fake tree.
type fakeHost struct {
	mountinfo   string
	procCgroups string // "" means the file does not exist
	files       map[string]string
}

// build writes the fake host under a temporary directory and returns the
// options that point Detect at it.
func (h fakeHost) build(t *testing.T) Options {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "cg")
	o := Options{Root: root, MountInfo: filepath.Join(dir, "mountinfo"), ProcCgroups: filepath.Join(dir, "cgroups")}
	write(t, o.MountInfo, strings.ReplaceAll(h.mountinfo, "ROOT", root))
	if h.procCgroups != "" {
		write(t, o.ProcCgroups, h.procCgroups)
	}
	// The mount points exist on a real host.
	ms, _ := parseMountInfo(strings.ReplaceAll(h.mountinfo, "ROOT", root))
	for _, m := range ms {
		if strings.HasPrefix(m.point, root) {
			if err := os.MkdirAll(m.point, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, content := range h.files {
		write(t, filepath.Join(root, name), content)
	}
	return o
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	hybridHost = fakeHost{
		mountinfo:   hybridMountinfo,
		procCgroups: procCgroupsAll,
		files: map[string]string{
			"memory/memory.oom_control":      "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
			"unified/cgroup.controllers":     "hugetlb\n",
			"unified/strato/cgroup.freeze":   "0\n",
			"unified/strato/cgroup.kill":     "",
			"unified/strato/cgroup.procs":    "",
			"unified/cgroup.subtree_control": "",
		},
	}
	v2Host = fakeHost{
		mountinfo: v2Mountinfo,
		// A v2-only kernel lists its controllers with hierarchy 0.
		procCgroups: "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t80\t1\nmemory\t0\t80\t1\npids\t0\t80\t1\n",
		files: map[string]string{
			"cgroup.controllers":            "cpuset cpu io memory hugetlb pids rdma misc\n",
			"cgroup.subtree_control":        "",
			"strato/cgroup.freeze":          "0\n",
			"strato/cgroup.kill":            "",
			"strato/cgroup.subtree_control": "",
		},
	}
	v1Host = fakeHost{
		mountinfo:   v1CoMountedMountinfo,
		procCgroups: procCgroupsAll,
		files: map[string]string{
			// A kernel before 4.13 has no oom_kill counter.
			"memory/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n",
		},
	}
)

func TestDetectFake(t *testing.T) {
	abs := func(o Options, rel string) string { return filepath.Join(o.Root, rel) }
	tests := []struct {
		name string
		host fakeHost
		mode Mode
		// where maps controllers to version and mount relative to Root.
		where map[Controller]Location
		caps  Capabilities
	}{
		{
			name: "hybrid",
			host: hybridHost,
			mode: Hybrid,
			where: map[Controller]Location{
				CPU: {1, "cpu"}, CPUAcct: {1, "cpuacct"}, Memory: {1, "memory"}, Pids: {1, "pids"}, Freezer: {1, "freezer"},
			},
			caps: Capabilities{CPULimit: true, MemoryLimit: true, PidsLimit: true, Freeze: true, KillAll: true, OOMDetection: true, CPUUsage: true, MemoryUsage: true},
		},
		{
			name: "v2",
			host: v2Host,
			mode: V2,
			where: map[Controller]Location{
				CPU: {2, ""}, Memory: {2, ""}, Pids: {2, ""},
			},
			caps: Capabilities{CPULimit: true, MemoryLimit: true, PidsLimit: true, Freeze: true, KillAll: true, OOMDetection: true, CPUUsage: true, MemoryUsage: true},
		},
		{
			name: "v2 old kernel without freeze or kill, no cpu delegated",
			host: fakeHost{mountinfo: v2Mountinfo, files: map[string]string{"cgroup.controllers": "memory pids\n"}},
			mode: V2,
			where: map[Controller]Location{
				Memory: {2, ""}, Pids: {2, ""},
			},
			caps: Capabilities{MemoryLimit: true, PidsLimit: true, OOMDetection: true, CPUUsage: true, MemoryUsage: true},
		},
		{
			name: "v1 co-mounted cpu,cpuacct without oom counter",
			host: v1Host,
			mode: V1,
			where: map[Controller]Location{
				CPU: {1, "cpu,cpuacct"}, CPUAcct: {1, "cpu,cpuacct"}, Memory: {1, "memory"}, Pids: {1, "pids"}, Freezer: {1, "freezer"},
			},
			caps: Capabilities{CPULimit: true, MemoryLimit: true, PidsLimit: true, Freeze: true, KillAll: true, CPUUsage: true, MemoryUsage: true},
		},
		{
			name:  "none",
			host:  fakeHost{mountinfo: "22 1 0:20 / /sys rw,nosuid - sysfs sysfs rw\n"},
			mode:  None,
			where: map[Controller]Location{},
		},
		{
			name: "controller disabled in /proc/cgroups",
			host: fakeHost{
				mountinfo:   "34 30 0:31 / ROOT/memory rw - cgroup cgroup rw,memory\n38 30 0:35 / ROOT/pids rw - cgroup cgroup rw,pids\n",
				procCgroups: "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t1\t0\npids\t8\t1\t1\n",
			},
			mode:  V1,
			where: map[Controller]Location{Pids: {1, "pids"}},
			caps:  Capabilities{PidsLimit: true},
		},
		{
			name: "mounts outside root are ignored, escaped paths decoded",
			host: fakeHost{
				mountinfo: "34 30 0:31 / /elsewhere/memory rw - cgroup cgroup rw,memory\n" +
					`38 30 0:35 / ROOT/my\040pids rw - cgroup cgroup rw,pids` + "\n",
			},
			mode:  V1,
			where: map[Controller]Location{Pids: {1, "my pids"}},
			caps:  Capabilities{PidsLimit: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.host.build(t)
			l, err := DetectWith(o)
			if err != nil {
				t.Fatal(err)
			}
			if l.Mode != tt.mode {
				t.Errorf("Mode = %v, want %v", l.Mode, tt.mode)
			}
			got := map[Controller]Location{}
			want := map[Controller]Location{}
			for _, c := range Controllers() {
				if loc := l.Location(c); loc.Available() {
					got[c] = loc
				}
				if w, ok := tt.where[c]; ok {
					want[c] = Location{w.Version, abs(o, w.Mount)}
				}
			}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("locations (-got +want):\n%s", d)
			}
			if d := cmp.Diff(l.Capabilities(), tt.caps); d != "" {
				t.Errorf("Capabilities (-got +want):\n%s", d)
			}
		})
	}
}

func TestDetectErrors(t *testing.T) {
	o := fakeHost{mountinfo: "garbage line\n"}.build(t)
	if _, err := DetectWith(o); !errors.Is(err, errdefs.ErrInternal) {
		t.Errorf("malformed mountinfo: err = %v, want Internal", err)
	}
	o.MountInfo = filepath.Join(t.TempDir(), "missing")
	if _, err := DetectWith(o); !errors.Is(err, errdefs.ErrInternal) {
		t.Errorf("missing mountinfo: err = %v, want Internal", err)
	}
	o.Parent = "../etc"
	if _, err := DetectWith(o); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("bad parent: err = %v, want InvalidArgument", err)
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"i-0123456789abcdef0", true},
		{"a", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"..", false},
		{".", false},
		{"a/b", false},
		{"cgroup.procs", false},
		{"with space", false},
		{"ünïcode", false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("ValidateName(%q) = %v, want InvalidArgument", tt.name, err)
		}
	}
}

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name string
		l    Limits
		ok   bool
	}{
		{"zero is unlimited", Limits{}, true},
		{"typical", Limits{VCPUs: 2, MemoryBytes: 1 << 30, Pids: 1024}, true},
		{"fractional cpu", Limits{VCPUs: 0.5}, true},
		{"smallest cpu", Limits{VCPUs: 0.01}, true},
		{"cpu below kernel minimum", Limits{VCPUs: 0.001}, false},
		{"negative cpu", Limits{VCPUs: -1}, false},
		{"nan cpu", Limits{VCPUs: nan()}, false},
		{"huge cpu", Limits{VCPUs: 1e9}, false},
		{"negative memory", Limits{MemoryBytes: -1}, false},
		{"tiny memory", Limits{MemoryBytes: 4096}, false},
		{"negative pids", Limits{Pids: -1}, false},
	}
	for _, tt := range tests {
		err := tt.l.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("%s: Validate() = %v, want InvalidArgument", tt.name, err)
		}
	}
}

func nan() float64 { return math.NaN() }

package cgroup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// kernelFiles pre-creates, in a fake tree, the control files the kernel
// would create with a group (writeFile never creates files).
func kernelFiles(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		write(t, filepath.Join(root, f), "")
	}
}

// hybridGroupFiles are the control files New writes for group i-1 on hybridHost.
var hybridGroupFiles = []string{
	"cpu/strato/i-1/cpu.cfs_period_us", "cpu/strato/i-1/cpu.cfs_quota_us",
	"memory/strato/i-1/memory.limit_in_bytes", "pids/strato/i-1/pids.max",
}

func readAll(t *testing.T, root string, files ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			out[f] = "<" + err.Error() + ">"
			continue
		}
		out[f] = string(b)
	}
	return out
}

func TestNewWritesLimitsV1(t *testing.T) {
	o := hybridHost.build(t)
	kernelFiles(t, o.Root,
		"cpu/strato/i-1/cpu.cfs_period_us", "cpu/strato/i-1/cpu.cfs_quota_us",
		"memory/strato/i-1/memory.limit_in_bytes", "memory/strato/i-1/memory.memsw.limit_in_bytes",
		"pids/strato/i-1/pids.max")
	l, err := DetectWith(o)
	if err != nil {
		t.Fatal(err)
	}
	g, err := l.New("i-1", Limits{VCPUs: 0.5, MemoryBytes: 32 << 20, Pids: 8})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"cpu/strato/i-1/cpu.cfs_period_us", "cpu/strato/i-1/cpu.cfs_quota_us",
		"memory/strato/i-1/memory.limit_in_bytes", "memory/strato/i-1/memory.memsw.limit_in_bytes",
		"pids/strato/i-1/pids.max"}
	want := map[string]string{
		"cpu/strato/i-1/cpu.cfs_period_us":              "100000",
		"cpu/strato/i-1/cpu.cfs_quota_us":               "50000",
		"memory/strato/i-1/memory.limit_in_bytes":       "33554432",
		"memory/strato/i-1/memory.memsw.limit_in_bytes": "33554432",
		"pids/strato/i-1/pids.max":                      "8",
	}
	if d := cmp.Diff(readAll(t, o.Root, files...), want); d != "" {
		t.Errorf("control files (-got +want):\n%s", d)
	}
	var rel []string
	for _, d := range g.Dirs() {
		r, _ := filepath.Rel(o.Root, d)
		rel = append(rel, r)
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("group dir %s: %v", d, err)
		}
	}
	wantDirs := []string{"cpu/strato/i-1", "cpuacct/strato/i-1", "memory/strato/i-1", "pids/strato/i-1", "freezer/strato/i-1", "unified/strato/i-1"}
	if d := cmp.Diff(rel, wantDirs); d != "" {
		t.Errorf("Dirs (-got +want):\n%s", d)
	}

	// Again, idempotently, now unlimited.
	if _, err := l.New("i-1", Limits{}); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{
		"cpu/strato/i-1/cpu.cfs_period_us":              "100000",
		"cpu/strato/i-1/cpu.cfs_quota_us":               "-1",
		"memory/strato/i-1/memory.limit_in_bytes":       "-1",
		"memory/strato/i-1/memory.memsw.limit_in_bytes": "-1",
		"pids/strato/i-1/pids.max":                      "max",
	}
	if d := cmp.Diff(readAll(t, o.Root, files...), want); d != "" {
		t.Errorf("control files after reset (-got +want):\n%s", d)
	}
}

func TestNewWithoutSwapAccounting(t *testing.T) {
	o := hybridHost.build(t)
	kernelFiles(t, o.Root, hybridGroupFiles...)
	l, err := DetectWith(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.New("i-1", Limits{MemoryBytes: 64 << 20}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(o.Root, "memory/strato/i-1/memory.memsw.limit_in_bytes")); !os.IsNotExist(err) {
		t.Errorf("memsw file was created where the kernel has none: %v", err)
	}
}

func TestNewWritesLimitsV2(t *testing.T) {
	o := v2Host.build(t)
	kernelFiles(t, o.Root, "strato/i-1/cpu.max", "strato/i-1/memory.max", "strato/i-1/memory.swap.max", "strato/i-1/pids.max")
	l, err := DetectWith(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.New("i-1", Limits{VCPUs: 1.5, MemoryBytes: 1 << 30, Pids: 100}); err != nil {
		t.Fatal(err)
	}
	files := []string{"cgroup.subtree_control", "strato/cgroup.subtree_control", "strato/i-1/cpu.max",
		"strato/i-1/memory.max", "strato/i-1/memory.swap.max", "strato/i-1/pids.max"}
	want := map[string]string{
		"cgroup.subtree_control":        "+cpu +memory +pids",
		"strato/cgroup.subtree_control": "+cpu +memory +pids",
		"strato/i-1/cpu.max":            "150000 100000",
		"strato/i-1/memory.max":         "1073741824",
		"strato/i-1/memory.swap.max":    "0",
		"strato/i-1/pids.max":           "100",
	}
	if d := cmp.Diff(readAll(t, o.Root, files...), want); d != "" {
		t.Errorf("control files (-got +want):\n%s", d)
	}
}

func TestNewRefusesWhatTheHostCannotDo(t *testing.T) {
	// pids only: memory is disabled in /proc/cgroups.
	o := fakeHost{
		mountinfo:   "38 30 0:35 / ROOT/pids rw - cgroup cgroup rw,pids\n",
		procCgroups: "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t1\t0\npids\t8\t1\t1\n",
	}.build(t)
	l, err := DetectWith(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, lim := range []Limits{{MemoryBytes: 64 << 20}, {VCPUs: 1}} {
		if _, err := l.New("i-1", lim); !errors.Is(err, errdefs.ErrUnsupported) {
			t.Errorf("New(%+v) = %v, want Unsupported", lim, err)
		}
	}
	if _, err := os.Stat(filepath.Join(o.Root, "pids/strato/i-1")); !os.IsNotExist(err) {
		t.Errorf("a refused New left a group behind: %v", err)
	}
	for _, name := range []string{"..", "a/b", ""} {
		if _, err := l.New(name, Limits{}); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("New(%q) = %v, want InvalidArgument", name, err)
		}
	}
	kernelFiles(t, o.Root, "pids/strato/i-1/pids.max")
	g, err := l.New("i-1", Limits{Pids: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := g.Freeze(ctx); !errors.Is(err, errdefs.ErrUnsupported) {
		t.Errorf("Freeze = %v, want Unsupported", err)
	}
	if _, err := g.Frozen(); !errors.Is(err, errdefs.ErrUnsupported) {
		t.Errorf("Frozen = %v, want Unsupported", err)
	}
	if _, err := g.OOMKilled(); !errors.Is(err, errdefs.ErrUnsupported) {
		t.Errorf("OOMKilled = %v, want Unsupported", err)
	}
	if c := l.Capabilities(); c.KillAll || c.Freeze || c.MemoryLimit || c.CPULimit {
		t.Errorf("Capabilities = %+v, want only pids", c)
	}
	if err := g.Add(0); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("Add(0) = %v, want InvalidArgument", err)
	}
}

func TestOpenFake(t *testing.T) {
	o := hybridHost.build(t)
	l, err := DetectWith(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Open("i-1"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Open of a missing group = %v, want NotFound", err)
	}
	kernelFiles(t, o.Root, hybridGroupFiles...)
	g, err := l.New("i-1", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Open("i-1"); err != nil {
		t.Errorf("Open after New = %v", err)
	}
	if err := os.Remove(g.Dirs()[len(g.Dirs())-1]); err != nil {
		t.Fatal(err)
	}
	_, err = l.Open("i-1")
	if !errors.Is(err, errdefs.ErrIncorrectState) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Open of a partial group = %v, want IncorrectState", err)
	}
}

// TestV2FilesFake checks which v2 files freeze, OOM and stats read and
// write. The fake kernel does not react, so cgroup.events is preset to the
// state the real kernel would reach.
func TestV2FilesFake(t *testing.T) {
	o := v2Host.build(t)
	kernelFiles(t, o.Root, "strato/i-1/cpu.max", "strato/i-1/memory.max", "strato/i-1/pids.max", "strato/i-1/cgroup.freeze")
	write(t, filepath.Join(o.Root, "strato/i-1/cgroup.events"), "populated 1\nfrozen 1\n")
	write(t, filepath.Join(o.Root, "strato/i-1/memory.events"), "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n")
	write(t, filepath.Join(o.Root, "strato/i-1/memory.current"), "4096\n")
	write(t, filepath.Join(o.Root, "strato/i-1/cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 3\n")
	write(t, filepath.Join(o.Root, "strato/i-1/pids.current"), "5\n")
	write(t, filepath.Join(o.Root, "strato/i-1/pids.events"), "max 4\n")
	l, err := DetectWith(o)
	if err != nil {
		t.Fatal(err)
	}
	g, err := l.New("i-1", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Freeze(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, o.Root, "strato/i-1/cgroup.freeze")["strato/i-1/cgroup.freeze"]; got != "1" {
		t.Errorf("cgroup.freeze = %q, want 1", got)
	}
	if f, err := g.Frozen(); err != nil || !f {
		t.Errorf("Frozen = %v, %v; want true", f, err)
	}
	s, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{MemoryUsageBytes: 4096, CPUUsageNanos: 1500000, CPUThrottledPeriods: 3, Tasks: 5, PidsLimitHits: 4, OOMKills: 2}
	if d := cmp.Diff(s, want); d != "" {
		t.Errorf("Stats (-got +want):\n%s", d)
	}
}

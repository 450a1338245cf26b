package cgroup

// Tests against the real kernel. They create groups under "strato-test" in
// every hierarchy and remove them in t.Cleanup, also when a test fails. A
// test skips only when Detect reports the capability it needs absent;
// TestDetectMatchesKernel checks that Detect's view agrees with the kernel's
// own tables, so a skip cannot hide a detection bug.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"strato/internal/errdefs"
)

const testParent = "strato-test"

// realLayout detects the host, skipping when the test cannot create groups.
func realLayout(t *testing.T, opts Options) Layout {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating cgroups needs root")
	}
	opts.Parent = testParent
	l, err := DetectWith(opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// needs skips the test when Detect says the capability is absent.
func needs(t *testing.T, ok bool, what string, l Layout) {
	t.Helper()
	if !ok {
		t.Skipf("Detect reports %s unavailable on this host (mode %v, %s)", what, l.Mode, describe(l))
	}
}

func describe(l Layout) string {
	var parts []string
	for _, c := range Controllers() {
		parts = append(parts, fmt.Sprintf("%s: %v", c, l.Location(c)))
	}
	return strings.Join(parts, "; ")
}

// groupName derives a unique, valid group name from the test's name.
func groupName(t *testing.T) string {
	n := fmt.Sprintf("t%d-%s", os.Getpid(), t.Name())
	n = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, n)
	if len(n) > maxNameBytes {
		n = n[:maxNameBytes]
	}
	return n
}

// newRealGroup creates a group and registers its removal, checking that no
// directory is left behind.
func newRealGroup(t *testing.T, l Layout, lim Limits) *Group {
	t.Helper()
	g, err := l.New(groupName(t), lim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.Remove(ctx); err != nil {
			t.Errorf("cleanup: Remove: %v", err)
		}
		for _, d := range g.Dirs() {
			if _, err := os.Stat(d); !os.IsNotExist(err) {
				t.Errorf("cleanup: %s still exists (%v)", d, err)
			}
		}
		// The shared test parent goes when the last test group is gone;
		// EBUSY just means another group still uses it.
		for _, d := range g.Dirs() {
			_ = os.Remove(filepath.Dir(d))
		}
	})
	return g
}

// proc is a process started inside a group.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	// state is set before done closes.
	state *os.ProcessState
	out   string // file with stdout and stderr
}

// startIn starts script under /bin/sh already inside g: a wrapper shell
// writes its own pid into every hierarchy's cgroup.procs and then execs, so
// the guest cannot fork before it is placed. The process is killed and
// reaped in t.Cleanup (which runs before the group's removal).
func startIn(t *testing.T, g *Group, script string) *proc {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	args := append([]string{"-c", `for f; do echo $$ > "$f" || exit 127; done; exec /bin/sh -c "$0"`, script}, g.ProcFiles()...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), out: out}
	go func() {
		_ = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	// Wait until the guest is in the group (the wrapper may still be
	// writing the pid files).
	waitFor(t, 5*time.Second, "pid in group", func() bool {
		pids, err := g.Procs()
		return err == nil && slices.Contains(pids, cmd.Process.Pid)
	})
	return p
}

func (p *proc) wait(t *testing.T, d time.Duration) *os.ProcessState {
	t.Helper()
	select {
	case <-p.done:
		return p.state
	case <-time.After(d):
		t.Fatalf("process %d did not exit within %v", p.cmd.Process.Pid, d)
		return nil
	}
}

func (p *proc) output(t *testing.T) string {
	b, err := os.ReadFile(p.out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// bg is the context of calls that rely on the package's default timeout.
func bg() context.Context {
	return context.Background()
}

// TestDetectMatchesKernel compares Detect with the kernel's own view:
// /proc/self/cgroup lists every v1 hierarchy (with its controllers) this
// process belongs to and "0::" for the unified one; /proc/cgroups says which
// controllers are enabled; cgroup.controllers which are on v2.
func TestDetectMatchesKernel(t *testing.T) {
	// Detect() with the test parent: probing creates the parent in the
	// unified hierarchy, which the cleanup removes again.
	l, err := DetectWith(Options{Parent: testParent})
	if err != nil {
		t.Fatal(err)
	}
	if u := l.Unified(); u != "" {
		t.Cleanup(func() { _ = os.Remove(filepath.Join(u, testParent)) })
	}
	t.Logf("host: mode %v; %s; capabilities %+v", l.Mode, describe(l), l.Capabilities())
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	onV1 := map[Controller]bool{}
	hasV1, hasV2 := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			t.Fatalf("bad /proc/self/cgroup line %q", sc.Text())
		}
		if parts[0] == "0" && parts[1] == "" {
			hasV2 = true
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if !strings.HasPrefix(c, "name=") {
				hasV1 = true
				onV1[Controller(c)] = true
			}
		}
	}
	enabled, err := readProcCgroups("/proc/cgroups")
	if err != nil {
		t.Fatal(err)
	}
	var onV2 []string
	if hasV2 && l.Unified() != "" {
		onV2, _ = readWords(filepath.Join(l.Unified(), "cgroup.controllers"))
	}
	wantMode := map[[2]bool]Mode{{false, false}: None, {true, false}: V1, {false, true}: V2, {true, true}: Hybrid}[[2]bool{hasV1, hasV2}]
	if l.Mode != wantMode {
		t.Errorf("Mode = %v, but /proc/self/cgroup says %v", l.Mode, wantMode)
	}
	for _, c := range Controllers() {
		want := 0
		switch {
		case onV1[c] && (enabled == nil || enabled[string(c)]):
			want = 1
		case c != CPUAcct && c != Freezer && slices.Contains(onV2, string(c)):
			want = 2
		}
		if got := l.Location(c).Version; got != want {
			t.Errorf("%s: Detect says v%d, the kernel's tables say v%d (0 = absent)", c, got, want)
		}
	}
	caps := l.Capabilities()
	if caps.MemoryLimit != (l.Location(Memory).Version != 0) || caps.CPULimit != (l.Location(CPU).Version != 0) ||
		caps.PidsLimit != (l.Location(Pids).Version != 0) {
		t.Errorf("Capabilities %+v disagree with the controller locations", caps)
	}
	if l.Location(Freezer).Version == 1 && !caps.Freeze {
		t.Errorf("the v1 freezer is mounted but Freeze is reported absent")
	}
}

func TestRealMemoryLimitOOMKills(t *testing.T) {
	l := realLayout(t, Options{})
	c := l.Capabilities()
	needs(t, c.MemoryLimit, "memory limit", l)
	needs(t, c.OOMDetection, "oom detection", l)
	g := newRealGroup(t, l, Limits{MemoryBytes: 32 << 20})
	if oom, err := g.OOMKilled(); err != nil || oom {
		t.Fatalf("OOMKilled before any guest = %v, %v; want false", oom, err)
	}
	// The shell keeps the command substitution's 200 MB in its own memory.
	p := startIn(t, g, `x=$(head -c 200000000 /dev/zero | tr "\0" x); echo survived ${#x}`)
	st := p.wait(t, 15*time.Second)
	ws := st.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("hog exited with %v, want killed by SIGKILL; output %q", st, p.output(t))
	}
	oom, err := g.OOMKilled()
	if err != nil || !oom {
		t.Fatalf("OOMKilled = %v, %v; want true", oom, err)
	}
	s, err := g.Stats()
	if err != nil || s.OOMKills == 0 {
		t.Errorf("Stats = %+v, %v; want OOMKills > 0", s, err)
	}
	// The limit held inside the group: this process (outside it) is alive
	// and was never a member.
	if pids, _ := g.Procs(); slices.Contains(pids, os.Getpid()) {
		t.Errorf("the test process is in the guest's group")
	}
}

func TestRealPidsLimitRefusesFork(t *testing.T) {
	l := realLayout(t, Options{})
	needs(t, l.Capabilities().PidsLimit, "pids limit", l)
	g := newRealGroup(t, l, Limits{Pids: 8})
	// The shell plus 7 sleeps fill the limit; the 8th background fork must
	// fail, which makes dash print "Cannot fork" and exit non-zero.
	p := startIn(t, g, `i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); echo ok $i; done; wait`)
	st := p.wait(t, 10*time.Second)
	out := p.output(t)
	if st.Success() {
		t.Fatalf("fork loop succeeded despite the limit; output %q", out)
	}
	s, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.PidsLimitHits == 0 {
		t.Errorf("pids.events max = 0, want a refused fork; output %q", out)
	}
	if s.Tasks > 8 {
		t.Errorf("tasks = %d, above the limit of 8", s.Tasks)
	}
	if !strings.Contains(out, "ok 7\n") {
		t.Errorf("fewer than 7 forks succeeded under a limit of 8; output %q", out)
	}
	if strings.Contains(out, "ok 20\n") {
		t.Errorf("all forks succeeded; output %q", out)
	}
}

func readCounter(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func TestRealFreezeStopsAndThawResumes(t *testing.T) {
	l := realLayout(t, Options{})
	needs(t, l.Capabilities().Freeze, "freeze", l)
	g := newRealGroup(t, l, Limits{})
	counter := filepath.Join(t.TempDir(), "count")
	startIn(t, g, `i=0; while :; do i=$((i+1)); echo $i > `+counter+`; sleep 0.01; done`)
	waitFor(t, 5*time.Second, "counter to start", func() bool { return readCounter(t, counter) > "" })

	if err := g.Freeze(bg()); err != nil {
		t.Fatal(err)
	}
	if f, err := g.Frozen(); err != nil || !f {
		t.Fatalf("Frozen after Freeze = %v, %v", f, err)
	}
	frozenAt := readCounter(t, counter)
	s1, _ := g.Stats()
	time.Sleep(300 * time.Millisecond)
	if now := readCounter(t, counter); now != frozenAt {
		t.Errorf("counter advanced while frozen: %q → %q", frozenAt, now)
	}
	if s2, _ := g.Stats(); l.Capabilities().CPUUsage && s2.CPUUsageNanos != s1.CPUUsageNanos {
		t.Errorf("cpu usage grew while frozen: %d → %d ns", s1.CPUUsageNanos, s2.CPUUsageNanos)
	}
	if err := g.Freeze(bg()); err != nil {
		t.Errorf("second Freeze: %v", err)
	}

	if err := g.Thaw(bg()); err != nil {
		t.Fatal(err)
	}
	if f, err := g.Frozen(); err != nil || f {
		t.Fatalf("Frozen after Thaw = %v, %v", f, err)
	}
	waitFor(t, 3*time.Second, "counter to advance after thaw", func() bool {
		now := readCounter(t, counter)
		return now != frozenAt && now != ""
	})
}

func TestRealKillAll(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   Options
		frozen bool // freeze the group first, as for a hibernated instance
	}{
		{"cgroup.kill", Options{}, false},
		{"freeze loop", Options{DisableCgroupKill: true}, false},
		{"cgroup.kill of a frozen group", Options{}, true},
		{"freeze loop of a frozen group", Options{DisableCgroupKill: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := realLayout(t, tc.opts)
			needs(t, l.Capabilities().KillAll, "kill-all", l)
			g := newRealGroup(t, l, Limits{Pids: 256})
			if !tc.opts.DisableCgroupKill {
				if _, err := os.Stat(filepath.Join(g.unified, "cgroup.kill")); g.unified == "" || err != nil {
					t.Skipf("no cgroup.kill in the unified hierarchy (%q): %v", g.unified, err)
				}
			}
			// A tree: a plain child; a new session; a double fork whose
			// grandchild is reparented away from the tree; and a loop that
			// keeps forking until it is killed.
			p := startIn(t, g, `
sleep 100 &
setsid sh -c 'sleep 100 & exec sleep 100' &
sh -c '(sleep 100 &)' &
(while :; do sleep 100 & sleep 0.01; done) &
wait`)
			var before []int
			waitFor(t, 5*time.Second, "the tree to grow", func() bool {
				before, _ = g.Procs()
				return len(before) >= 10
			})
			if tc.frozen {
				needs(t, l.Capabilities().Freeze, "freeze", l)
				if err := g.Freeze(bg()); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(bg(), 5*time.Second)
			defer cancel()
			if err := g.KillAll(ctx); err != nil {
				t.Fatal(err)
			}
			if pids, err := g.Procs(); err != nil || len(pids) != 0 {
				t.Fatalf("Procs after KillAll = %v, %v; want none", pids, err)
			}
			st := p.wait(t, 5*time.Second)
			if ws := st.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Errorf("guest init exited with %v, want SIGKILL", st)
			}
			for _, pid := range before {
				if alive(pid) {
					t.Errorf("pid %d survived KillAll", pid)
				}
			}
			if f, err := g.Frozen(); err != nil || f {
				t.Errorf("group left frozen after KillAll: %v, %v", f, err)
			}
		})
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z' && s[i+2] != 'X'
}

func TestRealCPUQuota(t *testing.T) {
	l := realLayout(t, Options{})
	c := l.Capabilities()
	needs(t, c.CPULimit, "cpu limit", l)
	needs(t, c.CPUUsage, "cpu usage accounting", l)
	g := newRealGroup(t, l, Limits{VCPUs: 0.5})
	startIn(t, g, `while :; do :; done`)
	time.Sleep(200 * time.Millisecond) // let the loop reach steady state
	s1, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	time.Sleep(time.Second)
	s2, err := g.Stats()
	wall := time.Since(t1)
	if err != nil {
		t.Fatal(err)
	}
	used := float64(s2.CPUUsageNanos-s1.CPUUsageNanos) / float64(wall.Nanoseconds())
	t.Logf("busy loop under 0.5 vCPU used %.3f of a core over %v; throttled periods %d → %d",
		used, wall, s1.CPUThrottledPeriods, s2.CPUThrottledPeriods)
	// Loose bounds: the quota is 50 ms per 100 ms period, and a 1 s window
	// that is not aligned to periods can see up to one extra period's quota
	// (+5%); the machine has 2 noisy cores shared with other tests, so the
	// loop may also get less than its quota. Unlimited, it would use ~1.0.
	if used > 0.62 {
		t.Errorf("used %.3f of a core, want ≲ 0.6 under a 0.5 vCPU quota", used)
	}
	if used < 0.05 {
		t.Errorf("used %.3f of a core: the busy loop hardly ran, the measurement is broken", used)
	}
	if s2.CPUThrottledPeriods <= s1.CPUThrottledPeriods {
		t.Errorf("no throttled periods (%d → %d): the quota was not enforced", s1.CPUThrottledPeriods, s2.CPUThrottledPeriods)
	}
}

func TestRealOpenAfterRedetect(t *testing.T) {
	l := realLayout(t, Options{})
	g := newRealGroup(t, l, Limits{})
	p := startIn(t, g, `exec sleep 100`)
	// A "restarted daemon": a fresh Layout from a new Detect.
	l2 := realLayout(t, Options{})
	g2, err := l2.Open(g.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g2.Dirs(), g.Dirs()) {
		t.Errorf("Open found dirs %v, New made %v", g2.Dirs(), g.Dirs())
	}
	pids, err := g2.Procs()
	if err != nil || !slices.Contains(pids, p.cmd.Process.Pid) {
		t.Errorf("reopened group's Procs = %v, %v; want %d", pids, err, p.cmd.Process.Pid)
	}
	if _, err := l2.Open(g.Name() + "-missing"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Open of a missing group = %v, want NotFound", err)
	}
}

func TestRealRemove(t *testing.T) {
	l := realLayout(t, Options{})
	g := newRealGroup(t, l, Limits{Pids: 16})
	startIn(t, g, `sleep 100 & exec sleep 100`)
	if err := g.Remove(bg()); err != nil {
		t.Fatal(err)
	}
	for _, d := range g.Dirs() {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still exists after Remove (%v)", d, err)
		}
	}
	if err := g.Remove(bg()); err != nil {
		t.Errorf("second Remove = %v, want nil", err)
	}
	if pids, err := g.Procs(); err != nil || len(pids) != 0 {
		t.Errorf("Procs of a removed group = %v, %v", pids, err)
	}
}

func TestRealAddMovesARunningProcess(t *testing.T) {
	l := realLayout(t, Options{})
	g := newRealGroup(t, l, Limits{})
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	if err := g.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	for _, f := range g.ProcFiles() {
		ws, err := readWords(f)
		if err != nil || !slices.Contains(ws, strconv.Itoa(cmd.Process.Pid)) {
			t.Errorf("%s = %v, %v; want pid %d", f, ws, err, cmd.Process.Pid)
		}
	}
}

package cgroup

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"time"
)

// freezer says how the group freezes: through the v1 freezer controller when
// it is mounted, else through cgroup.freeze of the unified hierarchy.
func (g *Group) freezer() (dir string, v1 bool, ok bool) {
	if d, found := g.ctl[Freezer]; found {
		return d, true, true
	}
	if g.unified != "" && g.layout.v2Freeze {
		return g.unified, false, true
	}
	return "", false, false
}

// Freeze stops every process in the group and waits until the kernel reports
// the group frozen (v1 freezer.state FROZEN; v2 cgroup.events "frozen 1").
// Without a deadline on ctx it gives up after 10 s.
func (g *Group) Freeze(ctx context.Context) error { return g.setFrozen(ctx, true) }

// Thaw resumes a frozen group and waits until the kernel reports it thawed.
func (g *Group) Thaw(ctx context.Context) error { return g.setFrozen(ctx, false) }

func (g *Group) setFrozen(ctx context.Context, freeze bool) error {
	dir, v1, ok := g.freezer()
	if !ok {
		return unsupported(g.name, "freezing is not available on this host")
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	file, value := filepath.Join(dir, "cgroup.freeze"), "0"
	if v1 {
		file, value = filepath.Join(dir, "freezer.state"), "THAWED"
	}
	if freeze && v1 {
		value = "FROZEN"
	} else if freeze {
		value = "1"
	}
	verb := "thaw"
	if freeze {
		verb = "freeze"
	}
	delay := 500 * time.Microsecond
	for i := 0; ; i++ {
		// Re-writing is harmless and, on v1, retries a freeze that a task
		// in an uninterruptible sleep held up.
		if i%20 == 0 {
			if err := writeFile(file, value); err != nil {
				return internal(g.name, err, "cannot %s the group", verb)
			}
		}
		frozen, err := g.frozen(dir, v1)
		if err != nil {
			return err
		}
		if frozen == freeze {
			return nil
		}
		if err := sleep(ctx, delay); err != nil {
			return internal(g.name, err, "the group did not %s in time", verb)
		}
		delay = min(delay*2, 10*time.Millisecond)
	}
}

// Frozen reports whether the group is completely frozen. A v1 group that is
// still FREEZING is not frozen.
func (g *Group) Frozen() (bool, error) {
	dir, v1, ok := g.freezer()
	if !ok {
		return false, unsupported(g.name, "freezing is not available on this host")
	}
	return g.frozen(dir, v1)
}

func (g *Group) frozen(dir string, v1 bool) (bool, error) {
	if v1 {
		s, err := readString(filepath.Join(dir, "freezer.state"))
		if err != nil {
			return false, internal(g.name, err, "cannot read the freezer state")
		}
		return s == "FROZEN", nil
	}
	kv, err := readKeyed(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return false, internal(g.name, err, "cannot read cgroup.events")
	}
	return kv["frozen"] == 1, nil
}

// KillAll sends SIGKILL to every process in the group and returns once the
// group is empty. With cgroup.kill (v2, also usable in hybrid mode) the kernel
// kills the group atomically. Otherwise it repeats freeze → SIGKILL every pid
// → thaw until the group is empty, so a process cannot escape by forking
// between reading the pid list and the signal. Without either (see
// Capabilities.KillAll) the loop runs unfrozen and is only best effort.
// The group is left thawed. Zombies that their parent has not reaped yet
// keep the group non-empty on some kernels; the caller must reap its children.
func (g *Group) KillAll(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	_, _, canFreeze := g.freezer()
	useKill := g.unified != "" && !g.layout.opts.DisableCgroupKill && exists(filepath.Join(g.unified, "cgroup.kill"))
	for {
		pids, err := g.Procs()
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			if canFreeze && g.anyDirExists() {
				// Leave the group usable: a group frozen before KillAll
				// would otherwise freeze the next process added to it.
				if f, err := g.Frozen(); err == nil && f {
					return g.Thaw(ctx)
				}
			}
			return nil
		}
		if useKill {
			if err := writeFile(filepath.Join(g.unified, "cgroup.kill"), "1"); err != nil {
				return internal(g.name, err, "cannot write cgroup.kill")
			}
			if canFreeze {
				// A v1-frozen task dies only once thawed.
				if f, err := g.Frozen(); err == nil && f {
					if err := g.Thaw(ctx); err != nil {
						return err
					}
				}
			}
			if err := g.waitEmpty(ctx, 100*time.Millisecond); err != nil {
				return internal(g.name, err, "the group did not empty after cgroup.kill")
			}
			if pids, err = g.Procs(); err != nil || len(pids) == 0 {
				continue
			}
		}
		// cgroup.kill covers only the unified group; a process moved out of
		// it but still in a v1 group (and every process, without
		// cgroup.kill) is killed one by one under the freezer.
		if canFreeze {
			if err := g.Freeze(ctx); err != nil {
				return err
			}
		}
		if pids, err = g.Procs(); err != nil {
			return err
		}
		for _, pid := range pids {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return internal(g.name, err, "cannot kill pid %d", pid)
			}
		}
		if canFreeze {
			// Frozen tasks die only once thawed.
			if err := g.Thaw(ctx); err != nil {
				return err
			}
		}
		if err := g.waitEmpty(ctx, 100*time.Millisecond); err != nil {
			left, _ := g.Procs()
			return internal(g.name, err, "processes %v survived the kill", left)
		}
	}
}

// waitEmpty polls the group for up to d; it fails only when ctx ends.
func (g *Group) waitEmpty(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	delay := 200 * time.Microsecond
	for time.Now().Before(deadline) {
		pids, err := g.Procs()
		if err != nil || len(pids) == 0 {
			return err
		}
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(delay*2, 10*time.Millisecond)
	}
	return ctx.Err()
}

func (g *Group) anyDirExists() bool {
	for _, d := range g.dirs {
		if exists(d) {
			return true
		}
	}
	return false
}

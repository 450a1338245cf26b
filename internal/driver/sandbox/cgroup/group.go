package cgroup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"strato/internal/errdefs"
)

// Group is one instance's cgroup, present in every hierarchy that holds a
// controller Strato uses plus, where one exists, the unified hierarchy.
// Its methods are safe for concurrent use as far as cgroupfs is; callers
// serialise lifecycle operations per instance.
type Group struct {
	name   string
	layout Layout
	// ctl maps each available controller to the group's directory for it.
	ctl map[Controller]string
	// unified is the group's directory in the cgroup2 hierarchy, or "".
	unified string
	// dirs lists every directory of the group once, v1 first, unified last.
	dirs []string
}

// Name returns the group's name.
func (g *Group) Name() string { return g.name }

// Dirs returns the group's directory in every hierarchy.
func (g *Group) Dirs() []string { return slices.Clone(g.dirs) }

// ProcFiles returns the cgroup.procs file of every hierarchy. A child that
// must start inside the group (so it cannot fork before being placed) writes
// its own pid into each before it execs, e.g.
//
//	sh -c 'for f; do echo $$ > "$f" || exit 127; done; exec guest' sh FILES...
func (g *Group) ProcFiles() []string {
	out := make([]string, len(g.dirs))
	for i, d := range g.dirs {
		out[i] = filepath.Join(d, "cgroup.procs")
	}
	return out
}

func (l Layout) group(name string) *Group {
	g := &Group{name: name, layout: l, ctl: map[Controller]string{}}
	seen := map[string]bool{}
	for _, c := range Controllers() {
		loc := l.locations[c]
		if !loc.Available() {
			continue
		}
		dir := filepath.Join(loc.Mount, l.opts.Parent, name)
		g.ctl[c] = dir
		if loc.Version == 1 && !seen[dir] {
			seen[dir] = true
			g.dirs = append(g.dirs, dir)
		}
	}
	if l.unified != "" {
		g.unified = filepath.Join(l.unified, l.opts.Parent, name)
		g.dirs = append(g.dirs, g.unified)
	}
	return g
}

// New creates the group name (or adopts it if it exists) in every hierarchy
// and applies limits, so calling it again updates the limits. A non-zero
// limit whose controller is absent is refused with Unsupported before
// anything is created; a failure after that removes what New created.
func (l Layout) New(name string, limits Limits) (*Group, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := limits.Validate(); err != nil {
		return nil, err
	}
	need := map[Controller]bool{CPU: limits.VCPUs > 0, Memory: limits.MemoryBytes > 0, Pids: limits.Pids > 0}
	for _, c := range []Controller{CPU, Memory, Pids} {
		if need[c] && !l.Location(c).Available() {
			return nil, unsupported(name, fmt.Sprintf("the %s controller is not available on this host", c))
		}
	}
	g := l.group(name)
	if len(g.dirs) == 0 {
		return nil, unsupported(name, "no cgroup hierarchy is available on this host")
	}
	if err := l.prepareParents(); err != nil {
		return nil, err
	}
	var created []string
	undo := func() {
		for _, d := range created {
			_ = os.Remove(d)
		}
	}
	for _, d := range g.dirs {
		err := os.Mkdir(d, 0o755)
		switch {
		case err == nil:
			created = append(created, d)
		case errors.Is(err, fs.ErrExist):
			if fi, serr := os.Stat(d); serr != nil || !fi.IsDir() {
				undo()
				return nil, internal(name, serr, "cgroup path %s exists and is not a group", d)
			}
		default:
			undo()
			return nil, internal(name, err, "cannot create cgroup %s", d)
		}
	}
	if err := g.apply(limits); err != nil {
		undo()
		return nil, err
	}
	return g, nil
}

// prepareParents creates the Strato parent in every hierarchy and, for
// controllers on v2, enables them for the parent's children.
func (l Layout) prepareParents() error {
	var v2 []string
	for _, c := range []Controller{CPU, Memory, Pids} {
		if l.locations[c].Version == 2 {
			v2 = append(v2, "+"+string(c))
		}
	}
	mounts := map[string]bool{}
	for _, loc := range l.locations {
		if loc.Version == 1 {
			mounts[loc.Mount] = true
		}
	}
	if l.unified != "" {
		mounts[l.unified] = true
	}
	for m := range mounts {
		p := filepath.Join(m, l.opts.Parent)
		if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return internal("", err, "cannot create cgroup %s", p)
		}
	}
	if len(v2) > 0 {
		ctl := strings.Join(v2, " ")
		for _, d := range []string{l.unified, filepath.Join(l.unified, l.opts.Parent)} {
			if err := writeFile(filepath.Join(d, "cgroup.subtree_control"), ctl); err != nil {
				return internal("", err, "cannot enable controllers %q in %s", ctl, d)
			}
		}
	}
	return nil
}

// apply writes the limits; zero fields reset to unlimited.
func (g *Group) apply(l Limits) error {
	if d, ok := g.ctl[CPU]; ok {
		var err error
		if g.layout.locations[CPU].Version == 1 {
			quota := "-1"
			if l.VCPUs > 0 {
				quota = strconv.FormatInt(quotaUs(l.VCPUs), 10)
			}
			// The period first: a quota is checked against the current period.
			if err = writeFile(filepath.Join(d, "cpu.cfs_period_us"), strconv.Itoa(cfsPeriodUs)); err == nil {
				err = writeFile(filepath.Join(d, "cpu.cfs_quota_us"), quota)
			}
		} else {
			quota := "max"
			if l.VCPUs > 0 {
				quota = strconv.FormatInt(quotaUs(l.VCPUs), 10)
			}
			err = writeFile(filepath.Join(d, "cpu.max"), fmt.Sprintf("%s %d", quota, cfsPeriodUs))
		}
		if err != nil {
			return internal(g.name, err, "cannot set the cpu limit")
		}
	}
	if d, ok := g.ctl[Memory]; ok {
		var err error
		if g.layout.locations[Memory].Version == 1 {
			err = setV1Memory(d, l.MemoryBytes)
		} else {
			v := "max"
			if l.MemoryBytes > 0 {
				v = strconv.FormatInt(l.MemoryBytes, 10)
			}
			err = writeFile(filepath.Join(d, "memory.max"), v)
			// memory.swap.max is separate from memory.max on v2; 0 matches the
			// v1 behaviour of a memsw limit equal to the memory limit.
			if sw := filepath.Join(d, "memory.swap.max"); err == nil && exists(sw) {
				swap := "max"
				if l.MemoryBytes > 0 {
					swap = "0"
				}
				err = writeFile(sw, swap)
			}
		}
		if err != nil {
			return internal(g.name, err, "cannot set the memory limit")
		}
	}
	if d, ok := g.ctl[Pids]; ok {
		v := "max"
		if l.Pids > 0 {
			v = strconv.FormatInt(l.Pids, 10)
		}
		if err := writeFile(filepath.Join(d, "pids.max"), v); err != nil {
			return internal(g.name, err, "cannot set the pids limit")
		}
	}
	return nil
}

// setV1Memory sets memory.limit_in_bytes and, where the kernel accounts swap,
// memory.memsw.limit_in_bytes to the same value. The kernel requires
// limit <= memsw at every step, so the order depends on the direction.
func setV1Memory(dir string, bytes int64) error {
	v := "-1"
	if bytes > 0 {
		v = strconv.FormatInt(bytes, 10)
	}
	limit := filepath.Join(dir, "memory.limit_in_bytes")
	memsw := filepath.Join(dir, "memory.memsw.limit_in_bytes")
	hasSwap := exists(memsw)
	if bytes == 0 {
		if hasSwap {
			if err := writeFile(memsw, v); err != nil {
				return err
			}
		}
		return writeFile(limit, v)
	}
	if err := writeFile(limit, v); err != nil {
		// Raising above the current memsw limit: raise memsw first.
		if !hasSwap {
			return err
		}
		if err := writeFile(memsw, v); err != nil {
			return err
		}
		return writeFile(limit, v)
	}
	if hasSwap {
		return writeFile(memsw, v)
	}
	return nil
}

// Open returns the existing group name, e.g. after a daemon restart. It is
// NotFound when the group exists in no hierarchy and IncorrectState when it
// exists in only some of them.
func (l Layout) Open(name string) (*Group, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	g := l.group(name)
	if len(g.dirs) == 0 {
		return nil, unsupported(name, "no cgroup hierarchy is available on this host")
	}
	var missing []string
	for _, d := range g.dirs {
		if !exists(d) {
			missing = append(missing, d)
		}
	}
	switch {
	case len(missing) == len(g.dirs):
		return nil, &errdefs.Error{Kind: errdefs.NotFound, ID: name, Public: "cgroup not found"}
	case len(missing) > 0:
		return nil, &errdefs.Error{Kind: errdefs.IncorrectState, ID: name, Public: "cgroup is missing from some hierarchies: " + strings.Join(missing, ", ")}
	}
	return g, nil
}

// Add moves the process pid (all its threads) into the group in every
// hierarchy. A process that is already running may have forked children
// outside the group; see ProcFiles to start a child inside.
func (g *Group) Add(pid int) error {
	if pid <= 0 {
		return invalid(g.name, "pid must be positive")
	}
	for _, f := range g.ProcFiles() {
		if err := writeFile(f, strconv.Itoa(pid)); err != nil {
			return internal(g.name, err, "cannot add pid %d to %s", pid, f)
		}
	}
	return nil
}

// Procs returns the pids in the group, the union over every hierarchy so that
// a process that left one hierarchy is still seen. A removed group has none.
func (g *Group) Procs() ([]int, error) {
	var out []int
	for _, f := range g.ProcFiles() {
		ws, err := readWords(f)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return nil, internal(g.name, err, "cannot read %s", f)
		}
		for _, w := range ws {
			pid, err := strconv.Atoi(w)
			if err != nil {
				return nil, internal(g.name, err, "bad pid in %s", f)
			}
			if !slices.Contains(out, pid) {
				out = append(out, pid)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Remove kills every process in the group and deletes the group from every
// hierarchy, retrying briefly while the kernel still reports it busy. It
// succeeds on a group that is already gone. The parent group is kept.
func (g *Group) Remove(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if err := g.KillAll(ctx); err != nil {
		return err
	}
	for _, d := range g.dirs {
		delay := time.Millisecond
		for {
			err := os.Remove(d)
			if err == nil || isNotExist(err) {
				break
			}
			if !errors.Is(err, syscall.EBUSY) && !errors.Is(err, syscall.ENOTEMPTY) {
				return internal(g.name, err, "cannot remove cgroup %s", d)
			}
			if err := sleep(ctx, delay); err != nil {
				return internal(g.name, err, "cgroup %s stayed busy", d)
			}
			delay = min(delay*2, 50*time.Millisecond)
		}
	}
	return nil
}

const defaultTimeout = 10 * time.Second

// withDefaultTimeout bounds operations that poll the kernel when the caller
// gave no deadline, so a stuck FREEZING state cannot hang a caller forever.
func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, defaultTimeout)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

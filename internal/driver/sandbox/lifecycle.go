package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
	"strato/internal/driver/sandbox/shim"
	"strato/internal/errdefs"
)

// shimStartLimit bounds how long Start waits for a shim to report.
const shimStartLimit = 30 * time.Second

// Create prepares the instance directory and its volumes. Idempotent on
// spec.ID: a second call keeps the volumes' data.
func (d *Driver) Create(ctx context.Context, spec driver.Spec) (driver.Handle, error) {
	if err := d.validateSpec(spec); err != nil {
		return driver.Handle{}, err
	}
	d.createMu.Lock()
	defer d.createMu.Unlock()
	inst, err := d.get(spec.ID)
	switch {
	case err == nil:
		inst.mu.Lock()
		defer inst.mu.Unlock()
		if !inst.spec.Equal(spec) && inst.activeLocked() != nil {
			return driver.Handle{}, errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, spec.ID,
				"cannot change the spec of a running instance")
		}
		if err := d.prepare(inst.dir, spec); err != nil {
			return driver.Handle{}, errdefs.Wrap(err, "cannot create instance")
		}
		inst.spec = spec
		return d.handle(spec.ID)
	case errdefs.KindOf(err) != errdefs.NotFound:
		return driver.Handle{}, err
	}
	inst = &instance{id: spec.ID, dir: d.instanceDir(spec.ID), spec: spec}
	if err := d.prepare(inst.dir, spec); err != nil {
		_ = hostfs.RemoveAll(inst.dir)
		return driver.Handle{}, errdefs.Wrap(err, "cannot create instance")
	}
	d.mu.Lock()
	d.instances[spec.ID] = inst
	d.mu.Unlock()
	d.log.Info("instance created", "id", spec.ID)
	return d.handle(spec.ID)
}

// prepare makes the instance directory, the volumes and spec.json.
func (d *Driver) prepare(dir string, spec driver.Spec) error {
	if err := os.MkdirAll(filepath.Join(dir, shim.RootMount), 0o700); err != nil {
		return err
	}
	for _, v := range spec.Volumes {
		if err := os.MkdirAll(d.volumeDir(v.ID), 0o700); err != nil {
			return err
		}
	}
	return hostfs.WriteJSONAtomic(filepath.Join(dir, "spec.json"), spec)
}

// Start boots the instance through a new shim, or resumes a hibernated one.
// It returns once the guest's init runs.
func (d *Driver) Start(ctx context.Context, id string) error {
	inst, err := d.get(id)
	if err != nil {
		return err
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.destroyed {
		return errNotFound(id)
	}
	if r := inst.activeLocked(); r != nil {
		if r.stopping {
			return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, id, "the instance is stopping")
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctxErr(ctx, id, "start")
	}
	if inst.hibernated {
		return d.resumeLocked(ctx, inst)
	}
	if inst.last == nil || !inst.last.Reboot {
		if err := d.wipeScratchLocked(inst); err != nil {
			return errdefs.Wrap(err, "cannot wipe scratch volumes")
		}
	}
	for _, v := range inst.spec.Volumes {
		if err := os.MkdirAll(d.volumeDir(v.ID), 0o700); err != nil {
			return errdefs.Wrap(err, "cannot prepare volumes")
		}
	}
	cfg, err := d.shimConfig(ctx, inst)
	if err != nil {
		return err
	}
	hostfs.TrimConsole(filepath.Join(inst.dir, shim.ConsoleFile))
	if err := hostfs.WriteJSONAtomic(filepath.Join(inst.dir, shim.ConfigFile), cfg); err != nil {
		return errdefs.Wrap(err, "cannot write the shim's configuration")
	}
	rec, err := d.spawn(ctx, inst)
	if err != nil {
		d.log.Error("instance start failed", "id", id, "err", err)
		return errdefs.Wrap(err, "cannot start instance")
	}
	r := newRun(rec)
	inst.run = r
	d.watch(inst, r)
	d.log.Info("instance started", "id", id, "pid", r.pid)
	return nil
}

// spawn hands inst to a shim and waits until it reports the guest running.
func (d *Driver) spawn(ctx context.Context, inst *instance) (shim.RunRecord, error) {
	ps, err := d.shims.assign(inst.id)
	if err != nil {
		return shim.RunRecord{}, err
	}
	defer ps.ready.Close()

	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(ps.ready).ReadString('\n')
		ch <- answer{strings.TrimSpace(line), err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-time.After(shimStartLimit):
		a.err = errors.New("the shim did not report within " + shimStartLimit.String())
	case <-ctx.Done():
		a.err = ctx.Err()
	}
	if a.err == nil && !strings.HasPrefix(a.line, "ok") {
		a.err = errors.New(strings.TrimPrefix(a.line, "error: "))
	}
	if a.err != nil {
		_ = ps.cmd.Process.Signal(syscall.SIGKILL)
		d.killCgroup(inst.id)
		return shim.RunRecord{}, a.err
	}
	return shim.ReadRun(inst.dir)
}

// watch follows run r through its shim until it ends.
func (d *Driver) watch(inst *instance, r *run) {
	ctx, cancel := context.WithCancel(d.ctx)
	r.cancel = cancel
	go func() {
		defer cancel()
		for {
			rec, err := inst.client().Wait(ctx)
			if ctx.Err() != nil {
				return // closed, or the run was ended by a hibernation
			}
			switch {
			case err == nil && rec.RunID == r.runID:
				d.finish(inst, r, rec.Exit)
				return
			case err == nil || errors.Is(err, shim.ErrNoShim):
				// The shim is gone: it recorded the end, or it died.
				if rec, err := shim.ReadExit(inst.dir); err == nil && rec.RunID == r.runID {
					d.finish(inst, r, rec.Exit)
					return
				}
				if st, _, err := inst.client().Status(ctx); err == nil && st != shim.StateExited {
					break // a hiccup: the shim still runs
				}
				d.log.Error("the instance's shim died; killing the guest", "id", inst.id)
				d.killCgroup(inst.id)
				d.finish(inst, r, driver.ExitStatus{Code: -1, Unknown: true})
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
}

// killCgroup kills whatever is left in the instance's cgroup and removes it.
func (d *Driver) killCgroup(id string) {
	g, err := d.cgroups.Open(d.cgroupName(id))
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.KillAll(ctx); err != nil {
		d.log.Error("guest processes survive", "id", id, "err", err)
	}
	_ = g.Remove(ctx)
}

// finish records the end of run r. A closed driver records nothing.
func (d *Driver) finish(inst *instance, r *run, exit driver.ExitStatus) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if r.isDone() {
		return
	}
	if d.isClosed() {
		close(r.done)
		return
	}
	if exit.ExitedAt.IsZero() {
		exit.ExitedAt = d.now()
	}
	if r.killed && (exit.Unknown || exit.Signal == int(syscall.SIGKILL)) {
		exit.Killed = true
	}
	r.exit = exit
	inst.last = &lastRecord{RunID: r.runID, Exit: exit, StartedAt: r.startedAt, Stopped: r.stopping, Reboot: r.stopping && r.reboot}
	inst.hibernated = false
	if !inst.destroyed {
		if err := hostfs.WriteJSONAtomic(filepath.Join(inst.dir, "last.json"), inst.last); err != nil {
			d.log.Error("cannot record exit", "id", inst.id, "err", err)
		}
	}
	close(r.done)
	r.cancel()
	d.log.Info("instance run ended", "id", inst.id, "code", exit.Code, "signal", exit.Signal,
		"killed", exit.Killed, "oom", exit.OOMKilled, "stopped", r.stopping)
}

// Stop shuts the instance down: graceful (SIGTERM to the guest's init,
// again every SignalInterval, the whole cgroup killed when Timeout runs
// out) or Force (the cgroup killed now, also while a graceful stop waits).
// A hibernated guest is killed: its memory is dropped. Scratch volumes are
// wiped unless opts.Reboot is set.
func (d *Driver) Stop(ctx context.Context, id string, opts driver.StopOptions) error {
	inst, err := d.get(id)
	if err != nil {
		if errdefs.KindOf(err) == errdefs.NotFound {
			return nil
		}
		return err
	}
	inst.mu.Lock()
	r := inst.activeLocked()
	hibernated := inst.hibernated
	if r != nil {
		if !r.stopping {
			r.reboot = opts.Reboot
		} else if !opts.Reboot {
			r.reboot = false
		}
		r.stopping = true
		if opts.Force {
			d.killLocked(ctx, inst, r)
		} else {
			d.log.Info("stopping instance", "id", id, "timeout", opts.Timeout)
			d.signal(ctx, inst, r)
		}
	}
	inst.mu.Unlock()

	switch {
	case r != nil:
		if !opts.Force {
			if err := d.graceful(ctx, inst, r, opts); err != nil {
				return err
			}
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctxErr(ctx, id, "stop")
		case <-d.ctx.Done():
			return errClosed(id)
		}
	case hibernated:
		if err := d.dropHibernated(ctx, inst); err != nil {
			return err
		}
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if opts.Reboot || inst.destroyed || inst.activeLocked() != nil {
		return nil
	}
	if err := d.wipeScratchLocked(inst); err != nil {
		return errdefs.Wrap(err, "cannot wipe scratch volumes")
	}
	return nil
}

// graceful re-signals r every interval and kills it when the grace period
// runs out; it returns once r has ended, was killed, or a forced stop took over.
func (d *Driver) graceful(ctx context.Context, inst *instance, r *run, opts driver.StopOptions) error {
	err := driver.Graceful(ctx, d.clock, opts, driver.Stopping{
		Done: r.done, Force: r.force, Closed: d.ctx.Done(),
		Resignal: func() {
			inst.mu.Lock()
			defer inst.mu.Unlock()
			d.signal(ctx, inst, r)
		},
		Kill: func() {
			inst.mu.Lock()
			defer inst.mu.Unlock()
			if !r.isDone() {
				d.log.Info("grace period over, killing instance", "id", inst.id)
				d.killLocked(ctx, inst, r)
			}
		},
	})
	switch {
	case errors.Is(err, driver.ErrClosed):
		return errClosed(inst.id)
	case err != nil:
		return ctxErr(ctx, inst.id, "stop")
	}
	return nil
}

// signal sends SIGTERM to r's init. inst.mu is held.
func (d *Driver) signal(ctx context.Context, inst *instance, r *run) {
	if r.isDone() {
		return
	}
	if err := inst.client().Signal(ctx, int(syscall.SIGTERM)); err != nil {
		d.log.Warn("cannot signal guest", "id", inst.id, "err", err)
	}
}

// killLocked kills r's whole cgroup through the shim (or directly, if the
// shim does not answer) and wakes graceful stops. inst.mu is held.
func (d *Driver) killLocked(ctx context.Context, inst *instance, r *run) {
	r.killed = true
	select {
	case <-r.force:
	default:
		close(r.force)
	}
	if r.isDone() {
		return
	}
	d.log.Info("killing instance", "id", inst.id)
	if err := inst.client().Kill(ctx); err != nil {
		d.log.Warn("the shim did not kill the guest; killing its cgroup", "id", inst.id, "err", err)
		d.killCgroup(inst.id)
	}
}

// Hibernate freezes the running guest's cgroup: the run ends for the core
// (Wait returns a clean exit, Status says created) while the guest's memory
// stays resident, and the next Start thaws it where it was.
func (d *Driver) Hibernate(ctx context.Context, id string) error {
	if !d.caps.Hibernate {
		return errdefs.New(errdefs.Unsupported, errdefs.ResHibernation, id, "hibernation is not available on this host")
	}
	inst, err := d.get(id)
	if err != nil {
		return err
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	r := inst.activeLocked()
	if r == nil || r.stopping {
		return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, id, "the instance is not running")
	}
	if err := inst.client().Freeze(ctx); err != nil {
		return errdefs.Wrap(err, "cannot freeze the guest")
	}
	r.stopping = true
	r.cancel()
	r.exit = driver.ExitStatus{ExitedAt: d.now()}
	inst.last = &lastRecord{RunID: r.runID, Exit: r.exit, StartedAt: r.startedAt, Stopped: true, Hibernated: true}
	inst.hibernated = true
	if err := hostfs.WriteJSONAtomic(filepath.Join(inst.dir, "last.json"), inst.last); err != nil {
		d.log.Error("cannot record hibernation", "id", id, "err", err)
	}
	close(r.done)
	appendConsole(inst.dir, fmt.Sprintf("[strato] %s hibernate: guest frozen, memory kept\n", d.now().Format(time.RFC3339)))
	d.log.Info("instance hibernated", "id", id)
	return nil
}

// resumeLocked thaws a hibernated guest as a new run. inst.mu is held.
func (d *Driver) resumeLocked(ctx context.Context, inst *instance) error {
	if err := inst.client().Thaw(ctx); err != nil {
		if errors.Is(err, shim.ErrNoShim) {
			// The shim and its frozen guest are gone (the host rebooted, or
			// someone killed them): boot afresh.
			inst.hibernated = false
			inst.last.Hibernated = false
			inst.mu.Unlock()
			defer inst.mu.Lock()
			return d.Start(ctx, inst.id)
		}
		return errdefs.Wrap(err, "cannot thaw the guest")
	}
	_, rec, err := inst.client().Status(ctx)
	if err != nil {
		return errdefs.Wrap(err, "cannot read the resumed guest's state")
	}
	inst.hibernated = false
	r := newRun(rec)
	r.startedAt = d.now()
	inst.run = r
	d.watch(inst, r)
	appendConsole(inst.dir, fmt.Sprintf("[strato] %s resume: guest thawed\n", d.now().Format(time.RFC3339)))
	d.log.Info("instance resumed", "id", inst.id)
	return nil
}

// dropHibernated kills a hibernated guest and waits for its shim to end.
func (d *Driver) dropHibernated(ctx context.Context, inst *instance) error {
	c := inst.client()
	if err := c.Kill(ctx); err != nil && !errors.Is(err, shim.ErrNoShim) {
		return errdefs.Wrap(err, "cannot end the hibernated guest")
	}
	if _, err := c.Wait(ctx); err != nil && !errors.Is(err, shim.ErrNoShim) {
		return errdefs.Wrap(err, "cannot end the hibernated guest")
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inst.hibernated = false
	if inst.last != nil {
		inst.last.Hibernated = false
		_ = hostfs.WriteJSONAtomic(filepath.Join(inst.dir, "last.json"), inst.last)
	}
	return nil
}

// Destroy stops the instance if needed and removes its directory and the
// volumes marked DeleteOnTermination (and instance store). Idempotent.
func (d *Driver) Destroy(ctx context.Context, id string) error {
	inst, err := d.get(id)
	if err != nil {
		if errdefs.KindOf(err) == errdefs.NotFound {
			return nil
		}
		return err
	}
	d.createMu.Lock()
	defer d.createMu.Unlock()
	for {
		if err := d.Stop(ctx, id, driver.StopOptions{Force: true}); err != nil {
			return err
		}
		inst.mu.Lock()
		if inst.activeLocked() == nil && !inst.hibernated {
			break // inst.mu stays locked
		}
		inst.mu.Unlock()
	}
	defer inst.mu.Unlock()
	if inst.destroyed {
		return nil
	}
	d.killCgroup(id)
	for _, v := range inst.spec.Volumes {
		if !v.DeleteOnTermination && !v.Scratch {
			continue
		}
		if err := hostfs.RemoveAll(d.volumeDir(v.ID)); err != nil {
			return errdefs.Wrap(err, "cannot remove volume")
		}
	}
	if err := hostfs.RemoveAll(inst.dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errdefs.Wrap(err, "cannot remove instance directory")
	}
	inst.destroyed = true
	d.forget(inst)
	d.log.Info("instance destroyed", "id", id)
	return nil
}

// wipeScratchLocked empties the instance-store volumes. inst.mu is held.
func (d *Driver) wipeScratchLocked(inst *instance) error {
	var first error
	for _, v := range inst.spec.Volumes {
		if !v.Scratch {
			continue
		}
		if err := hostfs.EmptyDir(d.volumeDir(v.ID)); err != nil && first == nil {
			first = err
		}
	}
	return first
}

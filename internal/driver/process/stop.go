package process

import (
	"context"
	"errors"
	"syscall"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// Stop shuts the instance down and returns once no process of its group
// runs. Graceful: SIGTERM to the group, again every opts.SignalInterval, and
// SIGKILL to the group when opts.Timeout runs out (a Timeout of zero kills
// right after the first SIGTERM). Force: SIGKILL to the group at once, also
// while a graceful Stop waits (which then returns too). The grace period and
// the re-signal ticks run on the injected clock.
//
// Stopping an instance that does not run is a no-op, as is stopping an
// unknown id. Scratch volumes are emptied unless opts.Reboot is set.
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
	if r != nil {
		d.beginStopLocked(inst, r, opts)
	}
	inst.mu.Unlock()

	if r != nil {
		if !opts.Force {
			if err := d.graceful(ctx, inst, r, opts); err != nil {
				return err
			}
		}
		if err := d.awaitRun(ctx, id, r); err != nil {
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

// beginStopLocked marks r as stopping and sends the first signal. inst.mu
// is held.
func (d *Driver) beginStopLocked(inst *instance, r *run, opts driver.StopOptions) {
	// The run keeps scratch data only if every Stop asking for it is a reboot.
	if !r.stopping {
		r.reboot = opts.Reboot
	} else if !opts.Reboot {
		r.reboot = false
	}
	r.stopping = true
	if opts.Force {
		d.log.Info("force stopping instance", "id", inst.id, "pgid", r.pgid)
		d.killLocked(inst, r)
		return
	}
	d.log.Info("stopping instance", "id", inst.id, "pgid", r.pgid, "timeout", opts.Timeout)
	d.signalLocked(inst, r, syscall.SIGTERM)
}

// graceful waits for r to end after the first SIGTERM: it re-signals every
// interval and kills when the grace period runs out. It returns once r has
// ended or has been killed, or when another Stop forced it.
func (d *Driver) graceful(ctx context.Context, inst *instance, r *run, opts driver.StopOptions) error {
	err := driver.Graceful(ctx, d.clock, opts, driver.Stopping{
		Done: r.done, Force: r.force, Closed: d.closed,
		Resignal: func() {
			inst.mu.Lock()
			defer inst.mu.Unlock()
			d.signalLocked(inst, r, syscall.SIGTERM)
		},
		Kill: func() {
			inst.mu.Lock()
			defer inst.mu.Unlock()
			if !r.isDone() {
				d.log.Info("grace period over, killing instance", "id", inst.id, "pgid", r.pgid)
				d.killLocked(inst, r)
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

// awaitRun waits until r has completely ended.
func (d *Driver) awaitRun(ctx context.Context, id string, r *run) error {
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctxErr(ctx, id, "stop")
	case <-d.closed:
		return errClosed(id)
	}
}

// signalLocked sends sig to r's process group unless r has ended (its pgid
// may then belong to someone else). inst.mu is held.
func (d *Driver) signalLocked(inst *instance, r *run, sig syscall.Signal) {
	if r.isDone() {
		return
	}
	if err := signalGroup(r.pgid, sig); err != nil {
		d.log.Warn("cannot signal guest", "id", inst.id, "pgid", r.pgid, "signal", sig, "err", err)
	}
}

// killLocked SIGKILLs r's process group and wakes graceful stops waiting on
// it. inst.mu is held.
func (d *Driver) killLocked(inst *instance, r *run) {
	r.killed = true
	select {
	case <-r.force:
	default:
		close(r.force)
	}
	d.signalLocked(inst, r, syscall.SIGKILL)
}

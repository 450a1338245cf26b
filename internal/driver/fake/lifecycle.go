package fake

import (
	"context"
	"encoding/json"
	"reflect"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// handleData is what a fake handle carries.
type handleData struct {
	Spec driver.Spec `json:"spec"`
}

// Create records the instance and its volumes. Idempotent; a changed spec is
// taken unless the instance runs (IncorrectState).
func (d *Driver) Create(ctx context.Context, spec driver.Spec) (driver.Handle, error) {
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	d.countLocked(spec.ID, func(c *Calls) { c.Create++ })
	if d.isClosed() {
		return driver.Handle{}, errClosed(spec.ID)
	}
	if err := validateSpec(spec); err != nil {
		return driver.Handle{}, err
	}
	g := h.guests[spec.ID]
	if g == nil {
		g = &guest{id: spec.ID}
		h.guests[spec.ID] = g
	} else if !reflect.DeepEqual(g.spec, spec) && h.activeLocked(g) != nil {
		return driver.Handle{}, errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, spec.ID,
			"cannot change the spec of a running instance")
	}
	g.spec = spec
	for _, v := range spec.Volumes {
		h.volumes[v.ID] = true
	}
	data, err := json.Marshal(handleData{Spec: spec})
	if err != nil {
		return driver.Handle{}, errdefs.Wrap(err, "cannot encode handle")
	}
	return driver.Handle{ID: spec.ID, Driver: Name, Data: data}, nil
}

// validateSpec rejects specs no driver could run.
func validateSpec(spec driver.Spec) error {
	if spec.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, "", "instance id is required")
	}
	seen := make(map[string]bool)
	for _, v := range spec.Volumes {
		if v.ID == "" || seen[v.ID] {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResVolume, v.ID, "invalid or repeated volume id %q", v.ID)
		}
		seen[v.ID] = true
	}
	return nil
}

// Start boots the guest as scripted: it may fail (StartErr), take clock time
// (StartDelay) and be set to shut itself down (ExitAfter). A hibernated guest
// resumes. Starting a running guest is a no-op.
func (d *Driver) Start(ctx context.Context, id string) error {
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	d.countLocked(id, func(c *Calls) { c.Start++ })
	if d.isClosed() {
		return errClosed(id)
	}
	g := h.guests[id]
	if g == nil {
		return errNotFound(id)
	}
	if r := h.activeLocked(g); r != nil {
		if r.stopping {
			return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, id, "the instance is stopping")
		}
		return nil
	}
	b := h.behaviorLocked(id)
	if b.StartErr != nil {
		return errdefs.Wrap(b.StartErr, "cannot start instance")
	}
	if b.StartDelay > 0 {
		t := h.clock.NewTimer(b.StartDelay)
		h.mu.Unlock()
		var err error
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			err = &errdefs.Error{Kind: errdefs.Internal, Resource: errdefs.ResInstance, ID: id,
				Public: "start interrupted", Err: ctx.Err()}
		case <-d.closed:
			t.Stop()
			err = errClosed(id)
		}
		h.mu.Lock()
		if err != nil {
			return err
		}
		if g = h.guests[id]; g == nil {
			return errNotFound(id)
		}
		if h.activeLocked(g) != nil {
			return nil // started by someone else meanwhile
		}
	}
	h.nextPid++
	r := &run{
		owner:     d,
		pid:       h.nextPid,
		startedAt: h.clock.Now(),
		behavior:  b,
		done:      make(chan struct{}),
		force:     make(chan struct{}),
	}
	g.run = r
	g.hibernated = false
	if b.ExitAfter > 0 {
		r.exitAt = r.startedAt.Add(b.ExitAfter)
		h.armLocked(g, r, r.exitAt)
	}
	return nil
}

// Stop stops the guest as the contract says, with the grace period and the
// re-signal ticks on the injected clock. How the guest reacts to SIGTERM is
// scripted (IgnoreTerm, TermDelay, TermExitCode).
func (d *Driver) Stop(ctx context.Context, id string, opts driver.StopOptions) error {
	h := d.h
	h.mu.Lock()
	d.countLocked(id, func(c *Calls) {
		c.Stop++
		if opts.Force {
			c.ForceStop++
		}
	})
	if d.isClosed() {
		h.mu.Unlock()
		return errClosed(id)
	}
	g := h.guests[id]
	if g == nil {
		h.mu.Unlock()
		return nil
	}
	r := h.activeLocked(g)
	if r == nil {
		h.mu.Unlock()
		return nil
	}
	if !r.stopping {
		r.reboot = opts.Reboot
	} else if !opts.Reboot {
		r.reboot = false
	}
	r.stopping = true
	if opts.Force {
		d.killLocked(g, r)
		h.mu.Unlock()
		return nil
	}
	d.termLocked(g, r)
	h.mu.Unlock()
	return d.graceful(ctx, g, r, opts)
}

// graceful waits for r to end after its first SIGTERM, re-signalling every
// interval and killing when the grace period is over.
func (d *Driver) graceful(ctx context.Context, g *guest, r *run, opts driver.StopOptions) error {
	h := d.h
	interval := opts.SignalInterval
	if interval <= 0 {
		interval = driver.DefaultSignalInterval
	}
	grace := h.clock.NewTimer(opts.Timeout)
	defer grace.Stop()
	tick := h.clock.NewTimer(interval)
	defer func() { tick.Stop() }()
	for {
		select {
		case <-r.done:
			return nil
		case <-r.force:
			<-r.done // a kill ends the run at once
			return nil
		case <-grace.C():
			h.mu.Lock()
			d.killLocked(g, r)
			h.mu.Unlock()
			return nil
		case <-tick.C():
			h.mu.Lock()
			d.termLocked(g, r)
			h.mu.Unlock()
			tick = h.clock.NewTimer(interval)
		case <-ctx.Done():
			return &errdefs.Error{Kind: errdefs.Internal, Resource: errdefs.ResInstance, ID: g.id,
				Public: "stop interrupted", Err: ctx.Err()}
		case <-d.closed:
			return errClosed(g.id)
		}
	}
}

// termLocked delivers a SIGTERM and counts it. h.mu is held.
func (d *Driver) termLocked(g *guest, r *run) {
	if r.isDone() {
		return
	}
	d.countLocked(g.id, func(c *Calls) { c.Signals++ })
	d.h.termLocked(g, r)
}

// killLocked kills r and counts it. h.mu is held.
func (d *Driver) killLocked(g *guest, r *run) {
	if r.isDone() {
		return
	}
	d.countLocked(g.id, func(c *Calls) { c.Kills++ })
	d.h.killLocked(g, r)
}

// Destroy kills the guest if it runs and forgets it, with its volumes marked
// DeleteOnTermination and its scratch volumes. Idempotent.
func (d *Driver) Destroy(ctx context.Context, id string) error {
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	d.countLocked(id, func(c *Calls) { c.Destroy++ })
	if d.isClosed() {
		return errClosed(id)
	}
	g := h.guests[id]
	if g == nil {
		return nil
	}
	if r := h.activeLocked(g); r != nil {
		r.stopping = true
		d.killLocked(g, r)
	}
	for _, v := range g.spec.Volumes {
		if v.DeleteOnTermination || v.Scratch {
			delete(h.volumes, v.ID)
		}
	}
	delete(h.guests, id)
	return nil
}

// Exit makes the running guest id shut itself down with code, as a poweroff
// from inside would.
func (d *Driver) Exit(id string, code int) error {
	return d.Crash(id, driver.ExitStatus{Code: code})
}

// Crash ends the running guest id by itself with status es (e.g. a signal,
// or OOMKilled). ExitedAt defaults to the clock's time.
func (d *Driver) Crash(id string, es driver.ExitStatus) error {
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	g := h.guests[id]
	if g == nil {
		return errNotFound(id)
	}
	r := h.activeLocked(g)
	if r == nil {
		return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, id, "the instance is not running")
	}
	h.endRunLocked(g, r, es)
	return nil
}

package fake

import (
	"context"
	"encoding/json"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// DefaultConsoleMax is what ConsoleOutput returns at most for max <= 0.
const DefaultConsoleMax = 64 << 10

// Status reports the guest's facts; an unknown id is StateNotFound. After a
// Stop (or Hibernate) the state is StateCreated, after a run that ended by
// itself StateExited.
func (d *Driver) Status(ctx context.Context, id string) (driver.Status, error) {
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	d.countLocked(id, func(c *Calls) { c.Status++ })
	if d.isClosed() {
		return driver.Status{State: driver.StateUnknown}, errClosed(id)
	}
	g := h.guests[id]
	switch {
	case g == nil:
		return driver.Status{State: driver.StateNotFound}, nil
	case h.activeLocked(g) != nil:
		return driver.Status{State: driver.StateRunning, Pid: g.run.pid, StartedAt: g.run.startedAt}, nil
	case g.last == nil:
		return driver.Status{State: driver.StateCreated}, nil
	case g.last.stopped:
		return driver.Status{State: driver.StateCreated, StartedAt: g.last.startedAt, Exit: g.last.exit}, nil
	default:
		return driver.Status{State: driver.StateExited, StartedAt: g.last.startedAt, Exit: g.last.exit}, nil
	}
}

// Wait blocks until the current run ends; on a guest that does not run it
// returns the last exit status at once.
func (d *Driver) Wait(ctx context.Context, id string) (driver.ExitStatus, error) {
	h := d.h
	h.mu.Lock()
	d.countLocked(id, func(c *Calls) { c.Wait++ })
	if d.isClosed() {
		h.mu.Unlock()
		return driver.ExitStatus{}, errClosed(id)
	}
	g := h.guests[id]
	if g == nil {
		h.mu.Unlock()
		return driver.ExitStatus{}, errNotFound(id)
	}
	r := h.activeLocked(g)
	if r == nil {
		var last driver.ExitStatus
		if g.last != nil {
			last = g.last.exit
		}
		h.mu.Unlock()
		return last, nil
	}
	h.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		return driver.ExitStatus{}, &errdefs.Error{Kind: errdefs.Internal, Resource: errdefs.ResInstance, ID: id,
			Public: "wait interrupted", Err: ctx.Err()}
	case <-d.closed:
		return driver.ExitStatus{}, errClosed(id)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return r.exit, nil
}

// ConsoleOutput returns the tail of what SetConsole and AppendConsole set.
func (d *Driver) ConsoleOutput(ctx context.Context, id string, max int) ([]byte, error) {
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	d.countLocked(id, func(c *Calls) { c.ConsoleOutput++ })
	if d.isClosed() {
		return nil, errClosed(id)
	}
	if h.guests[id] == nil {
		return nil, errNotFound(id)
	}
	if max <= 0 {
		max = DefaultConsoleMax
	}
	out := h.console[id]
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return append([]byte{}, out...), nil
}

// Recover attaches to a guest of the host by its handle. The fake host has
// no disk: a guest it does not know (a fake made by New, not Restart) is
// NotFound.
func (d *Driver) Recover(ctx context.Context, hd driver.Handle) error {
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	d.countLocked(hd.ID, func(c *Calls) { c.Recover++ })
	if d.isClosed() {
		return errClosed(hd.ID)
	}
	if hd.Driver != "" && hd.Driver != Name {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResInstance, hd.ID,
			"handle belongs to driver %q, not %q", hd.Driver, Name)
	}
	if len(hd.Data) > 0 {
		var data handleData
		if err := json.Unmarshal(hd.Data, &data); err != nil {
			return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResInstance, ID: hd.ID,
				Public: "malformed instance handle", Err: err}
		}
	}
	if h.guests[hd.ID] == nil {
		return errNotFound(hd.ID)
	}
	return nil
}

// Hibernating is a fake driver that can also hibernate (driver.Hibernator).
type Hibernating struct {
	*Driver
}

// NewHibernating returns a fake driver with Hibernate, on clock c.
func NewHibernating(c clock.Clock) *Hibernating {
	d := New(c)
	d.canHibernate = true
	return &Hibernating{d}
}

// Restart is Driver.Restart keeping the ability to hibernate.
func (hd *Hibernating) Restart() *Hibernating {
	return &Hibernating{hd.Driver.Restart()}
}

// Hibernate ends the running guest's run as a clean stop with its memory
// kept: Status says StateCreated, Hibernated says true, and the next Start
// resumes it.
func (hd *Hibernating) Hibernate(ctx context.Context, id string) error {
	d := hd.Driver
	h := d.h
	h.mu.Lock()
	defer h.mu.Unlock()
	d.countLocked(id, func(c *Calls) { c.Hibernate++ })
	if d.isClosed() {
		return errClosed(id)
	}
	g := h.guests[id]
	if g == nil {
		return errNotFound(id)
	}
	r := h.activeLocked(g)
	if r == nil {
		return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, id, "the instance is not running")
	}
	r.stopping = true
	h.endRunLocked(g, r, driver.ExitStatus{})
	g.hibernated = true
	return nil
}

// Hibernated reports whether guest id is hibernated (and the next Start
// resumes it).
func (d *Driver) Hibernated(id string) bool {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	g := d.h.guests[id]
	return g != nil && g.hibernated
}

package fake

import (
	"syscall"
	"time"

	"strato/internal/driver"
)

// guest is one instance on the fake host.
type guest struct {
	id         string
	spec       driver.Spec
	run        *run    // current or last run
	last       *result // how the last finished run ended
	hibernated bool    // the last run ended in Hibernate
}

// run is one boot of a guest.
type run struct {
	owner     *Driver // the driver that started (and watches) it
	pid       int
	startedAt time.Time
	behavior  Behavior
	done      chan struct{} // closed when the run has ended
	force     chan struct{} // closed when a kill begins

	exit     driver.ExitStatus
	stopping bool
	reboot   bool
	killed   bool
	exitAt   time.Time // the guest shuts itself down then (ExitAfter)
	termAt   time.Time // the guest exits then after a SIGTERM (TermDelay)
	termCode int       // ... with this code
}

// result is how a run ended.
type result struct {
	exit      driver.ExitStatus
	startedAt time.Time
	stopped   bool // ended by a Stop, not by itself
	reboot    bool
}

// isDone reports whether r has ended.
func (r *run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// activeLocked settles g and returns its current run if it still runs. h.mu
// is held.
func (h *host) activeLocked(g *guest) *run {
	h.settleLocked(g)
	if g.run != nil && !g.run.isDone() {
		return g.run
	}
	return nil
}

// settleLocked ends g's run if a scripted exit is due at the clock's current
// time, so that states are exact right after the clock moves. h.mu is held.
func (h *host) settleLocked(g *guest) {
	r := g.run
	if r == nil || r.isDone() {
		return
	}
	now := h.clock.Now()
	exitDue := !r.exitAt.IsZero() && !now.Before(r.exitAt)
	termDue := !r.termAt.IsZero() && !now.Before(r.termAt)
	switch {
	case exitDue && (!termDue || !r.termAt.Before(r.exitAt)):
		h.endRunLocked(g, r, driver.ExitStatus{Code: r.behavior.ExitCode, ExitedAt: r.exitAt})
	case termDue:
		h.endRunLocked(g, r, driver.ExitStatus{Code: r.termCode, ExitedAt: r.termAt})
	}
}

// armLocked makes sure that whoever waits on r wakes up when the clock
// reaches at, by settling g then. h.mu is held.
func (h *host) armLocked(g *guest, r *run, at time.Time) {
	t := h.clock.NewTimer(at.Sub(h.clock.Now()))
	go func() {
		select {
		case <-t.C():
			h.mu.Lock()
			h.settleLocked(g)
			h.mu.Unlock()
		case <-r.done:
			t.Stop()
		}
	}()
}

// endRunLocked ends r with exit and wakes its waiters. A run whose driver
// was closed (a daemon restart) ends with an Unknown status unless the host
// is supervised. h.mu is held.
func (h *host) endRunLocked(g *guest, r *run, exit driver.ExitStatus) {
	if r.isDone() {
		return
	}
	if exit.ExitedAt.IsZero() {
		exit.ExitedAt = h.clock.Now()
	}
	if r.owner.isClosed() && !h.supervised {
		exit = driver.ExitStatus{Code: -1, Unknown: true, ExitedAt: exit.ExitedAt}
	}
	if r.killed && (exit.Unknown || exit.Signal == int(syscall.SIGKILL)) {
		exit.Killed = true
	}
	r.exit = exit
	g.last = &result{exit: exit, startedAt: r.startedAt, stopped: r.stopping, reboot: r.stopping && r.reboot}
	close(r.done)
}

// killLocked kills r at once. h.mu is held.
func (h *host) killLocked(g *guest, r *run) {
	if r.isDone() {
		return
	}
	r.killed = true
	select {
	case <-r.force:
	default:
		close(r.force)
	}
	h.endRunLocked(g, r, driver.ExitStatus{Code: -1, Signal: int(syscall.SIGKILL)})
}

// termLocked delivers a SIGTERM to r: a cooperative guest exits (now or
// after its TermDelay), a deaf one does nothing. The guest's current script
// decides. h.mu is held.
func (h *host) termLocked(g *guest, r *run) {
	b := h.behaviorLocked(g.id)
	if r.isDone() || b.IgnoreTerm {
		return
	}
	if b.TermDelay <= 0 {
		h.endRunLocked(g, r, driver.ExitStatus{Code: b.TermExitCode})
		return
	}
	if r.termAt.IsZero() {
		r.termAt = h.clock.Now().Add(b.TermDelay)
		r.termCode = b.TermExitCode
		h.armLocked(g, r, r.termAt)
	}
}

// Package fake is a scriptable, in-memory driver for tests of the core. It
// keeps the driver contract (it passes drivertest) and lets a test script
// each guest: a slow or failing start, a guest deaf to SIGTERM, a guest that
// shuts itself down or crashes after some time of the injected clock.
//
// Guests live in a "host" shared by a driver and the drivers Restart returns,
// so a test can simulate a daemon restart: guests keep running, the old
// driver goes deaf, and runs it started end with an Unknown exit status.
//
// Nothing depends on real time: every delay runs on the injected clock, and
// a state due at the clock's current time is visible at once in Status.
package fake

import (
	"maps"
	"slices"
	"sync"
	"time"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// Name is the driver's registry name.
const Name = "fake"

// Behavior scripts a guest. The zero Behavior is a guest that starts at once,
// runs until stopped and exits with code 0 on the first SIGTERM.
type Behavior struct {
	// StartDelay: Start returns only after the clock has moved this much.
	StartDelay time.Duration
	// StartErr: Start fails with this error and nothing runs.
	StartErr error
	// IgnoreTerm: SIGTERM does nothing; a graceful stop ends only with the
	// kill when its Timeout runs out (or with a Force stop).
	IgnoreTerm bool
	// TermDelay: a cooperative guest exits this long after the first SIGTERM.
	TermDelay time.Duration
	// TermExitCode is the code a cooperative guest exits with on SIGTERM.
	TermExitCode int
	// ExitAfter > 0: the guest shuts itself down this long after it starts,
	// with ExitCode (a crash, or a poweroff from inside).
	ExitAfter time.Duration
	ExitCode  int
}

// Calls counts what a driver was asked to do.
type Calls struct {
	Create, Start, Stop, ForceStop, Wait, Status, Destroy, Recover, Hibernate, ConsoleOutput int
	// Signals counts the SIGTERMs graceful stops delivered (the first and
	// every re-signal).
	Signals int
	// Kills counts the guests killed (Force, end of grace, Destroy).
	Kills int
}

// host is the state guests live in, shared across restarts.
type host struct {
	clock clock.Clock

	mu       sync.Mutex
	guests   map[string]*guest
	volumes  map[string]bool
	defaults Behavior
	scripts  map[string]Behavior
	console  map[string][]byte
	nextPid  int
	// supervised: runs keep their real exit status when their driver is
	// gone, as under a per-instance supervisor (SetSupervised).
	supervised bool
}

// Driver is the fake driver.
type Driver struct {
	h      *host
	closed chan struct{}

	// Guarded by h.mu.
	calls        Calls
	perID        map[string]*Calls
	canHibernate bool // Capabilities.Hibernate
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.ConsoleReader = (*Driver)(nil)
	_ driver.Hibernator    = (*Hibernating)(nil)
)

// New returns a fake driver on clock c (the wall clock if nil), over an
// empty host.
func New(c clock.Clock) *Driver {
	if c == nil {
		c = clock.Real{}
	}
	h := &host{
		clock:   c,
		guests:  make(map[string]*guest),
		volumes: make(map[string]bool),
		scripts: make(map[string]Behavior),
		console: make(map[string][]byte),
		nextPid: 1000,
	}
	return newDriver(h, false)
}

// newDriver returns a driver attached to h.
func newDriver(h *host, hibernate bool) *Driver {
	return &Driver{h: h, closed: make(chan struct{}), perID: make(map[string]*Calls), canHibernate: hibernate}
}

// Restart simulates a daemon restart: d goes deaf (every later call fails
// and it records nothing) and a new driver over the same guests is returned,
// with fresh call counters. Guests keep running; the runs d started end with
// an Unknown exit status, as nobody can see their exit code any more.
func (d *Driver) Restart() *Driver {
	d.Close()
	return newDriver(d.h, d.canHibernate)
}

// SetSupervised makes the guests behave as if a per-instance supervisor
// (the sandbox driver's shim) held them: a run that ends while its driver
// is gone keeps its real exit status instead of an Unknown one.
func (d *Driver) SetSupervised(on bool) {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	d.h.supervised = on
}

// Close makes d deaf, as if its daemon died, without touching any guest.
func (d *Driver) Close() {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	select {
	case <-d.closed:
	default:
		close(d.closed)
	}
}

// isClosed reports whether d was closed.
func (d *Driver) isClosed() bool {
	select {
	case <-d.closed:
		return true
	default:
		return false
	}
}

// Name returns "fake".
func (d *Driver) Name() string { return Name }

// Capabilities reports a console, Hibernate when made by NewHibernating.
func (d *Driver) Capabilities() driver.Capabilities {
	caps := driver.Capabilities{Hibernate: d.canHibernate, ConsoleOutput: true, Isolation: "none"}
	if caps.Hibernate {
		caps.HibernateNote = "fake: nothing runs, so there is no memory to keep"
	}
	return caps
}

// SetDefault sets the behaviour of every guest that has no script of its own.
func (d *Driver) SetDefault(b Behavior) {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	d.h.defaults = b
}

// Script sets the behaviour of the guest id (known or not yet): StartErr,
// StartDelay and ExitAfter count from its next Start, IgnoreTerm, TermDelay
// and TermExitCode from the next SIGTERM it gets.
func (d *Driver) Script(id string, b Behavior) {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	d.h.scripts[id] = b
}

// behaviorLocked returns the behaviour of guest id. h.mu is held.
func (h *host) behaviorLocked(id string) Behavior {
	if b, ok := h.scripts[id]; ok {
		return b
	}
	return h.defaults
}

// Calls returns the counts of calls made to d.
func (d *Driver) Calls() Calls {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	return d.calls
}

// CallsFor returns the counts of calls made to d about instance id.
func (d *Driver) CallsFor(id string) Calls {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	if c := d.perID[id]; c != nil {
		return *c
	}
	return Calls{}
}

// countLocked bumps a counter for id and in total. h.mu is held.
func (d *Driver) countLocked(id string, f func(*Calls)) {
	f(&d.calls)
	c := d.perID[id]
	if c == nil {
		c = &Calls{}
		d.perID[id] = c
	}
	f(c)
}

// VolumeExists reports whether the volume's data is kept.
func (d *Driver) VolumeExists(volumeID string) bool {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	return d.h.volumes[volumeID]
}

// Spec returns the spec of the last Create of instance id — what the core
// asked the driver to run at its latest boot — and whether the host knows
// the instance (Destroy forgets it). The copy is the caller's.
func (d *Driver) Spec(id string) (driver.Spec, bool) {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	g := d.h.guests[id]
	if g == nil {
		return driver.Spec{}, false
	}
	return cloneSpec(g.spec), true
}

// cloneSpec deep-copies a spec.
func cloneSpec(s driver.Spec) driver.Spec {
	c := s
	c.UserData = slices.Clone(s.UserData)
	c.Env = maps.Clone(s.Env)
	c.Volumes = slices.Clone(s.Volumes)
	if s.Identity != nil {
		id := *s.Identity
		id.SecurityGroups = slices.Clone(s.Identity.SecurityGroups)
		c.Identity = &id
	}
	if s.Files != nil {
		c.Files = make([]driver.File, len(s.Files))
		for i, f := range s.Files {
			c.Files[i] = f
			c.Files[i].Data = slices.Clone(f.Data)
		}
	}
	return c
}

// SetConsole replaces the console output of instance id (known or not yet).
func (d *Driver) SetConsole(id string, out []byte) {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	d.h.console[id] = append([]byte(nil), out...)
}

// AppendConsole adds to the console output of instance id.
func (d *Driver) AppendConsole(id string, out []byte) {
	d.h.mu.Lock()
	defer d.h.mu.Unlock()
	d.h.console[id] = append(d.h.console[id], out...)
}

// errClosed is what a closed driver answers.
func errClosed(id string) error {
	return errdefs.New(errdefs.Internal, errdefs.ResInstance, id, "fake driver is closed")
}

// errNotFound reports an unknown instance.
func errNotFound(id string) error {
	return errdefs.Newf(errdefs.NotFound, errdefs.ResInstance, id, "instance %s not found", id)
}

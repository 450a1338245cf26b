// Package drivertest is the conformance suite every driver passes. A driver's
// own tests call Run with a Harness that tells the suite how to script guest
// behaviour (cooperative, deaf to SIGTERM, exiting by itself) in that driver's
// terms and how to move its clock.
package drivertest

import (
	"context"
	"testing"
	"time"

	"strato/internal/driver"
)

// Harness adapts one driver, over fresh state of its own, to the suite.
type Harness struct {
	// Driver is the driver under test.
	Driver driver.Driver

	// Restart simulates a daemon restart: it abandons the current driver
	// without stopping its guests, as a dying daemon would (the abandoned
	// driver must stop recording anything), and returns a new driver over
	// the same state. Guests started before the restart that end while no
	// driver watches end with an Unknown exit status, unless
	// ExitKnownAfterRestart.
	Restart func(t *testing.T) driver.Driver

	// CooperativeSpec returns a spec whose guest runs until it is stopped
	// and exits with code 0 soon after the first SIGTERM.
	CooperativeSpec func(id string) driver.Spec
	// IgnoreTermSpec returns a spec whose guest ignores SIGTERM: only a
	// kill ends it.
	IgnoreTermSpec func(id string) driver.Spec
	// ExitSpec returns a spec whose guest shuts itself down with the given
	// exit code within 500ms of its start (real time, or time of the
	// driver's clock moved by Advance).
	ExitSpec func(id string, code int) driver.Spec

	// Ready, if set, blocks until the guest of id that was just started has
	// set up its signal handling (a real guest needs a moment to boot). The
	// suite calls it after every Start. Nil when Start already guarantees it.
	Ready func(t *testing.T, d driver.Driver, id string)

	// Advance moves the driver's clock forward. Nil when the driver runs on
	// the wall clock.
	Advance func(d time.Duration)

	// ExitKnownAfterRestart: the driver learns how a guest that ended while
	// no driver watched really ended (a supervisor recorded it), instead of
	// reporting an Unknown exit.
	ExitKnownAfterRestart bool

	// VolumeExists reports whether the data of a volume is still kept.
	VolumeExists func(volumeID string) bool
}

// Volume ids of the specs the suite creates, derived from the instance id.
func rootVolumeID(id string) string    { return id + "-root" }
func dataVolumeID(id string) string    { return id + "-data" }
func scratchVolumeID(id string) string { return id + "-scratch" }

// withVolumes gives spec the suite's standard volumes: a root volume deleted
// on termination, a data volume that is kept, and a scratch volume.
func withVolumes(spec driver.Spec) driver.Spec {
	id := spec.ID
	spec.Volumes = []driver.Volume{
		{ID: rootVolumeID(id), Root: true, SizeGiB: 1, DeleteOnTermination: true},
		{ID: dataVolumeID(id), SizeGiB: 1, DeleteOnTermination: false},
		{ID: scratchVolumeID(id), SizeGiB: 1, Scratch: true, DeleteOnTermination: true},
	}
	return spec
}

// opTimeout bounds every single driver call of the suite, in real time.
const opTimeout = 20 * time.Second

// testContext returns a context that ends with the test or after opTimeout.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	t.Cleanup(cancel)
	return ctx
}

// drive runs f in a goroutine and, while it runs, keeps the harness's clock
// moving in small steps. It fails the test if f takes more than opTimeout of
// real time.
func drive[T any](t *testing.T, h *Harness, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	deadline := time.After(opTimeout)
	for {
		select {
		case v := <-done:
			return v
		case <-deadline:
			t.Fatalf("operation did not finish within %v", opTimeout)
		case <-time.After(5 * time.Millisecond):
			if h.Advance != nil {
				h.Advance(50 * time.Millisecond)
			}
		}
	}
}

// settle lets real time pass while the clock moves, so guests that end by
// themselves can do so.
func settle(h *Harness, d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
		if h.Advance != nil {
			h.Advance(50 * time.Millisecond)
		}
	}
}

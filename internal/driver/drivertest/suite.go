package drivertest

import (
	"errors"
	"testing"
	"time"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// Run runs the conformance suite. newHarness is called once per subtest and
// must return a harness over fresh, empty state; it should register cleanups
// that end whatever guests the subtest leaves running.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, h *Harness)
	}{
		{"CreateIsIdempotent", testCreateIdempotent},
		{"StartReportsRunning", testStartRunning},
		{"UnknownIDs", testUnknownIDs},
		{"WaitReturnsAfterStop", testWaitAfterStop},
		{"GracefulStopCooperative", testGracefulCooperative},
		{"GracefulStopKillsAfterTimeout", testGracefulTimeout},
		{"ForceStopIsImmediate", testForceStop},
		{"ForceStopDuringGracefulStop", testForceDuringGraceful},
		{"StopWhileStoppedIsNoop", testStopStopped},
		{"StartAfterStop", testStartAfterStop},
		{"DestroyIsIdempotent", testDestroy},
		{"WaitConcurrent", testWaitConcurrent},
		{"WaitNotRunning", testWaitNotRunning},
		{"WaitRespectsContext", testWaitContext},
		{"GuestExitsByItself", testGuestExits},
		{"RecoverRunning", testRecoverRunning},
		{"RecoverExitedWhileAway", testRecoverExitedAway},
		{"RecoverBadHandle", testRecoverBadHandle},
		{"Capabilities", testCapabilities},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newHarness(t))
		})
	}
}

// create creates spec (with the suite's volumes) and returns its handle.
func create(t *testing.T, d driver.Driver, spec driver.Spec) driver.Handle {
	t.Helper()
	h, err := d.Create(testContext(t), withVolumes(spec))
	if err != nil {
		t.Fatalf("Create(%s): %v", spec.ID, err)
	}
	return h
}

// start starts id, checks that it reports running and waits until the guest
// is ready.
func start(t *testing.T, h *Harness, d driver.Driver, id string) driver.Status {
	t.Helper()
	if err := d.Start(testContext(t), id); err != nil {
		t.Fatalf("Start(%s): %v", id, err)
	}
	st := wantState(t, d, id, driver.StateRunning)
	if h.Ready != nil {
		h.Ready(t, d, id)
	}
	return st
}

// status returns the status of id.
func status(t *testing.T, d driver.Driver, id string) driver.Status {
	t.Helper()
	st, err := d.Status(testContext(t), id)
	if err != nil {
		t.Fatalf("Status(%s): %v", id, err)
	}
	return st
}

// wantState fails unless id is in state want.
func wantState(t *testing.T, d driver.Driver, id string, want driver.State) driver.Status {
	t.Helper()
	st := status(t, d, id)
	if st.State != want {
		t.Fatalf("Status(%s).State = %q, want %q (status %+v)", id, st.State, want, st)
	}
	return st
}

// stop stops id with opts, driving the clock, and fails on error.
func stop(t *testing.T, h *Harness, d driver.Driver, id string, opts driver.StopOptions) {
	t.Helper()
	if err := drive(t, h, func() error { return d.Stop(testContext(t), id, opts) }); err != nil {
		t.Fatalf("Stop(%s, %+v): %v", id, opts, err)
	}
}

// wait waits for the current run of id to end, driving the clock.
func wait(t *testing.T, h *Harness, d driver.Driver, id string) driver.ExitStatus {
	t.Helper()
	type result struct {
		es  driver.ExitStatus
		err error
	}
	r := drive(t, h, func() result {
		es, err := d.Wait(testContext(t), id)
		return result{es, err}
	})
	if r.err != nil {
		t.Fatalf("Wait(%s): %v", id, r.err)
	}
	return r.es
}

// wantKind fails unless err is an *errdefs.Error of kind k.
func wantKind(t *testing.T, what string, err error, k errdefs.Kind) {
	t.Helper()
	var e *errdefs.Error
	if !errors.As(err, &e) || e.Kind != k {
		t.Errorf("%s: error %v, want an *errdefs.Error of kind %v", what, err, k)
	}
}

// gracefully is a graceful stop with a grace period that a cooperative guest
// never needs.
var gracefully = driver.StopOptions{Timeout: time.Hour, SignalInterval: time.Minute}

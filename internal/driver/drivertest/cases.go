package drivertest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"syscall"
	"testing"
	"time"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

func testCreateIdempotent(t *testing.T, h *Harness) {
	d := h.Driver
	spec := h.CooperativeSpec("i-create")
	h1 := create(t, d, spec)
	h2 := create(t, d, spec)
	if h1.ID != spec.ID || h1.Driver != d.Name() {
		t.Errorf("handle = %+v, want ID %q and Driver %q", h1, spec.ID, d.Name())
	}
	if h1.ID != h2.ID || h1.Driver != h2.Driver || !bytes.Equal(h1.Data, h2.Data) {
		t.Errorf("second Create returned %+v, first %+v", h2, h1)
	}
	wantState(t, d, spec.ID, driver.StateCreated)
	for _, v := range []string{rootVolumeID(spec.ID), dataVolumeID(spec.ID), scratchVolumeID(spec.ID)} {
		if !h.VolumeExists(v) {
			t.Errorf("volume %s does not exist after Create", v)
		}
	}
}

func testStartRunning(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-start"
	create(t, d, h.CooperativeSpec(id))
	st := start(t, h, d, id)
	if st.StartedAt.IsZero() {
		t.Errorf("running status has no StartedAt: %+v", st)
	}
	// Starting a running instance is a no-op.
	if err := d.Start(testContext(t), id); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	st2 := wantState(t, d, id, driver.StateRunning)
	if st2.Pid != st.Pid || !st2.StartedAt.Equal(st.StartedAt) {
		t.Errorf("second Start began a new run: %+v, was %+v", st2, st)
	}
	stop(t, h, d, id, gracefully)
}

func testUnknownIDs(t *testing.T, h *Harness) {
	d := h.Driver
	ctx := testContext(t)
	const id = "i-nope"
	if st, err := d.Status(ctx, id); err != nil || st.State != driver.StateNotFound {
		t.Errorf("Status(unknown) = %+v, %v; want state %q", st, err, driver.StateNotFound)
	}
	wantKind(t, "Start(unknown)", d.Start(ctx, id), errdefs.NotFound)
	_, err := d.Wait(ctx, id)
	wantKind(t, "Wait(unknown)", err, errdefs.NotFound)
	if err := d.Stop(ctx, id, driver.StopOptions{}); err != nil {
		t.Errorf("Stop(unknown) = %v, want nil", err)
	}
	if err := d.Destroy(ctx, id); err != nil {
		t.Errorf("Destroy(unknown) = %v, want nil", err)
	}
}

func testWaitAfterStop(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-wait"
	create(t, d, h.CooperativeSpec(id))
	start(t, h, d, id)
	got := make(chan driver.ExitStatus, 1)
	go func() {
		es, err := d.Wait(testContext(t), id)
		if err != nil {
			t.Errorf("Wait: %v", err)
		}
		got <- es
	}()
	select {
	case es := <-got:
		t.Fatalf("Wait returned %+v while the instance runs", es)
	case <-time.After(100 * time.Millisecond):
	}
	stop(t, h, d, id, gracefully)
	select {
	case es := <-got:
		if es.ExitedAt.IsZero() {
			t.Errorf("exit status without ExitedAt: %+v", es)
		}
	case <-time.After(opTimeout):
		t.Fatal("Wait did not return after Stop")
	}
}

func testGracefulCooperative(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-coop"
	create(t, d, h.CooperativeSpec(id))
	start(t, h, d, id)
	stop(t, h, d, id, gracefully)
	st := wantState(t, d, id, driver.StateCreated)
	if st.Exit.Killed || st.Exit.Code != 0 || st.Exit.Signal != 0 {
		t.Errorf("cooperative guest did not exit cleanly: %+v", st.Exit)
	}
	if es := wait(t, h, d, id); es != st.Exit {
		t.Errorf("Wait after stop = %+v, status says %+v", es, st.Exit)
	}
}

func testGracefulTimeout(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-deaf"
	create(t, d, h.IgnoreTermSpec(id))
	start(t, h, d, id)
	stop(t, h, d, id, driver.StopOptions{Timeout: 300 * time.Millisecond, SignalInterval: 100 * time.Millisecond})
	st := wantState(t, d, id, driver.StateCreated)
	want := driver.ExitStatus{Code: -1, Signal: int(syscall.SIGKILL), Killed: true}
	if got := st.Exit; got.Code != want.Code || got.Signal != want.Signal || !got.Killed {
		t.Errorf("exit = %+v, want code %d, signal %d, killed", got, want.Code, want.Signal)
	}
}

func testForceStop(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-force"
	create(t, d, h.IgnoreTermSpec(id))
	start(t, h, d, id)
	began := time.Now()
	// No clock movement: a forced stop must not depend on any timer.
	if err := d.Stop(testContext(t), id, driver.StopOptions{Force: true, Timeout: time.Hour}); err != nil {
		t.Fatalf("force Stop: %v", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("force Stop took %v", took)
	}
	st := wantState(t, d, id, driver.StateCreated)
	if !st.Exit.Killed {
		t.Errorf("exit = %+v, want Killed", st.Exit)
	}
}

func testForceDuringGraceful(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-force2"
	create(t, d, h.IgnoreTermSpec(id))
	start(t, h, d, id)
	graceful := make(chan error, 1)
	go func() { graceful <- d.Stop(testContext(t), id, driver.StopOptions{Timeout: time.Hour}) }()
	time.Sleep(200 * time.Millisecond) // let the graceful stop send its signal
	select {
	case err := <-graceful:
		t.Fatalf("graceful Stop of a guest that ignores SIGTERM returned early: %v", err)
	default:
	}
	if err := d.Stop(testContext(t), id, driver.StopOptions{Force: true}); err != nil {
		t.Fatalf("force Stop: %v", err)
	}
	select {
	case err := <-graceful:
		if err != nil {
			t.Errorf("graceful Stop: %v", err)
		}
	case <-time.After(opTimeout):
		t.Fatal("graceful Stop did not return after a force Stop")
	}
	if st := wantState(t, d, id, driver.StateCreated); !st.Exit.Killed {
		t.Errorf("exit = %+v, want Killed", st.Exit)
	}
}

func testStopStopped(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-stopstop"
	create(t, d, h.CooperativeSpec(id))
	stop(t, h, d, id, gracefully) // never started
	wantState(t, d, id, driver.StateCreated)
	start(t, h, d, id)
	stop(t, h, d, id, gracefully)
	first := wantState(t, d, id, driver.StateCreated)
	stop(t, h, d, id, gracefully)
	stop(t, h, d, id, driver.StopOptions{Force: true})
	if again := wantState(t, d, id, driver.StateCreated); again.Exit != first.Exit {
		t.Errorf("stopping a stopped instance changed its exit status: %+v, was %+v", again.Exit, first.Exit)
	}
}

func testStartAfterStop(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-restart"
	create(t, d, h.CooperativeSpec(id))
	first := start(t, h, d, id)
	stop(t, h, d, id, gracefully)
	settle(h, 10*time.Millisecond) // a new run has a later start time
	second := start(t, h, d, id)
	if !second.StartedAt.After(first.StartedAt) && second.Pid == first.Pid {
		t.Errorf("second run %+v looks like the first %+v", second, first)
	}
	stop(t, h, d, id, gracefully)
	wantState(t, d, id, driver.StateCreated)
}

func testDestroy(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-destroy"
	ctx := testContext(t)
	create(t, d, h.CooperativeSpec(id))
	start(t, h, d, id)
	if err := d.Destroy(ctx, id); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	wantState(t, d, id, driver.StateNotFound)
	if h.VolumeExists(rootVolumeID(id)) {
		t.Error("root volume (delete on termination) survives Destroy")
	}
	if h.VolumeExists(scratchVolumeID(id)) {
		t.Error("scratch volume survives Destroy")
	}
	if !h.VolumeExists(dataVolumeID(id)) {
		t.Error("data volume (kept on termination) was removed by Destroy")
	}
	if err := d.Destroy(ctx, id); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
	wantKind(t, "Start after Destroy", d.Start(ctx, id), errdefs.NotFound)

	// The id can be created again; the kept volume is attached again.
	create(t, d, h.CooperativeSpec(id))
	wantState(t, d, id, driver.StateCreated)
	if err := d.Destroy(ctx, id); err != nil {
		t.Fatalf("Destroy of a never started instance: %v", err)
	}
	wantState(t, d, id, driver.StateNotFound)
}

func testWaitConcurrent(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-waiters"
	create(t, d, h.CooperativeSpec(id))
	start(t, h, d, id)
	const n = 8
	got := make(chan driver.ExitStatus, n)
	for range n {
		go func() {
			es, err := d.Wait(testContext(t), id)
			if err != nil {
				t.Errorf("Wait: %v", err)
			}
			got <- es
		}()
	}
	time.Sleep(50 * time.Millisecond)
	stop(t, h, d, id, gracefully)
	var first driver.ExitStatus
	for i := range n {
		select {
		case es := <-got:
			if i == 0 {
				first = es
			} else if !reflect.DeepEqual(es, first) {
				t.Errorf("waiter %d got %+v, waiter 0 got %+v", i, es, first)
			}
		case <-time.After(opTimeout):
			t.Fatalf("only %d of %d waiters returned", i, n)
		}
	}
}

func testWaitNotRunning(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-waitidle"
	create(t, d, h.CooperativeSpec(id))
	ctx, cancel := context.WithTimeout(testContext(t), 2*time.Second)
	defer cancel()
	if es, err := d.Wait(ctx, id); err != nil || es != (driver.ExitStatus{}) {
		t.Errorf("Wait on a never started instance = %+v, %v; want zero status at once", es, err)
	}
	start(t, h, d, id)
	stop(t, h, d, id, driver.StopOptions{Force: true})
	st := wantState(t, d, id, driver.StateCreated)
	if es, err := d.Wait(ctx, id); err != nil || es != st.Exit {
		t.Errorf("Wait on a stopped instance = %+v, %v; want %+v at once", es, err, st.Exit)
	}
}

func testWaitContext(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-waitctx"
	create(t, d, h.CooperativeSpec(id))
	start(t, h, d, id)
	ctx, cancel := context.WithTimeout(testContext(t), 100*time.Millisecond)
	defer cancel()
	if _, err := d.Wait(ctx, id); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with an expiring context = %v, want context.DeadlineExceeded", err)
	}
	wantState(t, d, id, driver.StateRunning)
	stop(t, h, d, id, gracefully)
}

func testGuestExits(t *testing.T, h *Harness) {
	d := h.Driver
	id := "i-exit"
	create(t, d, h.ExitSpec(id, 3))
	start(t, h, d, id)
	es := wait(t, h, d, id)
	if es.Code != 3 || es.Killed || es.Unknown || es.Signal != 0 {
		t.Errorf("exit = %+v, want code 3", es)
	}
	if st := wantState(t, d, id, driver.StateExited); st.Exit != es {
		t.Errorf("status exit = %+v, Wait said %+v", st.Exit, es)
	}
	// An exited instance can start again.
	start(t, h, d, id)
	if es := wait(t, h, d, id); es.Code != 3 {
		t.Errorf("second run exit = %+v, want code 3", es)
	}
}

func testRecoverRunning(t *testing.T, h *Harness) {
	d1 := h.Driver
	id := "i-recover"
	handle := create(t, d1, h.CooperativeSpec(id))
	before := start(t, h, d1, id)

	d2 := h.Restart(t)
	ctx := testContext(t)
	if err := d2.Recover(ctx, handle); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	st := wantState(t, d2, id, driver.StateRunning)
	if st.Pid != before.Pid || !st.StartedAt.Equal(before.StartedAt) {
		t.Errorf("recovered status %+v, before the restart %+v", st, before)
	}
	if err := d2.Recover(ctx, handle); err != nil {
		t.Errorf("second Recover: %v", err)
	}
	stop(t, h, d2, id, gracefully)
	wantState(t, d2, id, driver.StateCreated)
	if err := d2.Destroy(ctx, id); err != nil {
		t.Errorf("Destroy after Recover: %v", err)
	}
	wantState(t, d2, id, driver.StateNotFound)
}

func testRecoverExitedAway(t *testing.T, h *Harness) {
	d1 := h.Driver
	id := "i-away"
	handle := create(t, d1, h.ExitSpec(id, 4))
	start(t, h, d1, id)
	d2 := h.Restart(t)
	settle(h, time.Second) // the guest shuts down while no driver watches

	if err := d2.Recover(testContext(t), handle); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	st := wantState(t, d2, id, driver.StateExited)
	switch {
	case h.ExitKnownAfterRestart && (st.Exit.Unknown || st.Exit.Code != 4):
		t.Errorf("exit = %+v, want the guest's own code 4, recorded while no driver watched", st.Exit)
	case !h.ExitKnownAfterRestart && (!st.Exit.Unknown || st.Exit.Code != -1):
		t.Errorf("exit = %+v, want Unknown with code -1", st.Exit)
	}
	if es := wait(t, h, d2, id); es != st.Exit {
		t.Errorf("Wait = %+v, status says %+v", es, st.Exit)
	}
	// It can be started again by the new driver, with a known status now.
	start(t, h, d2, id)
	if es := wait(t, h, d2, id); es.Code != 4 || es.Unknown {
		t.Errorf("run after recovery exit = %+v, want code 4", es)
	}
}

func testRecoverBadHandle(t *testing.T, h *Harness) {
	d := h.Driver
	ctx := testContext(t)
	wantKind(t, "Recover(unknown id)", d.Recover(ctx, driver.Handle{ID: "i-nope", Driver: d.Name()}), errdefs.NotFound)
	id := "i-foreign"
	handle := create(t, d, h.CooperativeSpec(id))
	handle.Driver = "not-" + d.Name()
	wantKind(t, "Recover(foreign handle)", d.Recover(ctx, handle), errdefs.InvalidArgument)
}

func testCapabilities(t *testing.T, h *Harness) {
	d := h.Driver
	if d.Name() == "" {
		t.Error("empty driver name")
	}
	caps := d.Capabilities()
	if caps.Isolation == "" {
		t.Error("Capabilities.Isolation is empty")
	}
	_, isHibernator := d.(driver.Hibernator)
	// A driver may know how to hibernate but find no way to on this host;
	// it must never claim the capability without the method.
	if caps.Hibernate && !isHibernator {
		t.Errorf("Capabilities.Hibernate = %v but implements Hibernator = %v", caps.Hibernate, isHibernator)
	}
	if caps.Hibernate && caps.HibernateNote == "" {
		t.Error("Capabilities.Hibernate without a HibernateNote saying where the memory is kept")
	}
	cr, isConsole := d.(driver.ConsoleReader)
	if caps.ConsoleOutput != isConsole {
		t.Fatalf("Capabilities.ConsoleOutput = %v but implements ConsoleReader = %v", caps.ConsoleOutput, isConsole)
	}
	if isConsole {
		_, err := cr.ConsoleOutput(testContext(t), "i-nope", 100)
		wantKind(t, "ConsoleOutput(unknown)", err, errdefs.NotFound)
	}
}

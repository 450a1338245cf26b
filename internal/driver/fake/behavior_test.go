package fake_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/driver/fake"
	"strato/internal/errdefs"
)

// setup returns a fake driver on a fake clock with instance id created.
func setup(t *testing.T, id string) (*fake.Driver, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(epoch)
	d := fake.New(clk)
	if _, err := d.Create(context.Background(), spec(id)); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return d, clk
}

// waitTimers waits (in real time) until n timers are pending on clk.
func waitTimers(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); clk.Waiters() != n; {
		if time.Now().After(end) {
			t.Fatalf("%d timers pending, want %d", clk.Waiters(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// receive waits (in real time) for a value on ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// notYet fails if ch has a value.
func notYet[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s too early: %v", what, v)
	case <-time.After(20 * time.Millisecond):
	}
}

func mustStatus(t *testing.T, d driver.Driver, id string) driver.Status {
	t.Helper()
	st, err := d.Status(context.Background(), id)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}

func TestStartDelay(t *testing.T) {
	d, clk := setup(t, "i-slow")
	d.Script("i-slow", fake.Behavior{StartDelay: 30 * time.Second})
	started := make(chan error, 1)
	go func() { started <- d.Start(context.Background(), "i-slow") }()
	waitTimers(t, clk, 1)
	clk.Advance(30*time.Second - time.Nanosecond)
	notYet(t, started, "Start")
	if st := mustStatus(t, d, "i-slow"); st.State != driver.StateCreated {
		t.Errorf("state while starting = %q, want created", st.State)
	}
	clk.Advance(time.Nanosecond)
	if err := receive(t, started, "Start result"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if st := mustStatus(t, d, "i-slow"); st.State != driver.StateRunning || !st.StartedAt.Equal(epoch.Add(30*time.Second)) {
		t.Errorf("status = %+v, want running since the end of the delay", st)
	}
}

func TestStartDelayRespectsContext(t *testing.T) {
	d, _ := setup(t, "i-slow")
	d.Script("i-slow", fake.Behavior{StartDelay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.Start(ctx, "i-slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Start = %v, want context.DeadlineExceeded", err)
	}
	if st := mustStatus(t, d, "i-slow"); st.State != driver.StateCreated {
		t.Errorf("state = %q, want created", st.State)
	}
}

func TestStartError(t *testing.T) {
	d, _ := setup(t, "i-broken")
	boom := errdefs.New(errdefs.LimitExceeded, errdefs.ResCapacity, "", "no capacity")
	d.SetDefault(fake.Behavior{StartErr: boom})
	err := d.Start(context.Background(), "i-broken")
	if !errors.Is(err, errdefs.ErrLimitExceeded) {
		t.Errorf("Start = %v, want the scripted error", err)
	}
	if st := mustStatus(t, d, "i-broken"); st.State != driver.StateCreated {
		t.Errorf("state = %q, want created", st.State)
	}
	// A per-instance script wins over the default.
	d.Script("i-broken", fake.Behavior{})
	if err := d.Start(context.Background(), "i-broken"); err != nil {
		t.Errorf("Start after fixing the script: %v", err)
	}
	if got := d.CallsFor("i-broken").Start; got != 2 {
		t.Errorf("Start calls = %d, want 2", got)
	}
}

func TestIgnoreTermResignalsAndKills(t *testing.T) {
	const id = "i-deaf"
	d, clk := setup(t, id)
	d.Script(id, fake.Behavior{IgnoreTerm: true})
	if err := d.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() {
		stopped <- d.Stop(context.Background(), id, driver.StopOptions{Timeout: 10 * time.Second, SignalInterval: 3 * time.Second})
	}()
	waitTimers(t, clk, 2) // grace and the first re-signal
	for i := range 3 {    // re-signals at 3s, 6s and 9s
		clk.Advance(3 * time.Second)
		waitTimers(t, clk, 2)
		if got := d.Calls().Signals; got != i+2 {
			t.Fatalf("after %v: %d SIGTERMs, want %d", time.Duration(3*(i+1))*time.Second, got, i+2)
		}
	}
	notYet(t, stopped, "Stop")
	if st := mustStatus(t, d, id); st.State != driver.StateRunning {
		t.Fatalf("state during the grace period = %q", st.State)
	}
	clk.Advance(time.Second) // 10s: the grace period is over
	if err := receive(t, stopped, "Stop result"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	st := mustStatus(t, d, id)
	want := driver.ExitStatus{Code: -1, Signal: int(syscall.SIGKILL), Killed: true, ExitedAt: epoch.Add(10 * time.Second)}
	if st.State != driver.StateCreated || st.Exit != want {
		t.Errorf("status = %+v, want created with exit %+v", st, want)
	}
	if c := d.Calls(); c.Kills != 1 || c.Stop != 1 || c.ForceStop != 0 {
		t.Errorf("calls = %+v", c)
	}
}

func TestTermDelay(t *testing.T) {
	const id = "i-slowstop"
	d, clk := setup(t, id)
	d.Script(id, fake.Behavior{TermDelay: 5 * time.Second, TermExitCode: 143})
	if err := d.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- d.Stop(context.Background(), id, driver.StopOptions{Timeout: time.Minute}) }()
	waitTimers(t, clk, 3) // the guest's exit, grace and re-signal
	clk.Advance(5 * time.Second)
	if err := receive(t, stopped, "Stop result"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	st := mustStatus(t, d, id)
	if st.State != driver.StateCreated || st.Exit.Code != 143 || st.Exit.Killed || !st.Exit.ExitedAt.Equal(epoch.Add(5*time.Second)) {
		t.Errorf("status = %+v, want a clean exit 143 at 5s", st)
	}
}

func TestExitAfterIsExactOnTheClock(t *testing.T) {
	const id = "i-crash"
	d, clk := setup(t, id)
	d.Script(id, fake.Behavior{ExitAfter: time.Hour, ExitCode: 139})
	if err := d.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour - time.Second)
	if st := mustStatus(t, d, id); st.State != driver.StateRunning {
		t.Fatalf("state before the crash = %q", st.State)
	}
	clk.Advance(2 * time.Second)
	// No waiting: the state is exact as soon as the clock has moved.
	st := mustStatus(t, d, id)
	if st.State != driver.StateExited || st.Exit.Code != 139 || !st.Exit.ExitedAt.Equal(epoch.Add(time.Hour)) {
		t.Errorf("status = %+v, want exited with 139 at 1h", st)
	}
}

func TestExitAndCrash(t *testing.T) {
	const id = "i-exit"
	d, _ := setup(t, id)
	ctx := context.Background()
	if err := d.Exit(id, 1); !errors.Is(err, errdefs.ErrIncorrectState) {
		t.Errorf("Exit of a created instance = %v, want IncorrectState", err)
	}
	if err := d.Exit("i-nope", 1); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Exit of an unknown instance = %v, want NotFound", err)
	}
	if err := d.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	waited := make(chan driver.ExitStatus, 1)
	go func() {
		es, _ := d.Wait(ctx, id)
		waited <- es
	}()
	if err := d.Exit(id, 5); err != nil {
		t.Fatalf("Exit: %v", err)
	}
	if es := receive(t, waited, "Wait result"); es.Code != 5 {
		t.Errorf("Wait = %+v, want code 5", es)
	}
	if st := mustStatus(t, d, id); st.State != driver.StateExited || st.Exit.Code != 5 {
		t.Errorf("status = %+v, want exited 5", st)
	}
	if err := d.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := d.Crash(id, driver.ExitStatus{Code: -1, Signal: 9, OOMKilled: true}); err != nil {
		t.Fatalf("Crash: %v", err)
	}
	if st := mustStatus(t, d, id); st.State != driver.StateExited || !st.Exit.OOMKilled || st.Exit.Signal != 9 || st.Exit.Killed {
		t.Errorf("status = %+v, want exited OOM-killed (not by the driver)", st)
	}
}

func TestRestartMakesOldRunsUnknown(t *testing.T) {
	const id = "i-restart"
	d1, _ := setup(t, id)
	ctx := context.Background()
	if err := d1.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := d1.Stop(ctx, id, driver.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d1.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	d2 := d1.Restart()
	if err := d1.Start(ctx, id); err == nil {
		t.Error("the old driver still answers after Restart")
	}
	if c := d2.Calls(); c != (fake.Calls{}) {
		t.Errorf("new driver calls = %+v, want none", c)
	}
	if err := d2.Exit(id, 3); err != nil {
		t.Fatal(err)
	}
	st := mustStatus(t, d2, id)
	if st.State != driver.StateExited || !st.Exit.Unknown || st.Exit.Code != -1 {
		t.Errorf("status = %+v, want exited with an unknown status", st)
	}
	if err := d2.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := d2.Exit(id, 3); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, d2, id); st.Exit.Code != 3 || st.Exit.Unknown {
		t.Errorf("status of a run of the new driver = %+v, want code 3", st)
	}
	if got := d2.CallsFor(id); got.Start != 1 || got.Status != 2 {
		t.Errorf("calls for %s = %+v", id, got)
	}
}

func TestHibernate(t *testing.T) {
	clk := clock.NewFake(epoch)
	if _, ok := driver.Driver(fake.New(clk)).(driver.Hibernator); ok {
		t.Error("a plain fake implements Hibernator")
	}
	d := fake.NewHibernating(clk)
	ctx := context.Background()
	const id = "i-sleepy"
	if _, err := d.Create(ctx, spec(id)); err != nil {
		t.Fatal(err)
	}
	if !d.Capabilities().Hibernate {
		t.Error("Capabilities().Hibernate = false")
	}
	if err := d.Hibernate(ctx, id); !errors.Is(err, errdefs.ErrIncorrectState) {
		t.Errorf("Hibernate of a created instance = %v, want IncorrectState", err)
	}
	if err := d.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := d.Hibernate(ctx, id); err != nil {
		t.Fatalf("Hibernate: %v", err)
	}
	if st := mustStatus(t, d, id); st.State != driver.StateCreated || !d.Hibernated(id) {
		t.Errorf("after Hibernate: status %+v, hibernated %v", st, d.Hibernated(id))
	}
	if err := d.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if d.Hibernated(id) {
		t.Error("still hibernated after Start")
	}
	if got := d.Restart().Capabilities().Hibernate; !got {
		t.Error("Restart lost the ability to hibernate")
	}
}

func TestConsole(t *testing.T) {
	const id = "i-console"
	d, _ := setup(t, id)
	ctx := context.Background()
	d.SetConsole(id, []byte("boot\n"))
	d.AppendConsole(id, []byte("login: "))
	if out, err := d.ConsoleOutput(ctx, id, 0); err != nil || string(out) != "boot\nlogin: " {
		t.Errorf("ConsoleOutput = %q, %v", out, err)
	}
	if out, err := d.ConsoleOutput(ctx, id, 3); err != nil || string(out) != "n: " {
		t.Errorf("ConsoleOutput(max 3) = %q, %v", out, err)
	}
	if _, err := d.ConsoleOutput(ctx, "i-nope", 0); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("ConsoleOutput(unknown) = %v, want NotFound", err)
	}
}

func TestCreateChangesSpecOnlyWhenNotRunning(t *testing.T) {
	const id = "i-modify"
	d, _ := setup(t, id)
	ctx := context.Background()
	changed := spec(id)
	changed.VCPUs = 4
	if err := d.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Create(ctx, changed); !errors.Is(err, errdefs.ErrIncorrectState) {
		t.Errorf("Create with a new spec while running = %v, want IncorrectState", err)
	}
	if err := d.Stop(ctx, id, driver.StopOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Create(ctx, changed); err != nil {
		t.Errorf("Create with a new spec while stopped: %v", err)
	}
	if _, err := d.Create(ctx, driver.Spec{}); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("Create without id = %v, want InvalidArgument", err)
	}
}

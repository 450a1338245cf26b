package driver

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/errdefs"
)

func TestCheckSpec(t *testing.T) {
	root := Volume{ID: "vol-1", Root: true}
	for _, tc := range []struct {
		name string
		spec Spec
		kind errdefs.Kind // 0 = valid
		res  errdefs.Resource
	}{
		{"valid", Spec{ID: "i-1", Volumes: []Volume{root}, Env: map[string]string{"A_1": "x"}}, 0, ""},
		{"path in id", Spec{ID: "../etc", Volumes: []Volume{root}}, errdefs.InvalidArgument, errdefs.ResInstance},
		{"dot id", Spec{ID: "..", Volumes: []Volume{root}}, errdefs.InvalidArgument, errdefs.ResInstance},
		{"bad volume id", Spec{ID: "i-1", Volumes: []Volume{{ID: "a/b", Root: true}}}, errdefs.InvalidArgument, errdefs.ResVolume},
		{"volume twice", Spec{ID: "i-1", Volumes: []Volume{root, root}}, errdefs.InvalidArgument, errdefs.ResVolume},
		{"no root volume", Spec{ID: "i-1", Volumes: []Volume{{ID: "vol-2"}}}, errdefs.InvalidArgument, errdefs.ResVolume},
		{"bad env name", Spec{ID: "i-1", Volumes: []Volume{root}, Env: map[string]string{"1A": "x"}}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"NUL in env", Spec{ID: "i-1", Volumes: []Volume{root}, Env: map[string]string{"A": "x\x00y"}}, errdefs.InvalidArgument, errdefs.ResParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSpec(tc.spec)
			var e *errdefs.Error
			switch {
			case tc.kind == 0 && err != nil:
				t.Errorf("CheckSpec: %v, want valid", err)
			case tc.kind != 0 && (!errors.As(err, &e) || e.Kind != tc.kind || e.Resource != tc.res):
				t.Errorf("CheckSpec: %v, want kind %v on %v", err, tc.kind, tc.res)
			}
		})
	}
}

// Graceful re-signals on every interval of the injected clock and kills
// when the grace runs out.
func TestGracefulResignalsThenKills(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	done := make(chan struct{})
	var resignals, kills atomic.Int32
	errc := make(chan error, 1)
	go func() {
		errc <- Graceful(context.Background(), clk, StopOptions{Timeout: 35 * time.Second, SignalInterval: 10 * time.Second}, Stopping{
			Done: done, Force: make(chan struct{}), Closed: make(chan struct{}),
			Resignal: func() { resignals.Add(1) },
			Kill:     func() { kills.Add(1); close(done) },
		})
	}()
	for i := 0; i < 40; i++ {
		for clk.Waiters() < 2 && kills.Load() == 0 { // the grace timer and the re-signal timer
			time.Sleep(time.Millisecond)
		}
		clk.Advance(time.Second)
		if kills.Load() > 0 {
			break
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("Graceful: %v", err)
	}
	if r, k := resignals.Load(), kills.Load(); r != 3 || k != 1 {
		t.Errorf("over a 35 s grace with a 10 s interval: %d re-signals, %d kills; want 3 and 1", r, k)
	}
}

func TestGracefulEnds(t *testing.T) {
	never := make(chan struct{})
	closed := make(chan struct{})
	close(closed)
	opts := StopOptions{Timeout: time.Hour}
	nop := func() {}
	if err := Graceful(context.Background(), clock.Real{}, opts, Stopping{Done: closed, Force: never, Closed: never, Resignal: nop, Kill: nop}); err != nil {
		t.Errorf("run already done: %v", err)
	}
	if err := Graceful(context.Background(), clock.Real{}, opts, Stopping{Done: never, Force: closed, Closed: never, Resignal: nop, Kill: nop}); err != nil {
		t.Errorf("forced: %v", err)
	}
	if err := Graceful(context.Background(), clock.Real{}, opts, Stopping{Done: never, Force: never, Closed: closed, Resignal: nop, Kill: nop}); !errors.Is(err, ErrClosed) {
		t.Errorf("driver closed: %v, want ErrClosed", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Graceful(ctx, clock.Real{}, opts, Stopping{Done: never, Force: never, Closed: never, Resignal: nop, Kill: nop}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

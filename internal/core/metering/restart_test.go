package metering_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/core/metering"
	"strato/internal/driver/fake"
	"strato/internal/store/memstore"
)

const acct = "111122223333"

// daemon is one strato daemon's engine over a store that survives it (the
// "disk") and guests that survive it (the fake driver's host).
type daemon struct {
	t     *testing.T
	clk   *clock.Fake
	st    *memstore.Store
	fk    *fake.Driver
	cat   *catalog.Catalog
	svc   *instance.Service
	meter *metering.Meter
}

func newDaemon(t *testing.T, start time.Time) *daemon {
	clk := clock.NewFake(start)
	d := &daemon{t: t, clk: clk, st: memstore.New(memstore.WithClock(clk)), fk: fake.New(clk), cat: catalog.New("us-east-1")}
	d.open()
	return d
}

func (d *daemon) open() {
	d.t.Helper()
	svc, err := instance.New(instance.Config{Store: d.st, Driver: d.fk, Clock: d.clk, Catalog: d.cat,
		StopTimeout: 2 * time.Minute, ResyncInterval: 24 * time.Hour})
	if err != nil {
		d.t.Fatal(err)
	}
	if err := svc.Open(context.Background()); err != nil {
		d.t.Fatal(err)
	}
	d.svc = svc
	d.t.Cleanup(svc.Close)
	m, err := metering.New(metering.Config{Events: d.st, Clock: d.clk, Catalog: d.cat})
	if err != nil {
		d.t.Fatal(err)
	}
	d.meter = m
}

// restart kills the daemon: the engine and the meter go away with their
// memory; the store and the guests stay; a new daemon opens them.
func (d *daemon) restart() {
	d.svc.Close()
	d.fk = d.fk.Restart()
	d.open()
}

func (d *daemon) wait(id string, want instance.State) {
	d.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		in, err := d.svc.Get(context.Background(), acct, id)
		if err != nil {
			d.t.Fatal(err)
		}
		if in.State == want {
			return
		}
		time.Sleep(time.Millisecond)
	}
	d.t.Fatalf("%s did not reach %s", id, want)
}

func (d *daemon) run(req instance.RunRequest) string {
	d.t.Helper()
	req.ImageID, req.InstanceType, req.MinCount, req.MaxCount = catalog.ImageShell, "t3.micro", 1, 1
	res, err := d.svc.Run(context.Background(), acct, req)
	if err != nil {
		d.t.Fatal(err)
	}
	return res.Instances[0].ID
}

func (d *daemon) must(_ any, err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

// scenario runs the same lifecycle on d, calling crash at the points where
// a daemon may die: while running, while stopped, in the middle of a
// graceful stop, after termination. It returns the bill of the first hour.
func scenario(d *daemon, crash func(point string)) []metering.Line {
	t0 := d.clk.Now()
	ctx := context.Background()
	keep := false
	a := d.run(instance.RunRequest{})
	b := d.run(instance.RunRequest{RootDeleteOnTermination: &keep})
	d.wait(a, instance.Running)
	d.wait(b, instance.Running)
	crash("running")

	d.clk.Advance(30 * time.Second) // t=30: a reboot is no new start
	starts := d.fk.CallsFor(a).Start
	if err := d.svc.Reboot(ctx, acct, []string{a}, false); err != nil {
		d.t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); d.fk.CallsFor(a).Start == starts; {
		if time.Now().After(deadline) {
			d.t.Fatal("the reboot did not start the guest again")
		}
		time.Sleep(time.Millisecond)
	}
	d.clk.Advance(30 * time.Second) // t=60
	d.must(d.svc.Stop(ctx, acct, []string{a}, instance.StopRequest{}))
	d.wait(a, instance.Stopped)
	if _, err := d.meter.Bill(ctx, acct, metering.Window{From: t0, To: t0.Add(time.Hour)}); err != nil {
		d.t.Fatal(err) // a bill in the middle reads part of the log
	}
	crash("stopped")

	d.clk.Advance(100 * time.Second) // t=160
	d.fk.Script(a, fake.Behavior{IgnoreTerm: true})
	d.must(d.svc.Start(ctx, acct, []string{a}, false))
	d.wait(a, instance.Running)
	d.clk.Advance(10 * time.Second) // t=170: a graceful stop the guest ignores
	d.must(d.svc.Stop(ctx, acct, []string{a}, instance.StopRequest{}))
	d.wait(a, instance.Stopping)
	crash("stopping")
	d.clk.Advance(30 * time.Second) // t=200: forced
	d.must(d.svc.Stop(ctx, acct, []string{a}, instance.StopRequest{Force: true}))
	d.wait(a, instance.Stopped)

	d.clk.Advance(50 * time.Second) // t=250
	d.fk.Script(a, fake.Behavior{})
	d.must(d.svc.Start(ctx, acct, []string{a}, false))
	d.wait(a, instance.Running)
	d.clk.Advance(5 * time.Second) // t=255
	d.must(d.svc.Terminate(ctx, acct, []string{a, b}, false))
	d.wait(a, instance.Terminated)
	d.wait(b, instance.Terminated)
	crash("terminated")

	d.clk.Set(t0.Add(time.Hour))
	rep, err := d.meter.Bill(ctx, acct, metering.Window{From: t0, To: t0.Add(time.Hour)})
	if err != nil {
		d.t.Fatal(err)
	}
	// Ids are random: name the resources by their role, in a fixed order.
	role := map[string]string{a: "a", b: "b"}
	var out []metering.Line
	for _, who := range []string{a, b} {
		for _, l := range rep.Lines {
			if l.InstanceID != who {
				continue
			}
			l.InstanceID = role[who]
			if l.ResourceID == who {
				l.ResourceID = role[who]
			} else {
				l.ResourceID = role[who] + "-root"
			}
			out = append(out, l)
		}
	}
	if len(out) != len(rep.Lines) {
		d.t.Fatalf("lines of unknown resources: %+v", rep.Lines)
	}
	return out
}

// TestRestartBillsTheSame: a daemon killed at any point and restarted bills
// exactly what a daemon that ran throughout bills, to the nano-dollar.
func TestRestartBillsTheSame(t *testing.T) {
	start := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	steady := newDaemon(t, start)
	want := scenario(steady, func(string) {})

	crashy := newDaemon(t, start)
	var crashed []string
	got := scenario(crashy, func(point string) {
		crashed = append(crashed, point)
		crashy.restart()
	})
	if len(crashed) != 4 {
		t.Fatalf("crashed at %v", crashed)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("bill after restarts differs from the steady daemon's (-restarted +steady):\n%s", diff)
	}

	// And both are right: a ran 0–60 (one start: reboot included), 160–170
	// and 250–255: three starts, each at least a minute. b ran 0–255. a's
	// root volume went at termination (255 s); b's was kept (3600 s).
	type row struct {
		Resource string
		Kind     metering.Kind
		Starts   int
		Seconds  int64
		GBSecond int64
		Amount   string
	}
	var rows []row
	for _, l := range got {
		rows = append(rows, row{l.ResourceID, l.Kind, l.Starts, l.Seconds, l.GBSeconds, l.Amount.String()})
	}
	wantRows := []row{
		{"a", metering.KindCompute, 3, 180, 0, "0.00052"},
		{"a-root", metering.KindStorage, 0, 255, 2040, "0.0000621"},
		{"b", metering.KindCompute, 1, 255, 0, "0.000736667"},
		{"b-root", metering.KindStorage, 0, 3600, 28800, "0.000876712"},
	}
	if diff := cmp.Diff(rows, wantRows); diff != "" {
		t.Errorf("restarted daemon's bill (-got +want):\n%s", diff)
	}
}

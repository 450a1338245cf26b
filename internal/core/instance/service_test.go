package instance

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/driver"
	"strato/internal/driver/fake"
	"strato/internal/errdefs"
)

const acct = "111122223333"

// rig is an engine over an in-memory store and the fake driver, on a fake clock.
type rig struct {
	t   *testing.T
	clk *clock.Fake
	drv driver.Driver
	fk  *fake.Driver
	st  *memStore
	svc *Service
	cfg Config
}

func newRig(t *testing.T, mods ...func(*Config)) *rig {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC))
	fk := fake.New(clk)
	r := &rig{t: t, clk: clk, drv: fk, fk: fk, st: newMemStore()}
	r.cfg = Config{Store: r.st, Driver: fk, Clock: clk, Catalog: catalog.New("us-east-1"),
		StopTimeout: 2 * time.Minute, ResyncInterval: time.Hour}
	for _, m := range mods {
		m(&r.cfg)
	}
	r.drv = r.cfg.Driver
	r.open()
	return r
}

func (r *rig) open() {
	r.t.Helper()
	r.cfg.Store, r.cfg.Driver = r.st, r.drv
	svc, err := New(r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := svc.Open(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.svc = svc
	r.t.Cleanup(svc.Close)
}

// restart simulates a daemon restart: the engine goes away, the workloads
// stay, a new engine opens the same store with a new driver over them.
func (r *rig) restart() {
	r.svc.Close()
	r.fk = r.fk.Restart()
	r.drv = r.fk
	r.open()
}

// in returns the rig reporting to t (for subtests).
func (r *rig) in(t *testing.T) *rig {
	c := *r
	c.t = t
	return &c
}

// advanceUntil moves the fake clock by step until the instance reaches want
// (goroutines register their timers asynchronously).
func (r *rig) advanceUntil(id string, want State, step time.Duration) *Instance {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if in := r.get(id); in.State == want {
			return in
		}
		r.clk.Advance(step)
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s is %s, want %s", id, r.get(id).State, want)
	return nil
}

func (r *rig) runOne(req RunRequest) string {
	r.t.Helper()
	if req.ImageID == "" {
		req.ImageID = catalog.ImageShell
	}
	if req.InstanceType == "" {
		req.InstanceType = "t3.micro"
	}
	if req.MinCount == 0 {
		req.MinCount, req.MaxCount = 1, 1
	}
	res, err := r.svc.Run(context.Background(), acct, req)
	if err != nil {
		r.t.Fatalf("Run: %v", err)
	}
	return res.Instances[0].ID
}

func (r *rig) get(id string) *Instance {
	r.t.Helper()
	in, err := r.svc.Get(context.Background(), acct, id)
	if err != nil {
		r.t.Fatalf("Get(%s): %v", id, err)
	}
	return in
}

// wait polls (real time) until the instance is in state want.
func (r *rig) wait(id string, want State) *Instance {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if in := r.get(id); in.State == want {
			return in
		}
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s is %s, want %s", id, r.get(id).State, want)
	return nil
}

// stays asserts that the instance is still in state want after a while.
func (r *rig) stays(id string, want State) {
	r.t.Helper()
	time.Sleep(20 * time.Millisecond)
	if got := r.get(id).State; got != want {
		r.t.Fatalf("%s is %s, want it still %s", id, got, want)
	}
}

func (r *rig) running(req RunRequest) string {
	id := r.runOne(req)
	r.wait(id, Running)
	return id
}

func wantErr(t *testing.T, err error, kind errdefs.Kind, res errdefs.Resource) *errdefs.Error {
	t.Helper()
	var e *errdefs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want %v/%q", err, kind, res)
	}
	if e.Kind != kind || e.Resource != res {
		t.Fatalf("error = %v/%q (%q), want %v/%q", e.Kind, e.Resource, e.Public, kind, res)
	}
	return e
}

func TestRunBootsToRunning(t *testing.T) {
	r := newRig(t)
	res, err := r.svc.Run(context.Background(), acct, RunRequest{ImageID: catalog.ImageShell, InstanceType: "t3.micro",
		MinCount: 2, MaxCount: 3, Tags: []Tag{{"Name", "web"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Instances) != 3 {
		t.Fatalf("launched %d instances, want MaxCount 3", len(res.Instances))
	}
	for i, in := range res.Instances {
		if in.State != Pending || in.LaunchIndex != i || in.ReservationID != res.ID {
			t.Errorf("instance %d: state %s index %d reservation %s", i, in.State, in.LaunchIndex, in.ReservationID)
		}
		if !regexp.MustCompile(`^i-[0-9a-f]{17}$`).MatchString(in.ID) {
			t.Errorf("id %q is not EC2-shaped", in.ID)
		}
		got := r.wait(in.ID, Running)
		if !got.EverRan || got.PublicIP == "" || got.PrivateIP == "" || got.Handle == nil || got.StateReason != nil {
			t.Errorf("running instance lacks facts: %+v", got)
		}
		if v, _ := got.TagValue("Name"); v != "web" {
			t.Errorf("tag Name = %q", v)
		}
	}
	evs, _ := r.st.Events(context.Background(), 0, res.Instances[0].ID, 0)
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Type+":"+string(e.From)+">"+string(e.To))
	}
	if diff := cmp.Diff(kinds, []string{"created:>pending", "state:pending>running"}); diff != "" {
		t.Errorf("events (-got +want):\n%s", diff)
	}
}

func TestStopStartKeepsPrivateIPChangesPublicIP(t *testing.T) {
	r := newRig(t)
	id := r.running(RunRequest{})
	before := r.get(id)
	ch, err := r.svc.Stop(context.Background(), acct, []string{id}, StopRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ch, []StateChange{{id, Running, Stopping}}); diff != "" {
		t.Fatalf("stop changes (-got +want):\n%s", diff)
	}
	st := r.wait(id, Stopped)
	if st.PublicIP != "" {
		t.Errorf("stopped instance keeps public IP %s", st.PublicIP)
	}
	if st.StateReason == nil || st.StateReason.Code != "Client.UserInitiatedShutdown" {
		t.Errorf("state reason = %+v", st.StateReason)
	}
	if !regexp.MustCompile(`^User initiated \(2026-11-22 20:00:00 GMT\)$`).MatchString(st.StateTransitionReason) {
		t.Errorf("transition reason = %q", st.StateTransitionReason)
	}
	// Stopping a stopped instance succeeds unchanged.
	ch, err = r.svc.Stop(context.Background(), acct, []string{id}, StopRequest{})
	if err != nil || !cmp.Equal(ch, []StateChange{{id, Stopped, Stopped}}) {
		t.Fatalf("second stop = %v, %v", ch, err)
	}
	ch, err = r.svc.Start(context.Background(), acct, []string{id}, false)
	if err != nil || !cmp.Equal(ch, []StateChange{{id, Stopped, Pending}}) {
		t.Fatalf("start = %v, %v", ch, err)
	}
	after := r.wait(id, Running)
	if after.PrivateIP != before.PrivateIP {
		t.Errorf("private IP changed %s → %s", before.PrivateIP, after.PrivateIP)
	}
	if after.PublicIP == before.PublicIP || after.PublicIP == "" {
		t.Errorf("public IP %q after start, was %q: must change", after.PublicIP, before.PublicIP)
	}
	// Starting a running instance succeeds unchanged.
	ch, err = r.svc.Start(context.Background(), acct, []string{id}, false)
	if err != nil || !cmp.Equal(ch, []StateChange{{id, Running, Running}}) {
		t.Fatalf("start of running = %v, %v", ch, err)
	}
}

func TestStopRules(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	good := r.running(RunRequest{})

	t.Run("batch fails whole on an unknown id", func(t *testing.T) {
		r := r.in(t)
		_, err := r.svc.Stop(ctx, acct, []string{good, "i-0123456789abcdef0", "i-0123456789abcdef1"}, StopRequest{})
		e := wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
		if e.ID != "i-0123456789abcdef0, i-0123456789abcdef1" {
			t.Errorf("NotFound names %q", e.ID)
		}
		r.stays(good, Running)
	})
	t.Run("another account's instance is not found", func(t *testing.T) {
		r := r.in(t)
		_, err := r.svc.Stop(ctx, "999999999999", []string{good}, StopRequest{})
		wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
		r.stays(good, Running)
	})
	t.Run("dry run", func(t *testing.T) {
		r := r.in(t)
		_, err := r.svc.Stop(ctx, acct, []string{good}, StopRequest{DryRun: true})
		wantErr(t, err, errdefs.DryRun, errdefs.ResNone)
		r.stays(good, Running)
	})
	t.Run("hibernate without hibernation configured", func(t *testing.T) {
		_, err := r.svc.Stop(ctx, acct, []string{good}, StopRequest{Hibernate: true})
		wantErr(t, err, errdefs.Unsupported, errdefs.ResHibernation)
	})
	t.Run("disableApiStop", func(t *testing.T) {
		r := r.in(t)
		id := r.running(RunRequest{DisableAPIStop: true})
		_, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{})
		wantErr(t, err, errdefs.PermissionDenied, errdefs.ResProtection)
		r.stays(id, Running)
	})
	t.Run("instance-store root", func(t *testing.T) {
		r := r.in(t)
		id := r.running(RunRequest{ImageID: catalog.ImageShellInstanceStore})
		_, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{})
		wantErr(t, err, errdefs.Unsupported, errdefs.ResNone)
	})
	t.Run("one-time spot", func(t *testing.T) {
		r := r.in(t)
		id := r.running(RunRequest{Spot: true})
		_, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{})
		wantErr(t, err, errdefs.Unsupported, errdefs.ResNone)
		pid := r.running(RunRequest{Spot: true, SpotType: "persistent"})
		if _, err := r.svc.Stop(ctx, acct, []string{pid}, StopRequest{}); err != nil {
			t.Errorf("persistent spot stop: %v", err)
		}
	})
	t.Run("pending never reached running", func(t *testing.T) {
		r := r.in(t)
		r.fk.SetDefault(fake.Behavior{StartDelay: time.Hour})
		defer r.fk.SetDefault(fake.Behavior{})
		id := r.runOne(RunRequest{})
		_, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{})
		e := wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
		if e.Public != "The instance '"+id+"' cannot be stopped as it has never reached the 'running' state." {
			t.Errorf("message %q", e.Public)
		}
		r.advanceUntil(id, Running, time.Hour)
	})
	t.Run("terminated", func(t *testing.T) {
		r := r.in(t)
		id := r.running(RunRequest{})
		if _, err := r.svc.Terminate(ctx, acct, []string{id}, false); err != nil {
			t.Fatal(err)
		}
		r.wait(id, Terminated)
		_, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{})
		wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
	})
}

func TestGracefulStopKillsAfterTimeout(t *testing.T) {
	r := newRig(t, func(c *Config) { c.StopTimeout = 30 * time.Second; c.SignalInterval = 10 * time.Second })
	id := r.runOne(RunRequest{})
	r.fk.Script(id, fake.Behavior{IgnoreTerm: true})
	r.wait(id, Running)
	if _, err := r.svc.Stop(context.Background(), acct, []string{id}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.stays(id, Stopping)
	for range 2 {
		r.clk.Advance(10 * time.Second)
		r.stays(id, Stopping)
	}
	r.clk.Advance(10 * time.Second)
	r.wait(id, Stopped)
	c := r.fk.CallsFor(id)
	if c.Signals != 3 || c.Kills != 1 {
		t.Errorf("signals %d kills %d; want 3 SIGTERMs (t=0,10,20s) and one kill at 30s", c.Signals, c.Kills)
	}
}

func TestForceOvertakesGracefulStop(t *testing.T) {
	r := newRig(t)
	id := r.runOne(RunRequest{})
	r.fk.Script(id, fake.Behavior{IgnoreTerm: true})
	r.wait(id, Running)
	if _, err := r.svc.Stop(context.Background(), acct, []string{id}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.stays(id, Stopping)
	ch, err := r.svc.Stop(context.Background(), acct, []string{id}, StopRequest{Force: true})
	if err != nil || !cmp.Equal(ch, []StateChange{{id, Stopping, Stopping}}) {
		t.Fatalf("force stop = %v, %v", ch, err)
	}
	r.wait(id, Stopped) // without advancing the clock: no grace period ran out
	if c := r.fk.CallsFor(id); c.ForceStop != 1 {
		t.Errorf("force stops = %d, want 1", c.ForceStop)
	}
}

func TestGuestShutdown(t *testing.T) {
	for _, tc := range []struct {
		behavior string
		want     State
	}{{"stop", Stopped}, {"terminate", Terminated}} {
		t.Run(tc.behavior, func(t *testing.T) {
			r := newRig(t)
			id := r.running(RunRequest{ShutdownBehavior: tc.behavior})
			if err := r.fk.Exit(id, 0); err != nil {
				t.Fatal(err)
			}
			in := r.wait(id, tc.want)
			if in.StateReason == nil || in.StateReason.Code != "Client.InstanceInitiatedShutdown" {
				t.Errorf("state reason = %+v", in.StateReason)
			}
		})
	}
}

func TestTerminateDeletesVolumesPerDeleteOnTermination(t *testing.T) {
	r := newRig(t)
	keep := false
	a := r.running(RunRequest{})
	b := r.running(RunRequest{RootDeleteOnTermination: &keep})
	volA, volB := r.get(a).Volumes[0].ID, r.get(b).Volumes[0].ID
	ch, err := r.svc.Terminate(context.Background(), acct, []string{a, b}, false)
	if err != nil || len(ch) != 2 || ch[0].Current != ShuttingDown {
		t.Fatalf("terminate = %v, %v", ch, err)
	}
	in := r.wait(a, Terminated)
	r.wait(b, Terminated)
	if in.PublicIP != "" || in.TerminatedAt.IsZero() {
		t.Errorf("terminated instance: public %q terminatedAt %v", in.PublicIP, in.TerminatedAt)
	}
	if r.fk.VolumeExists(volA) {
		t.Error("root volume with DeleteOnTermination survived terminate")
	}
	if !r.fk.VolumeExists(volB) {
		t.Error("root volume without DeleteOnTermination was deleted")
	}
	// Terminating again is unchanged.
	ch, err = r.svc.Terminate(context.Background(), acct, []string{a}, false)
	if err != nil || !cmp.Equal(ch, []StateChange{{a, Terminated, Terminated}}) {
		t.Fatalf("second terminate = %v, %v", ch, err)
	}
}

func TestTerminatedRetention(t *testing.T) {
	r := newRig(t, func(c *Config) { c.TerminatedRetention = time.Hour; c.ResyncInterval = time.Minute })
	id := r.running(RunRequest{})
	if _, err := r.svc.Terminate(context.Background(), acct, []string{id}, false); err != nil {
		t.Fatal(err)
	}
	r.wait(id, Terminated)
	r.clk.Advance(59 * time.Minute)
	if _, err := r.svc.Get(context.Background(), acct, id); err != nil {
		t.Fatalf("terminated instance gone before its hour: %v", err)
	}
	r.clk.Advance(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := r.svc.Get(context.Background(), acct, id); err != nil {
			wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
			if n := len(r.st.insts); n != 0 {
				t.Errorf("store still holds %d instances after purge", n)
			}
			return
		}
		r.clk.Advance(time.Minute)
		time.Sleep(time.Millisecond)
	}
	t.Fatal("terminated instance still visible after its retention")
}

func TestHibernateFallsBackWithoutDriverSupport(t *testing.T) {
	r := newRig(t)
	id := r.running(RunRequest{Hibernation: true})
	if _, err := r.svc.Stop(context.Background(), acct, []string{id}, StopRequest{Hibernate: true}); err != nil {
		t.Fatal(err)
	}
	in := r.wait(id, Stopped)
	if in.Hibernated {
		t.Error("instance claims hibernation on a driver that cannot keep RAM")
	}
	if c := r.fk.CallsFor(id); c.Hibernate != 0 || c.Stop == 0 {
		t.Errorf("calls %+v: want a normal stop", c)
	}
}

func TestHibernateWithDriverSupport(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC))
	hd := fake.NewHibernating(clk)
	r := newRig(t, func(c *Config) { c.Clock = clk; c.Driver = hd })
	r.clk, r.fk = clk, hd.Driver
	id := r.running(RunRequest{Hibernation: true})
	if _, err := r.svc.Stop(context.Background(), acct, []string{id}, StopRequest{Hibernate: true}); err != nil {
		t.Fatal(err)
	}
	in := r.wait(id, Stopped)
	if !in.Hibernated || in.StateReason.Code != "Client.UserInitiatedHibernate" {
		t.Errorf("hibernated %v reason %+v", in.Hibernated, in.StateReason)
	}
	if c := hd.CallsFor(id); c.Hibernate != 1 {
		t.Errorf("hibernate calls = %d", c.Hibernate)
	}
}

func TestLaunchFailureTerminates(t *testing.T) {
	r := newRig(t)
	r.fk.SetDefault(fake.Behavior{StartErr: errors.New("no room")})
	id := r.runOne(RunRequest{})
	in := r.wait(id, Terminated)
	if in.StateReason == nil || in.StateReason.Code != "Server.InternalError" {
		t.Errorf("reason = %+v", in.StateReason)
	}
}

func TestModifyOnlyWhileStopped(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id := r.running(RunRequest{})
	typ := "m5.large"
	err := r.svc.Modify(ctx, acct, id, Attributes{InstanceType: &typ}, false)
	wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
	yes := true
	if err := r.svc.Modify(ctx, acct, id, Attributes{DisableAPITermination: &yes}, false); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.Terminate(ctx, acct, []string{id}, false)
	wantErr(t, err, errdefs.PermissionDenied, errdefs.ResProtection)
	if _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.wait(id, Stopped)
	bad := "t9.huge"
	wantErr(t, r.svc.Modify(ctx, acct, id, Attributes{InstanceType: &bad}, false), errdefs.InvalidArgument, errdefs.ResInstanceType)
	if err := r.svc.Modify(ctx, acct, id, Attributes{InstanceType: &typ}, false); err != nil {
		t.Fatal(err)
	}
	if got := r.get(id).InstanceType; got != typ {
		t.Errorf("type = %s", got)
	}
}

func TestClientTokenIdempotency(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	req := RunRequest{ImageID: catalog.ImageShell, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, ClientToken: "tok-1"}
	a, err := r.svc.Run(ctx, acct, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.svc.Run(ctx, acct, req)
	if err != nil || b.ID != a.ID || b.Instances[0].ID != a.Instances[0].ID {
		t.Fatalf("retry gave %+v, %v; want reservation %s again", b, err, a.ID)
	}
	req.InstanceType = "m5.large"
	_, err = r.svc.Run(ctx, acct, req)
	wantErr(t, err, errdefs.AlreadyExists, errdefs.ResClientToken)
	// The same token in another account is a new request.
	if _, err := r.svc.Run(ctx, "999999999999", req); err != nil {
		t.Fatal(err)
	}
}

func TestRunValidation(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		name string
		req  RunRequest
		kind errdefs.Kind
		res  errdefs.Resource
	}{
		{"unknown image", RunRequest{ImageID: "ami-00000000000000fff", MinCount: 1, MaxCount: 1}, errdefs.NotFound, errdefs.ResImage},
		{"unknown type", RunRequest{ImageID: catalog.ImageShell, InstanceType: "t9.huge", MinCount: 1, MaxCount: 1}, errdefs.InvalidArgument, errdefs.ResInstanceType},
		{"min > max", RunRequest{ImageID: catalog.ImageShell, MinCount: 3, MaxCount: 2}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"zero count", RunRequest{ImageID: catalog.ImageShell}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"bad zone", RunRequest{ImageID: catalog.ImageShell, MinCount: 1, MaxCount: 1, AvailabilityZone: "mars-1a"}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"hibernation on instance-store type", RunRequest{ImageID: catalog.ImageShell, InstanceType: "m5d.large", MinCount: 1, MaxCount: 1, Hibernation: true}, errdefs.Unsupported, errdefs.ResHibernation},
		{"reserved tag", RunRequest{ImageID: catalog.ImageShell, MinCount: 1, MaxCount: 1, Tags: []Tag{{"aws:x", "y"}}}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"over the limit", RunRequest{ImageID: catalog.ImageShell, MinCount: 1001, MaxCount: 1001}, errdefs.LimitExceeded, errdefs.ResInstanceLimit},
		{"dry run", RunRequest{ImageID: catalog.ImageShell, MinCount: 1, MaxCount: 1, DryRun: true}, errdefs.DryRun, errdefs.ResNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.svc.Run(context.Background(), acct, tc.req)
			wantErr(t, err, tc.kind, tc.res)
		})
	}
	if n := len(r.st.insts); n != 0 {
		t.Errorf("failed launches stored %d instances", n)
	}
}

func TestDescribeFiltersAndPages(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var ids []string
	for i := range 7 {
		typ := "t3.micro"
		if i%2 == 1 {
			typ = "m5.large"
		}
		ids = append(ids, r.runOne(RunRequest{InstanceType: typ, Tags: []Tag{{"n", string(rune('a' + i))}}}))
	}
	for _, id := range ids {
		r.wait(id, Running)
	}
	r.runOne(RunRequest{}) // another instance of the same account, filtered out below
	other, _ := r.svc.Run(ctx, "999999999999", RunRequest{ImageID: catalog.ImageShell, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1})

	var got []string
	tok := ""
	for {
		page, next, err := r.svc.Describe(ctx, acct, Query{MaxResults: 2, NextToken: tok,
			Filters: []Filter{{Field: FieldTagKey, Values: []string{"n"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d > MaxResults", len(page))
		}
		for _, in := range page {
			got = append(got, in.ID)
		}
		if next == "" {
			break
		}
		tok = next
	}
	if diff := cmp.Diff(got, ids); diff != "" {
		t.Errorf("paged ids (-got +want):\n%s", diff)
	}
	m5, _, _ := r.svc.Describe(ctx, acct, Query{Filters: []Filter{{Field: FieldInstanceType, Values: []string{"m5.*"}},
		{Field: FieldStateCode, Values: []string{"16"}}}})
	if len(m5) != 3 {
		t.Errorf("m5.* running = %d, want 3", len(m5))
	}
	tagged, _, _ := r.svc.Describe(ctx, acct, Query{Filters: []Filter{{Field: FieldTag, Key: "n", Values: []string{"c", "e"}}}})
	if len(tagged) != 2 || tagged[0].ID != ids[2] || tagged[1].ID != ids[4] {
		t.Errorf("tag:n in (c,e) = %v", tagged)
	}
	_, _, err := r.svc.Describe(ctx, acct, Query{IDs: []string{ids[0], other.Instances[0].ID}})
	e := wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
	if e.ID != other.Instances[0].ID {
		t.Errorf("NotFound names %q, want only the other account's instance", e.ID)
	}
	_, _, err = r.svc.Describe(ctx, acct, Query{NextToken: "garbage!"})
	wantErr(t, err, errdefs.InvalidArgument, errdefs.ResPageToken)
}

func TestTags(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id := r.running(RunRequest{Tags: []Tag{{"env", "dev"}}})
	vol := r.get(id).Volumes[0].ID
	if err := r.svc.CreateTags(ctx, acct, []string{id, vol}, []Tag{{"team", "a"}, {"env", "prod"}}, false); err != nil {
		t.Fatal(err)
	}
	tags, _, err := r.svc.DescribeTags(ctx, acct, nil, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []TagDescription{{id, "instance", "env", "prod"}, {id, "instance", "team", "a"},
		{vol, "volume", "env", "prod"}, {vol, "volume", "team", "a"}}
	slices.SortFunc(want, func(a, b TagDescription) int {
		if a.ResourceID != b.ResourceID {
			return map[bool]int{true: -1, false: 1}[a.ResourceID < b.ResourceID]
		}
		return map[bool]int{true: -1, false: 1}[a.Key < b.Key]
	})
	if diff := cmp.Diff(tags, want); diff != "" {
		t.Errorf("tags (-got +want):\n%s", diff)
	}
	dev := "dev"
	if err := r.svc.DeleteTags(ctx, acct, []string{id}, []TagRef{{Key: "env", Value: &dev}, {Key: "team"}}, false); err != nil {
		t.Fatal(err)
	}
	if got := r.get(id).Tags; !cmp.Equal(got, []Tag{{"env", "prod"}}) {
		t.Errorf("after delete: %v (a value that does not match must not delete)", got)
	}
	err = r.svc.CreateTags(ctx, acct, []string{"i-0123456789abcdef0"}, []Tag{{"a", "b"}}, false)
	wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
	many := make([]Tag, 50)
	for i := range many {
		many[i] = Tag{Key: string(rune('A' + i)), Value: "v"}
	}
	err = r.svc.CreateTags(ctx, acct, []string{id}, many, false)
	wantErr(t, err, errdefs.LimitExceeded, errdefs.ResTag)
	_, _, err = r.svc.DescribeTags(ctx, acct, []TagFilter{{Field: "colour"}}, 0, "")
	wantErr(t, err, errdefs.InvalidArgument, errdefs.ResFilter)
}

func TestRestartRecovery(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	running := r.running(RunRequest{})
	exited := r.running(RunRequest{})
	stopping := r.runOne(RunRequest{})
	r.fk.Script(stopping, fake.Behavior{IgnoreTerm: true})
	r.wait(stopping, Running)
	if _, err := r.svc.Stop(ctx, acct, []string{stopping}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.stays(stopping, Stopping)

	r.svc.Close()
	old := r.fk
	r.fk = old.Restart()
	r.drv = r.fk
	// While the daemon is away, one guest shuts down; the daemon comes
	// back ten minutes later. A supervisor (the sandbox's shim) recorded
	// when the guest ended.
	r.fk.SetSupervised(true)
	exitedAt := r.clk.Now()
	if err := r.fk.Exit(exited, 0); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(10 * time.Minute)
	r.open()

	r.stays(running, Running)
	in := r.wait(exited, Stopped)
	if in.StateReason == nil || in.StateReason.Code != "Client.InstanceInitiatedShutdown" {
		t.Errorf("exited-while-away reason = %+v", in.StateReason)
	}
	// The event that records the end says when the guest really ended, so
	// metering does not bill the ten minutes nobody watched.
	evs, _ := r.st.Events(ctx, 0, exited, 0)
	found := false
	for _, ev := range evs {
		if ev.From == Running && ev.To == Stopping {
			found = true
			if got := ev.Detail[DetailGuestExitedAt]; got != exitedAt.UTC().Format(time.RFC3339Nano) {
				t.Errorf("guest end recorded as %q, want %s", got, exitedAt.UTC().Format(time.RFC3339Nano))
			}
		}
	}
	if !found {
		t.Error("no running → stopping event for the guest that ended while away")
	}
	// The interrupted stop resumes and can be finished by Force.
	r.stays(stopping, Stopping)
	if _, err := r.svc.Stop(ctx, acct, []string{stopping}, StopRequest{Force: true}); err != nil {
		t.Fatal(err)
	}
	r.wait(stopping, Stopped)
	// The recovered running instance is still fully controllable.
	if _, err := r.svc.Stop(ctx, acct, []string{running}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.wait(running, Stopped)
	if c := r.fk.Calls(); c.Recover < 3 {
		t.Errorf("recover calls = %d, want one per live instance", c.Recover)
	}
}

func TestConcurrentOperationsAreSerialised(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id := r.running(RunRequest{})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				_, _ = r.svc.Stop(ctx, acct, []string{id}, StopRequest{})
			case 1:
				_, _ = r.svc.Start(ctx, acct, []string{id}, false)
			case 2:
				_ = r.svc.Reboot(ctx, acct, []string{id}, false)
			default:
				_, _, _ = r.svc.Describe(ctx, acct, Query{IDs: []string{id}})
			}
		}()
	}
	wg.Wait()
	if !r.svc.settle(5 * time.Second) {
		t.Fatal("workers did not settle")
	}
	in := r.get(id)
	if in.State != Running && in.State != Stopped {
		t.Fatalf("settled in %s", in.State)
	}
	// Every recorded event must follow the table.
	evs, _ := r.st.Events(ctx, 0, id, 0)
	for _, e := range evs {
		if e.Type != EventState {
			continue
		}
		ok := false
		for _, op := range append(append([]Op{}, UserOps...), InternalOps...) {
			if next, unchanged, allowed := Next(op, e.From); allowed && !unchanged && next == e.To {
				ok = true
			}
		}
		if !ok {
			t.Errorf("event %s → %s is not in the transition table", e.From, e.To)
		}
	}
}

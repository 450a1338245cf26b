package metering

import (
	"maps"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
)

// t0 is the start of the window most cases bill.
var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// at is t0 plus sec seconds.
func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// step is one synthetic lifecycle event.
type step struct {
	sec      float64
	typ      string
	from, to instance.State
	kv       []string
}

func created(sec float64) step {
	return step{sec: sec, typ: instance.EventCreated, to: instance.Pending}
}
func reboot(sec float64) step {
	return step{sec: sec, typ: instance.EventReboot, from: instance.Running, to: instance.Running}
}
func serving(sec float64) step {
	return step{sec: sec, typ: instance.EventServing, from: instance.Running, to: instance.Running}
}
func st(sec float64, from, to instance.State, kv ...string) step {
	return step{sec: sec, typ: instance.EventState, from: from, to: to, kv: kv}
}

// Shorthands for the states.
const (
	pending  = instance.Pending
	running  = instance.Running
	stopping = instance.Stopping
	stopped  = instance.Stopped
	shutting = instance.ShuttingDown
	termd    = instance.Terminated
)

// events builds the log of one instance: base detail (as eventDetail writes
// it) on created, state and reboot events, plus each step's own.
func events(id string, base []string, steps ...step) []instance.Event {
	var out []instance.Event
	for i, s := range steps {
		d := map[string]string{}
		for j := 0; j+1 < len(base); j += 2 {
			d[base[j]] = base[j+1]
		}
		for j := 0; j+1 < len(s.kv); j += 2 {
			d[s.kv[j]] = s.kv[j+1]
		}
		out = append(out, instance.Event{Seq: int64(i + 1), Time: at(s.sec), InstanceID: id, AccountID: "111122223333",
			Type: s.typ, From: s.from, To: s.to, Detail: maps.Clone(d)})
	}
	return out
}

var (
	linux   = []string{"instanceType", "t3.micro", "imageId", "ami-0000000000000000a", "volumes", "vol-1:8:dot"}
	windows = []string{"instanceType", "t3.micro", "imageId", "ami-0000000000000000c", "platform", "windows", "volumes", "vol-1:30:dot"}
	keptVol = []string{"instanceType", "t3.micro", "volumes", "vol-1:8"}
	ecs     = []string{"api", "ecs", "instanceType", "ecs.n4.small", "volumes", "vol-1:8:dot"}
	nb      = []string{"api", "sagemaker", "instanceType", "ml.t3.medium"}
	scratch = []string{"instanceType", "m5d.large", "volumes", "vol-1:8:dot,vol-2:75:dot+scratch"}
)

// boot is a launch that reaches running at sec.
func boot(sec float64) []step { return []step{created(sec), st(sec, pending, running)} }

// stopAt stops a running instance at sec (the guest ends at once).
func stopAt(sec float64, kv ...string) []step {
	return []step{st(sec, running, stopping, kv...), st(sec, stopping, stopped)}
}

// startAt starts a stopped instance that reaches running at sec+5.
func startAt(sec float64) []step {
	return []step{st(sec, stopped, pending), st(sec+5, pending, running)}
}

func seq(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// row is the part of a line the cases check.
type row struct {
	Resource  string
	Kind      Kind
	Starts    int
	Seconds   int64
	GBSeconds int64
	Amount    string
}

func rows(r Report) []row {
	var out []row
	for _, l := range r.Lines {
		out = append(out, row{l.ResourceID, l.Kind, l.Starts, l.Seconds, l.GBSeconds, l.Amount.String()})
	}
	return out
}

var testPricer = Pricer{Prices: DefaultPrices(), VCPUs: func(t string) int {
	if it, ok := catalog.New("us-east-1").InstanceType(t); ok {
		return it.VCPUs
	}
	return 1
}}

func TestBillRules(t *testing.T) {
	hour := Window{From: t0, To: t0.Add(time.Hour)}
	for _, tc := range []struct {
		name   string
		events []instance.Event
		w      Window
		now    float64
		want   []row
	}{
		{
			name:   "stop after 10 s is billed 60 s",
			events: events("i-1", linux, seq(boot(0), stopAt(10))...),
			now:    100,
			want: []row{
				{"i-1", KindCompute, 1, 60, 0, "0.000173333"},
				{"vol-1", KindStorage, 0, 100, 800, "0.000024353"},
			},
		},
		{
			// The guest powered off at 300 s while the daemon was down;
			// the daemon noticed at 3000 s. Compute ends at 300 s.
			name: "a guest that ended while nobody watched is billed to its own end",
			events: events("i-1", linux, seq(boot(0),
				[]step{st(3000, running, stopping, instance.DetailGuestExitedAt, at(300).Format(time.RFC3339Nano)), st(3000, stopping, stopped)})...),
			now: 3600,
			want: []row{
				{"i-1", KindCompute, 1, 300, 0, "0.000866667"},
				{"vol-1", KindStorage, 0, 3600, 28800, "0.000876712"},
			},
		},
		{
			// A recorded end outside the open run (before its start, or
			// after the event) is not believed.
			name: "an implausible guest end time is ignored",
			events: events("i-1", linux, seq(boot(100),
				[]step{st(400, running, stopping, instance.DetailGuestExitedAt, at(50).Format(time.RFC3339Nano)), st(400, stopping, stopped)})...),
			now: 3600,
			want: []row{
				{"i-1", KindCompute, 1, 300, 0, "0.000866667"},
				{"vol-1", KindStorage, 0, 3500, 28000, "0.000852359"},
			},
		},
		{
			name:   "two starts inside one minute are two minimums",
			events: events("i-1", linux, seq(boot(0), stopAt(10), startAt(20), stopAt(35))...),
			now:    100,
			want: []row{
				{"i-1", KindCompute, 2, 120, 0, "0.000346667"},
				{"vol-1", KindStorage, 0, 100, 800, "0.000024353"},
			},
		},
		{
			name:   "a reboot is not a start",
			events: events("i-1", linux, seq(boot(0), []step{reboot(20), reboot(40)}, stopAt(50))...),
			now:    100,
			want: []row{
				{"i-1", KindCompute, 1, 60, 0, "0.000173333"},
				{"vol-1", KindStorage, 0, 100, 800, "0.000024353"},
			},
		},
		{
			name:   "after the minimum, per second",
			events: events("i-1", linux, seq(boot(0), []step{reboot(30)}, stopAt(90))...),
			now:    100,
			want: []row{
				{"i-1", KindCompute, 1, 90, 0, "0.00026"},
				{"vol-1", KindStorage, 0, 100, 800, "0.000024353"},
			},
		},
		{
			name:   "a begun second is a billed second; open compute counts until now",
			events: events("i-1", linux, boot(0)...),
			now:    90.5,
			want: []row{
				{"i-1", KindCompute, 1, 91, 0, "0.000262889"},
				{"vol-1", KindStorage, 0, 91, 728, "0.000022161"},
			},
		},
		{
			name:   "a Windows start is billed one hour",
			events: events("i-1", windows, seq(boot(0), stopAt(600))...),
			now:    600,
			want: []row{
				{"i-1", KindCompute, 1, 3600, 0, "0.0196"},
				{"vol-1", KindStorage, 0, 600, 18000, "0.000547945"},
			},
		},
		{
			name:   "a Windows restart within the hour begins another hour",
			events: events("i-1", windows, seq(boot(0), stopAt(600), startAt(700), stopAt(800))...),
			now:    600,
			want: []row{
				{"i-1", KindCompute, 1, 3600, 0, "0.0196"},
				{"vol-1", KindStorage, 0, 600, 18000, "0.000547945"},
			},
		},
		{
			name:   "a Windows restart within the hour begins another hour (later)",
			events: events("i-1", windows, seq(boot(0), stopAt(600), startAt(700), stopAt(800))...),
			now:    800,
			want: []row{
				{"i-1", KindCompute, 2, 7200, 0, "0.0392"},
				{"vol-1", KindStorage, 0, 800, 24000, "0.000730594"},
			},
		},
		{
			name:   "storage accrues while stopped and ends at terminate",
			events: events("i-1", linux, seq(boot(0), stopAt(100), []step{st(1100, stopped, shutting), st(1100, shutting, termd, "deletedVolumes", "vol-1")})...),
			now:    3000,
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.000288889"},
				{"vol-1", KindStorage, 0, 1100, 8800, "0.000267884"},
			},
		},
		{
			name:   "a volume kept at termination keeps accruing",
			events: events("i-1", keptVol, seq(boot(0), stopAt(100), []step{st(1100, stopped, shutting), st(1100, shutting, termd, "keptVolumes", "vol-1")})...),
			now:    5000,
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.000288889"},
				{"vol-1", KindStorage, 0, 3600, 28800, "0.000876712"}, // clipped to the window
			},
		},
		{
			name:   "instance store is part of the instance price",
			events: events("i-1", scratch, seq(boot(0), []step{st(100, running, shutting), st(100, shutting, termd, "deletedVolumes", "vol-1,vol-2")})...),
			now:    200,
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.003138889"},
				{"vol-1", KindStorage, 0, 100, 800, "0.000024353"},
			},
		},
		{
			name:   "a hibernating stop is charged while stopping",
			events: events("i-1", linux, seq(boot(0), []step{st(100, running, stopping, "hibernate", "true"), st(130, stopping, stopped)})...),
			now:    200,
			want: []row{
				{"i-1", KindCompute, 1, 130, 0, "0.000375556"},
				{"vol-1", KindStorage, 0, 200, 1600, "0.000048706"},
			},
		},
		{
			name:   "a normal stop is not charged while stopping",
			events: events("i-1", linux, seq(boot(0), []step{st(100, running, stopping), st(130, stopping, stopped)})...),
			now:    200,
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.000288889"},
				{"vol-1", KindStorage, 0, 200, 1600, "0.000048706"},
			},
		},
		{
			name:   "ECS StopCharging stops compute",
			events: events("i-1", ecs, seq(boot(0), stopAt(100, "stoppedMode", StopCharging), startAt(395))...),
			now:    398, // pending again: no compute yet
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.002777778"},
				{"vol-1", KindStorage, 0, 398, 3184, "0.000096925"},
			},
		},
		{
			name:   "ECS KeepCharging keeps a reservation until the next start",
			events: events("i-1", ecs, seq(boot(0), stopAt(100, "stoppedMode", KeepCharging), startAt(395))...),
			now:    398, // pending again: no compute yet
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.002777778"},
				{"i-1", KindReservation, 0, 295, 0, "0.008194444"},
				{"vol-1", KindStorage, 0, 398, 3184, "0.000096925"},
			},
		},
		{
			name:   "ECS KeepCharging stated on the stopped event",
			events: events("i-1", ecs, seq(boot(0), []step{st(100, running, stopping), st(100, stopping, stopped, "stoppedMode", KeepCharging), st(400, stopped, shutting)})...),
			now:    500,
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.002777778"},
				{"i-1", KindReservation, 0, 300, 0, "0.008333333"},
				{"vol-1", KindStorage, 0, 500, 4000, "0.000121766"},
			},
		},
		{
			// Running from 0 and 100, serving (InService) from 5 and 102:
			// the lifecycle scripts and the server's start are not billed.
			name: "a notebook is billed only while InService",
			events: events("nb-1", nb, seq(boot(0), []step{serving(5)}, stopAt(30), startAt(95),
				[]step{serving(102)}, stopAt(110))...),
			now: 1000,
			want: []row{
				{"nb-1", KindCompute, 2, 33, 0, "0.000458333"},
			},
		},
		{
			// The volume grew from 8 to 20 GiB at 400 s (an event lists the
			// new size): 400 s at 8 and 600 s at 20.
			name: "a volume that grows is billed at its new size from then",
			events: events("i-1", linux, seq(boot(0), stopAt(100),
				[]step{{sec: 400, typ: instance.EventModify, from: stopped, to: stopped, kv: []string{"volumes", "vol-1:20:dot"}}})...),
			now: 1000,
			want: []row{
				{"i-1", KindCompute, 1, 100, 0, "0.000288889"},
				{"vol-1", KindStorage, 0, 400, 3200, "0.000097412"},
				{"vol-1", KindStorage, 0, 600, 12000, "0.000365297"},
			},
		},
		{
			name:   "a notebook whose server never answered is not billed",
			events: events("nb-1", nb, seq(boot(0), stopAt(300))...),
			now:    1000,
			want:   nil,
		},
		{
			name:   "a start before the window: its minimum belongs to the previous window",
			events: events("i-1", linux, seq(boot(-30), stopAt(100))...),
			now:    200,
			want: []row{
				{"i-1", KindCompute, 0, 70, 0, "0.000202222"},
				{"vol-1", KindStorage, 0, 200, 1600, "0.000048706"},
			},
		},
		{
			name:   "a start before the window: the window before",
			events: events("i-1", linux, seq(boot(-30), stopAt(100))...),
			w:      Window{From: t0.Add(-time.Hour), To: t0},
			now:    200,
			want: []row{
				{"i-1", KindCompute, 1, 60, 0, "0.000173333"},
				{"vol-1", KindStorage, 0, 30, 240, "0.000007306"},
			},
		},
		{
			name:   "a Windows hour belongs to the window it begins in",
			events: events("i-1", windows, seq(boot(-1800), stopAt(2400))...),
			now:    9000,
			want: []row{
				{"i-1", KindCompute, 0, 3600, 0, "0.0196"},
				{"vol-1", KindStorage, 0, 3600, 108000, "0.003287671"},
			},
		},
		{
			name:   "nothing after the window",
			events: events("i-1", linux, seq(boot(4000), stopAt(4100))...),
			now:    5000,
			want:   nil,
		},
		{
			name:   "StopCharging compute is the same as EC2's stop without a minimum",
			events: events("i-1", ecs, seq(boot(0), stopAt(10, "stoppedMode", StopCharging))...),
			now:    10,
			want: []row{
				{"i-1", KindCompute, 1, 10, 0, "0.000277778"},
				{"vol-1", KindStorage, 0, 10, 80, "0.000002435"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.w
			if w.From.IsZero() {
				w = hour
			}
			rep := BuildReport("111122223333", []Timeline{Derive(tc.events)}, w, at(tc.now), testPricer)
			if diff := cmp.Diff(rows(rep), tc.want); diff != "" {
				t.Errorf("lines (-got +want):\n%s", diff)
			}
			var sum Amount
			for _, l := range rep.Lines {
				sum += l.Amount
			}
			if rep.Totals.Total != sum || rep.Totals.Compute+rep.Totals.Reservation+rep.Totals.Storage != sum {
				t.Errorf("totals %+v do not add up to the lines' %s", rep.Totals, sum)
			}
		})
	}
}

func TestSavings(t *testing.T) {
	// Runs 100 s, stopped for 1000 s, terminated at 1100 s: had it run its
	// whole life, 1100 s of compute.
	evs := events("i-1", linux, seq(boot(0), stopAt(100), []step{st(1100, stopped, shutting), st(1100, shutting, termd, "deletedVolumes", "vol-1")})...)
	rep := BuildReport("111122223333", []Timeline{Derive(evs)}, Window{From: t0, To: t0.Add(time.Hour)}, at(3000), testPricer)
	want := Savings{IfAlwaysRunning: mustAmount(t, "0.003177778"), Actual: mustAmount(t, "0.000288889"), StoppingSaved: mustAmount(t, "0.002888889")}
	if diff := cmp.Diff(rep.Savings, want); diff != "" {
		t.Errorf("savings (-got +want):\n%s", diff)
	}
	// Restarting often costs more than it saves: negative savings.
	evs = events("i-2", linux, seq(boot(0), stopAt(5), startAt(10), stopAt(20))...)
	rep = BuildReport("111122223333", []Timeline{Derive(evs)}, Window{From: t0, To: t0.Add(time.Hour)}, at(20), testPricer)
	if rep.Savings.StoppingSaved >= 0 {
		t.Errorf("two minimums in 20 s of life saved %s, want a negative saving", rep.Savings.StoppingSaved)
	}
}

func mustAmount(t *testing.T, s string) Amount {
	t.Helper()
	a, err := ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestWindowsAddUp: the seconds billed in two adjacent windows are those
// billed in their union, whatever the rule and wherever the boundary falls.
func TestWindowsAddUp(t *testing.T) {
	logs := map[string][]instance.Event{
		"linux":   events("i-1", linux, seq(boot(-30.25), stopAt(100.5), startAt(110), []step{reboot(130)}, stopAt(700.75))...),
		"windows": events("i-1", windows, seq(boot(-1800), stopAt(2400), startAt(2500), stopAt(9000))...),
		"ecs":     events("i-1", ecs, seq(boot(-5), stopAt(100, "stoppedMode", KeepCharging), startAt(4000.5))...),
		"kept":    events("i-1", keptVol, seq(boot(-100), []step{st(50, running, shutting), st(50, shutting, termd, "keptVolumes", "vol-1")})...),
	}
	now := at(20000)
	for name, evs := range logs {
		tl := Derive(evs)
		for _, cut := range []float64{-10, 0, 0.5, 59.9, 60, 1800, 3599.999, 7000} {
			a := Window{From: at(-7200), To: at(cut)}
			b := Window{From: at(cut), To: at(14400)}
			all := Window{From: at(-7200), To: at(14400)}
			for _, s := range tl.Segments {
				r := ruleFor(s)
				ca, cb, cu := ChargeOf(s, r, a, now), ChargeOf(s, r, b, now), ChargeOf(s, r, all, now)
				if ca.Billed+cb.Billed != cu.Billed || ca.Starts+cb.Starts != cu.Starts || ca.Used+cb.Used != cu.Used {
					t.Errorf("%s %s %s cut at %vs: %+v + %+v != %+v", name, s.Kind, s.ResourceID, cut, ca, cb, cu)
				}
			}
		}
	}
}

// TestClosedWindowIsStable: a bill for a window in the past does not change
// as time goes on.
func TestClosedWindowIsStable(t *testing.T) {
	evs := events("i-1", windows, boot(0)...) // still running
	w := Window{From: t0, To: t0.Add(time.Hour)}
	first := BuildReport("a", []Timeline{Derive(evs)}, w, at(3600), testPricer)
	later := BuildReport("a", []Timeline{Derive(evs)}, w, at(86400), testPricer)
	first.GeneratedAt, later.GeneratedAt = time.Time{}, time.Time{}
	// Savings look at lives that are still going on; the lines must not move.
	if diff := cmp.Diff(rows(first), rows(later)); diff != "" {
		t.Errorf("a closed window's bill changed (-first +later):\n%s", diff)
	}
}

func TestWindowValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    Window
		ok   bool
	}{
		{"an hour", Window{t0, t0.Add(time.Hour)}, true},
		{"366 days", Window{t0, t0.Add(MaxWindow)}, true},
		{"longer than a year", Window{t0, t0.Add(MaxWindow + time.Second)}, false},
		{"empty", Window{t0, t0}, false},
		{"inverted", Window{t0.Add(time.Hour), t0}, false},
		{"no from", Window{To: t0}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.w.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestComputeRuleTable(t *testing.T) {
	for _, tc := range []struct {
		api, platform string
		min, inc      time.Duration
	}{
		{"", "", time.Minute, time.Second},
		{"ec2", "linux", time.Minute, time.Second},
		{"", "windows", time.Hour, time.Hour},
		{"ecs", "", 0, time.Second},
		{"ecs", "windows", 0, time.Second},
		{"sagemaker", "", 0, time.Second},
		{"modelarts", "", 0, time.Second},
		{"future-api", "windows", time.Hour, time.Hour},
	} {
		r := ComputeRule(tc.api, tc.platform)
		if r.Minimum != tc.min || r.Increment != tc.inc {
			t.Errorf("ComputeRule(%q, %q) = %v/%v, want %v/%v", tc.api, tc.platform, r.Minimum, r.Increment, tc.min, tc.inc)
		}
	}
}

package metering

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// fakeLog is an EventSource over a slice; it counts reads.
type fakeLog struct {
	mu    sync.Mutex
	evs   []instance.Event
	reads int
}

func (f *fakeLog) add(evs ...instance.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ev := range evs {
		ev.Seq = int64(len(f.evs) + 1)
		f.evs = append(f.evs, ev)
	}
}

func (f *fakeLog) Events(ctx context.Context, after int64, id string, limit int) ([]instance.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	var out []instance.Event
	for _, ev := range f.evs {
		if ev.Seq > after && (id == "" || ev.InstanceID == id) && (limit == 0 || len(out) < limit) {
			out = append(out, ev)
		}
	}
	return out, nil
}

func withAccount(evs []instance.Event, account string) []instance.Event {
	for i := range evs {
		evs[i].AccountID = account
	}
	return evs
}

func newTestMeter(t *testing.T, log *fakeLog, clk clock.Clock) *Meter {
	t.Helper()
	m, err := New(Config{Events: log, Clock: clk, Catalog: catalog.New("us-east-1"), PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMeterReadsTheLogIncrementally: events appended between two bills are
// seen, read in pages, and other accounts' instances stay out.
func TestMeterReadsTheLogIncrementally(t *testing.T) {
	log := &fakeLog{}
	clk := clock.NewFake(at(100))
	m := newTestMeter(t, log, clk)
	w := Window{From: t0, To: t0.Add(time.Hour)}
	log.add(events("i-1", linux, seq(boot(0), stopAt(10))...)...)
	log.add(withAccount(events("i-other", linux, boot(0)...), "999999999999")...)

	rep, err := m.Bill(context.Background(), "111122223333", w)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rows(*rep), []row{
		{"i-1", KindCompute, 1, 60, 0, "0.000173333"},
		{"vol-1", KindStorage, 0, 100, 800, "0.000024353"},
	}); diff != "" {
		t.Errorf("first bill (-got +want):\n%s", diff)
	}

	// The instance starts again; the next bill sees it.
	more := events("i-1", linux, startAt(200)...)
	for i := range more {
		more[i].Seq = 0
	}
	log.add(more...)
	clk.Set(at(300))
	rep, err = m.Bill(context.Background(), "111122223333", w)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rows(*rep), []row{
		{"i-1", KindCompute, 2, 155, 0, "0.000447778"},
		{"vol-1", KindStorage, 0, 300, 2400, "0.000073059"},
	}); diff != "" {
		t.Errorf("second bill (-got +want):\n%s", diff)
	}

	// Usage of one instance, with its segments; another account's is not found.
	u, err := m.Usage(context.Background(), "111122223333", w, "i-1")
	if err != nil {
		t.Fatal(err)
	}
	var segs []string
	for _, s := range u.Segments {
		segs = append(segs, string(s.Kind)+" "+s.ResourceID+" open="+boolWord(s.Open()))
	}
	if diff := cmp.Diff(segs, []string{"storage vol-1 open=true", "compute i-1 open=false", "compute i-1 open=true"}); diff != "" {
		t.Errorf("usage segments (-got +want):\n%s", diff)
	}
	_, err = m.Usage(context.Background(), "111122223333", w, "i-other")
	if errdefs.KindOf(err) != errdefs.NotFound {
		t.Errorf("usage of another account's instance: %v, want NotFound", err)
	}
	if _, err := m.Bill(context.Background(), "111122223333", Window{From: w.To, To: w.From}); errdefs.KindOf(err) != errdefs.InvalidArgument {
		t.Errorf("inverted window: %v, want InvalidArgument", err)
	}
}

func TestSnapshotIsCached(t *testing.T) {
	log := &fakeLog{}
	clk := clock.NewFake(at(100))
	m := newTestMeter(t, log, clk)
	log.add(events("i-1", linux, boot(0)...)...)
	log.add(withAccount(events("i-2", windows, seq(boot(0), stopAt(10))...), "999999999999")...)
	s, err := m.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Snapshot{At: at(100),
		Running:        map[string]int{"t3.micro": 1},
		ComputeSeconds: map[string]int64{"t3.micro": 100 + 3600},
		Accrued: map[Kind]Amount{
			KindCompute: mustAmount(t, "0.000288889") + mustAmount(t, "0.0196"),
			KindStorage: mustAmount(t, "0.000024353") + mustAmount(t, "0.000091324"),
		},
	}
	if diff := cmp.Diff(s, want); diff != "" {
		t.Errorf("snapshot (-got +want):\n%s", diff)
	}
	reads := log.reads
	clk.Advance(time.Second)
	if _, err := m.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if log.reads != reads {
		t.Error("a snapshot within the TTL read the log again")
	}
	clk.Advance(5 * time.Second)
	s, _ = m.Snapshot(context.Background())
	if log.reads == reads || s.ComputeSeconds["t3.micro"] != 106+3600 {
		t.Errorf("a snapshot after the TTL: reads %d→%d, compute seconds %v", reads, log.reads, s.ComputeSeconds)
	}
}

func TestDeriveTypeChangeAndDeletion(t *testing.T) {
	evs := events("i-1", linux, seq(boot(0), stopAt(100))...)
	evs = append(evs,
		instance.Event{Time: at(150), Type: instance.EventModify, From: stopped, To: stopped, Detail: map[string]string{"instanceType": "m5.large"}},
		instance.Event{Time: at(200), Type: instance.EventState, From: stopped, To: pending, Detail: map[string]string{"instanceType": "m5.large", "volumes": "vol-1:8:dot"}},
		instance.Event{Time: at(200), Type: instance.EventState, From: pending, To: running, Detail: map[string]string{"instanceType": "m5.large", "volumes": "vol-1:8:dot"}},
		// Purged without a terminated event (not how the engine works, but
		// the log is the truth): everything ends.
		instance.Event{Time: at(300), Type: instance.EventDeleted, From: running},
	)
	for i := range evs {
		evs[i].InstanceID, evs[i].AccountID = "i-1", "a"
	}
	tl := Derive(evs)
	type seg struct {
		Kind       Kind
		Type       string
		Start, End float64
	}
	var got []seg
	for _, s := range tl.Segments {
		got = append(got, seg{s.Kind, s.InstanceType, s.Start.Sub(t0).Seconds(), s.End.Sub(t0).Seconds()})
	}
	want := []seg{
		{KindStorage, "", 0, 300},
		{KindCompute, "t3.micro", 0, 100},
		{KindCompute, "m5.large", 200, 300},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("segments (-got +want):\n%s", diff)
	}
	if tl.InstanceType != "m5.large" || !tl.Ended.Equal(at(300)) || !tl.Created.Equal(t0) {
		t.Errorf("timeline = %+v", tl)
	}
	rep := BuildReport("a", []Timeline{tl}, Window{From: t0, To: t0.Add(time.Hour)}, at(400), testPricer)
	if diff := cmp.Diff(rows(rep), []row{
		{"i-1", KindCompute, 1, 100, 0, "0.000288889"},
		{"i-1", KindCompute, 1, 100, 0, "0.002666667"},
		{"vol-1", KindStorage, 0, 300, 2400, "0.000073059"},
	}); diff != "" {
		t.Errorf("lines (-got +want):\n%s", diff)
	}
}

// TestDetailKeysMatchTheEngine: metering reads the keys the engine writes.
func TestDetailKeysMatchTheEngine(t *testing.T) {
	for _, tc := range [][2]string{
		{DetailAPI, instance.DetailAPI},
		{DetailStoppedMode, instance.DetailStoppedMode},
		{KeepCharging, instance.StoppedModeKeepCharging},
		{StopCharging, instance.StoppedModeStopCharging},
		{APIEC2, instance.OriginEC2},
		{APIECS, instance.OriginECS},
	} {
		if tc[0] != tc[1] {
			t.Errorf("metering reads %q, the engine writes %q", tc[0], tc[1])
		}
	}
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

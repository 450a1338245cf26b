// Package metering derives usage and bills from the lifecycle event log,
// and from nothing else: compute segments per instance, storage segments
// per volume, reservation segments for Alibaba ECS KeepCharging stops.
//
// The derivation (Derive, ChargeOf, BuildReport) is pure: a function of the
// events, the window and "now". Nothing is accumulated on the side, so a
// daemon that is killed and restarted bills exactly what one that kept
// running bills. The Meter only caches the append-only log in memory and
// reads the new events at every call.
//
// The rules, from the seeds: Linux compute per second with a 60-second
// minimum for every start (a reboot is not a start); Windows compute a full
// hour for every start; notebooks per second while InService; storage per
// GB-second while the volume exists, stopped or not; a stop with
// StoppedMode=KeepCharging keeps a reservation charged, StopCharging does
// not; termination ends every charge except that of volumes kept with
// DeleteOnTermination=false. See Rule for how minimums and windows meet.
package metering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// EventSource is the part of instance.Store the meter reads.
type EventSource interface {
	// Events returns events with Seq > afterSeq in order, at most limit
	// (0 = no limit), optionally only those of one instance.
	Events(ctx context.Context, afterSeq int64, instanceID string, limit int) ([]instance.Event, error)
}

var _ EventSource = instance.Store(nil)

// Config wires a Meter. Events and Clock are required.
type Config struct {
	Events EventSource
	Clock  clock.Clock
	// Prices is the price catalog (nil: DefaultPrices).
	Prices *Prices
	// Catalog gives the vCPUs of instance types for per-vCPU platform
	// prices (nil: every type has 1 vCPU).
	Catalog *catalog.Catalog
	Logger  *slog.Logger
	// SnapshotTTL is how long Snapshot reuses its result (default 5s), so
	// that frequent scrapes of many instances stay cheap.
	SnapshotTTL time.Duration
	// PageSize is how many events one store read fetches (default 10000).
	PageSize int
}

// Meter answers usage and bill queries over the event log.
type Meter struct {
	cfg    Config
	log    *slog.Logger
	pricer Pricer

	mu         sync.Mutex // guards the cache below and serialises reads of the log
	lastSeq    int64
	byInstance map[string]*instanceLog
	byAccount  map[string][]string // instance ids in order of first event

	snapMu sync.Mutex
	snap   *Snapshot
}

// instanceLog is the cached log of one instance and its timeline, derived
// again only when new events arrive (Derive depends on the events alone).
type instanceLog struct {
	account  string
	events   []instance.Event
	tl       Timeline
	derivedN int // len(events) when tl was derived
}

// New checks cfg and returns a Meter.
func New(cfg Config) (*Meter, error) {
	if cfg.Events == nil || cfg.Clock == nil {
		return nil, errors.New("metering: events and clock are required")
	}
	if cfg.Prices == nil {
		cfg.Prices = DefaultPrices()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SnapshotTTL <= 0 {
		cfg.SnapshotTTL = 5 * time.Second
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 10000
	}
	m := &Meter{cfg: cfg, log: cfg.Logger, byInstance: map[string]*instanceLog{}, byAccount: map[string][]string{}}
	m.pricer = Pricer{Prices: cfg.Prices}
	if cat := cfg.Catalog; cat != nil {
		m.pricer.VCPUs = func(name string) int {
			if t, ok := cat.InstanceType(name); ok {
				return t.VCPUs
			}
			if t, ok := cat.ECSInstanceType(name); ok {
				return t.VCPUs
			}
			return 1
		}
	}
	return m, nil
}

// Prices returns the price catalog in use.
func (m *Meter) Prices() *Prices { return m.cfg.Prices }

// refresh reads the events appended since the last read. The log is
// append-only and its sequence numbers are never reused, so a cursor is
// enough. m.mu must be held.
func (m *Meter) refresh(ctx context.Context) error {
	for {
		evs, err := m.cfg.Events.Events(ctx, m.lastSeq, "", m.cfg.PageSize)
		if err != nil {
			return fmt.Errorf("read lifecycle events: %w", err)
		}
		for _, ev := range evs {
			l := m.byInstance[ev.InstanceID]
			if l == nil {
				l = &instanceLog{account: ev.AccountID}
				m.byInstance[ev.InstanceID] = l
				m.byAccount[ev.AccountID] = append(m.byAccount[ev.AccountID], ev.InstanceID)
			}
			l.events = append(l.events, ev)
			m.lastSeq = ev.Seq
		}
		if len(evs) < m.cfg.PageSize {
			return nil
		}
	}
}

// timelines reads the new events and returns the timelines of account's
// instances (of every account when all is set), by instance id. The
// timelines are shared and must not be modified.
func (m *Meter) timelines(ctx context.Context, account string, all bool) (map[string]Timeline, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.refresh(ctx); err != nil {
		return nil, err
	}
	ids := m.byAccount[account]
	if all {
		ids = slices.Collect(maps.Keys(m.byInstance))
	}
	out := make(map[string]Timeline, len(ids))
	for _, id := range ids {
		l := m.byInstance[id]
		if l.derivedN != len(l.events) {
			l.tl, l.derivedN = Derive(l.events), len(l.events)
		}
		out[id] = l.tl
	}
	return out, nil
}

// Bill prices the usage of account in window w.
func (m *Meter) Bill(ctx context.Context, account string, w Window) (*Report, error) {
	return m.report(ctx, account, w, "", false)
}

// Usage is Bill with the segments behind the lines, optionally for one
// instance only (NotFound when the account has no such instance in the log).
func (m *Meter) Usage(ctx context.Context, account string, w Window, instanceID string) (*Report, error) {
	return m.report(ctx, account, w, instanceID, true)
}

func (m *Meter) report(ctx context.Context, account string, w Window, instanceID string, segments bool) (*Report, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	byID, err := m.timelines(ctx, account, false)
	if err != nil {
		return nil, err
	}
	if instanceID != "" {
		tl, ok := byID[instanceID]
		if !ok {
			return nil, errdefs.Newf(errdefs.NotFound, errdefs.ResInstance, instanceID,
				"The instance ID '%s' does not exist", instanceID)
		}
		byID = map[string]Timeline{instanceID: tl}
	}
	now := m.cfg.Clock.Now()
	tls := make([]Timeline, 0, len(byID))
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		tls = append(tls, byID[id])
	}
	rep := BuildReport(account, tls, w, now, m.pricer)
	if segments {
		rep.Segments = []Segment{}
		for _, tl := range tls {
			for _, s := range tl.Segments {
				if s.Start.Before(w.To) && (s.Open() || s.End.After(w.From)) {
					rep.Segments = append(rep.Segments, s)
				}
			}
		}
	}
	return &rep, nil
}

// Snapshot is the whole log's usage at one time, for metrics.
type Snapshot struct {
	At time.Time
	// Running counts, per instance type, the instances charged compute now
	// (running, or stopping with hibernation).
	Running map[string]int
	// ComputeSeconds is the billed compute seconds per instance type since
	// the log began; it only grows.
	ComputeSeconds map[string]int64
	// Accrued is the cost per kind since the log began, all accounts.
	Accrued map[Kind]Amount
}

// Snapshot returns the usage of every account since the log began, reusing
// a result younger than SnapshotTTL.
func (m *Meter) Snapshot(ctx context.Context) (Snapshot, error) {
	m.snapMu.Lock()
	defer m.snapMu.Unlock()
	now := m.cfg.Clock.Now()
	if m.snap != nil && now.Sub(m.snap.At) < m.cfg.SnapshotTTL && !now.Before(m.snap.At) {
		return *m.snap, nil
	}
	byID, err := m.timelines(ctx, "", true)
	if err != nil {
		return Snapshot{}, err
	}
	s := Snapshot{At: now, Running: map[string]int{}, ComputeSeconds: map[string]int64{}, Accrued: map[Kind]Amount{}}
	tls := make([]Timeline, 0, len(byID))
	for _, tl := range byID {
		tls = append(tls, tl)
		for _, seg := range tl.Segments {
			if seg.Kind == KindCompute && seg.Open() {
				s.Running[seg.InstanceType]++
			}
		}
	}
	// All time: from the Unix epoch (the log cannot be older) to now.
	rep := BuildReport("", tls, Window{From: time.Unix(0, 0), To: now.Add(time.Nanosecond)}, now, m.pricer)
	for _, l := range rep.Lines {
		s.Accrued[l.Kind] += l.Amount
		if l.Kind == KindCompute {
			s.ComputeSeconds[l.InstanceType] += l.Seconds
		}
	}
	m.snap = &s
	return s, nil
}

// Package instance is the provider-neutral instance lifecycle engine: the
// state machine, the operations every frontend calls, and the reconcile loop
// that finishes their work against a driver.
//
// Lifecycle calls return at once with the transitional state; the reconcile
// loop drives the workload and records the final state. Every state change is
// one store transaction that appends a lifecycle event. The store is the
// truth; the Service keeps a copy-on-write cache of it for fast reads.
package instance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sort"
	"sync"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// Config wires a Service. Store, Driver, Clock and Catalog are required.
type Config struct {
	Store   Store
	Driver  driver.Driver
	Clock   clock.Clock
	Catalog *catalog.Catalog
	Logger  *slog.Logger

	// StopTimeout is the grace period of a graceful stop (default 2m).
	StopTimeout time.Duration
	// SignalInterval is how often a graceful stop re-signals (default 10s).
	SignalInterval time.Duration
	// TerminatedRetention is how long terminated instances stay visible (default 1h).
	TerminatedRetention time.Duration
	// ResyncInterval is how often the loop re-examines every instance (default 5s).
	ResyncInterval time.Duration
	// BootDelay holds every boot in pending this long (test rigs; default 0).
	BootDelay time.Duration
	// PrivateCIDR and PublicCIDR are the address pools (defaults 172.31.0.0/16
	// and 198.18.0.0/15, a range reserved for testing).
	PrivateCIDR netip.Prefix
	PublicCIDR  netip.Prefix
	// MaxInstances caps the non-terminated instances per account (0 = 1000).
	MaxInstances int
	// CapacityVCPUs and CapacityMemoryMiB are the host's capacity for every
	// API's instances (capacity.go); 0 means unlimited.
	CapacityVCPUs     int
	CapacityMemoryMiB int64
	// GuestAPIEndpoint is the address ("ip:port", usually the daemon's own
	// API listener) that the guests of SageMaker's instances may call
	// (driver.Spec.APIEndpoint) when their launch names none
	// (RunRequest.APIEndpoint); empty means none. It applies at every boot,
	// so a daemon that moves its listener takes its notebooks along.
	GuestAPIEndpoint string
	// GuestAPITLS, with GuestAPIEndpoint, is the certificate with which
	// the driver also serves that endpoint over TLS inside those guests
	// (driver.Spec.APITLS); nil for none.
	GuestAPITLS *driver.TLSCert
}

// Service is the instance lifecycle engine.
type Service struct {
	cfg   Config
	log   *slog.Logger
	clk   clock.Clock
	store Store
	drv   driver.Driver
	cat   *catalog.Catalog

	mu       sync.RWMutex
	byID     map[string]*Instance // published copies; replaced, never mutated
	seq      map[string]uint64    // creation order, for stable pagination
	accounts map[string][]string  // instance ids per account, in creation order
	tokens   map[string][]string  // account + "\x00" + client token → ids
	nextSeq  uint64
	ipam     *ipam
	capMu    sync.Mutex // serialises capacity checks with their writes (capacity.go)
	// detached holds the volumes that outlived their instance, by account
	// and id (volumes.go); guarded by mu.
	detached map[string]map[string]*DetachedVolume

	opLocks  keyedMutex // one operation lock per instance
	drvLocks keyedMutex // serialises driver work per instance (forced stops bypass it)

	wmu     sync.Mutex
	working map[string]bool   // a worker runs for the id
	again   map[string]bool   // the worker must look once more
	gen     map[string]uint64 // run generation, to ignore exits of earlier runs
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New checks the config, applies defaults and returns a Service. Call Open
// before using it.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Driver == nil || cfg.Clock == nil || cfg.Catalog == nil {
		return nil, errors.New("instance: store, driver, clock and catalog are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 2 * time.Minute
	}
	if cfg.SignalInterval <= 0 {
		cfg.SignalInterval = driver.DefaultSignalInterval
	}
	if cfg.TerminatedRetention <= 0 {
		cfg.TerminatedRetention = time.Hour
	}
	if cfg.ResyncInterval <= 0 {
		cfg.ResyncInterval = 5 * time.Second
	}
	if !cfg.PrivateCIDR.IsValid() {
		cfg.PrivateCIDR = netip.MustParsePrefix("172.31.0.0/16")
	}
	if !cfg.PublicCIDR.IsValid() {
		cfg.PublicCIDR = netip.MustParsePrefix("198.18.0.0/15")
	}
	if cfg.MaxInstances <= 0 {
		cfg.MaxInstances = 1000
	}
	if err := checkAPIEndpoint("GuestAPIEndpoint", cfg.GuestAPIEndpoint); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	ip, err := newIPAM(cfg.PrivateCIDR, cfg.PublicCIDR)
	if err != nil {
		return nil, err
	}
	return &Service{
		cfg: cfg, log: cfg.Logger, clk: cfg.Clock, store: cfg.Store, drv: cfg.Driver, cat: cfg.Catalog,
		byID: map[string]*Instance{}, seq: map[string]uint64{}, accounts: map[string][]string{},
		tokens: map[string][]string{}, detached: map[string]map[string]*DetachedVolume{}, ipam: ip,
		working: map[string]bool{}, again: map[string]bool{}, gen: map[string]uint64{},
	}, nil
}

// Open loads every instance from the store, reattaches to the workloads of
// the ones that are not terminated, and starts the reconcile loop.
func (s *Service) Open(ctx context.Context) error {
	insts, err := s.store.LoadInstances(ctx)
	if err != nil {
		return fmt.Errorf("load instances: %w", err)
	}
	sort.SliceStable(insts, func(i, j int) bool {
		if !insts[i].CreatedAt.Equal(insts[j].CreatedAt) {
			return insts[i].CreatedAt.Before(insts[j].CreatedAt)
		}
		return insts[i].LaunchIndex < insts[j].LaunchIndex
	})
	vols, err := s.store.LoadVolumes(ctx)
	if err != nil {
		return fmt.Errorf("load volumes: %w", err)
	}
	s.mu.Lock()
	for _, in := range insts {
		s.insertLocked(in)
	}
	for _, v := range vols {
		s.putVolumeLocked(v)
	}
	s.mu.Unlock()

	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, in := range insts {
		s.recover(ctx, in)
	}
	s.wg.Add(1)
	go s.loop()
	return nil
}

// Close stops the reconcile loop. Workloads keep running: a restarted daemon
// reattaches to them.
func (s *Service) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// Capabilities reports the driver's capabilities.
func (s *Service) Capabilities() driver.Capabilities { return s.drv.Capabilities() }

// Counts returns the number of instances per state, for metrics.
func (s *Service) Counts() map[State]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[State]int{}
	for _, in := range s.byID {
		out[in.State]++
	}
	return out
}

// insertLocked adds a new instance to the cache. s.mu must be held.
func (s *Service) insertLocked(in *Instance) {
	s.nextSeq++
	s.byID[in.ID] = in
	s.seq[in.ID] = s.nextSeq
	s.accounts[in.AccountID] = append(s.accounts[in.AccountID], in.ID)
	if in.ClientToken != "" {
		k := tokenKey(in.AccountID, in.API(), in.ClientToken)
		s.tokens[k] = append(s.tokens[k], in.ID)
	}
	if in.State != Terminated {
		s.ipam.claim(in.PrivateIP, in.PublicIP)
	}
}

// remove drops purged instances from the cache.
func (s *Service) remove(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		in, ok := s.byID[id]
		if !ok {
			continue
		}
		delete(s.byID, id)
		delete(s.seq, id)
		s.accounts[in.AccountID] = slices.DeleteFunc(s.accounts[in.AccountID], func(x string) bool { return x == id })
		if in.ClientToken != "" {
			k := tokenKey(in.AccountID, in.API(), in.ClientToken)
			ids := s.tokens[k]
			for i, x := range ids {
				if x == id {
					ids = append(ids[:i:i], ids[i+1:]...)
					break
				}
			}
			if len(ids) == 0 {
				delete(s.tokens, k)
			} else {
				s.tokens[k] = ids
			}
		}
	}
}

// lookup returns the cached instance of account that a call in scope may
// see (reachable), or nil.
func (s *Service) lookup(scope, account, id string) *Instance {
	s.mu.RLock()
	defer s.mu.RUnlock()
	in := s.byID[id]
	if in == nil || in.AccountID != account || !reachable(in, scope) {
		return nil
	}
	return in
}

// current returns the cached instance whatever its account, or nil.
func (s *Service) current(id string) *Instance {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byID[id]
}

// commit stores a changed copy (with ev) and publishes it. next must be a
// clone of the cached instance taken under the instance's operation lock.
func (s *Service) commit(ctx context.Context, next *Instance, ev *Event) error {
	return s.commitVolumes(ctx, next, ev, nil)
}

// commitVolumes is commit that also stores the volumes the change detaches
// from the instance, in the same store transaction, and publishes both at
// once: no reader sees the instance terminated and its kept volumes missing.
func (s *Service) commitVolumes(ctx context.Context, next *Instance, ev *Event, vols []*DetachedVolume) error {
	if ev != nil {
		ev.Time = s.clk.Now()
		ev.InstanceID, ev.AccountID = next.ID, next.AccountID
	}
	var err error
	if len(vols) == 0 {
		err = s.store.UpdateInstance(ctx, next, ev)
	} else {
		err = s.store.UpdateInstanceVolumes(ctx, next, ev, vols)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[next.ID] = next
	for _, v := range vols {
		s.putVolumeLocked(v)
	}
	return nil
}

// transition moves a locked instance to state to through op, with an event.
func (s *Service) transition(ctx context.Context, cur *Instance, op Op, to State, mutate func(*Instance)) (*Instance, error) {
	next := cur.Clone()
	next.State = to
	if to == Pending {
		next.GuestExitedAt, next.ServingSince = time.Time{}, time.Time{}
	}
	if mutate != nil {
		mutate(next)
	}
	ev := &Event{Type: EventState, From: cur.State, To: to, Reason: string(op), Detail: eventDetail(next)}
	if err := s.commitVolumes(ctx, next, ev, s.keptVolumes(cur, next)); err != nil {
		return nil, err
	}
	s.log.Info("instance state", "instance", next.ID, "op", op, "from", cur.State, "to", to)
	return next, nil
}

// eventDetail records the facts consumers of the log need (metering).
func eventDetail(in *Instance) map[string]string {
	d := map[string]string{"instanceType": in.InstanceType, "imageId": in.ImageID}
	if in.Platform != "" {
		d["platform"] = in.Platform
	}
	if in.Hibernate {
		d["hibernate"] = "true"
	}
	if !in.GuestExitedAt.IsZero() && (in.State == Stopping || in.State == ShuttingDown) {
		d[DetailGuestExitedAt] = in.GuestExitedAt.UTC().Format(time.RFC3339Nano)
	}
	addVolumeDetail(d, in) // meterdetail.go
	addOriginDetail(d, in) // origin.go
	return d
}

// userReason is EC2's StateTransitionReason for a user action at t.
func userReason(t time.Time) string {
	return "User initiated (" + t.UTC().Format("2006-01-02 15:04:05") + " GMT)"
}

// tokenKey is the key of a client token in s.tokens. The tokens of a
// managed origin's launches are that origin's own, so an unscoped launch
// never finds (or conflicts with) a managed instance through its token.
func tokenKey(account, origin, token string) string {
	if policyFor(origin).managed {
		return account + "\x00" + origin + "\x00" + token
	}
	return account + "\x00" + token
}

// notFound reports missing instance ids in EC2's order, naming them all.
func notFound(ids []string) error {
	id := ids[0]
	msg := fmt.Sprintf("The instance ID '%s' does not exist", id)
	if len(ids) > 1 {
		id = joinIDs(ids)
		msg = fmt.Sprintf("The instance IDs '%s' do not exist", id)
	}
	return errdefs.New(errdefs.NotFound, errdefs.ResInstance, id, msg)
}

func joinIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ", "
		}
		out += id
	}
	return out
}

// dryRun is the error a dry run returns when the request would succeed.
func errDryRun() error {
	return errdefs.New(errdefs.DryRun, errdefs.ResNone, "", "Request would have succeeded, but DryRun flag is set.")
}

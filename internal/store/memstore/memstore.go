// Package memstore is an in-memory instance.Store, iam.Store,
// catalog.ImageStore and notebook.Store, for tests of the core and for
// throwaway daemons: nothing survives the process. It passes
// internal/store/storetest like every other store.
package memstore

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"

	"strato/internal/clock"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// Interface checks.
var (
	_ instance.Store = (*Store)(nil)
	_ iam.Store      = (*Store)(nil)
)

// resSetting names a setting in errors.
const resSetting errdefs.Resource = "setting"

// Store keeps everything in maps behind one mutex. It hands out and takes in
// copies only. The zero value is not usable; call New.
type Store struct {
	clock clock.Clock

	mu        sync.Mutex
	created   uint64                // counts creations, for creation order
	instances map[string]storedInst // by id
	seq       int64                 // last event seq assigned
	events    []instance.Event      // in seq order
	accounts  map[string]iam.Account
	keys      map[string]storedKey // by access key id
	settings  map[string]string
	volumes   map[string]*instance.DetachedVolume // by id (volumes.go)
	images    imageTable                          // imported images (images.go)
	notebooks notebookTable                       // notebooks, lifecycle configurations (notebooks.go)
}

type storedInst struct {
	inst *instance.Instance
	n    uint64 // creation order
}

type storedKey struct {
	key iam.Key
	n   uint64 // creation order
}

// Option configures New.
type Option func(*Store)

// WithClock sets the clock that stamps the deleted events of
// DeleteInstances. The default is the wall clock.
func WithClock(c clock.Clock) Option {
	return func(s *Store) { s.clock = c }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		clock:     clock.Real{},
		instances: map[string]storedInst{},
		volumes:   map[string]*instance.DetachedVolume{},
		accounts:  map[string]iam.Account{},
		keys:      map[string]storedKey{},
		settings:  map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close does nothing; it exists for symmetry with stores that hold files.
func (s *Store) Close() error { return nil }

// LoadInstances returns copies of every stored instance in creation order.
func (s *Store) LoadInstances(ctx context.Context) ([]*instance.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored := slices.SortedFunc(maps.Values(s.instances), func(a, b storedInst) int { return cmp.Compare(a.n, b.n) })
	out := make([]*instance.Instance, len(stored))
	for i, st := range stored {
		out[i] = st.inst.Clone()
	}
	return out, nil
}

// CreateInstances stores copies of new instances, each with the Version it
// carries, and appends events, all or nothing. An id that exists already,
// or appears twice in insts, is AlreadyExists. On success events[i].Seq is
// set to the sequence number assigned.
func (s *Store) CreateInstances(ctx context.Context, insts []*instance.Instance, events []instance.Event) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, inst := range insts {
		if inst == nil || inst.ID == "" {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, "", "instance id is empty")
		}
		if _, ok := s.instances[inst.ID]; ok || seen[inst.ID] {
			return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResInstance, inst.ID, "instance %s already exists", inst.ID)
		}
		seen[inst.ID] = true
	}
	for _, inst := range insts {
		s.created++
		s.instances[inst.ID] = storedInst{inst: inst.Clone(), n: s.created}
	}
	for i := range events {
		events[i].Seq = s.appendEvent(events[i])
	}
	return nil
}

// UpdateInstance replaces the stored instance whose version equals
// inst.Version and appends ev (when not nil). On success inst.Version is
// incremented and ev.Seq set; on failure neither is touched. A missing
// instance is NotFound, a version mismatch IncorrectState.
func (s *Store) UpdateInstance(ctx context.Context, inst *instance.Instance, ev *instance.Event) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	if inst == nil || inst.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, "", "instance id is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateLocked(inst, ev)
}

// updateLocked is UpdateInstance with s.mu held.
func (s *Store) updateLocked(inst *instance.Instance, ev *instance.Event) error {
	st, ok := s.instances[inst.ID]
	if !ok {
		return errdefs.Newf(errdefs.NotFound, errdefs.ResInstance, inst.ID, "instance %s does not exist", inst.ID)
	}
	if st.inst.Version != inst.Version {
		return errdefs.Newf(errdefs.IncorrectState, errdefs.ResInstance, inst.ID,
			"instance %s was changed concurrently", inst.ID)
	}
	c := inst.Clone()
	c.Version++
	s.instances[inst.ID] = storedInst{inst: c, n: st.n}
	inst.Version = c.Version
	if ev != nil {
		ev.Seq = s.appendEvent(*ev)
	}
	return nil
}

// DeleteInstances removes instances and appends a deleted event for each
// one that existed. Unknown ids are ignored.
func (s *Store) DeleteInstances(ctx context.Context, ids []string) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for _, id := range ids {
		st, ok := s.instances[id]
		if !ok {
			continue
		}
		delete(s.instances, id)
		s.appendEvent(instance.Event{
			Time: now, InstanceID: id, AccountID: st.inst.AccountID,
			Type: instance.EventDeleted, From: st.inst.State,
		})
	}
	return nil
}

// Events returns copies of the events with Seq > afterSeq in order, at most
// limit (0 = no limit), only those of instanceID unless it is empty. A
// negative limit is InvalidArgument.
func (s *Store) Events(ctx context.Context, afterSeq int64, instanceID string, limit int) ([]instance.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	if limit < 0 {
		return nil, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "event limit %d is negative", limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, _ := slices.BinarySearchFunc(s.events, afterSeq+1, func(ev instance.Event, seq int64) int {
		return cmp.Compare(ev.Seq, seq)
	})
	var out []instance.Event
	for _, ev := range s.events[i:] {
		if limit > 0 && len(out) == limit {
			break
		}
		if instanceID == "" || ev.InstanceID == instanceID {
			out = append(out, cloneEvent(ev))
		}
	}
	return out, nil
}

// appendEvent stores a copy of ev with the next seq and returns the seq.
func (s *Store) appendEvent(ev instance.Event) int64 {
	s.seq++
	ev = cloneEvent(ev)
	ev.Seq = s.seq
	s.events = append(s.events, ev)
	return s.seq
}

// cloneEvent deep-copies ev.
func cloneEvent(ev instance.Event) instance.Event {
	ev.Detail = maps.Clone(ev.Detail)
	return ev
}

// CreateAccount stores a new account; an existing id is AlreadyExists.
func (s *Store) CreateAccount(ctx context.Context, a iam.Account) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	if a.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResAccount, "", "account id is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[a.ID]; ok {
		return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResAccount, a.ID, "account %s already exists", a.ID)
	}
	s.accounts[a.ID] = a
	return nil
}

// GetAccount returns the account or NotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (iam.Account, error) {
	if err := ctx.Err(); err != nil {
		return iam.Account{}, canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		return iam.Account{}, errdefs.Newf(errdefs.NotFound, errdefs.ResAccount, id, "account %s does not exist", id)
	}
	return a, nil
}

// ListAccounts returns every account ordered by id.
func (s *Store) ListAccounts(ctx context.Context) ([]iam.Account, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.SortedFunc(maps.Values(s.accounts), func(a, b iam.Account) int { return cmp.Compare(a.ID, b.ID) }), nil
}

// CreateKey stores a copy of a key; an existing access key id is
// AlreadyExists and an unknown account NotFound.
func (s *Store) CreateKey(ctx context.Context, k iam.Key) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	if k.AccessKeyID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResAccessKey, "", "access key id is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[k.AccountID]; !ok {
		return errdefs.Newf(errdefs.NotFound, errdefs.ResAccount, k.AccountID, "account %s does not exist", k.AccountID)
	}
	if _, ok := s.keys[k.AccessKeyID]; ok {
		return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResAccessKey, k.AccessKeyID,
			"access key %s already exists", k.AccessKeyID)
	}
	s.created++
	s.keys[k.AccessKeyID] = storedKey{key: cloneKey(k), n: s.created}
	return nil
}

// GetKey returns a copy of the key or NotFound.
func (s *Store) GetKey(ctx context.Context, accessKeyID string) (iam.Key, error) {
	if err := ctx.Err(); err != nil {
		return iam.Key{}, canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.keys[accessKeyID]
	if !ok {
		return iam.Key{}, errdefs.Newf(errdefs.NotFound, errdefs.ResAccessKey, accessKeyID,
			"access key %s does not exist", accessKeyID)
	}
	return cloneKey(st.key), nil
}

// ListKeys returns copies of an account's keys ("" = all accounts) ordered
// by creation time, keys created at the same time in insertion order.
func (s *Store) ListKeys(ctx context.Context, accountID string) ([]iam.Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var stored []storedKey
	for _, st := range s.keys {
		if accountID == "" || st.key.AccountID == accountID {
			stored = append(stored, st)
		}
	}
	slices.SortFunc(stored, func(a, b storedKey) int {
		if c := a.key.CreatedAt.Compare(b.key.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.n, b.n)
	})
	out := make([]iam.Key, len(stored))
	for i, st := range stored {
		out[i] = cloneKey(st.key)
	}
	return out, nil
}

// DeleteKey removes a key; unknown is NotFound.
func (s *Store) DeleteKey(ctx context.Context, accessKeyID string) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[accessKeyID]; !ok {
		return errdefs.Newf(errdefs.NotFound, errdefs.ResAccessKey, accessKeyID,
			"access key %s does not exist", accessKeyID)
	}
	delete(s.keys, accessKeyID)
	return nil
}

// Setting returns a named setting or NotFound.
func (s *Store) Setting(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[name]
	if !ok {
		return "", errdefs.Newf(errdefs.NotFound, resSetting, name, "setting %s does not exist", name)
	}
	return v, nil
}

// PutSetting creates or replaces a named setting.
func (s *Store) PutSetting(ctx context.Context, name, value string) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	if name == "" {
		return errdefs.New(errdefs.InvalidArgument, resSetting, "", "setting name is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[name] = value
	return nil
}

// cloneKey deep-copies k, its policy included.
func cloneKey(k iam.Key) iam.Key {
	if k.Policy == nil {
		return k
	}
	p := *k.Policy
	p.Statement = slices.Clone(p.Statement)
	for i := range p.Statement {
		p.Statement[i].Action = slices.Clone(p.Statement[i].Action)
		p.Statement[i].Resource = slices.Clone(p.Statement[i].Resource)
	}
	k.Policy = &p
	return k
}

// canceled reports a done context as an Internal error wrapping its cause.
func canceled(err error) error {
	return errdefs.Wrap(err, "request canceled")
}

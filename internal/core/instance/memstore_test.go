package instance

import (
	"context"
	"sync"

	"strato/internal/errdefs"
)

// memStore is an in-memory Store for the engine's tests. It keeps copies, so
// the engine cannot share memory with it by accident.
type memStore struct {
	mu     sync.Mutex
	insts  map[string]*Instance
	vols   map[string]*DetachedVolume
	events []Event
	seq    int64
	// failUpdates makes UpdateInstance fail (to test error paths);
	// failVolumes makes only the updates that store volumes fail.
	failUpdates error
	failVolumes error
}

var _ Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{insts: map[string]*Instance{}, vols: map[string]*DetachedVolume{}}
}

func (m *memStore) LoadInstances(ctx context.Context) ([]*Instance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Instance
	for _, in := range m.insts {
		out = append(out, in.Clone())
	}
	return out, nil
}

func (m *memStore) CreateInstances(ctx context.Context, insts []*Instance, events []Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, in := range insts {
		if m.insts[in.ID] != nil {
			return errdefs.New(errdefs.AlreadyExists, errdefs.ResInstance, in.ID, "exists")
		}
	}
	for _, in := range insts {
		m.insts[in.ID] = in.Clone()
	}
	for _, ev := range events {
		m.seq++
		ev.Seq = m.seq
		m.events = append(m.events, ev)
	}
	return nil
}

func (m *memStore) UpdateInstance(ctx context.Context, inst *Instance, ev *Event) error {
	return m.UpdateInstanceVolumes(ctx, inst, ev, nil)
}

func (m *memStore) LoadVolumes(ctx context.Context) ([]*DetachedVolume, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*DetachedVolume
	for _, v := range m.vols {
		out = append(out, v.Clone())
	}
	return out, nil
}

func (m *memStore) UpdateInstanceVolumes(ctx context.Context, inst *Instance, ev *Event, vols []*DetachedVolume) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failUpdates != nil {
		return m.failUpdates
	}
	if m.failVolumes != nil && len(vols) > 0 {
		return m.failVolumes
	}
	cur := m.insts[inst.ID]
	if cur == nil {
		return errdefs.New(errdefs.NotFound, errdefs.ResInstance, inst.ID, "not found")
	}
	if cur.Version != inst.Version {
		return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, inst.ID, "version conflict")
	}
	inst.Version++
	m.insts[inst.ID] = inst.Clone()
	for _, v := range vols {
		m.vols[v.ID] = v.Clone()
	}
	if ev != nil {
		m.seq++
		ev.Seq = m.seq
		m.events = append(m.events, *ev)
	}
	return nil
}

func (m *memStore) DeleteInstances(ctx context.Context, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		if in := m.insts[id]; in != nil {
			delete(m.insts, id)
			m.seq++
			m.events = append(m.events, Event{Seq: m.seq, InstanceID: id, AccountID: in.AccountID, Type: EventDeleted})
		}
	}
	return nil
}

func (m *memStore) Events(ctx context.Context, afterSeq int64, instanceID string, limit int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Event
	for _, ev := range m.events {
		if ev.Seq > afterSeq && (instanceID == "" || ev.InstanceID == instanceID) {
			out = append(out, ev)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

package memstore

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// LoadVolumes returns copies of every stored volume, ordered by id.
func (s *Store) LoadVolumes(ctx context.Context) ([]*instance.DetachedVolume, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*instance.DetachedVolume, 0, len(s.volumes))
	for _, v := range slices.SortedFunc(maps.Values(s.volumes), func(a, b *instance.DetachedVolume) int {
		return cmp.Compare(a.ID, b.ID)
	}) {
		out = append(out, v.Clone())
	}
	return out, nil
}

// UpdateInstanceVolumes is UpdateInstance that also stores copies of vols,
// replacing stored volumes with the same ids, all or nothing.
func (s *Store) UpdateInstanceVolumes(ctx context.Context, inst *instance.Instance, ev *instance.Event, vols []*instance.DetachedVolume) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	if inst == nil || inst.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, "", "instance id is empty")
	}
	for _, v := range vols {
		if v == nil || v.ID == "" {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResVolume, "", "volume id is empty")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.updateLocked(inst, ev); err != nil {
		return err
	}
	for _, v := range vols {
		s.volumes[v.ID] = v.Clone()
	}
	return nil
}

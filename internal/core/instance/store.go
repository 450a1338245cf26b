package instance

import "context"

// Store persists instances and their lifecycle log. Implementations live in
// internal/store/<impl> and pass internal/store/storetest.
type Store interface {
	// LoadInstances returns every stored instance, terminated ones included.
	LoadInstances(ctx context.Context) ([]*Instance, error)
	// CreateInstances stores new instances and their events in one transaction.
	// An id that exists already is AlreadyExists and nothing is written.
	CreateInstances(ctx context.Context, insts []*Instance, events []Event) error
	// UpdateInstance replaces the stored instance whose version equals
	// inst.Version and appends ev (when not nil) in the same transaction; on
	// success inst.Version is incremented. A missing instance is NotFound; a
	// version mismatch is IncorrectState with resource ResInstance and the
	// store unchanged.
	UpdateInstance(ctx context.Context, inst *Instance, ev *Event) error
	// DeleteInstances removes instances (after their retention) and appends a
	// deleted event for each, in one transaction. Unknown ids are ignored.
	DeleteInstances(ctx context.Context, ids []string) error
	// Events returns events with Seq > afterSeq in order, at most limit
	// (0 = no limit), optionally only those of one instance.
	Events(ctx context.Context, afterSeq int64, instanceID string, limit int) ([]Event, error)

	VolumeStore
}

// VolumeStore persists the volumes that outlive their instance (volumes.go
// explains the design): a volume attached to an instance lives in the
// instance's record; when the instance terminates, each volume it keeps gets
// a record of its own, written in the same transaction as the instance.
type VolumeStore interface {
	// LoadVolumes returns every stored volume.
	LoadVolumes(ctx context.Context) ([]*DetachedVolume, error)
	// UpdateInstanceVolumes is UpdateInstance that also stores vols in the
	// same transaction, replacing stored volumes with the same ids: both
	// are written or neither is.
	UpdateInstanceVolumes(ctx context.Context, inst *Instance, ev *Event, vols []*DetachedVolume) error
}

package instance

import (
	"context"
	"slices"

	"strato/internal/errdefs"
)

// Lock is an operation lock on an instance, as ECS reports it in
// OperationLocks.
type Lock struct {
	Reason string `json:"reason"`
}

// LockSecurity is the reason of a security lock. The operator sets and
// clears it (Strato's admin API); the instance's owner cannot.
const LockSecurity = "security"

// Error resources the lock and stop rules raise, refining errdefs' list.
const (
	// ResSecurityLock: the instance is locked for security reasons.
	ResSecurityLock errdefs.Resource = "security-lock"
	// ResConfirmStop: a stop of an instance with local disks that must be
	// confirmed (ECS's I1 family) was not.
	ResConfirmStop errdefs.Resource = "confirm-stop"
)

// A security lock refuses, as ECS documents for locked instances, a start,
// a stop (seed 003), a reboot and an attribute change; a release (delete or
// terminate) and every describe are unaffected. The rule holds for every
// API: an EC2 instance can be locked too.

// Locked reports whether the instance holds a lock with reason.
func (i *Instance) Locked(reason string) bool {
	return slices.ContainsFunc(i.OperationLocks, func(l Lock) bool { return l.Reason == reason })
}

// checkUnlocked refuses an operation on a security-locked instance.
func checkUnlocked(in *Instance) error {
	if in.Locked(LockSecurity) {
		return errdefs.Newf(errdefs.PermissionDenied, ResSecurityLock, in.ID,
			"The instance '%s' is locked for security reasons; the operation is denied.", in.ID)
	}
	return nil
}

// SetLock locks an instance of any account with reason (only LockSecurity
// exists). It is an operator action: callers check that the caller is the
// operator. Locking a locked instance changes nothing.
func (s *Service) SetLock(ctx context.Context, id, reason string) (*Instance, error) {
	return s.relock(ctx, id, reason, true)
}

// ClearLock removes the lock with reason; clearing an absent lock changes
// nothing.
func (s *Service) ClearLock(ctx context.Context, id, reason string) (*Instance, error) {
	return s.relock(ctx, id, reason, false)
}

func (s *Service) relock(ctx context.Context, id, reason string, set bool) (*Instance, error) {
	if reason != LockSecurity {
		return nil, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, reason,
			"unknown lock reason %q; the only one is %q", reason, LockSecurity)
	}
	s.opLocks.Lock(id)
	defer s.opLocks.Unlock(id)
	in := s.current(id)
	if in == nil || s.expired(in, s.clk.Now()) {
		return nil, notFound([]string{id})
	}
	if in.Locked(reason) == set {
		return in.Clone(), nil
	}
	key := "lock"
	if !set {
		key = "unlock"
	}
	next := in.Clone()
	if set {
		next.OperationLocks = append(next.OperationLocks, Lock{Reason: reason})
	} else {
		next.OperationLocks = slices.DeleteFunc(next.OperationLocks, func(l Lock) bool { return l.Reason == reason })
	}
	ev := &Event{Type: EventModify, From: in.State, To: in.State, Reason: string(OpModify), Detail: map[string]string{key: reason}}
	if err := s.commit(ctx, next, ev); err != nil {
		return nil, err
	}
	s.log.Info("instance lock", "instance", id, "reason", reason, "locked", set)
	return next.Clone(), nil
}

package instance

import (
	"context"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// batch locks the instances of a request, checks that every id exists in the
// account and the scope (reachable; NotFound names all missing ids) and
// returns them with an unlock function. Nothing has changed when it fails.
func (s *Service) batch(scope, account string, ids []string) ([]*Instance, func(), error) {
	if len(ids) == 0 {
		return nil, nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "InstanceId", "The request must contain the parameter InstanceId")
	}
	unlock := s.opLocks.LockAll(ids)
	var missing []string
	insts := make([]*Instance, 0, len(ids))
	for _, id := range ids {
		in := s.lookup(scope, account, id)
		if in == nil || s.expired(in, s.clk.Now()) {
			missing = append(missing, id)
			continue
		}
		insts = append(insts, in)
	}
	if len(missing) > 0 {
		unlock()
		return nil, nil, notFound(missing)
	}
	return insts, unlock, nil
}

// Start starts stopped instances. Every id is checked first and the request
// fails whole; running or pending instances are reported unchanged.
func (s *Service) Start(ctx context.Context, account string, ids []string, dryRun bool) ([]StateChange, error) {
	return s.startIn(ctx, "", account, ids, dryRun)
}

func (s *Service) startIn(ctx context.Context, scope, account string, ids []string, dryRun bool) ([]StateChange, error) {
	insts, unlock, err := s.batch(scope, account, ids)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for _, in := range insts {
		if err := checkUnlocked(in); err != nil {
			return nil, err
		}
		if _, _, ok := nextFor(in, OpStart); !ok {
			return nil, refuse(OpStart, in)
		}
		if in.Spot && in.SpotType == "one-time" {
			return nil, errdefs.Newf(errdefs.Unsupported, errdefs.ResNone, in.ID,
				"The instance '%s' is a one-time Spot Instance and cannot be started.", in.ID)
		}
	}
	if dryRun {
		return nil, errDryRun()
	}
	s.capMu.Lock() // capacity.go: the check and the transitions that consume it
	defer s.capMu.Unlock()
	if err := s.checkStartCapacity(insts); err != nil {
		return nil, err
	}
	now := s.clk.Now()
	changes := make([]StateChange, 0, len(insts))
	for _, in := range insts {
		next, unchanged, _ := nextFor(in, OpStart)
		if unchanged {
			changes = append(changes, StateChange{InstanceID: in.ID, Previous: in.State, Current: in.State})
			continue
		}
		// A stop that kept the reservation kept the public address too.
		pub, kept := in.PublicIP, in.StoppedMode == StoppedModeKeepCharging && in.PublicIP != ""
		if !kept {
			var err error
			if pub, err = s.ipam.allocPublic(in.PublicIP); err != nil {
				return changes, err
			}
		}
		if _, err := s.transition(ctx, in, OpStart, next, func(n *Instance) {
			n.PublicIP = pub
			n.LaunchTime = now
			n.StateTransitionReason = ""
			n.StateReason = &ReasonPending
			n.StoppedMode = ""
		}); err != nil {
			if !kept {
				s.ipam.release(pub)
			}
			return changes, err
		}
		changes = append(changes, StateChange{InstanceID: in.ID, Previous: in.State, Current: next})
		s.kick(in.ID)
	}
	return changes, nil
}

// Stop stops running instances. Every id is checked first and the request
// fails whole. Force kills at once, also an instance already stopping;
// Hibernate keeps RAM when the driver can, and falls back to a normal stop
// when it cannot.
func (s *Service) Stop(ctx context.Context, account string, ids []string, req StopRequest) ([]StateChange, error) {
	return s.stopIn(ctx, "", account, ids, req)
}

func (s *Service) stopIn(ctx context.Context, scope, account string, ids []string, req StopRequest) ([]StateChange, error) {
	insts, unlock, err := s.batch(scope, account, ids)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for _, in := range insts {
		if err := s.checkStop(in, req); err != nil {
			return nil, err
		}
	}
	if req.DryRun {
		return nil, errDryRun()
	}
	now := s.clk.Now()
	hib := req.Hibernate && s.canHibernate()
	changes := make([]StateChange, 0, len(insts))
	for _, in := range insts {
		next, unchanged, _ := nextFor(in, OpStop)
		mode, _ := stoppedModeFor(in, req.StoppedMode) // checked by checkStop
		if unchanged {
			if in.State == Stopping && req.Force && !in.StopForce {
				if _, err := s.update(ctx, in, func(n *Instance) { n.StopForce = true }); err != nil {
					return changes, err
				}
				s.forceKill(in.ID)
			}
			changes = append(changes, StateChange{InstanceID: in.ID, Previous: in.State, Current: in.State})
			continue
		}
		reason := ReasonUserShutdown
		if hib {
			reason = ReasonUserHibernate
		}
		if _, err := s.transition(ctx, in, OpStop, next, func(n *Instance) {
			n.StopForce = req.Force
			n.Hibernate = hib
			n.StoppedMode = mode
			n.StateTransitionReason = userReason(now)
			n.StateReason = &reason
		}); err != nil {
			return changes, err
		}
		changes = append(changes, StateChange{InstanceID: in.ID, Previous: in.State, Current: next})
		s.kick(in.ID)
	}
	return changes, nil
}

// checkStop applies the rules that forbid a stop before the state table.
func (s *Service) checkStop(in *Instance, req StopRequest) error {
	if err := checkUnlocked(in); err != nil {
		return err
	}
	if _, err := stoppedModeFor(in, req.StoppedMode); err != nil {
		return err
	}
	if s.stopNeedsConfirm(in) && !req.ConfirmStop {
		return errdefs.Newf(errdefs.InvalidArgument, ResConfirmStop, in.ID,
			"The instance '%s' has local disks that the stop wipes: the stop must be confirmed (ConfirmStop).", in.ID)
	}
	if in.RootDeviceType != "ebs" {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResNone, in.ID,
			"The instance '%s' does not have an 'ebs' root device type and cannot be stopped.", in.ID)
	}
	if in.Spot && in.SpotType == "one-time" {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResNone, in.ID,
			"The instance '%s' is a one-time Spot Instance and cannot be stopped.", in.ID)
	}
	if in.DisableAPIStop {
		return errdefs.Newf(errdefs.PermissionDenied, errdefs.ResProtection, in.ID,
			"The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", in.ID)
	}
	if req.Hibernate && !in.HibernationConfigured {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResHibernation, in.ID,
			"The instance '%s' does not have hibernation configured. Only instances launched with hibernation configured can be hibernated.", in.ID)
	}
	if _, _, ok := nextFor(in, OpStop); !ok {
		return refuse(OpStop, in)
	}
	return nil
}

// canHibernate reports whether the driver can keep RAM across a stop.
func (s *Service) canHibernate() bool {
	_, ok := s.drv.(driver.Hibernator)
	return ok && s.drv.Capabilities().Hibernate
}

// Reboot restarts running instances in place: same volumes, same addresses.
func (s *Service) Reboot(ctx context.Context, account string, ids []string, dryRun bool) error {
	return s.rebootIn(ctx, "", account, ids, dryRun)
}

func (s *Service) rebootIn(ctx context.Context, scope, account string, ids []string, dryRun bool) error {
	insts, unlock, err := s.batch(scope, account, ids)
	if err != nil {
		return err
	}
	defer unlock()
	for _, in := range insts {
		if err := checkUnlocked(in); err != nil {
			return err
		}
		if _, _, ok := nextFor(in, OpReboot); !ok {
			return refuse(OpReboot, in)
		}
	}
	if dryRun {
		return errDryRun()
	}
	for _, in := range insts {
		ev := &Event{Type: EventReboot, From: in.State, To: in.State, Reason: string(OpReboot), Detail: eventDetail(in)}
		if err := s.commit(ctx, in.Clone(), ev); err != nil {
			return err
		}
		s.reboot(in.ID)
	}
	return nil
}

// Terminate terminates instances; terminated ones are reported unchanged.
func (s *Service) Terminate(ctx context.Context, account string, ids []string, dryRun bool) ([]StateChange, error) {
	return s.TerminateWith(ctx, account, ids, TerminateRequest{DryRun: dryRun})
}

// TerminateWith is Terminate with options: Force releases what the
// origin's rules release only when forced (ECS: a running instance), and
// the guest is then killed, not shut down.
func (s *Service) TerminateWith(ctx context.Context, account string, ids []string, req TerminateRequest) ([]StateChange, error) {
	return s.terminateIn(ctx, "", account, ids, req)
}

func (s *Service) terminateIn(ctx context.Context, scope, account string, ids []string, req TerminateRequest) ([]StateChange, error) {
	insts, unlock, err := s.batch(scope, account, ids)
	if err != nil {
		return nil, err
	}
	defer unlock()
	op := OpTerminate
	if req.Force {
		op = OpForceTerminate
	}
	for _, in := range insts {
		if in.DisableAPITermination && in.State != Terminated && in.State != ShuttingDown {
			return nil, errdefs.Newf(errdefs.PermissionDenied, errdefs.ResProtection, in.ID,
				"The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", in.ID)
		}
		if _, _, ok := nextFor(in, op); !ok {
			return nil, refuse(OpTerminate, in)
		}
	}
	if req.DryRun {
		return nil, errDryRun()
	}
	now := s.clk.Now()
	changes := make([]StateChange, 0, len(insts))
	for _, in := range insts {
		next, unchanged, _ := nextFor(in, op)
		if unchanged {
			changes = append(changes, StateChange{InstanceID: in.ID, Previous: in.State, Current: in.State})
			continue
		}
		// Only a forced release of a running ECS instance cuts the power;
		// EC2's TerminateInstances keeps its graceful shutdown.
		kill := req.Force && in.State == Running && in.API() != OriginEC2
		if _, err := s.transition(ctx, in, OpTerminate, next, func(n *Instance) {
			n.StateTransitionReason = userReason(now)
			n.StateReason = &ReasonUserShutdown
			n.StopForce = n.StopForce || kill
		}); err != nil {
			return changes, err
		}
		changes = append(changes, StateChange{InstanceID: in.ID, Previous: in.State, Current: next})
		s.kick(in.ID)
	}
	return changes, nil
}

// update stores an attribute change of a locked instance (no state change).
func (s *Service) update(ctx context.Context, cur *Instance, mutate func(*Instance)) (*Instance, error) {
	next := cur.Clone()
	mutate(next)
	if err := s.commit(ctx, next, nil); err != nil {
		return nil, err
	}
	return next, nil
}

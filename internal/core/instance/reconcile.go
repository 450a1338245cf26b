package instance

import (
	"bytes"
	"context"
	"maps"
	"time"

	"strato/internal/driver"
)

// kick makes sure a worker looks at the instance soon.
func (s *Service) kick(id string) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.ctx == nil || s.ctx.Err() != nil {
		return
	}
	if s.working[id] {
		s.again[id] = true
		return
	}
	s.working[id] = true
	s.wg.Add(1)
	go s.work(id)
}

// work finishes the transitional states of one instance, one step at a time,
// until nothing is left to do.
func (s *Service) work(id string) {
	defer s.wg.Done()
	for {
		progressed := s.step(id)
		s.wmu.Lock()
		if s.again[id] || progressed {
			delete(s.again, id)
			s.wmu.Unlock()
			if s.ctx.Err() != nil {
				s.finish(id)
				return
			}
			continue
		}
		delete(s.working, id)
		s.wmu.Unlock()
		return
	}
}

func (s *Service) finish(id string) {
	s.wmu.Lock()
	delete(s.working, id)
	delete(s.again, id)
	s.wmu.Unlock()
}

// step does the driver work for the instance's current state and records the
// outcome. It reports whether the state changed.
func (s *Service) step(id string) bool {
	in := s.current(id)
	if in == nil {
		return false
	}
	var err error
	switch in.State {
	case Pending:
		err = s.boot(in)
	case Stopping:
		err = s.halt(in)
	case ShuttingDown:
		err = s.reap(in)
	default:
		return false
	}
	if err != nil {
		if s.ctx.Err() == nil {
			s.log.Warn("reconcile step failed; retrying at the next resync", "instance", id, "state", in.State, "err", err)
		}
		return false
	}
	return true
}

// spec is what the driver needs to run an instance.
func (s *Service) spec(in *Instance) driver.Spec {
	sp := driver.Spec{
		ID:        in.ID,
		Hostname:  PrivateDNSName(in.Region, in.PrivateIP),
		UserData:  in.UserData,
		PrivateIP: in.PrivateIP,
		Identity: &driver.Identity{
			AccountID:        in.AccountID,
			ImageID:          in.ImageID,
			InstanceType:     in.InstanceType,
			AvailabilityZone: in.AvailabilityZone,
			Region:           in.Region,
			PublicIP:         in.PublicIP,
			ReservationID:    in.ReservationID,
			LaunchIndex:      in.LaunchIndex,
			LaunchTime:       in.LaunchTime,
			Role:             cloneRole(in.Role),
		},
		Env: map[string]string{
			"STRATO_INSTANCE_TYPE": in.InstanceType,
			"STRATO_PRIVATE_IP":    in.PrivateIP,
			"STRATO_PUBLIC_IP":     in.PublicIP,
			"STRATO_REGION":        in.Region,
		},
	}
	if img, ok := s.bootImage(in); ok {
		sp.Image = driver.Image{ID: img.ID, Kind: img.Kind, RootFS: img.RootFS}
	}
	if t, ok := s.typeFor(in.API(), in.InstanceType); ok {
		sp.VCPUs, sp.MemoryMiB = t.VCPUs, t.MemoryMiB
	}
	for _, v := range in.Volumes {
		sp.Volumes = append(sp.Volumes, driver.Volume{ID: v.ID, Root: v.DeviceName == in.RootDeviceName,
			SizeGiB: v.SizeGiB, Scratch: v.Scratch, DeleteOnTermination: v.DeleteOnTermination, MountPath: v.DeviceName})
	}
	// guest.go: the extra environment (validated outside the STRATO_
	// names above), the guest's files and the API endpoint it may call.
	maps.Copy(sp.Env, in.Env)
	sp.Files = cloneFiles(in.Files)
	sp.APIEndpoint = s.guestAPIEndpoint(in)
	if sp.APIEndpoint != "" && sp.APIEndpoint == s.cfg.GuestAPIEndpoint && s.cfg.GuestAPITLS != nil {
		sp.APITLS = &driver.TLSCert{CertPEM: bytes.Clone(s.cfg.GuestAPITLS.CertPEM), KeyPEM: bytes.Clone(s.cfg.GuestAPITLS.KeyPEM)}
	}
	return sp
}

// boot creates (or refreshes) the workload and starts it: pending → running.
func (s *Service) boot(in *Instance) error {
	if d := s.cfg.BootDelay; d > 0 {
		select {
		case <-s.clk.After(d):
		case <-s.ctx.Done():
			return s.ctx.Err()
		}
	}
	s.drvLocks.Lock(in.ID)
	h, err := s.drv.Create(s.ctx, s.spec(in))
	if err == nil {
		err = s.drv.Start(s.ctx, in.ID)
	}
	s.drvLocks.Unlock(in.ID)
	if s.ctx.Err() != nil {
		return s.ctx.Err()
	}

	booted, err := s.recordBoot(in, h, err)
	if booted {
		s.watch(in.ID) // after the operation lock is released: locks are taken driver-first
	}
	return err
}

// recordBoot records the outcome of a boot.
func (s *Service) recordBoot(in *Instance, h driver.Handle, bootErr error) (bool, error) {
	if bootErr != nil {
		s.log.Error("boot failed", "instance", in.ID, "err", bootErr)
		op := OpLaunchFailed
		if in.EverRan {
			op = OpBootFailed
		}
		_, err := s.record(in.ID, Pending, op, func(n *Instance) {
			n.StateReason = &ReasonLaunchFailed
			s.ipam.release(n.PublicIP)
			n.PublicIP = ""
			if n.State == Terminated {
				n.TerminatedAt = s.clk.Now()
				s.ipam.release(n.PrivateIP)
			}
		})
		return false, err
	}
	return s.record(in.ID, Pending, OpBooted, func(n *Instance) {
		n.Handle = &h
		n.EverRan = true
		n.StateReason = nil
		n.Hibernated = false
	})
}

// record applies the internal operation op to an instance that is still in
// state from, under its operation lock. It reports false without error when
// the instance has moved on meanwhile (the next step handles it).
func (s *Service) record(id string, from State, op Op, mutate func(*Instance)) (bool, error) {
	s.opLocks.Lock(id)
	defer s.opLocks.Unlock(id)
	cur := s.current(id)
	if cur == nil || cur.State != from {
		return false, nil
	}
	next, err := internalNext(op, cur.State)
	if err != nil {
		return false, err
	}
	if _, err := s.transition(s.ctx, cur, op, next, mutate); err != nil {
		return false, err
	}
	return true, nil
}

// halt stops the workload: stopping → stopped.
func (s *Service) halt(in *Instance) error {
	opts := driver.StopOptions{Timeout: s.cfg.StopTimeout, SignalInterval: s.cfg.SignalInterval, Force: in.StopForce}
	hibernated := false
	if in.Hibernate && !in.StopForce {
		if h, ok := s.drv.(driver.Hibernator); ok && s.canHibernate() {
			s.drvLocks.Lock(in.ID)
			s.bumpGen(in.ID)
			err := h.Hibernate(s.ctx, in.ID)
			s.drvLocks.Unlock(in.ID)
			if err == nil {
				hibernated = true
			} else {
				s.log.Warn("hibernate failed; falling back to a normal stop", "instance", in.ID, "err", err)
			}
		}
	}
	if !hibernated {
		s.drvLocks.Lock(in.ID)
		s.bumpGen(in.ID)
		err := s.drv.Stop(s.ctx, in.ID, opts)
		s.drvLocks.Unlock(in.ID)
		if err != nil {
			return err
		}
	}
	_, err := s.record(in.ID, Stopping, OpHalted, func(n *Instance) {
		if n.StoppedMode != StoppedModeKeepCharging { // the reservation keeps the address
			s.ipam.release(n.PublicIP)
			n.PublicIP = ""
		}
		n.StopForce, n.Hibernate = false, false
		n.Hibernated = hibernated
	})
	return err
}

// reap stops and destroys the workload: shutting-down → terminated.
func (s *Service) reap(in *Instance) error {
	s.drvLocks.Lock(in.ID)
	s.bumpGen(in.ID)
	err := s.drv.Stop(s.ctx, in.ID, driver.StopOptions{Timeout: s.cfg.StopTimeout, SignalInterval: s.cfg.SignalInterval, Force: in.StopForce})
	if err == nil {
		err = s.drv.Destroy(s.ctx, in.ID)
	}
	s.drvLocks.Unlock(in.ID)
	if err != nil {
		return err
	}
	_, err = s.record(in.ID, ShuttingDown, OpReaped, func(n *Instance) {
		s.ipam.release(n.PublicIP, n.PrivateIP)
		n.PublicIP = ""
		n.TerminatedAt = s.clk.Now()
		n.StopForce, n.Hibernate, n.Hibernated = false, false, false
	})
	return err
}

// forceKill kills a stopping instance now, overtaking a graceful stop that
// holds the driver lock; the graceful Stop call then returns.
func (s *Service) forceKill(id string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.drv.Stop(s.ctx, id, driver.StopOptions{Force: true}); err != nil && s.ctx.Err() == nil {
			s.log.Warn("forced stop failed", "instance", id, "err", err)
		}
	}()
}

// reboot restarts a running guest in place, in the background.
func (s *Service) reboot(id string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.drvLocks.Lock(id)
		defer s.drvLocks.Unlock(id)
		s.bumpGen(id)
		opts := driver.StopOptions{Timeout: s.cfg.StopTimeout, SignalInterval: s.cfg.SignalInterval, Reboot: true}
		if err := s.drv.Stop(s.ctx, id, opts); err != nil {
			s.log.Warn("reboot: stop failed", "instance", id, "err", err)
			return
		}
		// Start again only if nobody stopped or terminated it meanwhile.
		if in := s.current(id); in == nil || in.State != Running {
			return
		}
		if err := s.drv.Start(s.ctx, id); err != nil {
			s.log.Error("reboot: start failed", "instance", id, "err", err)
			s.onExit(id, s.bumpGen(id))
			return
		}
		s.watchLocked(id)
	}()
}

func (s *Service) bumpGen(id string) uint64 {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.gen[id]++
	return s.gen[id]
}

// watch waits for the current run of a guest to end.
func (s *Service) watch(id string) {
	s.drvLocks.Lock(id)
	defer s.drvLocks.Unlock(id)
	s.watchLocked(id)
}

// watchLocked is watch with the driver lock held.
func (s *Service) watchLocked(id string) {
	gen := s.bumpGen(id)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if _, err := s.drv.Wait(s.ctx, id); err != nil {
			if s.ctx.Err() == nil {
				s.log.Warn("wait failed", "instance", id, "err", err)
			}
			return
		}
		s.onExit(id, gen)
	}()
}

// onExit records a guest that ended by itself while running: it shut itself
// down (or crashed), so the instance stops, or terminates when its
// shutdown behaviour says so.
func (s *Service) onExit(id string, gen uint64) {
	s.opLocks.Lock(id)
	defer s.opLocks.Unlock(id)
	s.wmu.Lock()
	stale := s.gen[id] != gen
	s.wmu.Unlock()
	cur := s.current(id)
	if stale || cur == nil || cur.State != Running || s.ctx.Err() != nil {
		return
	}
	op := OpGuestStop
	if cur.ShutdownBehavior == "terminate" {
		op = OpGuestEnd
	}
	next, err := internalNext(op, cur.State)
	if err != nil {
		return
	}
	now := s.clk.Now()
	// The driver may know when the guest really ended (while the daemon
	// was down, say): compute is metered up to then, not up to now.
	var exitedAt time.Time
	if st, err := s.drv.Status(s.ctx, id); err == nil && !st.Exit.Unknown &&
		!st.Exit.ExitedAt.IsZero() && st.Exit.ExitedAt.Before(now) && !st.Exit.ExitedAt.Before(cur.LaunchTime) {
		exitedAt = st.Exit.ExitedAt
	}
	if _, err := s.transition(s.ctx, cur, op, next, func(n *Instance) {
		n.GuestExitedAt = exitedAt
		n.StateTransitionReason = "Instance initiated (" + now.UTC().Format("2006-01-02 15:04:05") + " GMT)"
		n.StateReason = &ReasonInstanceShutdown
		if op == OpGuestStop {
			n.StoppedMode = policyFor(n.API()).defaultStoppedMode
		}
	}); err != nil {
		s.log.Error("record guest shutdown", "instance", id, "err", err)
		return
	}
	s.kick(id)
}

// recover reattaches to an instance's workload after a daemon start.
func (s *Service) recover(ctx context.Context, in *Instance) {
	if in.State == Terminated {
		return
	}
	if in.Handle != nil {
		if err := s.drv.Recover(ctx, *in.Handle); err != nil {
			s.log.Warn("recover workload", "instance", in.ID, "err", err)
		}
	}
	switch in.State {
	case Running:
		st, err := s.drv.Status(ctx, in.ID)
		if err == nil && st.State == driver.StateRunning {
			s.watch(in.ID)
			return
		}
		s.log.Info("guest ended while the daemon was away", "instance", in.ID)
		s.onExit(in.ID, s.bumpGen(in.ID))
	case Pending, Stopping, ShuttingDown:
		s.kick(in.ID)
	}
}

// loop resyncs transitional instances and purges expired terminated ones.
func (s *Service) loop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.clk.After(s.cfg.ResyncInterval):
		}
		s.resync()
	}
}

// resync kicks every transitional instance and purges terminated instances
// past their retention.
func (s *Service) resync() {
	now := s.clk.Now()
	var kick, purge []string
	s.mu.RLock()
	for id, in := range s.byID {
		switch {
		case in.State.Transitional():
			kick = append(kick, id)
		case in.State == Terminated && now.Sub(in.TerminatedAt) >= s.cfg.TerminatedRetention:
			purge = append(purge, id)
		}
	}
	s.mu.RUnlock()
	for _, id := range kick {
		s.kick(id)
	}
	if len(purge) > 0 {
		if err := s.store.DeleteInstances(s.ctx, purge); err != nil {
			s.log.Warn("purge terminated instances", "err", err)
			return
		}
		s.remove(purge)
		s.log.Info("purged terminated instances", "count", len(purge))
	}
}

// settle waits until no worker runs; tests use it.
func (s *Service) settle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s.wmu.Lock()
		n := len(s.working)
		s.wmu.Unlock()
		if n == 0 {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

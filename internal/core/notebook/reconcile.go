package notebook

import "strato/internal/errdefs"

// The reconcile loop. Each notebook with work to do has one worker
// goroutine, started by kick (on every change a user makes, at Open, and at
// every resync tick for the notebooks the loop watches). A worker takes one
// step at a time: it reads the record, makes the Runtime call the status
// needs or reads the workload's progress with Check, and records what it
// learned under the notebook's operation lock, one store write per change.
// A step that must wait for the workload polls again after PollInterval
// (on the injected clock) unless a kick wakes it first; a worker ends when
// nothing is left to do. Runtime calls are made outside the lock, and a
// record is written only if the notebook is still in the status (and
// Issued mark) the step started from, so user requests never wait for the
// Runtime and a stale step changes nothing.

// worker is the state of one notebook's worker, guarded by Service.wmu.
type worker struct {
	again bool          // kicked while stepping: step once more
	wake  chan struct{} // wakes a waiting worker (buffered, 1)
}

// outcome is what a step leaves to do.
type outcome int

const (
	idle       outcome = iota // nothing until the next kick
	progressed                // something changed: step again now
	waiting                   // the workload is busy: step again after PollInterval
)

// watched reports whether the loop looks at notebooks in status st:
// transitional ones to finish their work, InService ones to notice a
// workload that ended or failed by itself.
func watched(st Status) bool {
	switch st {
	case Pending, Stopping, Updating, Deleting, InService:
		return true
	}
	return false
}

// kick makes sure a worker looks at the notebook soon.
func (s *Service) kick(r ref) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.ctx == nil || s.ctx.Err() != nil {
		return
	}
	if w := s.working[r]; w != nil {
		w.again = true
		select {
		case w.wake <- struct{}{}:
		default:
		}
		return
	}
	w := &worker{wake: make(chan struct{}, 1)}
	s.working[r] = w
	s.wg.Add(1)
	go s.work(r, w)
}

// work steps one notebook until nothing is left to do.
func (s *Service) work(r ref, w *worker) {
	defer s.wg.Done()
	for {
		out := s.step(r)
		s.wmu.Lock()
		switch {
		case s.ctx.Err() != nil:
			delete(s.working, r)
			s.wmu.Unlock()
			return
		case w.again:
			w.again = false
			s.wmu.Unlock()
			continue
		case out == idle:
			delete(s.working, r)
			s.wmu.Unlock()
			return
		}
		s.wmu.Unlock()
		if out == progressed {
			continue
		}
		t := s.clk.NewTimer(s.cfg.PollInterval)
		select {
		case <-t.C():
		case <-w.wake:
			t.Stop()
		case <-s.ctx.Done():
			t.Stop()
		}
	}
}

// loop kicks every watched notebook each ResyncInterval.
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

// resync kicks every watched notebook.
func (s *Service) resync() {
	nbs, err := s.store.ListNotebooks(s.ctx, "")
	if err != nil {
		if s.ctx.Err() == nil {
			s.log.Warn("notebook resync: list notebooks", "err", err)
		}
		return
	}
	for _, nb := range nbs {
		if watched(nb.Status) {
			s.kick(refOf(nb))
		}
	}
}

// step does the work of the notebook's current status.
func (s *Service) step(r ref) outcome {
	nb, err := s.get(s.ctx, r)
	if err != nil {
		if errdefs.KindOf(err) == errdefs.NotFound || s.ctx.Err() != nil {
			return idle
		}
		s.log.Warn("notebook reconcile: read", "account", r.account, "notebook", r.name, "err", err)
		return waiting
	}
	switch nb.Status {
	case Pending:
		return s.stepPending(nb)
	case Stopping:
		return s.stepStopping(nb)
	case Updating:
		return s.record(nb, OpUpdated, nil)
	case Deleting:
		return s.stepDeleting(nb)
	case InService:
		return s.stepInService(nb)
	}
	return idle
}

// Failure reasons the service words itself.
const (
	reasonNoServer = "The notebook server did not start."
	reasonBootErr  = "The notebook instance could not be started."
	reasonLost     = "The notebook instance's compute no longer exists."
)

// stepPending boots the workload, then waits for Check to report it Ready
// (InService) or failed (Failed).
func (s *Service) stepPending(nb *Notebook) outcome {
	if nb.Issued != Pending {
		lc := s.lifecycleFor(nb)
		err := s.rt.Boot(s.ctx, nb.Clone(), lc, !nb.Launched)
		if s.ctx.Err() != nil {
			return idle
		}
		if err != nil {
			s.log.Error("notebook boot failed", "notebook", nb.ARN, "err", err)
			reason := reasonBootErr
			if e := errdefs.As(err); e.Kind != errdefs.Internal && e.Public != "" {
				reason = e.Public
			}
			return s.record(nb, OpBootFailed, func(n *Notebook) { n.FailureReason = reason })
		}
		return s.mark(nb, func(n *Notebook) { n.Issued, n.Launched = Pending, true })
	}
	st, ok := s.check(nb)
	switch {
	case !ok || st.Phase == Booting && st.FailureReason == "":
		return waiting
	case st.FailureReason != "":
		return s.record(nb, OpBootFailed, func(n *Notebook) { n.FailureReason = st.FailureReason })
	case st.Phase == Ready:
		return s.record(nb, OpBooted, func(n *Notebook) { n.Served = true })
	default: // Halted or Gone, with no boot under way and no reason given
		return s.record(nb, OpBootFailed, func(n *Notebook) { n.FailureReason = reasonNoServer })
	}
}

// stepStopping halts the workload, then waits for Check to report it halted.
func (s *Service) stepStopping(nb *Notebook) outcome {
	if nb.Issued != Stopping {
		if err := s.rt.Halt(s.ctx, nb.Clone()); err != nil {
			if s.ctx.Err() == nil {
				s.log.Warn("notebook halt failed; retrying", "notebook", nb.ARN, "err", err)
			}
			return waiting
		}
		return s.mark(nb, func(n *Notebook) { n.Issued = Stopping })
	}
	if st, ok := s.check(nb); ok && (st.Phase == Halted || st.Phase == Gone) {
		return s.record(nb, OpHalted, nil)
	}
	return waiting
}

// stepDeleting removes the workload and its volume, then, once Check
// reports it gone, the record.
func (s *Service) stepDeleting(nb *Notebook) outcome {
	if nb.Issued != Deleting {
		if err := s.rt.Remove(s.ctx, nb.Clone()); err != nil {
			if s.ctx.Err() == nil {
				s.log.Warn("notebook remove failed; retrying", "notebook", nb.ARN, "err", err)
			}
			return waiting
		}
		return s.mark(nb, func(n *Notebook) { n.Issued = Deleting })
	}
	st, ok := s.check(nb)
	if !ok || st.Phase != Gone {
		return waiting
	}
	unlock := s.locks.Lock(refOf(nb))
	defer unlock()
	cur, err := s.get(s.ctx, refOf(nb))
	if err != nil || cur.Status != Deleting || cur.Issued != Deleting {
		return s.stale(err)
	}
	if err := s.store.DeleteNotebook(s.ctx, cur); err != nil {
		s.log.Error("notebook delete record", "notebook", nb.ARN, "err", err)
		return waiting
	}
	s.log.Info("notebook deleted", "notebook", nb.ARN)
	return idle
}

// stepInService stops a notebook whose auto-stop ran out, and notices a
// workload that ended (the notebook stops) or failed or disappeared (the
// notebook fails) by itself. A notebook whose auto-stop runs out before the
// next resync keeps its worker, which looks again every PollInterval.
func (s *Service) stepInService(nb *Notebook) outcome {
	if nb.AutoStop != nil {
		left := nb.AutoStop.At().Sub(s.clk.Now())
		if left <= 0 {
			s.log.Info("notebook auto-stop", "notebook", nb.ARN, "after", nb.AutoStop.Duration)
			return s.record(nb, OpExpired, nil)
		}
		if left <= s.cfg.ResyncInterval {
			if out := s.stepServing(nb); out != idle {
				return out
			}
			return waiting
		}
	}
	return s.stepServing(nb)
}

// stepServing checks an InService notebook's workload.
func (s *Service) stepServing(nb *Notebook) outcome {
	st, ok := s.check(nb)
	switch {
	case !ok:
		return idle
	case st.Phase == Halted && st.FailureReason == "":
		return s.record(nb, OpExited, nil)
	case st.Phase == Halted:
		return s.record(nb, OpLost, func(n *Notebook) { n.FailureReason = st.FailureReason })
	case st.Phase == Gone:
		return s.record(nb, OpLost, func(n *Notebook) { n.FailureReason = reasonLost })
	}
	return idle
}

// check asks the Runtime about nb; ok is false when it could not tell.
func (s *Service) check(nb *Notebook) (RuntimeState, bool) {
	st, err := s.rt.Check(s.ctx, nb.Clone())
	if err != nil {
		if s.ctx.Err() == nil {
			s.log.Warn("notebook check failed", "notebook", nb.ARN, "status", nb.Status, "err", err)
		}
		return RuntimeState{}, false
	}
	return st, true
}

// lifecycleFor returns the notebook's lifecycle configuration, or nil. A
// configuration deleted after it was associated is skipped: the notebook
// boots without scripts rather than failing at every start.
func (s *Service) lifecycleFor(nb *Notebook) *LifecycleConfig {
	if nb.LifecycleConfigName == "" {
		return nil
	}
	lc, err := s.store.GetLifecycleConfig(s.ctx, nb.AccountID, nb.LifecycleConfigName)
	if err != nil {
		s.log.Warn("notebook lifecycle configuration unavailable; booting without it",
			"notebook", nb.ARN, "config", nb.LifecycleConfigName, "err", err)
		return nil
	}
	return lc
}

// record applies the internal operation op to a notebook that is still as
// the step saw it (same status, same Issued mark), under its operation
// lock, in one store write: the status changes, the Issued mark clears,
// LastModifiedTime is now, and mutate (when not nil) adds its changes.
func (s *Service) record(seen *Notebook, op Op, mutate func(*Notebook)) outcome {
	unlock := s.locks.Lock(refOf(seen))
	defer unlock()
	cur, err := s.get(s.ctx, refOf(seen))
	if err != nil || cur.Status != seen.Status || cur.Issued != seen.Issued {
		return s.stale(err)
	}
	next, err := internalNext(cur.Kind, op, cur.Status)
	if err != nil {
		s.log.Error("notebook reconcile", "notebook", cur.ARN, "err", err)
		return idle
	}
	from := cur.Status
	cur.Status, cur.Issued = next, ""
	cur.LastModifiedTime = s.clk.Now()
	if next == Failed {
		cur.FailedBy = op
	}
	if mutate != nil {
		mutate(cur)
	}
	if err := s.save(s.ctx, cur); err != nil {
		if s.ctx.Err() == nil {
			s.log.Error("notebook reconcile: record", "notebook", cur.ARN, "op", op, "err", err)
		}
		return waiting
	}
	s.log.Info("notebook status", "notebook", cur.ARN, "op", op, "from", from, "to", next, "reason", cur.FailureReason)
	return progressed
}

// mark records bookkeeping (no status change) on a notebook that is still
// as the step saw it.
func (s *Service) mark(seen *Notebook, mutate func(*Notebook)) outcome {
	unlock := s.locks.Lock(refOf(seen))
	defer unlock()
	cur, err := s.get(s.ctx, refOf(seen))
	if err != nil || cur.Status != seen.Status || cur.Issued != seen.Issued {
		return s.stale(err)
	}
	mutate(cur)
	if err := s.save(s.ctx, cur); err != nil {
		if s.ctx.Err() == nil {
			s.log.Error("notebook reconcile: mark", "notebook", cur.ARN, "err", err)
		}
		return waiting
	}
	return progressed
}

// stale is the outcome of a step whose notebook changed meanwhile (err nil:
// look again now) or could not be read.
func (s *Service) stale(err error) outcome {
	switch {
	case err == nil:
		return progressed
	case errdefs.KindOf(err) == errdefs.NotFound || s.ctx.Err() != nil:
		return idle
	}
	s.log.Warn("notebook reconcile: read", "err", err)
	return waiting
}

package sandbox

import (
	"context"
	"sync"
	"time"

	"strato/internal/driver"
	"strato/internal/driver/sandbox/shim"
	"strato/internal/errdefs"
)

// instance is the driver's view of one instance.
type instance struct {
	id  string
	dir string

	mu         sync.Mutex
	spec       driver.Spec
	run        *run        // the current or last run; nil before the first start
	last       *lastRecord // how the last finished run ended
	hibernated bool        // frozen by Hibernate: the shim holds it
	destroyed  bool
}

// client talks to the instance's shim.
func (inst *instance) client() shim.Client { return shim.Client{Dir: inst.dir} }

// run is one run of a shim as the driver sees it: from Start (or a resume)
// to the guest's end (or a hibernation).
type run struct {
	runID     string
	pid       int
	startedAt time.Time

	done   chan struct{}      // closed when the run has ended
	cancel context.CancelFunc // ends the watcher

	// Guarded by instance.mu.
	exit     driver.ExitStatus
	stopping bool
	reboot   bool
	killed   bool
	force    chan struct{} // closed when a forced stop begins
}

func newRun(rec shim.RunRecord) *run {
	return &run{runID: rec.RunID, pid: rec.InitPid, startedAt: rec.StartedAt,
		done: make(chan struct{}), force: make(chan struct{}), cancel: func() {}}
}

func (r *run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// lastRecord is last.json: the driver's record of how the last run ended.
type lastRecord struct {
	RunID     string            `json:"runId"`
	Exit      driver.ExitStatus `json:"exit"`
	StartedAt time.Time         `json:"startedAt,omitzero"`
	// Stopped: the run ended because of a Stop, not by itself.
	Stopped bool `json:"stopped,omitempty"`
	// Reboot: the Stop was a reboot, so the next Start keeps scratch data.
	Reboot bool `json:"reboot,omitempty"`
	// Hibernated: the guest is frozen, not ended.
	Hibernated bool `json:"hibernated,omitempty"`
}

func (inst *instance) activeLocked() *run {
	if inst.run != nil && !inst.run.isDone() {
		return inst.run
	}
	return nil
}

// Status reports the instance's facts; an unknown id is StateNotFound.
func (d *Driver) Status(ctx context.Context, id string) (driver.Status, error) {
	inst, err := d.get(id)
	if errdefs.KindOf(err) == errdefs.NotFound {
		return driver.Status{State: driver.StateNotFound}, nil
	}
	if err != nil {
		return driver.Status{State: driver.StateUnknown}, err
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	switch {
	case inst.destroyed:
		return driver.Status{State: driver.StateNotFound}, nil
	case inst.activeLocked() != nil:
		return driver.Status{State: driver.StateRunning, Pid: inst.run.pid, StartedAt: inst.run.startedAt}, nil
	case inst.last == nil:
		return driver.Status{State: driver.StateCreated}, nil
	case inst.last.Stopped || inst.hibernated:
		return driver.Status{State: driver.StateCreated, StartedAt: inst.last.StartedAt, Exit: inst.last.Exit}, nil
	default:
		return driver.Status{State: driver.StateExited, StartedAt: inst.last.StartedAt, Exit: inst.last.Exit}, nil
	}
}

// Wait blocks until the current run ends; on an instance that does not run
// it returns the last exit status at once.
func (d *Driver) Wait(ctx context.Context, id string) (driver.ExitStatus, error) {
	inst, err := d.get(id)
	if err != nil {
		return driver.ExitStatus{}, err
	}
	inst.mu.Lock()
	r := inst.activeLocked()
	var last driver.ExitStatus
	if inst.last != nil {
		last = inst.last.Exit
	}
	inst.mu.Unlock()
	if r == nil {
		return last, nil
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		return driver.ExitStatus{}, ctxErr(ctx, id, "wait")
	case <-d.ctx.Done():
		return driver.ExitStatus{}, errClosed(id)
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return r.exit, nil
}

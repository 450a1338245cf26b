package process

import (
	"context"
	"os/exec"
	"sync"
	"time"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// instance is the driver's view of one instance.
type instance struct {
	id  string
	dir string // runtime directory

	mu        sync.Mutex
	spec      driver.Spec
	run       *run        // the current or last run; nil before the first start
	last      *exitRecord // how the last finished run ended; nil if none
	destroyed bool
}

// run is one boot of an instance, from Start to the end of its process group.
type run struct {
	pid        int
	pgid       int
	startTicks uint64
	startedAt  time.Time
	cmd        *exec.Cmd // nil for a run adopted by Recover

	done chan struct{} // closed once init has exited and the group is gone

	// Guarded by instance.mu.
	exit     driver.ExitStatus // valid once done is closed
	stopping bool              // a Stop asked this run to end
	reboot   bool              // the Stop is a reboot: keep scratch data
	killed   bool              // the driver sent SIGKILL
	force    chan struct{}     // closed when a Force stop begins
}

// runRecord is run.json: what Recover needs to find a live guest.
type runRecord struct {
	Pid        int       `json:"pid"`
	Pgid       int       `json:"pgid"`
	StartTicks uint64    `json:"startTicks"`
	StartedAt  time.Time `json:"startedAt"`
	BootID     string    `json:"bootId,omitempty"`
}

// exitRecord is exit.json: how the last run ended.
type exitRecord struct {
	Exit      driver.ExitStatus `json:"exit"`
	StartedAt time.Time         `json:"startedAt,omitzero"`
	// Stopped: the run ended because of a Stop (or Destroy), not by itself.
	Stopped bool `json:"stopped,omitempty"`
	// Reboot: the Stop was a reboot, so the next Start keeps scratch data.
	Reboot bool `json:"reboot,omitempty"`
}

// isDone reports whether the run has completely ended.
func (r *run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// activeLocked returns the current run if it has not ended. inst.mu is held.
func (inst *instance) activeLocked() *run {
	if inst.run != nil && !inst.run.isDone() {
		return inst.run
	}
	return nil
}

// Status reports the instance's facts. An unknown id is StateNotFound, not
// an error.
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
	case inst.last.Stopped:
		return driver.Status{State: driver.StateCreated, StartedAt: inst.last.StartedAt, Exit: inst.last.Exit}, nil
	default:
		return driver.Status{State: driver.StateExited, StartedAt: inst.last.StartedAt, Exit: inst.last.Exit}, nil
	}
}

// Wait blocks until the current run ends and returns its exit status. On an
// instance that is not running it returns the last exit status (zero if it
// never ran) at once.
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
	case <-d.closed:
		return driver.ExitStatus{}, errClosed(id)
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return r.exit, nil
}

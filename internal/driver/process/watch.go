package process

import (
	"os"
	"path/filepath"
	"syscall"
	"time"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
)

// adoptedPollInterval is how often the driver looks at a guest it adopted in
// Recover: such a guest is not its child, so it cannot wait for it. Process
// exit is real time, so this is not on the injected clock.
const adoptedPollInterval = 100 * time.Millisecond

// reapLimit bounds how long the driver tries to kill what is left of a
// guest's process group.
const reapLimit = 10 * time.Second

// watchAdopted polls a guest adopted by Recover until its init is gone. Its
// exit code cannot be known.
func (d *Driver) watchAdopted(inst *instance, r *run) {
	t := time.NewTicker(adoptedPollInterval)
	defer t.Stop()
	for {
		select {
		case <-d.closed:
			return
		case <-t.C:
			if !sameProcessAlive(r.pid, r.startTicks) {
				d.finish(inst, r, driver.ExitStatus{Code: -1, Unknown: true})
				return
			}
		}
	}
}

// finish records the end of a run once its init has exited: it kills what is
// left of the process group, writes exit.json, removes run.json and wakes
// every waiter. A closed driver records nothing, like a dead daemon.
func (d *Driver) finish(inst *instance, r *run, exit driver.ExitStatus) {
	if d.isClosed() {
		close(r.done)
		return
	}
	if err := reapGroup(r.pgid, reapLimit); err != nil {
		d.log.Error("guest processes survive", "id", inst.id, "pgid", r.pgid, "err", err)
	}

	inst.mu.Lock()
	defer inst.mu.Unlock()
	exit.ExitedAt = d.now()
	if r.killed && (exit.Unknown || exit.Signal == int(syscall.SIGKILL)) {
		exit.Killed = true
	}
	r.exit = exit
	rec := &exitRecord{Exit: exit, StartedAt: r.startedAt, Stopped: r.stopping, Reboot: r.stopping && r.reboot}
	inst.last = rec
	if !inst.destroyed {
		if err := hostfs.WriteJSON(filepath.Join(inst.dir, "exit.json"), rec); err != nil {
			d.log.Error("cannot record exit", "id", inst.id, "err", err)
		} else if err := os.Remove(filepath.Join(inst.dir, "run.json")); err != nil && !os.IsNotExist(err) {
			d.log.Error("cannot remove run record", "id", inst.id, "err", err)
		}
		appendConsole(inst.dir, exit.ConsoleLine())
	}
	close(r.done)
	d.log.Info("instance run ended", "id", inst.id, "pid", r.pid, "code", exit.Code,
		"signal", exit.Signal, "killed", exit.Killed, "unknown", exit.Unknown, "stopped", rec.Stopped)
}

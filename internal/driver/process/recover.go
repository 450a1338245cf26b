package process

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
	"strato/internal/errdefs"
)

// Recover reattaches to an instance after a daemon restart. A guest that
// still runs (same pid, same process start time, same boot) is watched again
// and can be stopped; one that ended while the daemon was away is reported
// exited with an unknown status. Recovering a known instance is a no-op.
//
// Every other method also finds instances on disk by id, so Recover is what
// the core calls to say "this is mine", not a precondition.
func (d *Driver) Recover(ctx context.Context, h driver.Handle) error {
	if h.Driver != "" && h.Driver != Name {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResInstance, h.ID,
			"handle belongs to driver %q, not %q", h.Driver, Name)
	}
	if len(h.Data) > 0 {
		var hd handleData
		if err := json.Unmarshal(h.Data, &hd); err != nil {
			return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResInstance, ID: h.ID,
				Public: "malformed instance handle", Err: err}
		}
		if hd.RuntimeDir != "" && hd.RuntimeDir != d.runtimeDir(h.ID) {
			d.log.Warn("handle names another runtime directory", "id", h.ID,
				"handle", hd.RuntimeDir, "using", d.runtimeDir(h.ID))
		}
	}
	_, err := d.get(h.ID)
	return err
}

// load reads an instance the driver has not seen from its runtime directory.
// d.mu is held.
func (d *Driver) load(id string) (*instance, error) {
	rt := d.runtimeDir(id)
	inst := &instance{id: id, dir: rt}
	if err := hostfs.ReadJSON(filepath.Join(rt, "spec.json"), &inst.spec); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNotFound(id)
		}
		return nil, errdefs.Wrap(err, "cannot read instance spec")
	}
	var last exitRecord
	if err := hostfs.ReadJSON(filepath.Join(rt, "exit.json"), &last); err == nil {
		inst.last = &last
	}

	var rec runRecord
	err := hostfs.ReadJSON(filepath.Join(rt, "run.json"), &rec)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return inst, nil
	case err != nil:
		d.log.Warn("unreadable run record", "id", id, "err", err)
	case rec.BootID == d.bootID && sameProcessAlive(rec.Pid, rec.StartTicks):
		r := &run{
			pid:        rec.Pid,
			pgid:       rec.Pgid,
			startTicks: rec.StartTicks,
			startedAt:  rec.StartedAt,
			done:       make(chan struct{}),
			force:      make(chan struct{}),
		}
		inst.run = r
		go d.watchAdopted(inst, r)
		d.log.Info("reattached to running instance", "id", id, "pid", rec.Pid)
		return inst, nil
	case rec.BootID == d.bootID && pidGone(rec.Pid, rec.StartTicks):
		// Init is gone but the group may not be: nothing can have reused
		// the group id while a member lives.
		if err := reapGroup(rec.Pgid, reapLimit); err != nil {
			d.log.Error("guest processes survive", "id", id, "pgid", rec.Pgid, "err", err)
		}
	}

	// The run ended while nobody watched.
	exit := driver.ExitStatus{Code: -1, Unknown: true, ExitedAt: d.now()}
	inst.last = &exitRecord{Exit: exit, StartedAt: rec.StartedAt}
	if err := hostfs.WriteJSON(filepath.Join(rt, "exit.json"), inst.last); err != nil {
		return nil, errdefs.Wrap(err, "cannot record exit")
	}
	if err := os.Remove(filepath.Join(rt, "run.json")); err != nil && !os.IsNotExist(err) {
		return nil, errdefs.Wrap(err, "cannot remove run record")
	}
	appendConsole(rt, exit.ConsoleLine())
	d.log.Info("instance ended while the driver was away", "id", id, "pid", rec.Pid)
	return inst, nil
}

// pidGone reports whether pid no longer names a running process: it does
// not exist, or it is the zombie of the process that started at startTicks.
// A pid reused by another process is not gone.
func pidGone(pid int, startTicks uint64) bool {
	if pid <= 1 {
		return false
	}
	st, err := readProcStat(pid)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	return st.Start == startTicks && (st.State == 'Z' || st.State == 'X')
}

package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"time"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
	"strato/internal/driver/sandbox/shim"
	"strato/internal/errdefs"
)

// Recover reattaches to an instance after a daemon restart. Its shim may
// still hold it running or frozen (hibernated); or the run ended while the
// daemon was away, and the shim's exit record says exactly how. Only if the
// shim itself died is the end unknown (and the cgroup is killed).
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
	}
	_, err := d.get(h.ID)
	return err
}

// load reads an instance from its directory. d.mu is held.
func (d *Driver) load(id string) (*instance, error) {
	dir := d.instanceDir(id)
	inst := &instance{id: id, dir: dir}
	if err := hostfs.ReadJSON(filepath.Join(dir, "spec.json"), &inst.spec); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNotFound(id)
		}
		return nil, errdefs.Wrap(err, "cannot read instance spec")
	}
	var last lastRecord
	if err := hostfs.ReadJSON(filepath.Join(dir, "last.json"), &last); err == nil {
		inst.last = &last
	}
	rec, err := shim.ReadRun(dir)
	if err != nil || (inst.last != nil && inst.last.RunID == rec.RunID && !inst.last.Hibernated) {
		return inst, nil // never started, or its last run is recorded
	}
	ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
	defer cancel()
	state, live, serr := inst.client().Status(ctx)
	switch {
	case serr == nil && live.RunID == rec.RunID && state == shim.StateRunning:
		if inst.last != nil && inst.last.Hibernated {
			// Thawed but not recorded: the daemon died in the middle of a resume.
			live.StartedAt = inst.last.StartedAt
		}
		r := newRun(live)
		inst.run = r
		d.watch(inst, r)
		d.log.Info("reattached to running instance", "id", id, "pid", live.InitPid)
		return inst, nil
	case serr == nil && live.RunID == rec.RunID && state == shim.StateFrozen:
		inst.hibernated = true
		if inst.last == nil || !inst.last.Hibernated {
			inst.last = &lastRecord{RunID: rec.RunID, StartedAt: rec.StartedAt, Stopped: true, Hibernated: true,
				Exit: driver.ExitStatus{ExitedAt: d.now()}}
		}
		d.log.Info("reattached to hibernated instance", "id", id)
		return inst, nil
	}
	// The run ended while nobody watched.
	exit := driver.ExitStatus{Code: -1, Unknown: true, ExitedAt: d.now()}
	if xr, err := shim.ReadExit(dir); err == nil && xr.RunID == rec.RunID {
		exit = xr.Exit
	} else {
		d.killCgroup(id) // the shim died: leave nothing running
	}
	inst.last = &lastRecord{RunID: rec.RunID, Exit: exit, StartedAt: rec.StartedAt}
	if err := hostfs.WriteJSONAtomic(filepath.Join(dir, "last.json"), inst.last); err != nil {
		return nil, errdefs.Wrap(err, "cannot record exit")
	}
	d.log.Info("instance ended while the driver was away", "id", id, "code", exit.Code, "unknown", exit.Unknown)
	return inst, nil
}

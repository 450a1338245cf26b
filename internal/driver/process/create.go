package process

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
	"strato/internal/errdefs"
)

// Create prepares the runtime directory and the volumes of spec.ID. It is
// idempotent: an existing instance keeps its volume data. A changed spec is
// taken (new volumes are created, the new user data runs at the next start)
// unless the instance runs, which is an IncorrectState error.
func (d *Driver) Create(ctx context.Context, spec driver.Spec) (driver.Handle, error) {
	if err := validateSpec(spec); err != nil {
		return driver.Handle{}, err
	}
	d.createMu.Lock()
	defer d.createMu.Unlock()

	inst, err := d.get(spec.ID)
	switch {
	case err == nil:
		return d.recreate(inst, spec)
	case errdefs.KindOf(err) != errdefs.NotFound:
		return driver.Handle{}, err
	}

	inst = &instance{id: spec.ID, dir: d.runtimeDir(spec.ID), spec: spec}
	made, err := d.prepare(inst.dir, spec)
	if err != nil {
		// Undo: a failed Create leaves nothing half-made.
		for _, dir := range append(made, inst.dir) {
			_ = hostfs.RemoveAll(dir)
		}
		return driver.Handle{}, errdefs.Wrap(err, "cannot create instance")
	}
	d.mu.Lock()
	d.instances[spec.ID] = inst
	d.mu.Unlock()
	d.log.Info("instance created", "id", spec.ID, "dir", inst.dir)
	return d.handle(spec.ID)
}

// recreate is Create on an instance the driver already has.
func (d *Driver) recreate(inst *instance, spec driver.Spec) (driver.Handle, error) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if !inst.spec.Equal(spec) {
		if inst.activeLocked() != nil {
			return driver.Handle{}, errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, spec.ID,
				"cannot change the spec of a running instance")
		}
		d.log.Info("instance spec changed", "id", spec.ID)
	}
	if _, err := d.prepare(inst.dir, spec); err != nil {
		return driver.Handle{}, errdefs.Wrap(err, "cannot create instance")
	}
	inst.spec = spec
	return d.handle(spec.ID)
}

// prepare makes the runtime directory rt with spec.json and the boot files,
// and every volume directory that does not exist yet; it returns the volume
// directories it made. Existing volume data is never touched.
func (d *Driver) prepare(rt string, spec driver.Spec) (made []string, err error) {
	if err := os.MkdirAll(rt, 0o700); err != nil {
		return nil, err
	}
	if made, err = d.ensureVolumes(spec); err != nil {
		return made, err
	}
	if err := hostfs.WriteJSON(filepath.Join(rt, "spec.json"), spec); err != nil {
		return made, err
	}
	return made, writeBootFiles(rt, spec)
}

// ensureVolumes creates the directories of spec's volumes that are missing
// and returns those it made.
func (d *Driver) ensureVolumes(spec driver.Spec) (made []string, err error) {
	for _, v := range spec.Volumes {
		dir := d.volumeDir(v.ID)
		fi, err := os.Stat(dir)
		switch {
		case err == nil && !fi.IsDir():
			return made, errors.New("volume path " + dir + " is not a directory")
		case err == nil:
		case os.IsNotExist(err):
			if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
				return made, err
			}
			made = append(made, dir)
		default:
			return made, err
		}
	}
	return made, nil
}

// wipeScratchLocked empties the instance's scratch volumes. inst.mu is held
// and no run is active.
func (d *Driver) wipeScratchLocked(inst *instance) error {
	var first error
	for _, v := range inst.spec.Volumes {
		if !v.Scratch {
			continue
		}
		if err := hostfs.EmptyDir(d.volumeDir(v.ID)); err != nil {
			d.log.Warn("cannot wipe scratch volume", "id", inst.id, "volume", v.ID, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

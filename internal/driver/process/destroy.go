package process

import (
	"context"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
	"strato/internal/errdefs"
)

// Destroy force-stops the instance if it runs, then removes its runtime
// directory and the data of its volumes marked DeleteOnTermination and of its
// scratch volumes (instance store does not outlive the instance); other
// volumes are kept. Destroying an unknown id is a no-op.
func (d *Driver) Destroy(ctx context.Context, id string) error {
	inst, err := d.get(id)
	if err != nil {
		if errdefs.KindOf(err) == errdefs.NotFound {
			return nil
		}
		return err
	}
	d.createMu.Lock()
	defer d.createMu.Unlock()
	for {
		if err := d.Stop(ctx, id, driver.StopOptions{Force: true}); err != nil {
			return err
		}
		inst.mu.Lock()
		if inst.activeLocked() == nil {
			break // inst.mu stays locked
		}
		inst.mu.Unlock() // started again meanwhile
	}
	defer inst.mu.Unlock()
	if inst.destroyed {
		return nil
	}
	// Volumes first, the runtime directory (with spec.json, which names the
	// volumes) last, so that a failed Destroy can be retried.
	for _, v := range inst.spec.Volumes {
		if !v.DeleteOnTermination && !v.Scratch {
			continue
		}
		if err := hostfs.RemoveAll(d.volumeDir(v.ID)); err != nil {
			return errdefs.Wrap(err, "cannot remove volume")
		}
	}
	if err := hostfs.RemoveAll(inst.dir); err != nil {
		return errdefs.Wrap(err, "cannot remove instance directory")
	}
	inst.destroyed = true
	d.forget(inst)
	d.log.Info("instance destroyed", "id", id)
	return nil
}

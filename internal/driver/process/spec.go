package process

import (
	"encoding/json"
	"path/filepath"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// ImageKindShell is the only image kind this driver boots.
const ImageKindShell = "shell"

// handleData is what a Handle carries for Recover.
type handleData struct {
	Version    int    `json:"version"`
	RuntimeDir string `json:"runtimeDir"`
}

// validateSpec checks everything Create needs before touching the disk.
func validateSpec(spec driver.Spec) error {
	if err := driver.CheckSpec(spec); err != nil {
		return err
	}
	if spec.Image.Kind != ImageKindShell {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResImage, spec.Image.ID,
			"the process driver cannot boot images of kind %q", spec.Image.Kind)
	}
	return nil
}

// runtimeDir is where the driver keeps an instance's runtime files.
func (d *Driver) runtimeDir(id string) string {
	return filepath.Join(d.dataDir, "instances", id)
}

// volumeDir is where a volume's data lives.
func (d *Driver) volumeDir(volumeID string) string {
	return filepath.Join(d.dataDir, "volumes", volumeID)
}

// handle returns the Handle for an instance.
func (d *Driver) handle(id string) (driver.Handle, error) {
	data, err := json.Marshal(handleData{Version: 1, RuntimeDir: d.runtimeDir(id)})
	if err != nil {
		return driver.Handle{}, errdefs.Wrap(err, "cannot encode handle")
	}
	return driver.Handle{ID: id, Driver: Name, Data: data}, nil
}

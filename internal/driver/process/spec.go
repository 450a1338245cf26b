package process

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// ImageKindShell is the only image kind this driver boots.
const ImageKindShell = "shell"

// maxIDLen bounds instance and volume ids, which become directory names.
const maxIDLen = 128

// handleData is what a Handle carries for Recover.
type handleData struct {
	Version    int    `json:"version"`
	RuntimeDir string `json:"runtimeDir"`
}

// validID accepts ids that are safe as one path component.
func validID(id string) error {
	if id == "" || len(id) > maxIDLen || id == "." || id == ".." {
		return fmt.Errorf("bad id %q", id)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("bad character %q in id %q", r, id)
		}
	}
	return nil
}

// validEnvName accepts shell-style variable names.
func validEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// validateSpec checks everything Create needs before touching the disk.
func validateSpec(spec driver.Spec) error {
	if err := validID(spec.ID); err != nil {
		return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResInstance, ID: spec.ID,
			Public: "invalid instance id", Err: err}
	}
	if spec.Image.Kind != ImageKindShell {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResImage, spec.Image.ID,
			"the process driver cannot boot images of kind %q", spec.Image.Kind)
	}
	seen := make(map[string]bool, len(spec.Volumes))
	root := false
	for _, v := range spec.Volumes {
		if err := validID(v.ID); err != nil {
			return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResVolume, ID: v.ID,
				Public: "invalid volume id", Err: err}
		}
		if seen[v.ID] {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResVolume, v.ID, "volume %s attached twice", v.ID)
		}
		seen[v.ID] = true
		root = root || v.Root
	}
	if !root {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResVolume, spec.ID, "the instance has no root volume")
	}
	for k, v := range spec.Env {
		if !validEnvName(k) || strings.ContainsRune(v, 0) {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, spec.ID, "invalid environment variable %q", k)
		}
	}
	return nil
}

// rootVolume returns the first volume with Root set.
func rootVolume(spec driver.Spec) (driver.Volume, bool) {
	for _, v := range spec.Volumes {
		if v.Root {
			return v, true
		}
	}
	return driver.Volume{}, false
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

// specEqual compares specs by their JSON form, so nil and empty maps match.
func specEqual(a, b driver.Spec) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

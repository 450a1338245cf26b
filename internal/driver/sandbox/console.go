package sandbox

import (
	"context"
	"path/filepath"

	"strato/internal/driver/hostfs"
	"strato/internal/driver/sandbox/shim"
	"strato/internal/errdefs"
)

// ConsoleOutput returns the last max bytes of the guest's console, across
// runs (hostfs.DefaultConsoleMax when max <= 0).
func (d *Driver) ConsoleOutput(ctx context.Context, id string, max int) ([]byte, error) {
	inst, err := d.get(id)
	if err != nil {
		return nil, err
	}
	out, err := hostfs.ReadConsole(filepath.Join(inst.dir, shim.ConsoleFile), max)
	if err != nil {
		return nil, errdefs.Wrap(err, "cannot read console output")
	}
	return out, nil
}

// appendConsole adds a driver line to the console log, best effort.
func appendConsole(dir, line string) {
	hostfs.AppendConsole(filepath.Join(dir, shim.ConsoleFile), line)
}

package process

import (
	"context"
	"path/filepath"

	"strato/internal/driver/hostfs"
	"strato/internal/errdefs"
)

// DefaultConsoleMax is what ConsoleOutput returns at most when asked for
// max <= 0: 64 KiB, like EC2's GetConsoleOutput.
const DefaultConsoleMax = hostfs.DefaultConsoleMax

// ConsoleOutput returns the last max bytes the guest wrote to its console,
// across runs (DefaultConsoleMax when max <= 0).
func (d *Driver) ConsoleOutput(ctx context.Context, id string, max int) ([]byte, error) {
	inst, err := d.get(id)
	if err != nil {
		return nil, err
	}
	out, err := hostfs.ReadConsole(filepath.Join(inst.dir, "console.log"), max)
	if err != nil {
		return nil, errdefs.Wrap(err, "cannot read console output")
	}
	return out, nil
}

// appendConsole adds a driver line to the console log, best effort.
func appendConsole(rt, line string) {
	hostfs.AppendConsole(filepath.Join(rt, "console.log"), line)
}

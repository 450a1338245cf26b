package sandbox

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"strato/internal/driver/sandbox/shim"
	"strato/internal/errdefs"
)

const (
	// DefaultConsoleMax is what ConsoleOutput returns at most when asked for
	// max <= 0: 64 KiB, like EC2's GetConsoleOutput.
	DefaultConsoleMax = 64 << 10
	consoleTrimAt     = 4 << 20
	consoleKeep       = 1 << 20
)

// ConsoleOutput returns the last max bytes of the guest's console, across runs.
func (d *Driver) ConsoleOutput(ctx context.Context, id string, max int) ([]byte, error) {
	inst, err := d.get(id)
	if err != nil {
		return nil, err
	}
	if max <= 0 {
		max = DefaultConsoleMax
	}
	out, err := readTail(filepath.Join(inst.dir, shim.ConsoleFile), int64(max))
	if errors.Is(err, fs.ErrNotExist) {
		return []byte{}, nil
	}
	if err != nil {
		return nil, errdefs.Wrap(err, "cannot read console output")
	}
	return out, nil
}

// trimConsole cuts the console log down to its tail when it has grown too
// large; only called while no guest writes to it.
func trimConsole(path string) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() <= consoleTrimAt {
		return
	}
	tail, err := readTail(path, consoleKeep)
	if err != nil {
		return
	}
	tmp := path + ".trim"
	if os.WriteFile(tmp, tail, 0o600) == nil {
		_ = os.Rename(tmp, path)
	}
}

// appendConsole adds a driver line to the console log, best effort.
func appendConsole(dir, line string) {
	f, err := os.OpenFile(filepath.Join(dir, shim.ConsoleFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.WriteString(f, line)
}

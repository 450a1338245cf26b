package process

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"strato/internal/errdefs"
)

const (
	// DefaultConsoleMax is what ConsoleOutput returns at most when asked for
	// max <= 0: 64 KiB, like EC2's GetConsoleOutput.
	DefaultConsoleMax = 64 << 10
	// consoleTrimAt is the size beyond which console.log is cut down to its
	// last consoleKeep bytes at the next start.
	consoleTrimAt = 4 << 20
	consoleKeep   = 1 << 20
)

// ConsoleOutput returns the last max bytes the guest wrote to its console,
// across runs (DefaultConsoleMax when max <= 0).
func (d *Driver) ConsoleOutput(ctx context.Context, id string, max int) ([]byte, error) {
	inst, err := d.get(id)
	if err != nil {
		return nil, err
	}
	if max <= 0 {
		max = DefaultConsoleMax
	}
	out, err := readTail(filepath.Join(inst.dir, "console.log"), int64(max))
	if errors.Is(err, fs.ErrNotExist) {
		return []byte{}, nil
	}
	if err != nil {
		return nil, errdefs.Wrap(err, "cannot read console output")
	}
	return out, nil
}

// readTail returns the last max bytes of the file at path.
func readTail(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := fi.Size() - max
	if off < 0 {
		off = 0
	}
	return io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
}

// trimConsole cuts the console log at path down to its tail when it has
// grown beyond consoleTrimAt. Only called while no guest writes to it.
func trimConsole(path string) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() <= consoleTrimAt {
		return
	}
	tail, err := readTail(path, consoleKeep)
	if err != nil {
		return
	}
	_ = writeFileAtomic(path, tail, 0o600)
}

// appendConsole adds a driver line to the console log, best effort.
func appendConsole(rt, line string) {
	f, err := os.OpenFile(filepath.Join(rt, "console.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.WriteString(f, line)
}

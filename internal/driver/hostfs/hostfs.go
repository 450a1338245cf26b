// Package hostfs holds the file handling of drivers that keep their state
// in directories on this host: atomic and durable record files, volume
// directories a guest may have made hard to remove, and console logs.
package hostfs

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to path through a temporary file and a rename,
// so that readers see either the old or the new content.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, false)
}

// WriteFileDurable is WriteFileAtomic with the data synced to disk before
// the rename, for records a restart depends on.
func WriteFileDurable(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, true)
}

func writeFile(path string, data []byte, perm os.FileMode, sync bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil && sync {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		_ = os.Remove(name)
	}
	return err
}

// WriteJSON writes v as indented JSON to path (mode 0600), atomically and
// durably.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileDurable(path, append(data, '\n'), 0o600)
}

// WriteJSONAtomic writes v as indented JSON to path (mode 0600) atomically
// but without syncing: for runtime records that must survive the death of
// a process, not of the host (whose reboot ends the guests they describe).
func WriteJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(data, '\n'), 0o600)
}

// ReadJSON decodes path into v. A missing file gives an fs.ErrNotExist error.
func ReadJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// RemoveAll is os.RemoveAll that also copes with directories a guest made
// unwritable or unreadable (chmod 0 on a subdirectory).
func RemoveAll(path string) error {
	err := os.RemoveAll(path)
	if err == nil {
		return nil
	}
	makeWritable(path)
	return os.RemoveAll(path)
}

// makeWritable gives the owner full access to every directory under path.
func makeWritable(path string) {
	_ = os.Chmod(path, 0o700)
	_ = filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
		if e != nil && e.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
}

// EmptyDir removes everything inside dir and keeps (or creates) dir itself.
func EmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		makeWritable(dir)
		if entries, err = os.ReadDir(dir); err != nil {
			return err
		}
	}
	var first error
	for _, e := range entries {
		if err := RemoveAll(filepath.Join(dir, e.Name())); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Console logs.
const (
	// DefaultConsoleMax is what ReadConsole returns at most when asked for
	// max <= 0: 64 KiB, like EC2's GetConsoleOutput.
	DefaultConsoleMax = 64 << 10
	// consoleTrimAt is the size beyond which TrimConsole cuts a log down to
	// its last consoleKeep bytes.
	consoleTrimAt = 4 << 20
	consoleKeep   = 1 << 20
)

// ReadConsole returns the last max bytes (DefaultConsoleMax when max <= 0)
// of the console log at path; nothing when there is no log yet.
func ReadConsole(path string, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultConsoleMax
	}
	out, err := ReadTail(path, int64(max))
	if errors.Is(err, fs.ErrNotExist) {
		return []byte{}, nil
	}
	return out, err
}

// ReadTail returns the last max bytes of the file at path.
func ReadTail(path string, max int64) ([]byte, error) {
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

// TrimConsole cuts the console log at path down to its tail when it has
// grown too large. Only call it while no guest writes to the log.
func TrimConsole(path string) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() <= consoleTrimAt {
		return
	}
	tail, err := ReadTail(path, consoleKeep)
	if err != nil {
		return
	}
	_ = WriteFileAtomic(path, tail, 0o600)
}

// AppendConsole adds a line to the console log at path, best effort.
func AppendConsole(path, line string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.WriteString(f, line)
}

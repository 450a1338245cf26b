package process

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path through a temporary file and a rename,
// so that readers see either the old or the new content.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, false)
}

// writeFileDurable is writeFileAtomic with the data synced to disk before
// the rename, for the records a restart depends on.
func writeFileDurable(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, true)
}

// writeFile writes data to path through a temporary file and a rename,
// syncing first if sync is set.
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

// writeJSON writes v as indented JSON to path, atomically and durably.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileDurable(path, append(data, '\n'), 0o600)
}

// readJSON decodes path into v. A missing file gives an fs.ErrNotExist error.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// removeAll is os.RemoveAll that also copes with directories the guest made
// unwritable or unreadable (chmod 0 on a subdirectory).
func removeAll(path string) error {
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

// emptyDir removes everything inside dir and keeps (or creates) dir itself.
func emptyDir(dir string) error {
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
		if err := removeAll(filepath.Join(dir, e.Name())); err != nil && first == nil {
			first = err
		}
	}
	return first
}

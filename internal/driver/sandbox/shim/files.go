package shim

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"strato/internal/driver/hostfs"
)

// ReadRun reads the run record in the instance directory dir.
func ReadRun(dir string) (RunRecord, error) {
	var r RunRecord
	err := hostfs.ReadJSON(filepath.Join(dir, RunFile), &r)
	return r, err
}

// ReadExit reads the exit record in the instance directory dir.
func ReadExit(dir string) (ExitRecord, error) {
	var r ExitRecord
	err := hostfs.ReadJSON(filepath.Join(dir, ExitFile), &r)
	return r, err
}

// ctlStop is the byte the shim writes on the init's control pipe before it
// sends a SIGTERM that means "stop".
const ctlStop = 's'

// maxFrame bounds the init's configuration.
const maxFrame = 64 << 20

// writeFrame writes v as a length-prefixed JSON frame.
func writeFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	_, err = w.Write(append(hdr[:], b...))
	return err
}

// readFrame reads one frame written by writeFrame into v.
func readFrame(r io.Reader, v any) error {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return fmt.Errorf("configuration of %d bytes is too large", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// placeFiles writes the spec's files into the guest, which is the init's
// root by now (so paths resolve inside the guest, never on the host), and
// makes each read-only by binding it onto itself read-only: root in the
// guest, without CAP_SYS_ADMIN, can neither write, remove nor unmount it.
// A copy from an earlier boot (on an image's root volume) is replaced.
func placeFiles(files []File) error {
	for _, f := range files {
		if err := placeFile(f); err != nil {
			return fmt.Errorf("guest file %s: %w", f.Path, err)
		}
	}
	return nil
}

func placeFile(f File) error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
		return err
	}
	if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	out, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	_, err = out.Write(f.Data)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(f.Path, fs.FileMode(f.Mode).Perm()); err != nil {
		return err
	}
	if err := unix.Mount(f.Path, f.Path, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV)
	if err := unix.Mount("", f.Path, "", flags, ""); err != nil {
		return fmt.Errorf("make read-only: %w", err)
	}
	return nil
}

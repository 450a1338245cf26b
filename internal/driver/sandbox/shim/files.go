package shim

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

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

// Package image keeps the root filesystems that sandboxed guests boot from,
// in a directory of its own:
//
//	DIR/busybox/<version>/rootfs   the built-in busybox image (Busybox), built at first use
//	DIR/rootfs/<id>/rootfs         imported images (Import), with image.json beside each
//	DIR/tmp/                       work directories of builds and imports in progress
//
// A root filesystem is built or unpacked in a work directory and published
// with one rename; after that nothing writes into it again. Running guests
// use a published root filesystem as the read-only lower layer of an
// overlay, so a changed busybox binary makes a new version directory
// instead of touching the old one, and Remove unpublishes with a rename
// before it deletes.
//
// Several processes may share a directory: builds and imports hold a shared
// lock on DIR/.lock while their work directory exists, and Open clears
// DIR/tmp of abandoned work only when it can take that lock exclusively.
// Building the busybox image holds DIR/busybox.lock, so that it happens
// exactly once whoever asks first.
//
// The directory is the daemon's alone (created 0700): images keep their
// set-user-ID files and, when the daemon runs as root, their owners.
package image

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"strato/internal/errdefs"
)

// Default limits of an imported image.
const (
	DefaultMaxBytes   = 8 << 30 // total size of an image's files: 8 GiB
	DefaultMaxEntries = 1 << 20 // archive entries
)

// DefaultBusybox is where Debian's busybox-static package installs busybox.
const DefaultBusybox = "/bin/busybox"

// ResArchive names an image archive in errors.
const ResArchive errdefs.Resource = "image-archive"

// Names inside the store directory.
const (
	busyboxDir  = "busybox"
	importsDir  = "rootfs"
	tmpDir      = "tmp"
	rootfsName  = "rootfs"     // the root filesystem inside a published directory
	metaName    = "image.json" // an imported image's metadata, beside rootfs
	storeLock   = ".lock"
	busyboxLock = "busybox.lock"
)

// Store is an image directory. It is safe for concurrent use, also by
// several processes.
type Store struct {
	dir        string
	busybox    string
	maxBytes   int64
	maxEntries int

	// bbMu serializes Busybox in this process; bbCache remembers the
	// published directory per busybox binary (see binaryID).
	bbMu    sync.Mutex
	bbCache map[string]string
}

// Option configures Open.
type Option func(*Store)

// WithBusybox sets the busybox binary the built-in image is made from
// (default DefaultBusybox). It must be statically linked.
func WithBusybox(path string) Option { return func(s *Store) { s.busybox = path } }

// WithLimits bounds imported images: maxBytes is the total size of their
// files, maxEntries the number of archive entries. A value <= 0 keeps the
// default.
func WithLimits(maxBytes int64, maxEntries int) Option {
	return func(s *Store) {
		if maxBytes > 0 {
			s.maxBytes = maxBytes
		}
		if maxEntries > 0 {
			s.maxEntries = maxEntries
		}
	}
}

// Open opens (creating it if needed) the image directory dir and clears
// work left behind by builds that died, when no other process is building.
func Open(dir string, opts ...Option) (*Store, error) {
	if dir == "" {
		return nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "image store needs a directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, internal("resolve image directory", err)
	}
	s := &Store{dir: abs, busybox: DefaultBusybox, maxBytes: DefaultMaxBytes, maxEntries: DefaultMaxEntries,
		bbCache: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	for _, d := range []string{abs, s.path(busyboxDir), s.path(importsDir), s.path(tmpDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, internal("create image directory", err)
		}
	}
	if err := s.clearTmp(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir returns the store's absolute directory.
func (s *Store) Dir() string { return s.dir }

// MaxBytes is the limit of an imported image's total file size.
func (s *Store) MaxBytes() int64 { return s.maxBytes }

// MaxArchiveBytes bounds an archive as sent: the file limit plus room for
// the tar headers and padding of the most entries allowed. An upload route
// limits its body to this.
func (s *Store) MaxArchiveBytes() int64 {
	return s.maxBytes + int64(s.maxEntries)*2048 + 1<<20
}

func (s *Store) path(elem ...string) string {
	return filepath.Join(append([]string{s.dir}, elem...)...)
}

// List returns the published imported images, by name then directory.
func (s *Store) List() ([]Imported, error) {
	ents, err := os.ReadDir(s.path(importsDir))
	if err != nil {
		return nil, internal("list images", err)
	}
	var out []Imported
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(s.path(importsDir, e.Name(), metaName))
		if err != nil {
			return nil, internal("read image metadata", err)
		}
		var im Imported
		if err := json.Unmarshal(b, &im); err != nil {
			return nil, internal("read image metadata", fmt.Errorf("%s: %w", e.Name(), err))
		}
		im.Dir = s.path(importsDir, e.Name(), rootfsName)
		out = append(out, im)
	}
	slices.SortFunc(out, func(a, b Imported) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Dir, b.Dir)
	})
	return out, nil
}

// Remove deletes an imported image given its root filesystem (Imported.Dir).
// It unpublishes it with a rename first, so that a crash half-way leaves
// only work for Open to clear. Removing an image that is gone is not an
// error. The caller makes sure no guest uses it any more.
func (s *Store) Remove(ctx context.Context, dir string) error {
	abs := filepath.Clean(dir)
	idDir := filepath.Dir(abs)
	if !filepath.IsAbs(abs) || filepath.Base(abs) != rootfsName || filepath.Dir(idDir) != s.path(importsDir) {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResImage, dir, "%s is not an imported image of this store", dir)
	}
	unlock, err := s.lock(storeLock, unix.LOCK_SH)
	if err != nil {
		return err
	}
	defer unlock()
	trash := s.path(tmpDir, "rm-"+randomHex(8))
	if err := os.Rename(idDir, trash); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return internal("unpublish image", err)
	}
	if err := removeAll(trash); err != nil {
		return internal("remove image", err)
	}
	return ctx.Err()
}

// clearTmp removes abandoned work directories, unless another process
// holds the store lock (it is building or importing right now).
func (s *Store) clearTmp() error {
	f, err := os.OpenFile(s.path(storeLock), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return internal("open image store lock", err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return nil // busy: the owner's work is not abandoned
	}
	ents, err := os.ReadDir(s.path(tmpDir))
	if err != nil {
		return internal("list image work directories", err)
	}
	for _, e := range ents {
		if err := removeAll(s.path(tmpDir, e.Name())); err != nil {
			return internal("clear image work directory", err)
		}
	}
	return nil
}

// lock takes a flock of kind how (LOCK_SH or LOCK_EX) on a file of the
// store, blocking, and returns its release. Each call opens its own file
// description, so locks of one process exclude each other too.
func (s *Store) lock(name string, how int) (func(), error) {
	f, err := os.OpenFile(s.path(name), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, internal("open image store lock", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, internal("lock image store", err)
	}
	return func() { f.Close() }, nil
}

// workDir makes a work directory under tmp, holding the store lock shared
// until done is called; done removes the directory unless it was renamed
// away (published).
func (s *Store) workDir(prefix string) (dir string, done func(), err error) {
	unlock, err := s.lock(storeLock, unix.LOCK_SH)
	if err != nil {
		return "", nil, err
	}
	dir, err = os.MkdirTemp(s.path(tmpDir), prefix+"-")
	if err != nil {
		unlock()
		return "", nil, internal("create image work directory", err)
	}
	return dir, func() {
		_ = removeAll(dir)
		unlock()
	}, nil
}

// publish renames a finished work directory to dst and makes the rename
// durable.
func publish(work, dst string) error {
	if err := os.Rename(work, dst); err != nil {
		return internal("publish image", err)
	}
	return syncDir(filepath.Dir(dst))
}

// syncDir fsyncs a directory, making renames in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return internal("sync image directory", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return internal("sync image directory", err)
	}
	return nil
}

// syncFS flushes the filesystem holding dir, so that a published image's
// files are on disk before anyone records it.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return internal("sync image", err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return internal("sync image", err)
	}
	return nil
}

// removeAll deletes a tree, first making directories writable where an
// image left them read-only (as a non-root daemon cannot delete from them).
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// internal wraps a host failure: the public message says what failed, the
// cause is only logged.
func internal(what string, err error) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.Internal, Resource: errdefs.ResImage, Public: "image store: " + what + " failed",
		Err: fmt.Errorf("%s: %w", what, err)}
}

package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"strato/internal/errdefs"
)

// Imported describes a published imported image.
type Imported struct {
	// Dir is the root filesystem.
	Dir string `json:"-"`
	// Name is the name the image was imported under.
	Name string `json:"name"`
	// Digest is the SHA-256 (hex) of the archive as it was read, compressed
	// if it was: what sha256sum prints for the file.
	Digest string `json:"digest"`
	// Bytes is the total size of the image's regular files.
	Bytes int64 `json:"bytes"`
	// Files counts what was created: directories, files, links and fifos.
	Files int `json:"files"`
	// Skipped counts the device nodes left out (a guest gets its own /dev).
	Skipped int `json:"skipped,omitempty"`
	// Created is when the import finished.
	Created time.Time `json:"created"`
}

// Import unpacks a tar archive, plain or gzip-compressed (told apart by
// their magic numbers), into a new published root filesystem.
//
// It never writes through a symbolic link: entries may create links that
// point anywhere, but an entry below a link is refused, and so are absolute
// names, names with "..", hard links to anything but an earlier file of
// the same archive, and an archive over the store's limits (WithLimits).
// Device nodes are skipped and counted; fifos are created. Modes are kept,
// set-user-ID bits included; owners are kept when the daemon runs as root.
// The image must contain /bin/sh (links followed inside the image, as the
// guest will), or it is refused as not bootable.
//
// A bad archive is an InvalidArgument error (resource ResArchive) with a
// message that says what is wrong; an *errdefs.Error that r returns (a
// request body that fails its checksum, say) is passed through. r is read
// to its end, also past the archive's end marker. On any error nothing is
// left behind.
func (s *Store) Import(ctx context.Context, name string, r io.Reader) (Imported, error) {
	work, done, err := s.workDir("import")
	if err != nil {
		return Imported{}, err
	}
	defer done()
	root := filepath.Join(work, rootfsName)
	if err := os.Mkdir(root, 0o755); err != nil {
		return Imported{}, internal("create image directory", err)
	}

	raw := &limitHash{r: r, h: sha256.New(), max: s.MaxArchiveBytes(), what: "the archive"}
	res, err := s.extract(ctx, root, raw)
	if err != nil {
		return Imported{}, err
	}
	res.Name = name
	res.Digest = hex.EncodeToString(raw.h.Sum(nil))
	res.Created = time.Now().UTC()
	if err := bootable(root); err != nil {
		return Imported{}, err
	}

	meta, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return Imported{}, internal("write image metadata", err)
	}
	if err := os.WriteFile(filepath.Join(work, metaName), append(meta, '\n'), 0o600); err != nil {
		return Imported{}, internal("write image metadata", err)
	}
	if err := syncFS(work); err != nil {
		return Imported{}, err
	}
	id := randomHex(12)
	if err := publish(work, s.path(importsDir, id)); err != nil {
		return Imported{}, err
	}
	res.Dir = s.path(importsDir, id, rootfsName)
	return res, nil
}

// Compression formats recognized by their magic numbers, to name them in
// the error of the ones not served.
var magics = []struct {
	name  string
	magic []byte
}{
	{"gzip", []byte{0x1f, 0x8b}},
	{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0}},
	{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{"bzip2", []byte("BZh")},
}

// extract unpacks raw into root and drains raw to its end.
func (s *Store) extract(ctx context.Context, root string, raw *limitHash) (Imported, error) {
	br := bufio.NewReaderSize(raw, 64<<10)
	head, err := br.Peek(6)
	if len(head) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return Imported{}, bad("the archive is empty")
		}
		return Imported{}, readErr(err)
	}
	var stream io.Reader = br
	for _, m := range magics {
		if !bytes.HasPrefix(head, m.magic) {
			continue
		}
		if m.name != "gzip" {
			return Imported{}, bad("the archive is compressed with %s; send a plain or gzip-compressed tar", m.name)
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Imported{}, readErr(err)
		}
		defer zr.Close()
		stream = zr
	}
	// The unpacked stream is bounded too: a small gzip may expand to a huge
	// run of padding that no file limit would see.
	tarStream := &limitHash{r: stream, max: s.MaxArchiveBytes(), what: "the unpacked archive"}

	dir, err := os.Open(root)
	if err != nil {
		return Imported{}, internal("open image directory", err)
	}
	defer dir.Close()
	x := &extractor{ctx: ctx, rootFd: int(dir.Fd()), maxBytes: s.maxBytes, maxEntries: s.maxEntries,
		nonDirs: map[string]bool{}, dirs: map[string]*tar.Header{}, asRoot: os.Geteuid() == 0}
	tr := tar.NewReader(ctxReader{ctx, tarStream})
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Imported{}, readErr(err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return Imported{}, err
		}
	}
	if x.entries == 0 {
		return Imported{}, bad("the archive has no entries")
	}
	if err := x.finish(); err != nil {
		return Imported{}, err
	}
	// Read to the end: past the end marker come padding and, for a request
	// body, the check of its checksum.
	if _, err := io.Copy(io.Discard, ctxReader{ctx, tarStream}); err != nil {
		return Imported{}, readErr(err)
	}
	if _, err := io.Copy(io.Discard, ctxReader{ctx, br}); err != nil {
		return Imported{}, readErr(err)
	}
	return Imported{Bytes: x.bytes, Files: x.files, Skipped: x.skipped}, nil
}

// extractor creates the entries of one archive below rootFd.
type extractor struct {
	ctx        context.Context
	rootFd     int
	maxBytes   int64
	maxEntries int
	asRoot     bool // keep owners

	entries, files, skipped int
	bytes                   int64
	// nonDirs are the entries created as files, links or fifos: the only
	// targets a hard link may have.
	nonDirs map[string]bool
	// dirs are the directory entries, whose mode, owner and time are set at
	// the end (a read-only directory would refuse its children).
	dirs map[string]*tar.Header
}

// entry creates one archive entry.
func (x *extractor) entry(hdr *tar.Header, body io.Reader) error {
	if err := x.ctx.Err(); err != nil {
		return err
	}
	x.entries++
	if x.entries > x.maxEntries {
		return bad("the archive has more than %d entries (the image limit)", x.maxEntries)
	}
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	rel, err := entryPath(hdr.Name)
	if err != nil {
		return err
	}
	if rel == "" {
		if hdr.Typeflag != tar.TypeDir {
			return bad("entry %q: the root of the image must be a directory", clip(hdr.Name))
		}
		x.dirs[""] = hdr
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeChar, tar.TypeBlock:
		x.skipped++
		return nil
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink, tar.TypeLink, tar.TypeFifo:
	case tar.TypeGNUSparse: // old GNU sparse file: the reader expands it
		hdr.Typeflag = tar.TypeReg
	default:
		return bad("entry %q has type %q, which an image cannot hold", clip(hdr.Name), string(hdr.Typeflag))
	}

	pfd, leaf, err := x.parent(rel)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	switch hdr.Typeflag {
	case tar.TypeDir:
		err = x.mkdir(pfd, leaf, rel, hdr)
	case tar.TypeReg:
		err = x.file(pfd, leaf, rel, hdr, body)
	case tar.TypeSymlink:
		err = x.symlink(pfd, leaf, rel, hdr)
	case tar.TypeLink:
		err = x.hardlink(pfd, leaf, rel, hdr)
	case tar.TypeFifo:
		err = x.fifo(pfd, leaf, rel, hdr)
	}
	if err != nil {
		return err
	}
	x.files++
	return nil
}

// entryPath turns an entry name into a path relative to the image root, ""
// for the root itself. Absolute names and ".." are refused.
func entryPath(name string) (string, error) {
	if name == "" {
		return "", bad("an entry has an empty name")
	}
	if strings.HasPrefix(name, "/") {
		return "", bad("entry %q has an absolute name; image entries are relative to the image root", clip(name))
	}
	if strings.ContainsRune(name, 0) {
		return "", bad("entry %q has a NUL byte in its name", clip(name))
	}
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "", ".":
		case "..":
			return "", bad("entry %q has \"..\" in its name, which could reach out of the image", clip(name))
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/"), nil
}

// parent opens the directory that holds rel's last element and returns it
// with that element. Missing directories on the way are created (0755); a
// symbolic link on the way is never followed: the entry is refused.
func (x *extractor) parent(rel string) (int, string, error) {
	elems := strings.Split(rel, "/")
	leaf := elems[len(elems)-1]
	fd, err := unix.Openat(x.rootFd, ".", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", internal("open image directory", err)
	}
	for i, e := range elems[:len(elems)-1] {
		next, err := x.openDir(fd, e)
		if err != nil {
			var st unix.Stat_t
			at := strings.Join(elems[:i+1], "/")
			serr := unix.Fstatat(fd, e, &st, unix.AT_SYMLINK_NOFOLLOW)
			unix.Close(fd)
			switch {
			case serr == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK:
				return -1, "", bad("entry %q is below the symbolic link %q; entries are never written through links", clip(rel), clip(at))
			case serr == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR:
				return -1, "", bad("entry %q is below %q, which is not a directory", clip(rel), clip(at))
			}
			return -1, "", internal("open image directory", err)
		}
		unix.Close(fd)
		fd = next
	}
	return fd, leaf, nil
}

// openDir opens the directory name in dirfd without following a link,
// creating it when it is missing.
func (x *extractor) openDir(dirfd int, name string) (int, error) {
	const flags = unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_RDONLY | unix.O_CLOEXEC
	fd, err := unix.Openat(dirfd, name, flags, 0)
	if !errors.Is(err, unix.ENOENT) {
		return fd, err
	}
	if err := unix.Mkdirat(dirfd, name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, err
	}
	if fd, err = unix.Openat(dirfd, name, flags, 0); err != nil {
		return -1, err
	}
	if err := unix.Fchmod(fd, 0o755); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// clear makes room for a new non-directory at leaf: a file or link already
// there (a later entry of the same name wins) is removed; a directory is
// not replaced.
func (x *extractor) clear(pfd int, leaf, rel string) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, leaf, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return internal("unpack image", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return bad("entry %q would replace a directory", clip(rel))
	}
	if err := unix.Unlinkat(pfd, leaf, 0); err != nil {
		return internal("unpack image", err)
	}
	delete(x.nonDirs, rel)
	return nil
}

func (x *extractor) mkdir(pfd int, leaf, rel string, hdr *tar.Header) error {
	err := unix.Mkdirat(pfd, leaf, 0o700)
	if errors.Is(err, unix.EEXIST) {
		var st unix.Stat_t
		if err := unix.Fstatat(pfd, leaf, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return internal("unpack image", err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return bad("directory entry %q would replace a file or link of the same name", clip(rel))
		}
	} else if err != nil {
		return internal("unpack image", err)
	}
	x.dirs[rel] = hdr
	return nil
}

func (x *extractor) file(pfd int, leaf, rel string, hdr *tar.Header, body io.Reader) error {
	if hdr.Size < 0 || hdr.Size > x.maxBytes-x.bytes {
		return bad("the image's files add up to more than %d bytes (the image limit) at entry %q", x.maxBytes, clip(hdr.Name))
	}
	if err := x.clear(pfd, leaf, rel); err != nil {
		return err
	}
	fd, err := unix.Openat(pfd, leaf, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return internal("unpack image", err)
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	n, err := io.Copy(f, body)
	x.bytes += n
	if err != nil {
		var e *errdefs.Error
		if errors.As(err, &e) {
			return e
		}
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == rel { // the write side
			return internal("unpack image", err)
		}
		return readErr(err)
	}
	if x.asRoot {
		if err := f.Chown(hdr.Uid, hdr.Gid); err != nil {
			return internal("unpack image", err)
		}
	}
	if err := unix.Fchmod(fd, uint32(hdr.Mode&0o7777)); err != nil { // after chown, which clears set-id bits
		return internal("unpack image", err)
	}
	x.nonDirs[rel] = true
	return x.times(pfd, leaf, hdr)
}

func (x *extractor) symlink(pfd int, leaf, rel string, hdr *tar.Header) error {
	if hdr.Linkname == "" {
		return bad("symbolic link %q has an empty target", clip(rel))
	}
	if err := x.clear(pfd, leaf, rel); err != nil {
		return err
	}
	if err := unix.Symlinkat(hdr.Linkname, pfd, leaf); err != nil {
		return internal("unpack image", err)
	}
	if x.asRoot {
		if err := unix.Fchownat(pfd, leaf, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return internal("unpack image", err)
		}
	}
	x.nonDirs[rel] = true
	return x.times(pfd, leaf, hdr)
}

func (x *extractor) hardlink(pfd int, leaf, rel string, hdr *tar.Header) error {
	target, err := entryPath(hdr.Linkname)
	if err != nil || target == "" || !x.nonDirs[target] {
		return bad("hard link %q points to %q, which is not an earlier file of the image", clip(rel), clip(hdr.Linkname))
	}
	if target == rel {
		return nil
	}
	tfd, tleaf, err := x.parent(target)
	if err != nil {
		return err
	}
	defer unix.Close(tfd)
	if err := x.clear(pfd, leaf, rel); err != nil {
		return err
	}
	if err := unix.Linkat(tfd, tleaf, pfd, leaf, 0); err != nil { // 0: link a symlink itself, never its target
		return internal("unpack image", err)
	}
	x.nonDirs[rel] = true
	return nil
}

func (x *extractor) fifo(pfd int, leaf, rel string, hdr *tar.Header) error {
	if err := x.clear(pfd, leaf, rel); err != nil {
		return err
	}
	if err := unix.Mknodat(pfd, leaf, unix.S_IFIFO|0o600, 0); err != nil {
		return internal("unpack image", err)
	}
	if x.asRoot {
		if err := unix.Fchownat(pfd, leaf, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return internal("unpack image", err)
		}
	}
	// The fifo was just made here, in a work directory no one else writes.
	if err := unix.Fchmodat(pfd, leaf, uint32(hdr.Mode&0o7777), 0); err != nil {
		return internal("unpack image", err)
	}
	x.nonDirs[rel] = true
	return x.times(pfd, leaf, hdr)
}

// times sets leaf's modification time from hdr (access time likewise),
// without following a link.
func (x *extractor) times(pfd int, leaf string, hdr *tar.Header) error {
	if hdr.ModTime.IsZero() {
		return nil
	}
	ts := unix.NsecToTimespec(hdr.ModTime.UnixNano())
	if err := unix.UtimesNanoAt(pfd, leaf, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return internal("unpack image", err)
	}
	return nil
}

// finish gives the directory entries their owner, mode and time, deepest
// first (a directory's time changes when a child is made); the root gets
// 0755 when the archive does not say.
func (x *extractor) finish() error {
	if _, ok := x.dirs[""]; !ok {
		x.dirs[""] = &tar.Header{Typeflag: tar.TypeDir, Mode: 0o755}
	}
	paths := make([]string, 0, len(x.dirs))
	for p := range x.dirs {
		paths = append(paths, p)
	}
	depth := func(p string) int {
		if p == "" {
			return -1
		}
		return strings.Count(p, "/")
	}
	slices.SortFunc(paths, func(a, b string) int {
		if d := depth(b) - depth(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, p := range paths {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		hdr := x.dirs[p]
		pfd, leaf := x.rootFd, "."
		if p != "" {
			var err error
			if pfd, leaf, err = x.parent(p); err != nil {
				return err
			}
		}
		err := x.dirMeta(pfd, leaf, hdr)
		if p != "" {
			unix.Close(pfd)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) dirMeta(pfd int, leaf string, hdr *tar.Header) error {
	if x.asRoot {
		if err := unix.Fchownat(pfd, leaf, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return internal("unpack image", err)
		}
	}
	// leaf is a directory this import made (a directory is never replaced
	// by a link), so following is safe.
	if err := unix.Fchmodat(pfd, leaf, uint32(hdr.Mode&0o7777), 0); err != nil {
		return internal("unpack image", err)
	}
	return x.times(pfd, leaf, hdr)
}

// bootable checks that /bin/sh resolves, inside the image, to an executable
// file.
func bootable(root string) error {
	fi, err := resolveIn(root, "bin/sh")
	if err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return bad("the image has no /bin/sh, so it is not bootable: a guest starts with /bin/sh (an executable file, or a link to one inside the image)")
	}
	return nil
}

// resolveIn looks p up inside root the way a guest with root as its / will:
// absolute links start again at root and ".." stops there.
func resolveIn(root, p string) (fs.FileInfo, error) {
	pending := strings.Split(p, "/")
	var done []string
	for hops := 0; len(pending) > 0; {
		e := pending[0]
		pending = pending[1:]
		switch e {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := filepath.Join(root, filepath.Join(append(done, e)...))
		fi, err := os.Lstat(cur)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, e)
			continue
		}
		if hops++; hops > 40 {
			return nil, unix.ELOOP
		}
		target, err := os.Readlink(cur)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	return os.Lstat(filepath.Join(root, filepath.Join(done...)))
}

// limitHash counts (and hashes, when h is set) what is read through it and
// fails once more than max bytes came.
type limitHash struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	max  int64
	what string
}

func (l *limitHash) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.h != nil {
		l.h.Write(p[:n])
	}
	l.n += int64(n)
	if l.n > l.max {
		return n, bad("%s is larger than %d bytes (the image limit)", l.what, l.max)
	}
	return n, err
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// readErr classifies a failure to read the archive: errors of our own (a
// limit, a failed checksum of the body, a cancelled context) pass through,
// the rest is a malformed archive.
func readErr(err error) error {
	var e *errdefs.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: ResArchive,
			Public: "image archive: the archive ends in the middle of an entry (truncated?)", Err: err}
	}
	return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: ResArchive,
		Public: fmt.Sprintf("image archive: not a valid tar or gzip stream: %s", clip(err.Error())), Err: err}
}

// bad is a malformed or over-limit archive.
func bad(format string, args ...any) *errdefs.Error {
	return errdefs.Newf(errdefs.InvalidArgument, ResArchive, "", "image archive: "+format, args...)
}

func clip(s string) string { return errdefs.Clip(s, 200) }

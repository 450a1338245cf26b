package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// TestImport unpacks an archive with every kind of entry an image holds,
// plain and gzip-compressed, and checks the tree a guest would see.
func TestImport(t *testing.T) {
	asRoot := os.Geteuid() == 0
	es := entries(
		dir("./", 0o755),
		dir("bin", 0o755),
		sh(),
		hardlink("bin/sh2", "bin/sh"),
		symlink("bin/ls", "/bin/sh"),             // absolute: made, never followed
		symlink("etc/escape", "../../../../etc"), // points out of the image: made, never followed
		withUID(file("usr/bin/su", 0o4755, "su"), 1000),
		dir("tmp", 0o1777),
		dir("ro", 0o555),
		file("ro/inside", 0o644, "x"),
		file("a/b/c.txt", 0o600, "implicit parents"),
		special("run/initctl", tar.TypeFifo),
		special("dev/null", tar.TypeChar),
		file("etc/hosts", 0o644, "old"),
		file("etc/hosts", 0o644, "new"), // the later entry wins
	)
	owner := "uid=0"
	if !asRoot {
		owner = "uid=" + strconv.Itoa(os.Geteuid())
	}
	suOwner := owner
	if asRoot {
		suOwner = "uid=1000"
	}
	want := map[string]string{
		".":           "dir 0755",
		"a":           "dir 0755",
		"a/b":         "dir 0755",
		"a/b/c.txt":   "file 0600 " + owner + " implicit parents",
		"bin":         "dir 0755",
		"bin/sh":      "file 0755 " + owner + " #!shell\n",
		"bin/sh2":     "file 0755 " + owner + " #!shell\n",
		"bin/ls":      "link -> /bin/sh",
		"etc":         "dir 0755",
		"etc/escape":  "link -> ../../../../etc",
		"etc/hosts":   "file 0644 " + owner + " new",
		"ro":          "dir 0555",
		"ro/inside":   "file 0644 " + owner + " x",
		"run":         "dir 0755",
		"run/initctl": "fifo 0644",
		"tmp":         "dir 1777",
		"usr":         "dir 0755",
		"usr/bin":     "dir 0755",
		"usr/bin/su":  "file 4755 " + suOwner + " su",
	}
	archive := mkTar(t, es)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"plain", archive},
		{"gzip", gz(archive)},
		{"plain with trailing padding", concat(archive, zeros(10240))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			got, err := s.Import(t.Context(), "test-image", bytes.NewReader(tc.data))
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if d := cmp.Diff(describe(t, got.Dir), want); d != "" {
				t.Errorf("image tree (-got +want):\n%s", d)
			}
			sum := sha256.Sum256(tc.data)
			wantRes := Imported{Dir: got.Dir, Name: "test-image", Digest: hex.EncodeToString(sum[:]),
				Bytes: int64(len("#!shell\n") + len("su") + len("x") + len("implicit parents") + len("old") + len("new")),
				Files: 13, Skipped: 1, Created: got.Created}
			if d := cmp.Diff(got, wantRes); d != "" {
				t.Errorf("Import result (-got +want):\n%s", d)
			}
			var a, b syscall.Stat_t
			must(t, syscall.Stat(filepath.Join(got.Dir, "bin/sh"), &a))
			must(t, syscall.Stat(filepath.Join(got.Dir, "bin/sh2"), &b))
			if a.Ino != b.Ino {
				t.Error("bin/sh2 is not a hard link of bin/sh")
			}
			list, err := s.List()
			must(t, err)
			if d := cmp.Diff(list, []Imported{got}, cmp.Comparer(func(x, y Imported) bool {
				return x.Dir == y.Dir && x.Name == y.Name && x.Digest == y.Digest && x.Bytes == y.Bytes && x.Files == y.Files
			})); d != "" {
				t.Errorf("List (-got +want):\n%s", d)
			}
			if left := names(t, s.path(tmpDir)); len(left) != 0 {
				t.Errorf("tmp holds %v after the import", left)
			}
		})
	}
}

// TestImportBootable: /bin/sh is looked up the way the guest will, links
// followed inside the image.
func TestImportBootable(t *testing.T) {
	tests := []struct {
		name string
		es   []ent
		ok   bool
	}{
		{"file", entries(sh()), true},
		{"merged /usr with absolute links", entries(symlink("bin", "usr/bin"), file("usr/bin/dash", 0o755, "d"), symlink("usr/bin/sh", "/bin/dash")), true},
		{"link climbing above the root stays inside", entries(symlink("bin", "../../../../usr/bin"), file("usr/bin/sh", 0o755, "s")), true},
		{"no /bin/sh", entries(file("etc/hosts", 0o644, "")), false},
		{"dangling link", entries(symlink("bin/sh", "/bin/busybox")), false},
		{"not executable", entries(file("bin/sh", 0o644, "")), false},
		{"a directory", entries(dir("bin/sh", 0o755)), false},
		{"link loop", entries(symlink("bin/sh", "/bin/sh2"), symlink("bin/sh2", "sh")), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			_, err := s.Import(t.Context(), "x", bytes.NewReader(mkTar(t, tc.es)))
			if tc.ok {
				must(t, err)
				return
			}
			wantKind(t, err, errdefs.InvalidArgument, "not bootable")
		})
	}
}

// TestImportRejects: archives that would write outside the image, or are
// not archives, are refused with a clear message and leave nothing behind.
func TestImportRejects(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name string
		data func(t *testing.T) []byte
		want string
	}{
		{"absolute name", tarOf(bootableWith(file("/etc/passwd", 0o644, "x"))), "absolute name"},
		{"dot-dot", tarOf(bootableWith(file("../evil", 0o644, "x"))), `".."`},
		{"dot-dot inside a name", tarOf(bootableWith(file("a/../../evil", 0o644, "x"))), `".."`},
		{"write through an absolute link", tarOf(bootableWith(symlink("evil", outside), file("evil/x", 0o644, "x"))), "below the symbolic link"},
		{"write through a relative link", tarOf(bootableWith(symlink("up", "../../../../.."), file("up/tmp/x", 0o644, "x"))), "below the symbolic link"},
		{"directory through a link", tarOf(bootableWith(symlink("d", outside), dir("d/sub", 0o755))), "below the symbolic link"},
		{"hard link to an absolute path", tarOf(bootableWith(hardlink("h", "/etc/passwd"))), "not an earlier file"},
		{"hard link climbing out", tarOf(bootableWith(hardlink("h", "../../etc/passwd"))), "not an earlier file"},
		{"hard link to a later entry", tarOf(bootableWith(hardlink("h", "later"), file("later", 0o644, ""))), "not an earlier file"},
		{"hard link to a directory", tarOf(bootableWith(dir("d", 0o755), hardlink("h", "d"))), "not an earlier file"},
		{"hard link through a link", tarOf(bootableWith(symlink("l", outside), hardlink("h", "l/x"))), "not an earlier file"},
		{"file replacing a directory", tarOf(bootableWith(dir("x", 0o755), file("x", 0o644, ""))), "would replace a directory"},
		{"entry below a file", tarOf(bootableWith(file("f", 0o644, ""), file("f/g", 0o644, ""))), "not a directory"},
		{"root that is a file", tarOf(bootableWith(file(".", 0o644, ""))), "root of the image"},
		{"empty link target", tarOf(bootableWith(symlink("l", ""))), "empty target"},
		{"empty input", func(*testing.T) []byte { return nil }, "empty"},
		{"no entries", func(*testing.T) []byte { return zeros(1024) }, "no entries"},
		{"not a tar", func(*testing.T) []byte { return bytes.Repeat([]byte("hello world\n"), 100) }, "not a valid tar"},
		{"truncated", func(t *testing.T) []byte {
			b := mkTar(t, bootableWith(file("big", 0o644, string(zeros(4000)))))
			return b[:2048]
		}, "truncated"},
		{"xz", func(*testing.T) []byte { return concat([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, zeros(100)) }, "compressed with xz"},
		{"zstd", func(*testing.T) []byte { return concat([]byte{0x28, 0xb5, 0x2f, 0xfd}, zeros(100)) }, "compressed with zstd"},
		{"broken gzip", func(t *testing.T) []byte { b := gz(mkTar(t, bootableWith())); return b[:len(b)/2] }, "truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			_, err := s.Import(t.Context(), "x", bytes.NewReader(tc.data(t)))
			wantKind(t, err, errdefs.InvalidArgument, tc.want)
			assertNothingLeft(t, s)
			if left := names(t, outside); len(left) != 0 {
				t.Fatalf("the import wrote outside the image: %v", left)
			}
		})
	}
}

func tarOf(es []ent) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { return mkTar(t, es) }
}

// assertNothingLeft: no published image, no work directory.
func assertNothingLeft(t *testing.T, s *Store) {
	t.Helper()
	if got := names(t, s.path(importsDir)); len(got) != 0 {
		t.Errorf("published after a failed import: %v", got)
	}
	if got := names(t, s.path(tmpDir)); len(got) != 0 {
		t.Errorf("work left after a failed import: %v", got)
	}
}

// TestImportLimits: the size and entry limits hold for plain and compressed
// archives.
func TestImportLimits(t *testing.T) {
	const maxBytes, maxEntries = 1000, 6
	tests := []struct {
		name string
		data func(t *testing.T) []byte
		want string // "" = accepted
	}{
		{"at the limits", tarOf(bootableWith(file("a", 0o644, string(zeros(maxBytes-len("#!shell\n")))), dir("d", 0o755), dir("e", 0o755), dir("f", 0o755))), ""},
		{"one byte over", tarOf(bootableWith(file("a", 0o644, string(zeros(maxBytes-len("#!shell\n")+1))))), "more than 1000 bytes"},
		{"over in many files", tarOf(bootableWith(file("a", 0o644, string(zeros(600))), file("b", 0o644, string(zeros(600))))), "more than 1000 bytes"},
		{"one entry too many", tarOf(bootableWith(dir("c", 0o755), dir("d", 0o755), dir("e", 0o755), dir("f", 0o755), dir("g", 0o755))), "more than 6 entries"},
		{"gzip over the file limit", func(t *testing.T) []byte {
			return gz(mkTar(t, bootableWith(file("a", 0o644, string(zeros(5000))))))
		}, "more than 1000 bytes"},
		{"gzip bomb of padding", func(t *testing.T) []byte {
			return gz(concat(mkTar(t, bootableWith()), zeros(20<<20)))
		}, "unpacked archive is larger than"},
		{"archive too large", func(t *testing.T) []byte {
			return concat(mkTar(t, bootableWith()), zeros(20<<20))
		}, "archive is larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, WithLimits(maxBytes, maxEntries))
			_, err := s.Import(t.Context(), "x", bytes.NewReader(tc.data(t)))
			if tc.want == "" {
				must(t, err)
				return
			}
			wantKind(t, err, errdefs.InvalidArgument, tc.want)
			assertNothingLeft(t, s)
		})
	}
}

// failAtEnd returns the archive, then err instead of EOF: a request body
// whose checksum fails.
type failAtEnd struct {
	r   io.Reader
	err error
}

func (f *failAtEnd) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, f.err
	}
	return n, err
}

// TestImportReaderError: an error of the reader, even after the archive's
// end marker, fails the import as it is.
func TestImportReaderError(t *testing.T) {
	s := openTest(t)
	mismatch := errdefs.New(errdefs.Unauthenticated, errdefs.ResSignature, "", "checksum mismatch")
	_, err := s.Import(t.Context(), "x", &failAtEnd{r: bytes.NewReader(concat(mkTar(t, bootableWith()), zeros(4096))), err: mismatch})
	wantKind(t, err, errdefs.Unauthenticated, "checksum mismatch")
	assertNothingLeft(t, s)
}

func TestImportCancelled(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Import(ctx, "x", bytes.NewReader(mkTar(t, bootableWith())))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertNothingLeft(t, s)
}

func TestRemove(t *testing.T) {
	s := openTest(t)
	im, err := s.Import(t.Context(), "x", bytes.NewReader(mkTar(t, bootableWith(dir("ro", 0o555), file("ro/f", 0o444, "")))))
	must(t, err)
	tests := []struct {
		name string
		dir  string
		kind errdefs.Kind // 0: no error
	}{
		{"the image", im.Dir, 0},
		{"again: already gone", im.Dir, 0},
		{"its parent", filepath.Dir(im.Dir), errdefs.InvalidArgument},
		{"a relative path", "rootfs/x/rootfs", errdefs.InvalidArgument},
		{"outside the store", filepath.Join(t.TempDir(), "rootfs"), errdefs.InvalidArgument},
		{"the busybox image", s.path(busyboxDir, "v1-0", rootfsName), errdefs.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Remove(t.Context(), tc.dir)
			if tc.kind == 0 {
				must(t, err)
				return
			}
			wantKind(t, err, tc.kind, "not an imported image")
		})
	}
	if _, err := os.Lstat(im.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed image is still there: %v", err)
	}
	list, err := s.List()
	must(t, err)
	if len(list) != 0 {
		t.Errorf("List after Remove = %v", list)
	}
	assertNothingLeft(t, s)
}

// TestOpenClearsAbandonedWork: Open removes what a dead build left in tmp,
// but not while another process (here: a lock holder) is working.
func TestOpenClearsAbandonedWork(t *testing.T) {
	s := openTest(t)
	stray := s.path(tmpDir, "import-1234")
	must(t, os.MkdirAll(filepath.Join(stray, "rootfs", "bin"), 0o755))

	unlock, err := s.lock(storeLock, syscall.LOCK_SH)
	must(t, err)
	if _, err := Open(s.Dir()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Fatalf("Open cleared work while the store was locked: %v", err)
	}
	unlock()

	if _, err := Open(s.Dir()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("abandoned work survived Open: %v", err)
	}
}

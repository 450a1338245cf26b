package catalog

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/errdefs"
)

// fakeImages is an ImageStore over a slice; createErr, when set, fails the
// next CreateImage (a concurrent import that took the name first).
type fakeImages struct {
	mu        sync.Mutex
	list      []Image
	createErr error
}

func (f *fakeImages) CreateImage(ctx context.Context, im Image) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.createErr; err != nil {
		f.createErr = nil
		return err
	}
	for _, o := range f.list {
		if o.State == ImageAvailable && o.OwnerID == im.OwnerID && o.Name == im.Name {
			return ErrDuplicateName(im.Name, o.ID)
		}
	}
	f.list = append(f.list, im)
	return nil
}

func (f *fakeImages) GetImage(ctx context.Context, id string) (Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, im := range f.list {
		if im.ID == id {
			return im, nil
		}
	}
	return Image{}, errdefs.New(errdefs.NotFound, errdefs.ResImage, id, "")
}

func (f *fakeImages) ListImages(ctx context.Context, owner string) ([]Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Image
	for _, im := range f.list {
		if owner == "" || im.OwnerID == owner {
			out = append(out, im)
		}
	}
	return out, nil
}

func (f *fakeImages) DeregisterImage(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.list {
		if f.list[i].ID == id && f.list[i].State == ImageAvailable {
			f.list[i].State = ImageDeregistered
			return nil
		}
	}
	return errdefs.New(errdefs.NotFound, errdefs.ResImage, id, "")
}

// fakeImporter "unpacks" an archive into /images/<name>, reading it all;
// the archive's content is its size in bytes as the Bytes result.
type fakeImporter struct {
	mu      sync.Mutex
	err     error
	calls   int
	removed []string
}

func (f *fakeImporter) Import(ctx context.Context, name string, r io.Reader) (ImportedRootFS, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return ImportedRootFS{}, f.err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return ImportedRootFS{}, err
	}
	return ImportedRootFS{Dir: "/images/" + name, Digest: "d1g35t", Bytes: int64(len(b))}, nil
}

func (f *fakeImporter) Remove(ctx context.Context, dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, dir)
	return nil
}

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

var importTime = time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)

func newImageCatalog() (*Catalog, *fakeImages, *fakeImporter) {
	st, imp := &fakeImages{}, &fakeImporter{}
	return New("us-east-1", WithImages(st, imp), WithClock(clock.NewFake(importTime))), st, imp
}

func wantKind(t *testing.T, err error, k errdefs.Kind, res errdefs.Resource) *errdefs.Error {
	t.Helper()
	var e *errdefs.Error
	if !errors.As(err, &e) || e.Kind != k || e.Resource != res {
		t.Fatalf("err = %v, want kind %v about %q", err, k, res)
	}
	return e
}

func ids(ims []Image) []string {
	var out []string
	for _, im := range ims {
		out = append(out, im.ID)
	}
	return out
}

func builtinIDs() []string {
	return []string{ImageShell, ImageShellInstanceStore, ImageShellWindows, ImageBusybox}
}

func TestCheckImageName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"shortest", "abc", true},
		{"every allowed character", "aZ09()[] ./-'@_", true},
		{"longest", strings.Repeat("a", 128), true},
		{"too short", "ab", false},
		{"empty", "", false},
		{"too long", strings.Repeat("a", 129), false},
		{"comma", "web,v1", false},
		{"non-ASCII letter", "café", false},
		{"tab", "web\tv1", false},
		{"star", "web*", false},
		{"newline", "web\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckImageName(tt.in)
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckImageName(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			e := wantKind(t, err, errdefs.InvalidArgument, ResImageName)
			if !strings.HasPrefix(e.Public, "AMI names must be between 3 and 128 characters long") {
				t.Errorf("message = %q, want EC2's", e.Public)
			}
		})
	}
}

// TestImportedImage: what an import records.
func TestImportedImage(t *testing.T) {
	c, _, _ := newImageCatalog()
	tests := []struct {
		name    string
		archive string
		size    int
	}{
		{"small", "tiny", 1},
		{"empty files", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im, err := c.ImportImage(t.Context(), acctA, "web "+tt.name, strings.NewReader(tt.archive))
			if err != nil {
				t.Fatalf("ImportImage: %v", err)
			}
			if !regexp.MustCompile(`^ami-[0-9a-f]{17}$`).MatchString(im.ID) {
				t.Errorf("id %q is not ami- and 17 hex digits", im.ID)
			}
			want := Image{ID: im.ID, Name: "web " + tt.name, Description: "Imported root filesystem (sha256:d1g35t)",
				Kind: KindRootFS, RootFS: "/images/web " + tt.name, Digest: "d1g35t", SizeBytes: int64(len(tt.archive)),
				State: ImageAvailable, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: tt.size,
				Architecture: hostArchitecture(), OwnerID: acctA, CreationDate: importTime.Truncate(time.Millisecond),
				VirtualizationType: "hvm", Hypervisor: "xen"}
			if d := cmp.Diff(im, want); d != "" {
				t.Errorf("image (-got +want):\n%s", d)
			}
			got, err := c.ImageFor(t.Context(), acctA, im.ID)
			if err != nil || got != im {
				t.Errorf("ImageFor = %+v, %v; want the imported image", got, err)
			}
		})
	}
	for _, tt := range []struct {
		bytes int64
		want  int
	}{{0, 1}, {1, 1}, {1 << 30, 1}, {1<<30 + 1, 2}, {5 << 30, 5}} {
		if got := rootSizeGiB(tt.bytes); got != tt.want {
			t.Errorf("rootSizeGiB(%d) = %d, want %d", tt.bytes, got, tt.want)
		}
	}
}

// TestImageVisibility: an account sees the built-in images and its own,
// never another account's.
func TestImageVisibility(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newImageCatalog()
	web, err := c.ImportImage(ctx, acctA, "web", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := c.ImportImage(ctx, acctA, "db-1", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeregisterImage(ctx, acctA, db.ID); err != nil {
		t.Fatalf("DeregisterImage: %v", err)
	}

	lists := []struct {
		account string
		want    []string
	}{
		{acctA, append(builtinIDs(), web.ID)},
		{acctB, builtinIDs()},
		{"", builtinIDs()},
	}
	for _, tt := range lists {
		t.Run("ImagesFor "+tt.account, func(t *testing.T) {
			got, err := c.ImagesFor(ctx, tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(ids(got), tt.want); d != "" {
				t.Errorf("ImagesFor (-got +want):\n%s", d)
			}
		})
	}

	lookups := []struct {
		name     string
		account  string
		id       string
		launch   bool // ImageFor finds it
		boot     bool // BootImage finds it
		wantKind string
	}{
		{"own image", acctA, web.ID, true, true, KindRootFS},
		{"another account's image", acctB, web.ID, false, false, ""},
		{"own deregistered image", acctA, db.ID, false, true, KindRootFS},
		{"built-in", acctB, ImageBusybox, true, true, KindBusybox},
		{"unknown", acctA, "ami-0123456789abcdef0", false, false, ""},
	}
	for _, tt := range lookups {
		t.Run(tt.name, func(t *testing.T) {
			im, err := c.ImageFor(ctx, tt.account, tt.id)
			if tt.launch {
				if err != nil || im.Kind != tt.wantKind {
					t.Errorf("ImageFor = %+v, %v", im, err)
				}
			} else {
				e := wantKind(t, err, errdefs.NotFound, errdefs.ResImage)
				if want := "The image id '[" + tt.id + "]' does not exist"; e.Public != want {
					t.Errorf("message %q, want %q", e.Public, want)
				}
			}
			im, err = c.BootImage(ctx, tt.account, tt.id)
			if tt.boot {
				if err != nil || im.Kind != tt.wantKind {
					t.Errorf("BootImage = %+v, %v", im, err)
				}
			} else {
				wantKind(t, err, errdefs.NotFound, errdefs.ResImage)
			}
		})
	}
}

func TestImportImageErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		setup   func(c *Catalog, st *fakeImages, imp *fakeImporter)
		imgName string
		kind    errdefs.Kind
		res     errdefs.Resource
		// imports and removed: what the importer saw.
		imports int
		removed []string
	}{
		{"malformed name", nil, "a*", errdefs.InvalidArgument, ResImageName, 0, nil},
		{"name in use: refused before unpacking", func(c *Catalog, _ *fakeImages, _ *fakeImporter) {
			if _, err := c.ImportImage(ctx, acctA, "web", strings.NewReader("")); err != nil {
				panic(err)
			}
		}, "web", errdefs.AlreadyExists, ResImageName, 1, nil},
		{"name taken while unpacking: the unpacked image is removed", func(_ *Catalog, st *fakeImages, _ *fakeImporter) {
			st.createErr = ErrDuplicateName("web", "ami-00000000000000001")
		}, "web", errdefs.AlreadyExists, ResImageName, 1, []string{"/images/web"}},
		{"bad archive", func(_ *Catalog, _ *fakeImages, imp *fakeImporter) {
			imp.err = errdefs.New(errdefs.InvalidArgument, "image-archive", "", "image archive: truncated")
		}, "web", errdefs.InvalidArgument, "image-archive", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, st, imp := newImageCatalog()
			if tt.setup != nil {
				tt.setup(c, st, imp)
			}
			_, err := c.ImportImage(ctx, acctA, tt.imgName, strings.NewReader("archive"))
			e := wantKind(t, err, tt.kind, tt.res)
			if tt.kind == errdefs.AlreadyExists && !strings.HasPrefix(e.Public, "AMI name web is already in use by AMI ami-") {
				t.Errorf("message %q, want EC2's", e.Public)
			}
			if imp.calls != tt.imports {
				t.Errorf("importer called %d times, want %d", imp.calls, tt.imports)
			}
			if d := cmp.Diff(imp.removed, tt.removed); d != "" {
				t.Errorf("removed (-got +want):\n%s", d)
			}
		})
	}

	t.Run("no image store", func(t *testing.T) {
		c := New("us-east-1")
		_, err := c.ImportImage(ctx, acctA, "web", strings.NewReader(""))
		wantKind(t, err, errdefs.Unsupported, errdefs.ResImage)
		if _, err := c.ImageFor(ctx, acctA, ImageShell); err != nil {
			t.Errorf("a built-in image without a store: %v", err)
		}
		imgs, err := c.ImagesFor(ctx, acctA)
		if err != nil || len(imgs) != len(builtinIDs()) {
			t.Errorf("ImagesFor without a store = %v, %v", ids(imgs), err)
		}
	})
}

func TestDeregisterImage(t *testing.T) {
	ctx := context.Background()
	c, _, _ := newImageCatalog()
	web, err := c.ImportImage(ctx, acctA, "web", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		account string
		id      string
		kind    errdefs.Kind // 0: success
	}{
		{"built-in", acctA, ImageShell, errdefs.PermissionDenied},
		{"another account's", acctB, web.ID, errdefs.NotFound},
		{"own", acctA, web.ID, 0},
		{"own, again", acctA, web.ID, errdefs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.DeregisterImage(ctx, tt.account, tt.id)
			if tt.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantKind(t, err, tt.kind, errdefs.ResImage)
		})
	}
	// The name is free again.
	if _, err := c.ImportImage(ctx, acctA, "web", strings.NewReader("")); err != nil {
		t.Errorf("re-importing a deregistered image's name: %v", err)
	}
}

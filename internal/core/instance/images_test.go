package instance

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// imageStore is a catalog.ImageStore over a slice.
type imageStore struct {
	mu   sync.Mutex
	list []catalog.Image
}

func (s *imageStore) CreateImage(ctx context.Context, im catalog.Image) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, im)
	return nil
}

func (s *imageStore) GetImage(ctx context.Context, id string) (catalog.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, im := range s.list {
		if im.ID == id {
			return im, nil
		}
	}
	return catalog.Image{}, errdefs.New(errdefs.NotFound, errdefs.ResImage, id, "")
}

func (s *imageStore) ListImages(ctx context.Context, owner string) ([]catalog.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []catalog.Image
	for _, im := range s.list {
		if owner == "" || im.OwnerID == owner {
			out = append(out, im)
		}
	}
	return out, nil
}

func (s *imageStore) DeregisterImage(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.list {
		if s.list[i].ID == id {
			s.list[i].State = catalog.ImageDeregistered
		}
	}
	return nil
}

// dirImporter "unpacks" every archive to /images/NAME.
type dirImporter struct{}

func (dirImporter) Import(ctx context.Context, name string, r io.Reader) (catalog.ImportedRootFS, error) {
	return catalog.ImportedRootFS{Dir: "/images/" + name}, nil
}

func (dirImporter) Remove(ctx context.Context, dir string) error { return nil }

// specRecorder remembers the last spec the engine created each instance with.
type specRecorder struct {
	driver.Driver
	mu    sync.Mutex
	specs map[string]driver.Spec
}

func (d *specRecorder) Create(ctx context.Context, sp driver.Spec) (driver.Handle, error) {
	d.mu.Lock()
	d.specs[sp.ID] = sp
	d.mu.Unlock()
	return d.Driver.Create(ctx, sp)
}

func (d *specRecorder) image(id string) driver.Image {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.specs[id].Image
}

// TestImportedImages: an account launches its own imported image, whose
// root filesystem reaches the driver, also after the image is deregistered;
// other accounts cannot launch it.
func TestImportedImages(t *testing.T) {
	ctx := context.Background()
	cat := catalog.New("us-east-1", catalog.WithImages(&imageStore{}, dirImporter{}))
	var rec *specRecorder
	r := newRig(t, func(c *Config) {
		rec = &specRecorder{Driver: c.Driver, specs: map[string]driver.Spec{}}
		c.Driver, c.Catalog = rec, cat
	})
	im, err := cat.ImportImage(ctx, acct, "web-server", nil)
	if err != nil {
		t.Fatal(err)
	}

	_, err = r.svc.Run(ctx, "999988887777", RunRequest{ImageID: im.ID, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1})
	wantErr(t, err, errdefs.NotFound, errdefs.ResImage)

	id := r.runOne(RunRequest{ImageID: im.ID})
	r.advanceUntil(id, Running, time.Second)
	want := driver.Image{ID: im.ID, Kind: catalog.KindRootFS, RootFS: "/images/web-server"}
	if d := cmp.Diff(rec.image(id), want); d != "" {
		t.Errorf("driver image (-got +want):\n%s", d)
	}
	if got := r.get(id).ImageID; got != im.ID {
		t.Errorf("instance image %s, want %s", got, im.ID)
	}

	// Deregistered: no new launches, but the instance boots from it again.
	if err := cat.DeregisterImage(ctx, acct, im.ID); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.Run(ctx, acct, RunRequest{ImageID: im.ID, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1})
	wantErr(t, err, errdefs.NotFound, errdefs.ResImage)
	if _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{Force: true}); err != nil {
		t.Fatal(err)
	}
	r.advanceUntil(id, Stopped, time.Second)
	rec.mu.Lock()
	delete(rec.specs, id)
	rec.mu.Unlock()
	if _, err := r.svc.Start(ctx, acct, []string{id}, false); err != nil {
		t.Fatal(err)
	}
	r.advanceUntil(id, Running, time.Second)
	if d := cmp.Diff(rec.image(id), want); d != "" {
		t.Errorf("driver image after the image was deregistered (-got +want):\n%s", d)
	}
}

package memstore

import (
	"context"
	"slices"
	"sync"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

var _ catalog.ImageStore = (*Store)(nil)

// imageTable holds the imported images, in the order they were created. Its zero value
// is empty and ready; it has its own lock, as images and instances never
// change together.
type imageTable struct {
	mu   sync.Mutex
	list []catalog.Image
}

// CreateImage records a copy of a new image; see catalog.ImageStore.
func (s *Store) CreateImage(ctx context.Context, im catalog.Image) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	if im.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResImage, "", "image id is empty")
	}
	t := &s.images
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range t.list {
		if o.ID == im.ID {
			return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResImage, im.ID, "image %s already exists", im.ID)
		}
		if im.State == catalog.ImageAvailable && o.State == catalog.ImageAvailable && o.OwnerID == im.OwnerID && o.Name == im.Name {
			return catalog.ErrDuplicateName(im.Name, o.ID)
		}
	}
	t.list = append(t.list, im)
	return nil
}

// GetImage returns a copy of the image, or NotFound.
func (s *Store) GetImage(ctx context.Context, id string) (catalog.Image, error) {
	if err := ctx.Err(); err != nil {
		return catalog.Image{}, canceled(err)
	}
	t := &s.images
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, im := range t.list {
		if im.ID == id {
			return im, nil
		}
	}
	return catalog.Image{}, errdefs.Newf(errdefs.NotFound, errdefs.ResImage, id, "image %s does not exist", id)
}

// ListImages returns copies of owner's images ("" = all), oldest first
// (by CreationDate, then in the order they were created).
func (s *Store) ListImages(ctx context.Context, owner string) ([]catalog.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(err)
	}
	t := &s.images
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []catalog.Image
	for _, im := range t.list {
		if owner == "" || im.OwnerID == owner {
			out = append(out, im)
		}
	}
	slices.SortStableFunc(out, func(a, b catalog.Image) int { return a.CreationDate.Compare(b.CreationDate) })
	return out, nil
}

// DeregisterImage marks an available image deregistered, or NotFound.
func (s *Store) DeregisterImage(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	t := &s.images
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, im := range t.list {
		if im.ID == id && im.State == catalog.ImageAvailable {
			t.list[i].State = catalog.ImageDeregistered
			return nil
		}
	}
	return errdefs.Newf(errdefs.NotFound, errdefs.ResImage, id, "image %s does not exist or is deregistered", id)
}

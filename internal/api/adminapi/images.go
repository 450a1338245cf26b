package adminapi

import (
	"context"
	"time"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

// imageRoutes: the caller's imported images, root filesystems that EC2's
// DescribeImages shows to their owner and RunInstances launches.
//
//	POST   /strato/v1/images?name=NAME   import: the body is a tar archive, plain or gzip
//	GET    /strato/v1/images             the caller's images
//	DELETE /strato/v1/images/{id}        deregister
//
// An import's body may be as large as Config.MaxImageBytes (not
// MaxBodyBytes) and is read as it arrives; its request signs the body's
// SHA-256 in X-Amz-Content-Sha256 (upload.go). Names follow EC2's rules
// (InvalidAMIName.Malformed) and are unique among the caller's images
// (InvalidAMIName.Duplicate). A deregistered image disappears from
// DescribeImages and cannot be launched; its root filesystem stays on disk
// for the instances launched from it.
func (h *Handler) imageRoutes() []route {
	return []route{
		{pattern: "POST " + Prefix + "images", action: "strato:ImportImage", handle: h.importImage, upload: true},
		{pattern: "GET " + Prefix + "images", action: "strato:DescribeImages", handle: h.listImages},
		{pattern: "DELETE " + Prefix + "images/{id}", action: "strato:DeregisterImage", handle: h.deregisterImage},
	}
}

// imageJSON is an image in the admin API's answers. The root filesystem's
// place on the host is not shown.
type imageJSON struct {
	ImageID        string    `json:"imageId"`
	Name           string    `json:"name"`
	State          string    `json:"state"`
	OwnerID        string    `json:"ownerId"`
	CreationDate   time.Time `json:"creationDate"`
	Digest         string    `json:"digest"`
	SizeBytes      int64     `json:"sizeBytes"`
	Architecture   string    `json:"architecture"`
	RootDeviceName string    `json:"rootDeviceName"`
	RootSizeGiB    int       `json:"rootSizeGiB"`
}

func encodeImage(im catalog.Image) imageJSON {
	return imageJSON{ImageID: im.ID, Name: im.Name, State: im.State, OwnerID: im.OwnerID, CreationDate: im.CreationDate.UTC(),
		Digest: im.Digest, SizeBytes: im.SizeBytes, Architecture: im.Architecture,
		RootDeviceName: im.RootDeviceName, RootSizeGiB: im.RootSizeGiB}
}

func (h *Handler) imageCatalog() (*catalog.Catalog, error) {
	if h.cfg.Catalog == nil {
		return nil, errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "images are not configured on this server")
	}
	return h.cfg.Catalog, nil
}

func (h *Handler) importImage(ctx context.Context, c *call) (any, error) {
	cat, err := h.imageCatalog()
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	if err := onlyParams(q, "name"); err != nil {
		return nil, err
	}
	if !q.Has("name") {
		return nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "name", "the parameter name is missing: POST /strato/v1/images?name=NAME")
	}
	im, err := cat.ImportImage(ctx, c.principal.AccountID, q.Get("name"), c.r.Body)
	if err != nil {
		return nil, err
	}
	h.log.InfoContext(ctx, "image imported", "request_id", c.requestID, "account", c.principal.AccountID,
		"image", im.ID, "name", im.Name, "bytes", im.SizeBytes, "digest", im.Digest)
	return encodeImage(im), nil
}

func (h *Handler) listImages(ctx context.Context, c *call) (any, error) {
	cat, err := h.imageCatalog()
	if err != nil {
		return nil, err
	}
	if err := onlyParams(c.r.URL.Query()); err != nil {
		return nil, err
	}
	own, err := cat.OwnImages(ctx, c.principal.AccountID)
	if err != nil {
		return nil, err
	}
	out := make([]imageJSON, 0, len(own))
	for _, im := range own {
		out = append(out, encodeImage(im))
	}
	return map[string]any{"images": out}, nil
}

func (h *Handler) deregisterImage(ctx context.Context, c *call) (any, error) {
	cat, err := h.imageCatalog()
	if err != nil {
		return nil, err
	}
	if err := onlyParams(c.r.URL.Query()); err != nil {
		return nil, err
	}
	id := c.r.PathValue("id")
	if err := cat.DeregisterImage(ctx, c.principal.AccountID, id); err != nil {
		return nil, err
	}
	h.log.InfoContext(ctx, "image deregistered", "request_id", c.requestID, "account", c.principal.AccountID, "image", id)
	return map[string]string{"imageId": id, "state": catalog.ImageDeregistered}, nil
}

package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// Image kinds: the drivers' boot recipes (driver.Image.Kind).
const (
	// KindShell is the host image: the guest runs on the host's filesystem
	// (read-only under the sandbox driver, with its volumes mounted) and
	// runs its user data with /bin/sh.
	KindShell = "shell"
	// KindBusybox is a busybox root filesystem the driver builds at first use.
	KindBusybox = "busybox"
	// KindRootFS is an imported root filesystem, Image.RootFS.
	KindRootFS = "rootfs"
)

// Image states.
const (
	ImageAvailable    = "available"
	ImageDeregistered = "deregistered"
)

// ResImageName names an image name in errors: the frontends answer EC2's
// InvalidAMIName.Malformed (InvalidArgument) and InvalidAMIName.Duplicate
// (AlreadyExists).
const ResImageName errdefs.Resource = "image-name"

// ImageStore persists imported images. Implementations keep their own
// copies and return *errdefs.Error values.
type ImageStore interface {
	// CreateImage records a new image. An id in use is AlreadyExists
	// (ResImage); a name the owner already gave an available image is
	// AlreadyExists (ResImageName), with EC2's message
	// "AMI name NAME is already in use by AMI ID".
	CreateImage(ctx context.Context, im Image) error
	// GetImage returns the image with id, deregistered or not; NotFound
	// (ResImage) when there is none.
	GetImage(ctx context.Context, id string) (Image, error)
	// ListImages returns owner's images ("" = every owner's), deregistered
	// ones included, oldest first.
	ListImages(ctx context.Context, owner string) ([]Image, error)
	// DeregisterImage sets an available image's state to ImageDeregistered;
	// NotFound (ResImage) when no available image has the id. The record
	// stays: instances launched from the image still boot from it.
	DeregisterImage(ctx context.Context, id string) error
}

// ImportedRootFS is what an Importer made of an archive.
type ImportedRootFS struct {
	// Dir is the published root filesystem.
	Dir string
	// Digest is the SHA-256 (hex) of the archive as sent.
	Digest string
	// Bytes is the total size of its files.
	Bytes int64
}

// Importer turns an archive into a root filesystem a driver can boot (in
// cmd/strato: an adapter around the sandbox driver's image store).
type Importer interface {
	// Import unpacks the tar archive r, plain or gzip-compressed, for the
	// image name. A bad archive is InvalidArgument with a message that
	// says what is wrong.
	Import(ctx context.Context, name string, r io.Reader) (ImportedRootFS, error)
	// Remove deletes a root filesystem Import made; the catalog calls it to
	// undo an import whose image could not be recorded.
	Remove(ctx context.Context, dir string) error
}

// validImageName is EC2's rule for image names (RegisterImage,
// CreateImage): 3 to 128 of [a-zA-Z0-9()[] ./-'@_]. Checked by hand: the
// equivalent regular expression with its {3,128} costs milliseconds to
// compile at the start of every process, shims included.
func validImageName(name string) bool {
	if len(name) < 3 || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("()[] ./-'@_", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// CheckImageName validates an image name with EC2's rule and message.
func CheckImageName(name string) error {
	if !validImageName(name) {
		return errdefs.New(errdefs.InvalidArgument, ResImageName, errdefs.Clip(name, 140),
			"AMI names must be between 3 and 128 characters long, and may contain letters, numbers, "+
				"spaces and the characters ( ) [ ] . / - ' @ _")
	}
	return nil
}

// errImageNotFound is EC2's answer for an image an account cannot see.
func errImageNotFound(id string) error {
	return errdefs.Newf(errdefs.NotFound, errdefs.ResImage, id, "The image id '[%s]' does not exist", id)
}

// ImagesFor returns the images account can launch: the built-in ones, then
// its own available imported images, oldest first.
func (c *Catalog) ImagesFor(ctx context.Context, account string) ([]Image, error) {
	out := c.Images()
	own, err := c.OwnImages(ctx, account)
	if err != nil {
		return nil, err
	}
	return append(out, own...), nil
}

// OwnImages returns account's available imported images, oldest first.
func (c *Catalog) OwnImages(ctx context.Context, account string) ([]Image, error) {
	if c.store == nil || account == "" {
		return nil, nil
	}
	all, err := c.store.ListImages(ctx, account)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, im := range all {
		if im.State == ImageAvailable {
			out = append(out, im)
		}
	}
	return out, nil
}

// ImageFor looks up an image account can launch: a built-in one or one of
// its own available images. Anything else is NotFound (ResImage), as EC2
// answers for another account's private image.
func (c *Catalog) ImageFor(ctx context.Context, account, id string) (Image, error) {
	im, err := c.BootImage(ctx, account, id)
	if err != nil {
		return Image{}, err
	}
	if im.State != ImageAvailable {
		return Image{}, errImageNotFound(id)
	}
	return im, nil
}

// BootImage looks up the image an instance of account was launched from,
// also when it has been deregistered since: the instance keeps booting
// from it. Another account's private image is NotFound (ResImage).
func (c *Catalog) BootImage(ctx context.Context, account, id string) (Image, error) {
	if im, ok := c.Image(id); ok {
		return im, nil
	}
	if c.store == nil {
		return Image{}, errImageNotFound(id)
	}
	im, err := c.store.GetImage(ctx, id)
	if errors.Is(err, errdefs.ErrNotFound) {
		return Image{}, errImageNotFound(id)
	}
	if err != nil {
		return Image{}, err
	}
	if im.OwnerID != account && !im.Public {
		return Image{}, errImageNotFound(id)
	}
	return im, nil
}

// ImportImage imports the tar archive r (plain or gzip) as a new private
// image of account named name, and returns it. The name follows EC2's rules
// (CheckImageName) and must be new among account's available images. If
// the image cannot be recorded, the unpacked root filesystem is removed.
func (c *Catalog) ImportImage(ctx context.Context, account, name string, r io.Reader) (Image, error) {
	if err := CheckImageName(name); err != nil {
		return Image{}, err
	}
	if c.store == nil || c.importer == nil {
		return Image{}, errdefs.New(errdefs.Unsupported, errdefs.ResImage, "", "importing images is not configured on this server")
	}
	// Refuse a duplicate before unpacking what may be gigabytes; the store
	// checks again when it records the image.
	own, err := c.OwnImages(ctx, account)
	if err != nil {
		return Image{}, err
	}
	for _, im := range own {
		if im.Name == name {
			return Image{}, ErrDuplicateName(name, im.ID)
		}
	}
	rfs, err := c.importer.Import(ctx, name, r)
	if err != nil {
		return Image{}, err
	}
	im := Image{
		ID: newImageID(), Name: name, Description: "Imported root filesystem (sha256:" + rfs.Digest + ")",
		Kind: KindRootFS, RootFS: rfs.Dir, Digest: rfs.Digest, SizeBytes: rfs.Bytes, State: ImageAvailable,
		RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: rootSizeGiB(rfs.Bytes),
		Architecture: hostArchitecture(), OwnerID: account, CreationDate: c.clock.Now().UTC().Truncate(time.Millisecond),
		VirtualizationType: "hvm", Hypervisor: "xen",
	}
	if err := c.store.CreateImage(ctx, im); err != nil {
		// Undo the unpacking; the image's own error is what the caller needs.
		_ = c.importer.Remove(context.WithoutCancel(ctx), rfs.Dir)
		return Image{}, err
	}
	return im, nil
}

// DeregisterImage takes back one of account's images: it can no longer be
// described or launched, while instances launched from it keep booting from
// its root filesystem, which therefore stays on disk. Built-in images
// cannot be deregistered (PermissionDenied); another account's image, or
// one deregistered already, is NotFound.
func (c *Catalog) DeregisterImage(ctx context.Context, account, id string) error {
	if _, ok := c.Image(id); ok {
		return errdefs.Newf(errdefs.PermissionDenied, errdefs.ResImage, id, "The image %s is a built-in image and cannot be deregistered.", id)
	}
	im, err := c.ImageFor(ctx, account, id)
	if err != nil {
		return err
	}
	if im.OwnerID != account {
		return errdefs.Newf(errdefs.PermissionDenied, errdefs.ResImage, id, "The image %s belongs to another account.", id)
	}
	return c.store.DeregisterImage(ctx, id)
}

// ErrDuplicateName is EC2's InvalidAMIName.Duplicate, which an ImageStore
// returns for a name in use: AlreadyExists about ResImageName.
func ErrDuplicateName(name, id string) error {
	return errdefs.Newf(errdefs.AlreadyExists, ResImageName, name, "AMI name %s is already in use by AMI %s", name, id)
}

// newImageID returns "ami-" and 17 random hex digits, EC2's shape.
func newImageID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return "ami-" + hex.EncodeToString(b[:])[:17]
}

// rootSizeGiB is the root volume an image needs: its files, rounded up to
// whole GiB, at least 1.
func rootSizeGiB(bytes int64) int {
	const gib = 1 << 30
	return int(max(1, (bytes+gib-1)/gib))
}

// hostArchitecture is EC2's name for the host's architecture: an imported
// root filesystem runs on the host.
func hostArchitecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "arm64"
	case "386":
		return "i386"
	}
	return runtime.GOARCH
}

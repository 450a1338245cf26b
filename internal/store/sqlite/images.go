package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

var _ catalog.ImageStore = (*Store)(nil)

// imageColumns are the images table's columns in scanImage's order.
const imageColumns = `id, owner_id, owner_alias, name, description, kind, rootfs, digest, size_bytes, state, public,
	root_device_type, root_device_name, root_size_gib, platform, architecture, virtualization_type, hypervisor, created_at`

// CreateImage records a new image; see catalog.ImageStore.
func (s *Store) CreateImage(ctx context.Context, im catalog.Image) error {
	if im.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResImage, "", "image id is empty")
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if im.State == catalog.ImageAvailable {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT id FROM images WHERE owner_id = ? AND name = ? AND state = ?`,
				im.OwnerID, im.Name, catalog.ImageAvailable).Scan(&other)
			if err == nil {
				return catalog.ErrDuplicateName(im.Name, other)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return internal("read image", err)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO images (`+imageColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			im.ID, im.OwnerID, im.OwnerAlias, im.Name, im.Description, im.Kind, im.RootFS, im.Digest, im.SizeBytes,
			im.State, im.Public, im.RootDeviceType, im.RootDeviceName, im.RootSizeGiB, im.Platform, im.Architecture,
			im.VirtualizationType, im.Hypervisor, formatTime(im.CreationDate))
		if err != nil {
			return internal("insert image", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("insert image", err)
		} else if n == 0 {
			return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResImage, im.ID, "image %s already exists", im.ID)
		}
		return nil
	})
}

// GetImage returns the image or NotFound.
func (s *Store) GetImage(ctx context.Context, id string) (catalog.Image, error) {
	im, err := scanImage(s.r.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Image{}, errdefs.Newf(errdefs.NotFound, errdefs.ResImage, id, "image %s does not exist", id)
	}
	return im, err
}

// ListImages returns owner's images ("" = all), oldest first.
func (s *Store) ListImages(ctx context.Context, owner string) ([]catalog.Image, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+imageColumns+` FROM images
		WHERE ? = '' OR owner_id = ? ORDER BY created_at, rowid`, owner, owner)
	if err != nil {
		return nil, internal("list images", err)
	}
	defer rows.Close()
	var out []catalog.Image
	for rows.Next() {
		im, err := scanImage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list images", err)
	}
	return out, nil
}

// DeregisterImage marks an available image deregistered, or NotFound.
func (s *Store) DeregisterImage(ctx context.Context, id string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE images SET state = ? WHERE id = ? AND state = ?`,
			catalog.ImageDeregistered, id, catalog.ImageAvailable)
		if err != nil {
			return internal("deregister image", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("deregister image", err)
		} else if n == 0 {
			return errdefs.Newf(errdefs.NotFound, errdefs.ResImage, id, "image %s does not exist or is deregistered", id)
		}
		return nil
	})
}

// scanImage reads an images row; sql.ErrNoRows is returned as is.
func scanImage(sc scanner) (catalog.Image, error) {
	var (
		im      catalog.Image
		created string
	)
	err := sc.Scan(&im.ID, &im.OwnerID, &im.OwnerAlias, &im.Name, &im.Description, &im.Kind, &im.RootFS, &im.Digest,
		&im.SizeBytes, &im.State, &im.Public, &im.RootDeviceType, &im.RootDeviceName, &im.RootSizeGiB, &im.Platform,
		&im.Architecture, &im.VirtualizationType, &im.Hypervisor, &created)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return im, err
		}
		return im, internal("read image", err)
	}
	if im.CreationDate, err = parseTime(created); err != nil {
		return im, internal("decode image time", err)
	}
	return im, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// LoadVolumes returns every stored volume, ordered by id.
func (s *Store) LoadVolumes(ctx context.Context) ([]*instance.DetachedVolume, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT data FROM volumes ORDER BY id`)
	if err != nil {
		return nil, internal("load volumes", err)
	}
	defer rows.Close()
	var out []*instance.DetachedVolume
	for rows.Next() {
		var data sql.RawBytes // valid until Next; decoded at once
		if err := rows.Scan(&data); err != nil {
			return nil, internal("load volumes", err)
		}
		v := new(instance.DetachedVolume)
		if err := json.Unmarshal(data, v); err != nil {
			return nil, internal("decode volume", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("load volumes", err)
	}
	return out, nil
}

// UpdateInstanceVolumes is UpdateInstance that also writes vols in the same
// transaction, replacing stored volumes with the same ids: the instance, its
// event and the volumes are committed together or not at all.
func (s *Store) UpdateInstanceVolumes(ctx context.Context, inst *instance.Instance, ev *instance.Event, vols []*instance.DetachedVolume) error {
	type row struct {
		v    *instance.DetachedVolume
		data string
	}
	rows := make([]row, 0, len(vols))
	for _, v := range vols {
		if v == nil || v.ID == "" {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResVolume, "", "volume id is empty")
		}
		data, err := encodeVolume(v)
		if err != nil {
			return err
		}
		rows = append(rows, row{v, string(data)})
	}
	now := formatTime(s.clock.Now())
	return s.updateInstanceWith(ctx, inst, ev, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO volumes (id, account_id, instance_id, updated_at, data)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, instance_id = excluded.instance_id,
					updated_at = excluded.updated_at, data = excluded.data`,
				r.v.ID, r.v.AccountID, r.v.InstanceID, now, r.data); err != nil {
				return internal("write volume", err)
			}
		}
		return nil
	})
}

// encodeVolume returns the JSON of v with every time in UTC.
func encodeVolume(v *instance.DetachedVolume) ([]byte, error) {
	c := v.Clone()
	c.CreatedAt, c.DetachedAt = c.CreatedAt.UTC(), c.DetachedAt.UTC()
	b, err := json.Marshal(c)
	if err != nil {
		return nil, errdefs.Wrap(fmt.Errorf("sqlite: encode volume %s: %w", v.ID, err), "internal storage error")
	}
	return b, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

var _ notebook.Store = (*Store)(nil)

// The notebooks and notebook_lifecycle_configs tables (migration 0004) hold
// both kinds of record the same way; record describes one kind.
type record struct {
	table    string
	res      errdefs.Resource
	noun     string
	hasState bool // the table has a status column
}

var (
	notebookRecords = record{table: "notebooks", res: notebook.ResNotebook, noun: "notebook instance", hasState: true}
	configRecords   = record{table: "notebook_lifecycle_configs", res: notebook.ResLifecycleConfig, noun: "lifecycle configuration"}
)

// CreateNotebook stores a new notebook with the Version it carries; see
// notebook.Store.
func (s *Store) CreateNotebook(ctx context.Context, nb *notebook.Notebook) error {
	if nb == nil || nb.AccountID == "" || nb.Key() == "" {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResNotebook, "", "notebook account or key is empty")
	}
	data, err := encodeNotebook(nb, nb.Version)
	if err != nil {
		return err
	}
	return s.createRecord(ctx, notebookRecords, nb.AccountID, notebook.StoreKey(nb.Kind, nb.Key()), string(nb.Status), nb.Version, data)
}

// GetNotebook returns the notebook, or NotFound.
func (s *Store) GetNotebook(ctx context.Context, kind notebook.Kind, account, key string) (*notebook.Notebook, error) {
	var nb *notebook.Notebook
	err := s.getRecord(ctx, notebookRecords, account, notebook.StoreKey(kind, key), func(version int64, data []byte) error {
		var err error
		nb, err = decodeNotebook(version, data)
		return err
	})
	return nb, err
}

// ListNotebooks returns account's notebooks ("" = all) in creation order.
func (s *Store) ListNotebooks(ctx context.Context, account string) ([]*notebook.Notebook, error) {
	var out []*notebook.Notebook
	err := s.listRecords(ctx, notebookRecords, account, func(version int64, data []byte) error {
		nb, err := decodeNotebook(version, data)
		out = append(out, nb)
		return err
	})
	return out, err
}

// UpdateNotebook replaces the stored notebook whose version equals
// nb.Version and increments nb.Version; see notebook.Store.
func (s *Store) UpdateNotebook(ctx context.Context, nb *notebook.Notebook) error {
	if nb == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResNotebook, "", "notebook is nil")
	}
	data, err := encodeNotebook(nb, nb.Version+1)
	if err != nil {
		return err
	}
	if err := s.updateRecord(ctx, notebookRecords, nb.AccountID, notebook.StoreKey(nb.Kind, nb.Key()), string(nb.Status), nb.Version, data); err != nil {
		return err
	}
	nb.Version++
	return nil
}

// DeleteNotebook removes the stored notebook whose version equals
// nb.Version; see notebook.Store.
func (s *Store) DeleteNotebook(ctx context.Context, nb *notebook.Notebook) error {
	if nb == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResNotebook, "", "notebook is nil")
	}
	return s.deleteRecord(ctx, notebookRecords, nb.AccountID, notebook.StoreKey(nb.Kind, nb.Key()), nb.Version)
}

// CreateLifecycleConfig stores a new lifecycle configuration; see
// notebook.Store.
func (s *Store) CreateLifecycleConfig(ctx context.Context, c *notebook.LifecycleConfig) error {
	if c == nil || c.AccountID == "" || c.Name == "" {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResLifecycleConfig, "", "lifecycle configuration account or name is empty")
	}
	data, err := encodeConfig(c, c.Version)
	if err != nil {
		return err
	}
	return s.createRecord(ctx, configRecords, c.AccountID, notebook.NameKey(c.Name), "", c.Version, data)
}

// GetLifecycleConfig returns the configuration, or NotFound.
func (s *Store) GetLifecycleConfig(ctx context.Context, account, name string) (*notebook.LifecycleConfig, error) {
	var c *notebook.LifecycleConfig
	err := s.getRecord(ctx, configRecords, account, notebook.NameKey(name), func(version int64, data []byte) error {
		var err error
		c, err = decodeConfig(version, data)
		return err
	})
	return c, err
}

// ListLifecycleConfigs returns account's configurations ("" = all) in
// creation order.
func (s *Store) ListLifecycleConfigs(ctx context.Context, account string) ([]*notebook.LifecycleConfig, error) {
	var out []*notebook.LifecycleConfig
	err := s.listRecords(ctx, configRecords, account, func(version int64, data []byte) error {
		c, err := decodeConfig(version, data)
		out = append(out, c)
		return err
	})
	return out, err
}

// UpdateLifecycleConfig replaces the stored configuration whose version
// equals c.Version and increments c.Version.
func (s *Store) UpdateLifecycleConfig(ctx context.Context, c *notebook.LifecycleConfig) error {
	if c == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResLifecycleConfig, "", "lifecycle configuration is nil")
	}
	data, err := encodeConfig(c, c.Version+1)
	if err != nil {
		return err
	}
	if err := s.updateRecord(ctx, configRecords, c.AccountID, notebook.NameKey(c.Name), "", c.Version, data); err != nil {
		return err
	}
	c.Version++
	return nil
}

// DeleteLifecycleConfig removes the stored configuration whose version
// equals c.Version.
func (s *Store) DeleteLifecycleConfig(ctx context.Context, c *notebook.LifecycleConfig) error {
	if c == nil {
		return errdefs.New(errdefs.InvalidArgument, notebook.ResLifecycleConfig, "", "lifecycle configuration is nil")
	}
	return s.deleteRecord(ctx, configRecords, c.AccountID, notebook.NameKey(c.Name), c.Version)
}

// createRecord inserts a row under key (the record's store key, as the
// name_key column holds it); an existing key is AlreadyExists.
func (s *Store) createRecord(ctx context.Context, k record, account, key, status string, version int64, data []byte) error {
	name := key
	now := formatTime(s.clock.Now())
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var (
			res sql.Result
			err error
		)
		if k.hasState {
			res, err = tx.ExecContext(ctx, `INSERT INTO `+k.table+` (account_id, name_key, status, version, updated_at, data)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, name_key) DO NOTHING`,
				account, key, status, version, now, string(data))
		} else {
			res, err = tx.ExecContext(ctx, `INSERT INTO `+k.table+` (account_id, name_key, version, updated_at, data)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, name_key) DO NOTHING`,
				account, key, version, now, string(data))
		}
		if err != nil {
			return internal("insert "+k.noun, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("insert "+k.noun, err)
		} else if n == 0 {
			return errdefs.Newf(errdefs.AlreadyExists, k.res, name, "%s %s already exists", k.noun, name)
		}
		return nil
	})
}

// getRecord reads one row and hands its version and data to decode.
func (s *Store) getRecord(ctx context.Context, k record, account, key string, decode func(int64, []byte) error) error {
	name := key
	var (
		version int64
		data    []byte
	)
	err := s.r.QueryRowContext(ctx, `SELECT version, data FROM `+k.table+` WHERE account_id = ? AND name_key = ?`,
		account, key).Scan(&version, &data)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errdefs.Newf(errdefs.NotFound, k.res, name, "%s %s does not exist", k.noun, name)
	case err != nil:
		return internal("read "+k.noun, err)
	}
	return decode(version, data)
}

// listRecords reads account's rows ("" = all) in creation order.
func (s *Store) listRecords(ctx context.Context, k record, account string, decode func(int64, []byte) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT version, data FROM `+k.table+` WHERE ? = '' OR account_id = ? ORDER BY rowid`,
		account, account)
	if err != nil {
		return internal("list "+k.noun, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			version int64
			data    sql.RawBytes // valid until Next; decoded at once
		)
		if err := rows.Scan(&version, &data); err != nil {
			return internal("list "+k.noun, err)
		}
		if err := decode(version, data); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return internal("list "+k.noun, err)
	}
	return nil
}

// updateRecord replaces the row whose version equals version.
func (s *Store) updateRecord(ctx context.Context, k record, account, key, status string, version int64, data []byte) error {
	name := key
	now := formatTime(s.clock.Now())
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var (
			res sql.Result
			err error
		)
		if k.hasState {
			res, err = tx.ExecContext(ctx, `UPDATE `+k.table+` SET status = ?, version = ?, updated_at = ?, data = ?
				WHERE account_id = ? AND name_key = ? AND version = ?`, status, version+1, now, string(data), account, key, version)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE `+k.table+` SET version = ?, updated_at = ?, data = ?
				WHERE account_id = ? AND name_key = ? AND version = ?`, version+1, now, string(data), account, key, version)
		}
		if err != nil {
			return internal("update "+k.noun, err)
		}
		return s.checkOne(ctx, tx, k, res, account, name, version)
	})
}

// deleteRecord removes the row whose version equals version.
func (s *Store) deleteRecord(ctx context.Context, k record, account, key string, version int64) error {
	name := key
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+k.table+` WHERE account_id = ? AND name_key = ? AND version = ?`,
			account, key, version)
		if err != nil {
			return internal("delete "+k.noun, err)
		}
		return s.checkOne(ctx, tx, k, res, account, name, version)
	})
}

// checkOne explains a compare-and-set that matched no row: NotFound, or
// IncorrectState for a version mismatch.
func (s *Store) checkOne(ctx context.Context, tx *sql.Tx, k record, res sql.Result, account, name string, version int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return internal("write "+k.noun, err)
	}
	if n > 0 {
		return nil
	}
	var stored int64
	err = tx.QueryRowContext(ctx, `SELECT version FROM `+k.table+` WHERE account_id = ? AND name_key = ?`,
		account, notebook.NameKey(name)).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errdefs.Newf(errdefs.NotFound, k.res, name, "%s %s does not exist", k.noun, name)
	case err != nil:
		return internal("read "+k.noun+" version", err)
	}
	e := errdefs.Newf(errdefs.IncorrectState, k.res, name, "%s %s was changed concurrently", k.noun, name)
	e.Err = fmt.Errorf("version %d, stored version %d", version, stored)
	return e
}

// encodeNotebook returns the JSON of nb with the given version and its
// times in UTC.
func encodeNotebook(nb *notebook.Notebook, version int64) ([]byte, error) {
	c := nb.Clone()
	c.Version = version
	c.CreationTime, c.LastModifiedTime = c.CreationTime.UTC(), c.LastModifiedTime.UTC()
	b, err := json.Marshal(c)
	if err != nil {
		return nil, errdefs.Wrap(fmt.Errorf("sqlite: encode notebook %s: %w", nb.Name, err), "internal storage error")
	}
	return b, nil
}

func decodeNotebook(version int64, data []byte) (*notebook.Notebook, error) {
	nb := new(notebook.Notebook)
	if err := json.Unmarshal(data, nb); err != nil {
		return nil, internal("decode notebook", err)
	}
	nb.Version = version // the column is authoritative
	return nb, nil
}

// encodeConfig returns the JSON of c with the given version and its times
// in UTC.
func encodeConfig(c *notebook.LifecycleConfig, version int64) ([]byte, error) {
	d := c.Clone()
	d.Version = version
	d.CreationTime, d.LastModifiedTime = d.CreationTime.UTC(), d.LastModifiedTime.UTC()
	b, err := json.Marshal(d)
	if err != nil {
		return nil, errdefs.Wrap(fmt.Errorf("sqlite: encode lifecycle configuration %s: %w", c.Name, err), "internal storage error")
	}
	return b, nil
}

func decodeConfig(version int64, data []byte) (*notebook.LifecycleConfig, error) {
	c := new(notebook.LifecycleConfig)
	if err := json.Unmarshal(data, c); err != nil {
		return nil, internal("decode lifecycle configuration", err)
	}
	c.Version = version
	return c, nil
}

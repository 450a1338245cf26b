package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"strato/internal/core/iam"
	"strato/internal/errdefs"
)

// resSetting names a setting in errors.
const resSetting errdefs.Resource = "setting"

// CreateAccount stores a new account; an existing id is AlreadyExists.
func (s *Store) CreateAccount(ctx context.Context, a iam.Account) error {
	if a.ID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResAccount, "", "account id is empty")
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, a.ID, a.Name, formatTime(a.CreatedAt))
		if err != nil {
			return internal("insert account", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("insert account", err)
		} else if n == 0 {
			return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResAccount, a.ID, "account %s already exists", a.ID)
		}
		return nil
	})
}

// GetAccount returns the account or NotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (iam.Account, error) {
	row := s.r.QueryRowContext(ctx, `SELECT id, name, created_at FROM accounts WHERE id = ?`, id)
	a, err := scanAccount(row)
	if errors.Is(err, sql.ErrNoRows) {
		return iam.Account{}, errdefs.Newf(errdefs.NotFound, errdefs.ResAccount, id, "account %s does not exist", id)
	}
	return a, err
}

// ListAccounts returns every account ordered by id.
func (s *Store) ListAccounts(ctx context.Context) ([]iam.Account, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, created_at FROM accounts ORDER BY id`)
	if err != nil {
		return nil, internal("list accounts", err)
	}
	defer rows.Close()
	var out []iam.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list accounts", err)
	}
	return out, nil
}

// CreateKey stores a key; an existing access key id is AlreadyExists and an
// unknown account NotFound (resource ResAccount).
func (s *Store) CreateKey(ctx context.Context, k iam.Key) error {
	if k.AccessKeyID == "" {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResAccessKey, "", "access key id is empty")
	}
	var policy any // NULL for the account's full rights
	if k.Policy != nil {
		b, err := json.Marshal(k.Policy)
		if err != nil {
			return internal("encode policy", err)
		}
		policy = string(b)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, k.AccountID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errdefs.Newf(errdefs.NotFound, errdefs.ResAccount, k.AccountID, "account %s does not exist", k.AccountID)
		}
		if err != nil {
			return internal("read account", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO access_keys (access_key_id, secret, account_id, description, policy, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (access_key_id) DO NOTHING`,
			k.AccessKeyID, k.SecretAccessKey, k.AccountID, k.Description, policy, formatTime(k.CreatedAt))
		if err != nil {
			return internal("insert access key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("insert access key", err)
		} else if n == 0 {
			return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResAccessKey, k.AccessKeyID,
				"access key %s already exists", k.AccessKeyID)
		}
		return nil
	})
}

// GetKey returns the key or NotFound.
func (s *Store) GetKey(ctx context.Context, accessKeyID string) (iam.Key, error) {
	row := s.r.QueryRowContext(ctx, `SELECT access_key_id, secret, account_id, description, policy, created_at
		FROM access_keys WHERE access_key_id = ?`, accessKeyID)
	k, err := scanKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return iam.Key{}, errdefs.Newf(errdefs.NotFound, errdefs.ResAccessKey, accessKeyID,
			"access key %s does not exist", accessKeyID)
	}
	return k, err
}

// ListKeys returns an account's keys ("" = all accounts) ordered by
// creation time, keys created at the same time in insertion order.
func (s *Store) ListKeys(ctx context.Context, accountID string) ([]iam.Key, error) {
	q := `SELECT access_key_id, secret, account_id, description, policy, created_at FROM access_keys`
	var args []any
	if accountID != "" {
		q += ` WHERE account_id = ?`
		args = append(args, accountID)
	}
	q += ` ORDER BY created_at, rowid`
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal("list access keys", err)
	}
	defer rows.Close()
	var out []iam.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list access keys", err)
	}
	return out, nil
}

// DeleteKey removes a key; unknown is NotFound.
func (s *Store) DeleteKey(ctx context.Context, accessKeyID string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM access_keys WHERE access_key_id = ?`, accessKeyID)
		if err != nil {
			return internal("delete access key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return internal("delete access key", err)
		} else if n == 0 {
			return errdefs.Newf(errdefs.NotFound, errdefs.ResAccessKey, accessKeyID,
				"access key %s does not exist", accessKeyID)
		}
		return nil
	})
}

// Setting returns a named setting or NotFound.
func (s *Store) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errdefs.Newf(errdefs.NotFound, resSetting, name, "setting %s does not exist", name)
	}
	if err != nil {
		return "", internal("read setting", err)
	}
	return v, nil
}

// PutSetting creates or replaces a named setting.
func (s *Store) PutSetting(ctx context.Context, name, value string) error {
	if name == "" {
		return errdefs.New(errdefs.InvalidArgument, resSetting, "", "setting name is empty")
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value); err != nil {
			return internal("put setting", err)
		}
		return nil
	})
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanAccount reads an account row; sql.ErrNoRows is returned as is.
func scanAccount(sc scanner) (iam.Account, error) {
	var (
		a       iam.Account
		created string
	)
	if err := sc.Scan(&a.ID, &a.Name, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, err
		}
		return a, internal("read account", err)
	}
	t, err := parseTime(created)
	if err != nil {
		return a, internal("decode account time", err)
	}
	a.CreatedAt = t
	return a, nil
}

// scanKey reads an access key row; sql.ErrNoRows is returned as is.
func scanKey(sc scanner) (iam.Key, error) {
	var (
		k       iam.Key
		policy  sql.NullString
		created string
	)
	if err := sc.Scan(&k.AccessKeyID, &k.SecretAccessKey, &k.AccountID, &k.Description, &policy, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return k, err
		}
		return k, internal("read access key", err)
	}
	if policy.Valid {
		k.Policy = new(iam.Policy)
		if err := json.Unmarshal([]byte(policy.String), k.Policy); err != nil {
			return k, internal("decode policy", err)
		}
	}
	t, err := parseTime(created)
	if err != nil {
		return k, internal("decode access key time", err)
	}
	k.CreatedAt = t
	return k, nil
}

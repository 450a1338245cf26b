package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// migrationFS holds the numbered schema migrations, NNNN_name.sql. A
// migration, once released, never changes; a schema change is a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order. The
// versions must be 1, 2, 3 … without gaps.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must start with a positive number and '_'", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the missing migrations in order, each in its own
// transaction together with its schema_migrations row. It is idempotent, and
// safe against another process migrating the same file at the same time: the
// version check is repeated under the write lock.
func migrate(ctx context.Context, db *sql.DB, now time.Time) error {
	ms, err := loadMigrations()
	if err != nil {
		return internal("load migrations", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY NOT NULL,
		applied_at TEXT    NOT NULL
	) STRICT`); err != nil {
		return internal("create schema_migrations", err)
	}
	current, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if err := checkVersion(current, len(ms)); err != nil {
		return err
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := apply(ctx, db, m, len(ms), now); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration unless a concurrent opener already did.
func apply(ctx context.Context, db *sql.DB, m migration, latest int, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return internal("begin migration", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return internal("read schema version", err)
	}
	if err := checkVersion(current, latest); err != nil {
		return err
	}
	if current >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return internal("apply migration "+m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.version, formatTime(now)); err != nil {
		return internal("record migration "+m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return internal("commit migration "+m.name, err)
	}
	return nil
}

// schemaVersion returns the newest applied migration, 0 for a new database.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, internal("read schema version", err)
	}
	return v, nil
}

// checkVersion refuses a database that a newer Strato has migrated.
func checkVersion(current, latest int) error {
	if current > latest {
		return errdefs.Newf(errdefs.Unsupported, errdefs.ResNone, "",
			"database schema version %d is newer than the newest this strato knows (%d); use a newer strato", current, latest)
	}
	return nil
}

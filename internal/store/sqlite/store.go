// Package sqlite is Strato's embedded store: one SQLite database file (pure Go
// driver modernc.org/sqlite) that persists instances, their lifecycle log,
// accounts, access keys, settings, imported images, and notebook instances
// with their lifecycle configurations. It implements instance.Store,
// iam.Store, catalog.ImageStore and notebook.Store and passes
// internal/store/storetest.
//
// The database runs in WAL mode. Writes go through a pool of exactly one
// connection whose transactions begin IMMEDIATE, so writers in this process
// queue in Go instead of failing with SQLITE_BUSY; reads use a separate pool
// of query-only connections that WAL lets run beside the writer. The
// busy_timeout covers other processes that open the same file.
//
// The file holds access key secrets, so it and its -wal and -shm companions
// are kept at mode 0600.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"strato/internal/clock"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// Interface checks.
var (
	_ instance.Store = (*Store)(nil)
	_ iam.Store      = (*Store)(nil)
)

// busyTimeout is how long a connection waits for a lock held by another
// process before it reports SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// fileMode is the mode of the database file and its -wal and -shm files.
const fileMode fs.FileMode = 0o600

// Store is a SQLite-backed instance.Store and iam.Store. It is safe for
// concurrent use. Create it with Open and release it with Close.
type Store struct {
	path  string
	clock clock.Clock
	// w is the write pool: one connection, transactions BEGIN IMMEDIATE.
	w *sql.DB
	// r is the read pool: query_only connections.
	r *sql.DB
	// Statements of the hot write paths, prepared once on the writer.
	insertInstance, updateInstance, insertEvent *sql.Stmt
}

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock that stamps updated_at columns and the events the
// store writes itself (the deleted events of DeleteInstances). The default
// is the wall clock.
func WithClock(c clock.Clock) Option {
	return func(s *Store) { s.clock = c }
}

// Open opens the database at path, creating it (mode 0600) when it does not
// exist, and brings its schema up to date. The directory must exist. A
// database written by a newer Strato, whose schema version this one does not
// know, is refused with an Unsupported error.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" {
		return nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, path,
			"sqlite store needs a database file path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, internal("resolve database path", err)
	}
	s := &Store{path: abs, clock: clock.Real{}}
	for _, o := range opts {
		o(s)
	}

	// Create the file ourselves so that it never exists with a wider mode;
	// SQLite gives the -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, internal("create database file", err)
	}
	if err := f.Close(); err != nil {
		return nil, internal("create database file", err)
	}

	s.w, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, internal("open database", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	s.r, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		s.w.Close()
		return nil, internal("open database", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)

	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// init opens the writer, migrates and tightens the file modes.
func (s *Store) init(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return internal("open database", err)
	}
	if err := migrate(ctx, s.w, s.clock.Now()); err != nil {
		return err
	}
	if err := s.prepare(ctx); err != nil {
		return err
	}
	return s.restrictFiles()
}

// prepare prepares the statements of the hot write paths.
func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.insertInstance, `INSERT INTO instances (id, account_id, state, version, updated_at, data)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`},
		{&s.updateInstance, `UPDATE instances
			SET account_id = ?, state = ?, version = ?, updated_at = ?, data = ?
			WHERE id = ? AND version = ?`},
		{&s.insertEvent, `INSERT INTO events (time, instance_id, account_id, type, from_state, to_state, reason, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`},
	} {
		stmt, err := s.w.PrepareContext(ctx, p.query)
		if err != nil {
			return internal("prepare statement", err)
		}
		*p.stmt = stmt
	}
	return nil
}

// restrictFiles makes the database file and its companions mode 0600: an
// existing file may have been created with a wider mode, and the -wal and
// -shm files are made by SQLite.
func (s *Store) restrictFiles() error {
	for _, p := range []string{s.path, s.path + "-wal", s.path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return internal("stat database file", err)
		}
		if fi.Mode().Perm() == fileMode {
			continue
		}
		if err := os.Chmod(p, fileMode); err != nil {
			return internal("restrict database file mode", err)
		}
	}
	return nil
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes both connection pools. The last connection to close
// checkpoints the WAL into the database file.
func (s *Store) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.insertInstance, s.updateInstance, s.insertEvent} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return internal("close database", err)
	}
	return nil
}

// dsn returns the data source name for the file at the absolute path abs.
// The pragmas are DSN parameters so that every connection a pool opens gets
// them, not only the first.
func dsn(abs string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// The only writer takes the write lock when a transaction begins,
		// not on its first write, so it never has to abort a read-to-write
		// upgrade with SQLITE_BUSY.
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// writeTx runs fn in a write transaction and commits it when fn returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return internal("begin transaction", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return internal("commit transaction", err)
	}
	return nil
}

// internal wraps a cause into an Internal error with a generic public message.
func internal(op string, err error) error {
	return &errdefs.Error{
		Kind:   errdefs.Internal,
		Public: "internal storage error",
		Err:    fmt.Errorf("sqlite: %s: %w", op, err),
	}
}

// timeFormat is RFC 3339 with a fixed nine-digit fraction: it keeps
// nanoseconds and, in UTC, sorts lexically.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// formatTime renders t in UTC with nanosecond precision.
func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime parses a time written by formatTime.
func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/store/storetest"
)

// openTest opens a store in a fresh directory and closes it after the test.
func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "strato.db"), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// latestVersion is the newest schema version this build knows.
func latestVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func TestInstanceStore(t *testing.T) {
	storetest.RunInstanceStore(t, func(t *testing.T) instance.Store { return openTest(t) })
}

func TestIAMStore(t *testing.T) {
	storetest.RunIAMStore(t, func(t *testing.T) iam.Store { return openTest(t) })
}

func TestImageStore(t *testing.T) {
	storetest.RunImageStore(t, func(t *testing.T) catalog.ImageStore { return openTest(t) })
}

func TestNotebookStore(t *testing.T) {
	storetest.RunNotebookStore(t, func(t *testing.T) notebook.Store { return openTest(t) })
}

func TestFileModes(t *testing.T) {
	tests := []struct {
		name     string
		existing os.FileMode // 0: no file before Open
	}{
		{"new file", 0},
		{"existing file with a wide mode", 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "strato.db")
			if tt.existing != 0 {
				if err := os.WriteFile(path, nil, tt.existing); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil { // past the umask
					t.Fatal(err)
				}
			}
			s, err := Open(context.Background(), path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			// A write makes sure the WAL exists.
			if err := s.PutSetting(context.Background(), "k", "v"); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatalf("stat: %v", err)
				}
				if got := fi.Mode().Perm(); got != 0o600 {
					t.Errorf("%s: mode %v, want -rw-------", filepath.Base(p), got)
				}
			}
		})
	}
}

func TestPragmas(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	want := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "1", // NORMAL
		"busy_timeout": "10000",
	}
	pools := []struct {
		name      string
		db        *sql.DB
		queryOnly string
	}{
		{"write pool", s.w, "0"},
		{"read pool", s.r, "1"},
	}
	for _, p := range pools {
		t.Run(p.name, func(t *testing.T) {
			// Hold several connections at once so that more than the
			// first one is checked.
			var conns []*sql.Conn
			for range 3 {
				if p.db == s.w && len(conns) == 1 {
					break
				}
				c, err := p.db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns = append(conns, c)
			}
			for i, c := range conns {
				got := map[string]string{}
				for name := range want {
					var v string
					if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
						t.Fatalf("PRAGMA %s: %v", name, err)
					}
					got[name] = strings.ToLower(v)
				}
				if diff := cmp.Diff(got, want); diff != "" {
					t.Errorf("connection %d pragmas (-got +want):\n%s", i, diff)
				}
				var qo string
				if err := c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil {
					t.Fatal(err)
				}
				if qo != p.queryOnly {
					t.Errorf("connection %d: query_only = %s, want %s", i, qo, p.queryOnly)
				}
			}
		})
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "strato.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	inst := storetest.FullInstance("i-reopen")
	ev := instance.Event{Time: time.Now(), InstanceID: inst.ID, AccountID: inst.AccountID, Type: instance.EventCreated}
	if err := s.CreateInstances(ctx, []*instance.Instance{inst.Clone()}, []instance.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "region", "local-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for i := range 2 {
		s, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		got, err := s.LoadInstances(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != inst.ID || got[0].Version != inst.Version {
			t.Errorf("reopen %d: LoadInstances = %+v, want %s version %d", i, got, inst.ID, inst.Version)
		}
		if v, err := s.Setting(ctx, "region"); err != nil || v != "local-1" {
			t.Errorf("reopen %d: Setting = %q, %v", i, v, err)
		}
		var applied int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if applied != latestVersion() {
			t.Errorf("reopen %d: %d migrations recorded, want %d", i, applied, latestVersion())
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "strato.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	future := latestVersion() + 1
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		future, formatTime(time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open of a database from a newer version succeeded")
	}
	if !errors.Is(err, errdefs.ErrUnsupported) {
		t.Errorf("err = %v, want kind Unsupported", err)
	}
	t.Logf("refused with: %v", err)
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("err = %q, want it to say the database is newer", err)
	}
}

func TestMigrations(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) == 0 || ms[0].version != 1 || ms[0].name != "0001_init.sql" {
		t.Fatalf("migrations = %+v, want 0001_init.sql first", ms)
	}
	s := openTest(t)
	var tables []string
	rows, err := s.r.Query(`SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	want := []string{
		"access_keys", "access_keys_account_id", "accounts", "events", "events_instance_id",
		"images", "images_owner_id", "images_owner_name",
		"instances", "instances_account_id", "notebook_lifecycle_configs", "notebooks", "schema_migrations", "settings",
		"volumes", "volumes_account_id",
	}
	if diff := cmp.Diff(tables, want); diff != "" {
		t.Errorf("schema objects (-got +want):\n%s", diff)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
		kind errdefs.Kind
	}{
		{"empty path", "", errdefs.InvalidArgument},
		{"memory", ":memory:", errdefs.InvalidArgument},
		{"missing directory", filepath.Join(t.TempDir(), "no", "such", "dir", "strato.db"), errdefs.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if got := errdefs.KindOf(err); got != tt.kind {
				t.Errorf("kind = %v, want %v (err %v)", got, tt.kind, err)
			}
		})
	}
}

func TestPathWithSpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "strato db?x=1#y.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.PutSetting(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %q: %v", path, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "strato db?x=1#y.db") {
			t.Errorf("stray file %q next to the database", e.Name())
		}
	}
}

func TestClock(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2027, 3, 4, 5, 6, 7, 8, time.UTC))
	s := openTest(t, WithClock(fake))
	inst := storetest.FullInstance("i-clock")
	if err := s.CreateInstances(ctx, []*instance.Instance{inst}, nil); err != nil {
		t.Fatal(err)
	}
	var updated string
	if err := s.r.QueryRowContext(ctx, `SELECT updated_at FROM instances`).Scan(&updated); err != nil {
		t.Fatal(err)
	}
	if want := "2027-03-04T05:06:07.000000008Z"; updated != want {
		t.Errorf("updated_at = %q, want %q", updated, want)
	}
	if err := s.DeleteInstances(ctx, []string{inst.ID}); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 0, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || !evs[0].Time.Equal(fake.Now()) {
		t.Errorf("deleted events = %+v, want one at %v", evs, fake.Now())
	}
}

func TestCanceledContext(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inst := storetest.FullInstance("i-ctx")
	err := s.CreateInstances(ctx, []*instance.Instance{inst}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateInstances with a canceled context: err = %v, want context.Canceled", err)
	}
	got, err := s.LoadInstances(context.Background())
	if err != nil || len(got) != 0 {
		t.Errorf("LoadInstances = %d instances, %v; want none", len(got), err)
	}
}

// TestTwoStoresOneFile writes through two stores on the same file at once,
// as two processes would: their writers meet in SQLite's file lock, where
// BEGIN IMMEDIATE and the busy timeout must keep them from failing.
func TestTwoStoresOneFile(t *testing.T) {
	const perStore = 10
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "strato.db")
	var stores []*Store
	for range 2 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	var insts []*instance.Instance
	for i := range 2 * perStore {
		insts = append(insts, storetest.FullInstance(fmt.Sprintf("i-%02d", i)))
	}
	if err := stores[0].CreateInstances(ctx, insts, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, inst := range insts {
		s := stores[i%2]
		wg.Go(func() {
			for n := range 5 {
				ev := &instance.Event{InstanceID: inst.ID, AccountID: inst.AccountID, Type: instance.EventModify}
				if err := s.UpdateInstance(ctx, inst, ev); err != nil {
					t.Errorf("UpdateInstance(%s) #%d: %v", inst.ID, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, s := range stores {
		evs, err := s.Events(ctx, 0, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2*perStore*5 {
			t.Errorf("got %d events, want %d", len(evs), 2*perStore*5)
		}
	}
}

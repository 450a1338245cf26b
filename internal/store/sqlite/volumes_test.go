package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"strato/internal/core/instance"
)

// TestVolumesMigrationBackfills opens a database written before the
// volumes migration that holds terminated instances: the volumes they kept
// get their own rows, so that the purge of the instances does not take them.
func TestVolumesMigrationBackfills(t *testing.T) {
	ctx := context.Background()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "strato.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (
		version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	for _, m := range ms {
		if m.name >= "0003_volumes.sql" {
			break
		}
		if err := apply(ctx, db, m, len(ms), now); err != nil {
			t.Fatalf("apply %s: %v", m.name, err)
		}
	}

	attached := now.Add(-time.Hour)
	// Records as an older Strato wrote them: no volume type nor creation time.
	terminated := &instance.Instance{ID: "i-terminated", AccountID: "111122223333", State: instance.Terminated,
		AvailabilityZone: "us-east-1a", TerminatedAt: now, RootDeviceName: "/dev/xvda",
		Volumes: []instance.Volume{
			{ID: "vol-kept", DeviceName: "/dev/xvda", SizeGiB: 8, AttachTime: attached, Tags: []instance.Tag{{Key: "Name", Value: "root"}}},
			{ID: "vol-deleted", DeviceName: "/dev/sdb", SizeGiB: 4, DeleteOnTermination: true, AttachTime: attached},
			{ID: "ephemeral", DeviceName: "ephemeral0", SizeGiB: 75, Scratch: true, AttachTime: attached},
		}}
	ecs := &instance.Instance{ID: "i-ecs", AccountID: "111122223333", State: instance.Terminated, Origin: instance.OriginECS,
		AvailabilityZone: "cn-hangzhou-i", TerminatedAt: now,
		Volumes: []instance.Volume{{ID: "d-kept", DeviceName: "/dev/xvda", SizeGiB: 40, AttachTime: attached}}}
	running := &instance.Instance{ID: "i-running", AccountID: "111122223333", State: instance.Running,
		Volumes: []instance.Volume{{ID: "vol-attached", DeviceName: "/dev/xvda", SizeGiB: 8, AttachTime: attached}}}
	for _, in := range []*instance.Instance{terminated, ecs, running} {
		data, err := encodeInstance(in, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO instances (id, account_id, state, version, updated_at, data)
			VALUES (?, ?, ?, 1, ?, ?)`, in.ID, in.AccountID, string(in.State), formatTime(now), string(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	got, err := s.LoadVolumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []*instance.DetachedVolume{
		{ID: "d-kept", AccountID: "111122223333", Origin: instance.OriginECS, AvailabilityZone: "cn-hangzhou-i",
			SizeGiB: 40, CreatedAt: attached, InstanceID: "i-ecs", DeviceName: "/dev/xvda", DetachedAt: now},
		{ID: "vol-kept", AccountID: "111122223333", AvailabilityZone: "us-east-1a", SizeGiB: 8, CreatedAt: attached,
			Tags: []instance.Tag{{Key: "Name", Value: "root"}}, InstanceID: "i-terminated", DeviceName: "/dev/xvda", DetachedAt: now},
	}
	if d := cmp.Diff(got, want, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("volumes after the migration (-got +want):\n%s", d)
	}
	insts, err := s.LoadInstances(ctx)
	if err != nil || len(insts) != 3 {
		t.Errorf("instances after the migration: %d, %v", len(insts), err)
	}
}

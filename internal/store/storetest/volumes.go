package storetest

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// FullVolume returns a detached volume with every field set, times not in
// UTC, for round-trip tests.
func FullVolume(id string) *instance.DetachedVolume {
	return &instance.DetachedVolume{
		ID: id, AccountID: account, Origin: instance.OriginECS, AvailabilityZone: "local-1a",
		SizeGiB: 20, Type: "io2", Iops: 5000, Throughput: 250, CreatedAt: t0,
		Tags:       []instance.Tag{{Key: "Name", Value: "data"}, {Key: "env", Value: "prød \"quoted\""}, {Key: "empty"}},
		InstanceID: "i-full", DeviceName: "/dev/xvda", DetachedAt: t0.Add(time.Hour + time.Nanosecond),
	}
}

// runVolumeStore runs the VolumeStore cases; RunInstanceStore calls it.
func runVolumeStore(t *testing.T, open func(t *testing.T) instance.Store) {
	t.Run("FixtureIsFull", func(t *testing.T) {
		for _, path := range zeroFields(reflect.ValueOf(FullVolume("vol-full")), "DetachedVolume") {
			t.Errorf("FullVolume leaves %s zero; set it so that round trips cover it", path)
		}
	})
	t.Run("Detach", func(t *testing.T) { testDetach(t, open) })
	t.Run("DetachFailures", func(t *testing.T) { testDetachFailures(t, open) })
	t.Run("VolumesOutliveInstances", func(t *testing.T) { testVolumesOutliveInstances(t, open) })
}

// terminating stores a running instance and returns it, terminated, with
// the event that goes with the change: what the core hands the store.
func terminating(t *testing.T, s instance.Store, id string) (*instance.Instance, *instance.Event) {
	t.Helper()
	inst := FullInstance(id)
	inst.State, inst.Version = instance.ShuttingDown, 4
	if err := s.CreateInstances(context.Background(), []*instance.Instance{inst.Clone()}, nil); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	inst.State = instance.Terminated
	ev := &instance.Event{Time: t0.Add(time.Hour), InstanceID: id, AccountID: account, Type: instance.EventState,
		From: instance.ShuttingDown, To: instance.Terminated, Reason: "reaped", Detail: map[string]string{"keptVolumes": "vol-a"}}
	return inst, ev
}

// loadVolumes returns the store's volumes.
func loadVolumes(t *testing.T, s instance.Store) []*instance.DetachedVolume {
	t.Helper()
	got, err := s.LoadVolumes(context.Background())
	if err != nil {
		t.Fatalf("LoadVolumes: %v", err)
	}
	return got
}

func testDetach(t *testing.T, open func(t *testing.T) instance.Store) {
	ctx := context.Background()
	a, b := FullVolume("vol-a"), FullVolume("vol-b")
	b.Origin, b.Tags, b.Type, b.Iops, b.Throughput = "", nil, "", 0, 0 // a minimal one
	b.CreatedAt, b.DetachedAt = t0.UTC(), t0.Local()
	tests := []struct {
		name string
		vols []*instance.DetachedVolume
	}{
		{"no volumes: a plain update", nil},
		{"one volume", []*instance.DetachedVolume{a}},
		{"two volumes", []*instance.DetachedVolume{a, b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			inst, ev := terminating(t, s, "i-full")
			given := make([]*instance.DetachedVolume, len(tt.vols))
			for i, v := range tt.vols {
				given[i] = v.Clone()
			}
			if err := s.UpdateInstanceVolumes(ctx, inst, ev, given); err != nil {
				t.Fatalf("UpdateInstanceVolumes: %v", err)
			}
			if inst.Version != 5 || ev.Seq <= 0 {
				t.Errorf("after the update: inst.Version %d (want 5), ev.Seq %d (want > 0)", inst.Version, ev.Seq)
			}
			if diff := cmp.Diff(load(t, s), []*instance.Instance{inst}, cmpOpts); diff != "" {
				t.Errorf("LoadInstances (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(events(t, s, 0, "", 0), []instance.Event{*ev}, cmpOpts); diff != "" {
				t.Errorf("Events (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(sortVolumes(loadVolumes(t, s)), tt.vols, cmpOpts); diff != "" {
				t.Errorf("LoadVolumes (-got +want):\n%s", diff)
			}

			// The store keeps its own copies.
			for _, v := range given {
				v.SizeGiB, v.Tags = 999, append(v.Tags, instance.Tag{Key: "scribbled"})
			}
			got := loadVolumes(t, s)
			for _, v := range got {
				v.SizeGiB, v.Tags = 999, nil
			}
			if diff := cmp.Diff(sortVolumes(loadVolumes(t, s)), tt.vols, cmpOpts); diff != "" {
				t.Errorf("store changed with the caller's volumes (-got +want):\n%s", diff)
			}
		})
	}

	t.Run("a volume stored again is replaced", func(t *testing.T) {
		s := open(t)
		inst, ev := terminating(t, s, "i-full")
		if err := s.UpdateInstanceVolumes(ctx, inst, ev, []*instance.DetachedVolume{a.Clone()}); err != nil {
			t.Fatalf("UpdateInstanceVolumes: %v", err)
		}
		changed := a.Clone()
		changed.SizeGiB, changed.Tags = 40, []instance.Tag{{Key: "k", Value: "v"}}
		if err := s.UpdateInstanceVolumes(ctx, inst, nil, []*instance.DetachedVolume{changed.Clone()}); err != nil {
			t.Fatalf("second UpdateInstanceVolumes: %v", err)
		}
		if diff := cmp.Diff(loadVolumes(t, s), []*instance.DetachedVolume{changed}, cmpOpts); diff != "" {
			t.Errorf("LoadVolumes (-got +want):\n%s", diff)
		}
	})
}

// testDetachFailures: when the instance write fails, no volume is written
// either, and neither inst.Version nor ev.Seq changes.
func testDetachFailures(t *testing.T, open func(t *testing.T) instance.Store) {
	tests := []struct {
		name     string
		id       string // the instance written
		version  int64  // the version the caller holds; stored is 4
		vols     []*instance.DetachedVolume
		wantKind errdefs.Kind
		wantRes  errdefs.Resource
	}{
		{"stale version", "i-full", 3, []*instance.DetachedVolume{FullVolume("vol-a")}, errdefs.IncorrectState, errdefs.ResInstance},
		{"missing instance", "i-missing", 4, []*instance.DetachedVolume{FullVolume("vol-a")}, errdefs.NotFound, errdefs.ResInstance},
		{"volume without id", "i-full", 4, []*instance.DetachedVolume{FullVolume("vol-a"), FullVolume("")}, errdefs.InvalidArgument, errdefs.ResVolume},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			inst, ev := terminating(t, s, "i-full")
			beforeInst := load(t, s)
			inst.ID, inst.Version, ev.InstanceID = tt.id, tt.version, tt.id
			err := s.UpdateInstanceVolumes(ctx, inst, ev, tt.vols)
			wantErr(t, err, tt.wantKind, tt.wantRes)
			if inst.Version != tt.version || ev.Seq != 0 {
				t.Errorf("after a failed update: inst.Version %d (want %d), ev.Seq %d (want 0)", inst.Version, tt.version, ev.Seq)
			}
			if diff := cmp.Diff(load(t, s), beforeInst, cmpOpts); diff != "" {
				t.Errorf("instances changed by a failed update (-got +want):\n%s", diff)
			}
			if got := events(t, s, 0, "", 0); len(got) != 0 {
				t.Errorf("a failed update appended events: %+v", got)
			}
			if got := loadVolumes(t, s); len(got) != 0 {
				t.Errorf("a failed update stored volumes: %+v", got)
			}
		})
	}
}

// testVolumesOutliveInstances: purging the instance keeps its volumes.
func testVolumesOutliveInstances(t *testing.T, open func(t *testing.T) instance.Store) {
	ctx := context.Background()
	s := open(t)
	inst, ev := terminating(t, s, "i-full")
	vol := FullVolume("vol-a")
	if err := s.UpdateInstanceVolumes(ctx, inst, ev, []*instance.DetachedVolume{vol.Clone()}); err != nil {
		t.Fatalf("UpdateInstanceVolumes: %v", err)
	}
	if err := s.DeleteInstances(ctx, []string{inst.ID}); err != nil {
		t.Fatalf("DeleteInstances: %v", err)
	}
	if got := load(t, s); len(got) != 0 {
		t.Fatalf("instances after the purge: %+v", got)
	}
	if diff := cmp.Diff(loadVolumes(t, s), []*instance.DetachedVolume{vol}, cmpOpts); diff != "" {
		t.Errorf("LoadVolumes after the purge of the instance (-got +want):\n%s", diff)
	}
}

// sortVolumes orders volumes by id, for comparisons that must not depend
// on the order LoadVolumes returns.
func sortVolumes(vs []*instance.DetachedVolume) []*instance.DetachedVolume {
	slices.SortFunc(vs, func(a, b *instance.DetachedVolume) int { return strings.Compare(a.ID, b.ID) })
	return vs
}

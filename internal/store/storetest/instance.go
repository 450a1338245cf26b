package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"strato/internal/core/instance"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// account is the account the fixtures belong to.
const account = "123456789012"

// t0 is a fixture time with nanoseconds, deliberately not in UTC.
var t0 = time.Date(2026, 11, 22, 20, 30, 0, 123456789, time.FixedZone("CET", 3600))

// FullInstance returns an instance with every field set (not a consistent
// one: the store must not care), for round-trip tests.
func FullInstance(id string) *instance.Instance {
	reason := instance.ReasonUserShutdown
	return &instance.Instance{
		ID:                    id,
		AccountID:             account,
		ReservationID:         "r-0123456789abcdef0",
		LaunchIndex:           2,
		ImageID:               "ami-0123456789abcdef0",
		InstanceType:          "t3.micro",
		Platform:              "windows",
		AvailabilityZone:      "local-1a",
		KeyName:               "my-key",
		UserData:              []byte("#!/bin/sh\necho 'hi'\n\x00\xff"),
		State:                 instance.Terminated,
		Version:               7,
		StateTransitionReason: "User initiated (2026-11-22 20:30:00 GMT)",
		StateReason:           &reason,
		CreatedAt:             t0,
		LaunchTime:            t0.Add(time.Second + time.Nanosecond),
		TerminatedAt:          t0.Add(time.Hour).In(time.UTC),
		EverRan:               true,
		PrivateIP:             "10.0.0.5",
		PublicIP:              "203.0.113.7",
		Region:                "local-1",
		RootDeviceType:        "ebs",
		RootDeviceName:        "/dev/xvda",
		Volumes: []instance.Volume{
			{ID: "vol-0a", DeviceName: "/dev/xvda", SizeGiB: 8, DeleteOnTermination: true, AttachTime: t0.Add(2 * time.Second),
				Tags: []instance.Tag{{Key: "Name", Value: "root"}}, Type: "io2", Iops: 4000, Throughput: 250, CreatedAt: t0},
			{ID: "vol-0b", DeviceName: "/dev/sdb", SizeGiB: 4, Scratch: true}, // zero AttachTime, no tags
		},
		ShutdownBehavior:      "terminate",
		DisableAPIStop:        true,
		DisableAPITermination: true,
		HibernationConfigured: true,
		Spot:                  true,
		SpotType:              "persistent",
		ClientToken:           "token-1",
		RequestHash:           "sha256:9f86d081884c7d659a2feaa0c55ad015",
		Tags:                  []instance.Tag{{Key: "Name", Value: "web"}, {Key: "env", Value: "prød \"quoted\""}, {Key: "empty"}},
		Driver:                "process",
		Handle: &driver.Handle{
			ID:     id,
			Driver: "process",
			Data:   json.RawMessage(`{"pid": 4242, "dir": "/var/lib/strato/` + id + `", "nested": {"a": [1, 2.5, null, true]}}`),
		},
		StopForce:      true,
		Hibernate:      true,
		Hibernated:     true,
		GuestExitedAt:  t0.Add(90 * time.Second),
		ServingSince:   t0.Add(5 * time.Second),
		Origin:         instance.OriginECS,
		OperationLocks: []instance.Lock{{Reason: instance.LockSecurity}},
		StoppedMode:    instance.StoppedModeKeepCharging,
		Labels:         map[string]string{"InstanceName": "web-1", "Description": "prød"},
		Env:            map[string]string{"NOTEBOOK_NAME": "nb-1", "EMPTY": ""},
		Files: []driver.File{{Path: "/opt/ml/metadata/resource-metadata.json", Mode: 0o444, Data: []byte("{\"a\":1}\n\x00\xff")},
			{Path: "/opt/empty"}},
		APIEndpoint: "127.0.0.1:8773",
		Role: &driver.Role{Name: "SageMakerRole", InstanceProfileARN: "arn:aws:iam::123456789012:instance-profile/SageMakerRole",
			AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token"},
	}
}

// newInstance returns a small instance in state st.
func newInstance(id string, st instance.State) *instance.Instance {
	return &instance.Instance{
		ID: id, AccountID: account, State: st, Version: 1,
		InstanceType: "t3.micro", CreatedAt: t0, LaunchTime: t0, Driver: "process",
	}
}

// createdEvent returns the event that goes with creating inst.
func createdEvent(inst *instance.Instance) instance.Event {
	return instance.Event{
		Time: inst.CreatedAt, InstanceID: inst.ID, AccountID: inst.AccountID,
		Type: instance.EventCreated, To: inst.State,
		Detail: map[string]string{"instanceType": inst.InstanceType},
	}
}

// RunInstanceStore runs the instance.Store conformance suite. open returns a
// new, empty store for each subtest and arranges its cleanup.
func RunInstanceStore(t *testing.T, open func(t *testing.T) instance.Store) {
	t.Run("FixtureIsFull", testFixtureIsFull)
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open) })
	t.Run("OwnCopies", func(t *testing.T) { testOwnCopies(t, open) })
	t.Run("Create", func(t *testing.T) { testCreate(t, open) })
	t.Run("CreateConflict", func(t *testing.T) { testCreateConflict(t, open) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, open) })
	t.Run("UpdateSequence", func(t *testing.T) { testUpdateSequence(t, open) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testConcurrentUpdates(t, open) })
	t.Run("ConcurrentConflicts", func(t *testing.T) { testConcurrentConflicts(t, open) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open) })
	t.Run("Volumes", func(t *testing.T) { runVolumeStore(t, open) }) // volumes.go
}

// testFixtureIsFull keeps FullInstance complete when Instance, or a type in
// it, grows a field.
func testFixtureIsFull(t *testing.T) {
	for _, path := range zeroFields(reflect.ValueOf(FullInstance("i-full")), "Instance") {
		t.Errorf("FullInstance leaves %s zero; set it so that round trips cover it", path)
	}
}

// zeroFields lists the paths of the zero values in v, looking into
// pointers, structs and slices; a field of a slice's elements counts as zero
// only when it is zero in every element.
func zeroFields(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return zeroFields(v.Elem(), path)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.IsZero() {
				return []string{path}
			}
			return nil
		}
		var out []string
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				out = append(out, zeroFields(v.Field(i), path+"."+f.Name)...)
			}
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		k := v.Type().Elem().Kind()
		if k != reflect.Struct && k != reflect.Pointer {
			return nil
		}
		count := map[string]int{}
		for i := range v.Len() {
			for _, p := range zeroFields(v.Index(i), path+"[]") {
				count[p]++
			}
		}
		var out []string
		for p, n := range count {
			if n == v.Len() {
				out = append(out, p)
			}
		}
		sort.Strings(out)
		return out
	default:
		if v.IsZero() {
			return []string{path}
		}
		return nil
	}
}

func testRoundTrip(t *testing.T, open func(t *testing.T) instance.Store) {
	full := FullInstance("i-full")
	utc := FullInstance("i-utc")
	utc.CreatedAt, utc.LaunchTime = t0.UTC(), time.Date(2030, 1, 2, 3, 4, 5, 1, time.UTC)
	local := FullInstance("i-local")
	local.CreatedAt, local.LaunchTime = t0.Local(), t0.Add(999999999).Local()
	empty := FullInstance("i-empty")
	empty.UserData, empty.Volumes, empty.Tags = []byte{}, []instance.Volume{}, []instance.Tag{}
	empty.Handle = &driver.Handle{ID: "i-empty", Driver: "process"}

	tests := []struct {
		name string
		inst *instance.Instance
	}{
		{"every field set", full},
		{"times in UTC", utc},
		{"times in the local zone", local},
		{"empty slices and handle without data", empty},
		{"minimal: zero times, nil slices and pointers", &instance.Instance{ID: "i-min", AccountID: account, State: instance.Pending}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if err := s.CreateInstances(ctx, []*instance.Instance{tt.inst.Clone()}, nil); err != nil {
				t.Fatalf("CreateInstances: %v", err)
			}
			got := load(t, s)
			if diff := cmp.Diff(got, []*instance.Instance{tt.inst}, cmpOpts); diff != "" {
				t.Errorf("LoadInstances mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

func testOwnCopies(t *testing.T, open func(t *testing.T) instance.Store) {
	ctx := context.Background()
	s := open(t)
	want := FullInstance("i-own")
	given := want.Clone()
	if err := s.CreateInstances(ctx, []*instance.Instance{given}, nil); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	scribble(given)
	got := load(t, s)
	if diff := cmp.Diff(got, []*instance.Instance{want}, cmpOpts); diff != "" {
		t.Fatalf("store changed with the caller's instance (-got +want):\n%s", diff)
	}
	scribble(got[0])
	if diff := cmp.Diff(load(t, s), []*instance.Instance{want}, cmpOpts); diff != "" {
		t.Fatalf("store changed with a loaded instance (-got +want):\n%s", diff)
	}

	upd := want.Clone()
	upd.State = instance.Stopped
	if err := s.UpdateInstance(ctx, upd, nil); err != nil {
		t.Fatalf("UpdateInstance: %v", err)
	}
	wantUpd := upd.Clone()
	scribble(upd)
	if diff := cmp.Diff(load(t, s), []*instance.Instance{wantUpd}, cmpOpts); diff != "" {
		t.Fatalf("store changed with the caller's updated instance (-got +want):\n%s", diff)
	}
}

// scribble changes inst in place, through every reference it holds.
func scribble(inst *instance.Instance) {
	inst.State = instance.Running
	inst.UserData[0] = 'X'
	inst.Tags[0].Value = "scribbled"
	inst.Volumes[0].SizeGiB = 999
	inst.Volumes[0].Tags[0].Value = "scribbled"
	inst.StateReason.Code = "scribbled"
	inst.Handle.ID = "scribbled"
	inst.Handle.Data[0] = '['
}

func testCreate(t *testing.T, open func(t *testing.T) instance.Store) {
	ctx := context.Background()
	s := open(t)
	a, b := newInstance("i-a", instance.Pending), newInstance("i-b", instance.Pending)
	evs := []instance.Event{createdEvent(a), createdEvent(b)}
	if err := s.CreateInstances(ctx, []*instance.Instance{a.Clone(), b.Clone()}, evs); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	if evs[0].Seq <= 0 || evs[1].Seq <= evs[0].Seq {
		t.Fatalf("assigned seqs = %d, %d; want positive and increasing", evs[0].Seq, evs[1].Seq)
	}
	if diff := cmp.Diff(sortByID(load(t, s)), []*instance.Instance{a, b}, cmpOpts); diff != "" {
		t.Errorf("LoadInstances mismatch (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(events(t, s, 0, "", 0), evs, cmpOpts); diff != "" {
		t.Errorf("Events mismatch (-got +want):\n%s", diff)
	}
	// Nothing at all is fine too.
	if err := s.CreateInstances(ctx, nil, nil); err != nil {
		t.Fatalf("CreateInstances(nil, nil): %v", err)
	}
}

func testCreateConflict(t *testing.T, open func(t *testing.T) instance.Store) {
	tests := []struct {
		name  string
		batch []string // ids to create after i-a exists
		dupID string
	}{
		{"id already stored", []string{"i-b", "i-a", "i-c"}, "i-a"},
		{"id stored first in batch", []string{"i-a", "i-b"}, "i-a"},
		{"duplicate within the batch", []string{"i-b", "i-c", "i-b"}, "i-b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			a := newInstance("i-a", instance.Running)
			if err := s.CreateInstances(ctx, []*instance.Instance{a.Clone()}, []instance.Event{createdEvent(a)}); err != nil {
				t.Fatalf("CreateInstances: %v", err)
			}
			beforeInst, beforeEv := load(t, s), events(t, s, 0, "", 0)

			var insts []*instance.Instance
			var evs []instance.Event
			for _, id := range tt.batch {
				inst := newInstance(id, instance.Pending)
				insts = append(insts, inst)
				evs = append(evs, createdEvent(inst))
			}
			err := s.CreateInstances(ctx, insts, evs)
			wantErr(t, err, errdefs.AlreadyExists, errdefs.ResInstance)
			if e := errdefs.As(err); e.ID != tt.dupID {
				t.Errorf("error ID = %q, want %q", e.ID, tt.dupID)
			}
			for i, ev := range evs {
				if ev.Seq != 0 {
					t.Errorf("events[%d].Seq = %d after a failed create, want 0", i, ev.Seq)
				}
			}
			if diff := cmp.Diff(load(t, s), beforeInst, cmpOpts); diff != "" {
				t.Errorf("instances changed by a failed create (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(events(t, s, 0, "", 0), beforeEv, cmpOpts); diff != "" {
				t.Errorf("events changed by a failed create (-got +want):\n%s", diff)
			}
		})
	}
}

func testUpdate(t *testing.T, open func(t *testing.T) instance.Store) {
	tests := []struct {
		name     string
		id       string
		version  int64 // the version the caller holds; stored is 3
		withEv   bool
		wantKind errdefs.Kind
	}{
		{"current version with event", "i-a", 3, true, errdefs.Unknown},
		{"current version without event", "i-a", 3, false, errdefs.Unknown},
		{"stale version", "i-a", 2, true, errdefs.IncorrectState},
		{"future version", "i-a", 4, true, errdefs.IncorrectState},
		{"zero version", "i-a", 0, false, errdefs.IncorrectState},
		{"missing instance", "i-missing", 3, true, errdefs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			a := FullInstance("i-a")
			a.State, a.Version = instance.Running, 3
			created := createdEvent(a)
			if err := s.CreateInstances(ctx, []*instance.Instance{a.Clone()}, []instance.Event{created}); err != nil {
				t.Fatalf("CreateInstances: %v", err)
			}
			beforeInst, beforeEv := load(t, s), events(t, s, 0, "", 0)

			upd := a.Clone()
			upd.ID, upd.Version = tt.id, tt.version
			upd.State = instance.Stopping
			reason := instance.ReasonUserHibernate
			upd.StateReason = &reason
			upd.Tags = append(upd.Tags, instance.Tag{Key: "new", Value: "tag"})
			var ev *instance.Event
			if tt.withEv {
				ev = &instance.Event{
					Time: t0.Add(time.Minute), InstanceID: tt.id, AccountID: account, Type: instance.EventState,
					From: instance.Running, To: instance.Stopping, Reason: "user", Detail: map[string]string{"force": "false"},
				}
			}
			err := s.UpdateInstance(ctx, upd, ev)
			wantErr(t, err, tt.wantKind, errdefs.ResInstance)

			if tt.wantKind != errdefs.Unknown {
				if upd.Version != tt.version {
					t.Errorf("inst.Version = %d after a failed update, want %d", upd.Version, tt.version)
				}
				if ev != nil && ev.Seq != 0 {
					t.Errorf("ev.Seq = %d after a failed update, want 0", ev.Seq)
				}
				if diff := cmp.Diff(load(t, s), beforeInst, cmpOpts); diff != "" {
					t.Errorf("instances changed by a failed update (-got +want):\n%s", diff)
				}
				if diff := cmp.Diff(events(t, s, 0, "", 0), beforeEv, cmpOpts); diff != "" {
					t.Errorf("events changed by a failed update (-got +want):\n%s", diff)
				}
				return
			}

			if upd.Version != tt.version+1 {
				t.Errorf("inst.Version = %d, want %d", upd.Version, tt.version+1)
			}
			if diff := cmp.Diff(load(t, s), []*instance.Instance{upd}, cmpOpts); diff != "" {
				t.Errorf("LoadInstances mismatch (-got +want):\n%s", diff)
			}
			wantEv := beforeEv
			if ev != nil {
				if ev.Seq <= created.Seq {
					t.Errorf("ev.Seq = %d, want > %d", ev.Seq, created.Seq)
				}
				wantEv = append(wantEv, *ev)
			}
			if diff := cmp.Diff(events(t, s, 0, "", 0), wantEv, cmpOpts); diff != "" {
				t.Errorf("Events mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

// testUpdateSequence updates one instance repeatedly, as the core does, and
// checks that a copy left behind goes stale.
func testUpdateSequence(t *testing.T, open func(t *testing.T) instance.Store) {
	ctx := context.Background()
	s := open(t)
	inst := newInstance("i-seq", instance.Pending)
	if err := s.CreateInstances(ctx, []*instance.Instance{inst.Clone()}, nil); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	stale := inst.Clone()
	for i, st := range []instance.State{instance.Running, instance.Stopping, instance.Stopped} {
		inst.State = st
		if err := s.UpdateInstance(ctx, inst, nil); err != nil {
			t.Fatalf("update %d to %s: %v", i, st, err)
		}
	}
	if inst.Version != 4 {
		t.Errorf("Version = %d after three updates from 1, want 4", inst.Version)
	}
	stale.State = instance.ShuttingDown
	wantErr(t, s.UpdateInstance(ctx, stale, nil), errdefs.IncorrectState, errdefs.ResInstance)
	if diff := cmp.Diff(load(t, s), []*instance.Instance{inst}, cmpOpts); diff != "" {
		t.Errorf("LoadInstances mismatch (-got +want):\n%s", diff)
	}
}

func testConcurrentUpdates(t *testing.T, open func(t *testing.T) instance.Store) {
	const (
		workers = 20
		updates = 10
	)
	ctx := context.Background()
	s := open(t)
	var insts []*instance.Instance
	for i := range workers {
		insts = append(insts, newInstance(fmt.Sprintf("i-%02d", i), instance.Running))
	}
	if err := s.CreateInstances(ctx, cloneAll(insts), nil); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Go(func() {
			for n := range updates {
				inst.PrivateIP = fmt.Sprintf("10.0.0.%d", n)
				ev := &instance.Event{Time: t0, InstanceID: inst.ID, AccountID: account, Type: instance.EventModify}
				if err := s.UpdateInstance(ctx, inst, ev); err != nil {
					t.Errorf("UpdateInstance(%s) #%d: %v", inst.ID, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, inst := range insts {
		if inst.Version != 1+updates {
			t.Errorf("%s: Version = %d, want %d", inst.ID, inst.Version, 1+updates)
		}
	}
	if diff := cmp.Diff(sortByID(load(t, s)), insts, cmpOpts); diff != "" {
		t.Errorf("LoadInstances mismatch (-got +want):\n%s", diff)
	}
	evs := events(t, s, 0, "", 0)
	if len(evs) != workers*updates {
		t.Errorf("got %d events, want %d", len(evs), workers*updates)
	}
	checkSeqs(t, evs)
}

func testConcurrentConflicts(t *testing.T, open func(t *testing.T) instance.Store) {
	const contenders = 10
	ctx := context.Background()
	s := open(t)
	inst := newInstance("i-contended", instance.Running)
	if err := s.CreateInstances(ctx, []*instance.Instance{inst.Clone()}, nil); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	errs := make([]error, contenders)
	copies := make([]*instance.Instance, contenders)
	var wg sync.WaitGroup
	for i := range contenders {
		copies[i] = inst.Clone()
		copies[i].KeyName = fmt.Sprintf("winner-%d", i)
		wg.Go(func() {
			errs[i] = s.UpdateInstance(ctx, copies[i], &instance.Event{
				Time: t0, InstanceID: inst.ID, AccountID: account, Type: instance.EventModify,
			})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("updates %d and %d of the same version both succeeded", winner, i)
			}
			winner = i
			continue
		}
		wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
	}
	if winner < 0 {
		t.Fatal("no update succeeded")
	}
	if diff := cmp.Diff(load(t, s), []*instance.Instance{copies[winner]}, cmpOpts); diff != "" {
		t.Errorf("LoadInstances mismatch (-got +want):\n%s", diff)
	}
	if evs := events(t, s, 0, "", 0); len(evs) != 1 {
		t.Errorf("got %d events, want the winner's only", len(evs))
	}
}

func testEvents(t *testing.T, open func(t *testing.T) instance.Store) {
	ctx := context.Background()
	s := open(t)
	a, b, c := newInstance("i-a", instance.Pending), newInstance("i-b", instance.Pending), newInstance("i-c", instance.Pending)
	created := []instance.Event{createdEvent(a), createdEvent(b), createdEvent(c)}
	if err := s.CreateInstances(ctx, []*instance.Instance{a, b, c}, created); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	all := append([]instance.Event(nil), created...)
	update := func(inst *instance.Instance, ev instance.Event) {
		t.Helper()
		if err := s.UpdateInstance(ctx, inst, &ev); err != nil {
			t.Fatalf("UpdateInstance: %v", err)
		}
		all = append(all, ev)
	}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	update(a, instance.Event{Time: at(time.Second), InstanceID: "i-a", AccountID: account, Type: instance.EventState,
		From: instance.Pending, To: instance.Running})
	update(b, instance.Event{Time: at(2*time.Second + 7), InstanceID: "i-b", AccountID: account, Type: instance.EventState,
		From: instance.Pending, To: instance.Running, Reason: instance.ReasonPending.Message})
	update(a, instance.Event{Time: at(3 * time.Second).UTC(), InstanceID: "i-a", AccountID: account, Type: instance.EventModify,
		Detail: map[string]string{"instanceType": "t3.large", "note": "ünïcode \"quoted\""}})
	update(a, instance.Event{Time: at(4 * time.Second).Local(), InstanceID: "i-a", AccountID: account, Type: instance.EventReboot})
	update(c, instance.Event{Time: time.Time{}, InstanceID: "i-c", AccountID: account, Type: instance.EventState,
		From: instance.Pending, To: instance.Running})

	got := events(t, s, 0, "", 0)
	if diff := cmp.Diff(got, all, cmpOpts); diff != "" {
		t.Fatalf("Events(0, \"\", 0) mismatch (-got +want):\n%s", diff)
	}
	checkSeqs(t, got)

	filter := func(id string, after int64, limit int) []instance.Event {
		var out []instance.Event
		for _, ev := range all {
			if ev.Seq > after && (id == "" || ev.InstanceID == id) && (limit == 0 || len(out) < limit) {
				out = append(out, ev)
			}
		}
		return out
	}
	last := all[len(all)-1].Seq
	tests := []struct {
		name     string
		afterSeq int64
		id       string
		limit    int
	}{
		{"after the second", all[1].Seq, "", 0},
		{"limit", 0, "", 2},
		{"after and limit", all[2].Seq, "", 3},
		{"limit above count", 0, "", 100},
		{"one instance", 0, "i-a", 0},
		{"one instance after", all[3].Seq, "i-a", 0},
		{"one instance with limit", 0, "i-a", 2},
		{"one instance after and limit", all[0].Seq, "i-a", 1},
		{"unknown instance", 0, "i-none", 0},
		{"after the last", last, "", 0},
		{"far beyond the last", last + 1000, "", 0},
		{"negative after", -5, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := events(t, s, tt.afterSeq, tt.id, tt.limit)
			if diff := cmp.Diff(got, filter(tt.id, tt.afterSeq, tt.limit), cmpOpts); diff != "" {
				t.Errorf("Events(%d, %q, %d) mismatch (-got +want):\n%s", tt.afterSeq, tt.id, tt.limit, diff)
			}
		})
	}
	t.Run("negative limit", func(t *testing.T) {
		_, err := s.Events(ctx, 0, "", -1)
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResNone)
	})
}

func testDelete(t *testing.T, open func(t *testing.T) instance.Store) {
	ctx := context.Background()
	s := open(t)
	a, b, c := newInstance("i-a", instance.Terminated), newInstance("i-b", instance.Stopped), newInstance("i-c", instance.Running)
	b.AccountID = "210987654321"
	if err := s.CreateInstances(ctx, cloneAll([]*instance.Instance{a, b, c}), []instance.Event{createdEvent(a)}); err != nil {
		t.Fatalf("CreateInstances: %v", err)
	}
	mark := events(t, s, 0, "", 0)[0].Seq

	if err := s.DeleteInstances(ctx, []string{"i-a", "i-unknown", "i-b", "i-a"}); err != nil {
		t.Fatalf("DeleteInstances: %v", err)
	}
	if diff := cmp.Diff(load(t, s), []*instance.Instance{c}, cmpOpts); diff != "" {
		t.Errorf("LoadInstances after delete mismatch (-got +want):\n%s", diff)
	}
	got := events(t, s, mark, "", 0)
	want := []instance.Event{
		{InstanceID: "i-a", AccountID: account, Type: instance.EventDeleted, From: instance.Terminated},
		{InstanceID: "i-b", AccountID: "210987654321", Type: instance.EventDeleted, From: instance.Stopped},
	}
	if diff := cmp.Diff(got, want, cmpOpts, cmpopts.IgnoreFields(instance.Event{}, "Seq", "Time")); diff != "" {
		t.Errorf("deleted events mismatch (-got +want):\n%s", diff)
	}
	for _, ev := range got {
		if ev.Time.IsZero() {
			t.Errorf("deleted event for %s has a zero time", ev.InstanceID)
		}
	}
	checkSeqs(t, got)

	tests := []struct {
		name string
		ids  []string
	}{
		{"nil", nil},
		{"empty", []string{}},
		{"already deleted", []string{"i-a", "i-b"}},
		{"unknown", []string{"i-unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := events(t, s, 0, "", 0)
			if err := s.DeleteInstances(ctx, tt.ids); err != nil {
				t.Fatalf("DeleteInstances: %v", err)
			}
			if diff := cmp.Diff(events(t, s, 0, "", 0), before, cmpOpts); diff != "" {
				t.Errorf("events changed (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(load(t, s), []*instance.Instance{c}, cmpOpts); diff != "" {
				t.Errorf("instances changed (-got +want):\n%s", diff)
			}
		})
	}

	t.Run("id reusable after delete", func(t *testing.T) {
		again := newInstance("i-a", instance.Pending)
		if err := s.CreateInstances(ctx, []*instance.Instance{again.Clone()}, nil); err != nil {
			t.Fatalf("CreateInstances: %v", err)
		}
		if diff := cmp.Diff(sortByID(load(t, s)), []*instance.Instance{again, c}, cmpOpts); diff != "" {
			t.Errorf("LoadInstances mismatch (-got +want):\n%s", diff)
		}
	})
}

// load returns the store's instances.
func load(t *testing.T, s instance.Store) []*instance.Instance {
	t.Helper()
	got, err := s.LoadInstances(context.Background())
	if err != nil {
		t.Fatalf("LoadInstances: %v", err)
	}
	return got
}

// events returns the store's events.
func events(t *testing.T, s instance.Store, after int64, id string, limit int) []instance.Event {
	t.Helper()
	got, err := s.Events(context.Background(), after, id, limit)
	if err != nil {
		t.Fatalf("Events(%d, %q, %d): %v", after, id, limit, err)
	}
	return got
}

// checkSeqs fails t unless the events' seqs are positive and increasing.
func checkSeqs(t *testing.T, evs []instance.Event) {
	t.Helper()
	var prev int64
	for i, ev := range evs {
		if ev.Seq <= prev {
			t.Errorf("events[%d].Seq = %d, want > %d", i, ev.Seq, prev)
		}
		prev = ev.Seq
	}
}

// sortByID sorts insts by id, for comparisons that must not depend on the
// order LoadInstances returns.
func sortByID(insts []*instance.Instance) []*instance.Instance {
	sort.Slice(insts, func(i, j int) bool { return insts[i].ID < insts[j].ID })
	return insts
}

// cloneAll deep-copies insts.
func cloneAll(insts []*instance.Instance) []*instance.Instance {
	out := make([]*instance.Instance, len(insts))
	for i, inst := range insts {
		out[i] = inst.Clone()
	}
	return out
}

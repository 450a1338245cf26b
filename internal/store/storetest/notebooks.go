package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// RunNotebookStore runs the notebook.Store conformance suite. open returns
// a new, empty store for each subtest and arranges its cleanup.
//
// Besides the interface documentation, the suite holds stores to these
// details: the Version given to a create is stored as is; a failed update
// or delete leaves the caller's Version alone; names are keys without
// regard to case, per account; lists keep creation order.
func RunNotebookStore(t *testing.T, open func(t *testing.T) notebook.Store) {
	t.Run("FixturesAreFull", testNotebookFixturesAreFull)
	t.Run("NotebookRoundTrip", func(t *testing.T) { testNotebookRoundTrip(t, open) })
	t.Run("NotebookKeys", func(t *testing.T) { testNotebookKeys(t, open) })
	t.Run("NotebookKinds", func(t *testing.T) { testNotebookKinds(t, open) })
	t.Run("NotebookVersions", func(t *testing.T) { testNotebookVersions(t, open) })
	t.Run("NotebookCopies", func(t *testing.T) { testNotebookCopies(t, open) })
	t.Run("ConfigRoundTrip", func(t *testing.T) { testConfigRoundTrip(t, open) })
	t.Run("ConfigVersions", func(t *testing.T) { testConfigVersions(t, open) })
	t.Run("Canceled", func(t *testing.T) { testNotebookCanceled(t, open) })
}

// FullNotebook returns a notebook with every field set, for round trips.
func FullNotebook(account, name string, created time.Time) *notebook.Notebook {
	arn := notebook.NotebookARN("local-1", account, name)
	return &notebook.Notebook{
		Name: name, ARN: arn, AccountID: account, Status: notebook.Failed,
		FailureReason: "Notebook Instance Lifecycle Config 'x' failed: exit status 1 — ünïcode \"quoted\"",
		URL:           "127.0.0.1:8773/strato/notebooks/" + account + "/" + notebook.NameKey(name),
		InstanceType:  "ml.t3.medium", IPAddressType: "dualstack", SubnetID: "subnet-0123456789abcdef0",
		SecurityGroups: []string{"sg-1", "sg-2"}, RoleARN: "arn:aws:iam::" + account + ":role/service-role/Exec",
		KMSKeyID: "alias/key", NetworkInterfaceID: "eni-0123456789abcdef0",
		CreationTime: created, LastModifiedTime: created.Add(90*time.Second + time.Nanosecond),
		LifecycleConfigName: "On-Start", DirectInternetAccess: "Disabled", VolumeSizeInGB: 16384,
		AcceleratorTypes: []string{"ml.eia2.medium"}, DefaultCodeRepository: "https://example.com/r.git",
		AdditionalCodeRepositories: []string{"repo-a", "repo-b"}, RootAccess: "Disabled",
		PlatformIdentifier: "notebook-al2023-v1", MinimumIMDSVersion: "2",
		Tags:    []notebook.Tag{{Key: "team", Value: "ml"}, {Key: "empty"}},
		Version: 3, Issued: notebook.Stopping, Launched: true,
		Description: "a notebook — ünïcode", ImageID: "5e5a3d1f-5c1e-4f4a-9d3e-7a1b2c3d4e5f", VolumeCategory: "EVS",
		AutoStop: &notebook.AutoStop{Duration: 90 * time.Minute, Since: created.Add(time.Second)},
		Served:   true, Started: true, FailedBy: notebook.OpLost, ProfileID: "Multi-Engine 1.0 (python3)-cpu",
	}
}

// FullModelArtsNotebook returns FullNotebook as a ModelArts notebook with
// id id: Kind and ID, which FullNotebook leaves zero, are set.
func FullModelArtsNotebook(account, id, name string, created time.Time) *notebook.Notebook {
	nb := FullNotebook(account, name, created)
	nb.Kind, nb.ID = notebook.KindModelArts, id
	return nb
}

// FullConfig returns a lifecycle configuration with every field set.
func FullConfig(account, name string, created time.Time) *notebook.LifecycleConfig {
	return &notebook.LifecycleConfig{
		Name: name, ARN: notebook.LifecycleConfigARN("local-1", account, name), AccountID: account,
		OnCreate:     []notebook.Hook{{Content: "ZWNobyBjcmVhdGU="}},
		OnStart:      []notebook.Hook{{Content: "ZWNobyBzdGFydA=="}},
		CreationTime: created, LastModifiedTime: created.Add(time.Minute),
		Tags: []notebook.Tag{{Key: "k", Value: "v"}}, Version: 2,
	}
}

const otherAccount = "210987654321"

// testNotebookFixturesAreFull keeps FullNotebook and FullConfig complete
// when their types grow a field.
func testNotebookFixturesAreFull(t *testing.T) {
	for _, path := range zeroFields(reflect.ValueOf(FullModelArtsNotebook(account, "id", "nb", t0)), "Notebook") {
		t.Errorf("FullNotebook leaves %s zero; set it so that round trips cover it", path)
	}
	for _, path := range zeroFields(reflect.ValueOf(FullConfig(account, "cfg", t0)), "LifecycleConfig") {
		t.Errorf("FullConfig leaves %s zero; set it so that round trips cover it", path)
	}
}

func mustCreateNotebooks(t *testing.T, s notebook.Store, nbs ...*notebook.Notebook) {
	t.Helper()
	for _, nb := range nbs {
		if err := s.CreateNotebook(context.Background(), nb.Clone()); err != nil {
			t.Fatalf("CreateNotebook(%s): %v", nb.Name, err)
		}
	}
}

func testNotebookRoundTrip(t *testing.T, open func(t *testing.T) notebook.Store) {
	ctx := context.Background()
	s := open(t)
	if got, err := s.ListNotebooks(ctx, ""); err != nil || len(got) != 0 {
		t.Fatalf("ListNotebooks on an empty store = %v, %v; want none", got, err)
	}
	a := FullNotebook(account, "Zeta", t0)
	b := FullNotebook(otherAccount, "alpha", t0.Add(time.Hour))
	c := FullNotebook(account, "beta", t0.Add(-time.Hour))
	c.Tags, c.SecurityGroups, c.AcceleratorTypes, c.AdditionalCodeRepositories = nil, nil, nil, nil
	c.Issued, c.Launched, c.FailureReason, c.Status = "", false, "", notebook.Pending
	mustCreateNotebooks(t, s, a, b, c)
	for _, want := range []*notebook.Notebook{a, b, c} {
		got, err := s.GetNotebook(ctx, notebook.KindSageMaker, want.AccountID, want.Name)
		if err != nil {
			t.Fatalf("GetNotebook(%s): %v", want.Name, err)
		}
		if d := cmp.Diff(got, want, cmpOpts); d != "" {
			t.Errorf("GetNotebook(%s) (-got +want):\n%s", want.Name, d)
		}
	}
	tests := []struct {
		name    string
		account string
		want    []*notebook.Notebook
	}{
		{"every account", "", []*notebook.Notebook{a, b, c}},
		{"one account, creation order", account, []*notebook.Notebook{a, c}},
		{"other account", otherAccount, []*notebook.Notebook{b}},
		{"unknown account", "999999999999", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListNotebooks(ctx, tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(got, tt.want, cmpOpts); d != "" {
				t.Errorf("ListNotebooks(%q) (-got +want):\n%s", tt.account, d)
			}
		})
	}
}

// testNotebookKeys: a name is a key without regard to case, per account.
func testNotebookKeys(t *testing.T, open func(t *testing.T) notebook.Store) {
	ctx := context.Background()
	s := open(t)
	nb := FullNotebook(account, "My-Notebook", t0)
	mustCreateNotebooks(t, s, nb)
	tests := []struct {
		name string
		call func() error
		kind errdefs.Kind
	}{
		{"same name", func() error { return s.CreateNotebook(ctx, FullNotebook(account, "My-Notebook", t0)) }, errdefs.AlreadyExists},
		{"name in another case", func() error { return s.CreateNotebook(ctx, FullNotebook(account, "my-notebook", t0)) }, errdefs.AlreadyExists},
		{"same name, other account", func() error { return s.CreateNotebook(ctx, FullNotebook(otherAccount, "My-Notebook", t0)) }, 0},
		{"get in another case", func() error { _, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "MY-NOTEBOOK"); return err }, 0},
		{"get unknown", func() error { _, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "nope"); return err }, errdefs.NotFound},
		{"get from another account", func() error {
			_, err := s.GetNotebook(ctx, notebook.KindSageMaker, "999999999999", "My-Notebook")
			return err
		}, errdefs.NotFound},
		{"create without a name", func() error { return s.CreateNotebook(ctx, FullNotebook(account, "", t0)) }, errdefs.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.call(), tt.kind, notebookRes(tt.kind)) })
	}
	got, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "my-notebook")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, nb, cmpOpts); d != "" {
		t.Errorf("a refused create changed the notebook (-got +want):\n%s", d)
	}
}

// testNotebookKinds: notebooks of different kinds have separate keys. A
// ModelArts notebook is keyed by its ID, exactly, and its name need not be
// unique.
func testNotebookKinds(t *testing.T, open func(t *testing.T) notebook.Store) {
	ctx := context.Background()
	s := open(t)
	const id = "0f6a1c2e-1111-2222-3333-444455556666"
	sm := FullNotebook(account, id, t0) // a SageMaker name that is a ModelArts id
	ma := FullModelArtsNotebook(account, id, "same-name", t0.Add(time.Second))
	twin := FullModelArtsNotebook(account, "0f6a1c2e-1111-2222-3333-777788889999", "same-name", t0.Add(2*time.Second))
	mustCreateNotebooks(t, s, sm, ma, twin)
	if err := s.CreateNotebook(ctx, FullModelArtsNotebook(account, id, "other", t0)); errdefs.KindOf(err) != errdefs.AlreadyExists {
		t.Errorf("create of a taken ModelArts id = %v; want AlreadyExists", err)
	}
	for _, tt := range []struct {
		kind notebook.Kind
		key  string
		want *notebook.Notebook
	}{
		{notebook.KindSageMaker, id, sm},
		{notebook.KindSageMaker, strings.ToUpper(id), sm},
		{notebook.KindModelArts, id, ma},
		{notebook.KindModelArts, twin.ID, twin},
	} {
		got, err := s.GetNotebook(ctx, tt.kind, account, tt.key)
		if err != nil {
			t.Fatalf("GetNotebook(%q, %s): %v", tt.kind, tt.key, err)
		}
		if d := cmp.Diff(got, tt.want, cmpOpts); d != "" {
			t.Errorf("GetNotebook(%q, %s) (-got +want):\n%s", tt.kind, tt.key, d)
		}
	}
	if _, err := s.GetNotebook(ctx, notebook.KindModelArts, account, strings.ToUpper(id)); errdefs.KindOf(err) != errdefs.NotFound {
		t.Errorf("GetNotebook of a ModelArts id in upper case = %v; want NotFound", err)
	}
	if _, err := s.GetNotebook(ctx, notebook.KindModelArts, account, "same-name"); errdefs.KindOf(err) != errdefs.NotFound {
		t.Errorf("GetNotebook of a ModelArts name = %v; want NotFound (the key is the id)", err)
	}
	ma.Status = notebook.InService
	if err := s.UpdateNotebook(ctx, ma); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetNotebook(ctx, notebook.KindSageMaker, account, id); got.Status != sm.Status {
		t.Errorf("updating the ModelArts notebook changed the SageMaker one: status %s", got.Status)
	}
	if err := s.DeleteNotebook(ctx, ma); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListNotebooks(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(all, []*notebook.Notebook{sm, twin}, cmpOpts); d != "" {
		t.Errorf("ListNotebooks after deleting the ModelArts notebook (-got +want):\n%s", d)
	}
}

// notebookRes is the resource a notebook store error names.
func notebookRes(k errdefs.Kind) errdefs.Resource {
	if k == errdefs.NotFound || k == errdefs.AlreadyExists || k == errdefs.IncorrectState {
		return notebook.ResNotebook
	}
	return errdefs.ResNone
}

func testNotebookVersions(t *testing.T, open func(t *testing.T) notebook.Store) {
	ctx := context.Background()
	s := open(t)
	nb := FullNotebook(account, "nb", t0)
	mustCreateNotebooks(t, s, nb)

	upd := nb.Clone()
	upd.Status, upd.Issued, upd.Tags = notebook.InService, "", []notebook.Tag{{Key: "new", Value: "v"}}
	if err := s.UpdateNotebook(ctx, upd); err != nil {
		t.Fatalf("UpdateNotebook: %v", err)
	}
	if upd.Version != nb.Version+1 {
		t.Errorf("Version after an update = %d, want %d", upd.Version, nb.Version+1)
	}
	got, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "nb")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, upd, cmpOpts); d != "" {
		t.Errorf("after UpdateNotebook (-got +want):\n%s", d)
	}

	stale := nb.Clone() // the version before the update
	missing := FullNotebook(account, "missing", t0)
	tests := []struct {
		name string
		call func() error
		kind errdefs.Kind
	}{
		{"update with a stale version", func() error { return s.UpdateNotebook(ctx, stale) }, errdefs.IncorrectState},
		{"delete with a stale version", func() error { return s.DeleteNotebook(ctx, stale) }, errdefs.IncorrectState},
		{"update unknown", func() error { return s.UpdateNotebook(ctx, missing) }, errdefs.NotFound},
		{"delete unknown", func() error { return s.DeleteNotebook(ctx, missing) }, errdefs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.call(), tt.kind, notebookRes(tt.kind))
		})
	}
	if stale.Version != nb.Version {
		t.Errorf("a refused update changed the caller's Version to %d", stale.Version)
	}
	if got, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "nb"); err != nil || got.Version != upd.Version || got.Status != notebook.InService {
		t.Errorf("refused writes changed the notebook: %+v, %v", got, err)
	}
	if err := s.DeleteNotebook(ctx, upd); err != nil {
		t.Fatalf("DeleteNotebook: %v", err)
	}
	if _, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "nb"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("GetNotebook after delete: %v, want NotFound", err)
	}
	// The name is free again.
	mustCreateNotebooks(t, s, FullNotebook(account, "NB", t0))
}

// testNotebookCopies: the store keeps its own copies.
func testNotebookCopies(t *testing.T, open func(t *testing.T) notebook.Store) {
	ctx := context.Background()
	s := open(t)
	nb := FullNotebook(account, "nb", t0)
	in := nb.Clone()
	if err := s.CreateNotebook(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Tags[0].Value, in.SecurityGroups[0], in.Status = "changed", "sg-x", notebook.Deleting
	got, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "nb")
	if err != nil {
		t.Fatal(err)
	}
	got.Tags[0].Value, got.AcceleratorTypes[0] = "changed", "x"
	lst, err := s.ListNotebooks(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	lst[0].AdditionalCodeRepositories[0] = "changed"
	again, err := s.GetNotebook(ctx, notebook.KindSageMaker, account, "nb")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(again, nb, cmpOpts); d != "" {
		t.Errorf("changing copies changed the store (-got +want):\n%s", d)
	}
}

func testConfigRoundTrip(t *testing.T, open func(t *testing.T) notebook.Store) {
	ctx := context.Background()
	s := open(t)
	a := FullConfig(account, "On-Start", t0)
	b := FullConfig(otherAccount, "on-start", t0)
	c := FullConfig(account, "empty", t0.Add(time.Second))
	c.OnCreate, c.OnStart, c.Tags = nil, []notebook.Hook{{}}, nil
	for _, cfg := range []*notebook.LifecycleConfig{a, b, c} {
		if err := s.CreateLifecycleConfig(ctx, cfg.Clone()); err != nil {
			t.Fatalf("CreateLifecycleConfig(%s): %v", cfg.Name, err)
		}
	}
	wantErr(t, s.CreateLifecycleConfig(ctx, FullConfig(account, "ON-START", t0)), errdefs.AlreadyExists, notebook.ResLifecycleConfig)
	for _, want := range []*notebook.LifecycleConfig{a, b, c} {
		got, err := s.GetLifecycleConfig(ctx, want.AccountID, notebook.NameKey(want.Name))
		if err != nil {
			t.Fatalf("GetLifecycleConfig(%s): %v", want.Name, err)
		}
		if d := cmp.Diff(got, want, cmpOpts); d != "" {
			t.Errorf("GetLifecycleConfig(%s) (-got +want):\n%s", want.Name, d)
		}
	}
	_, err := s.GetLifecycleConfig(ctx, account, "nope")
	wantErr(t, err, errdefs.NotFound, notebook.ResLifecycleConfig)
	for _, tt := range []struct {
		account string
		want    []*notebook.LifecycleConfig
	}{
		{"", []*notebook.LifecycleConfig{a, b, c}},
		{account, []*notebook.LifecycleConfig{a, c}},
		{"999999999999", nil},
	} {
		got, err := s.ListLifecycleConfigs(ctx, tt.account)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(got, tt.want, cmpOpts); d != "" {
			t.Errorf("ListLifecycleConfigs(%q) (-got +want):\n%s", tt.account, d)
		}
	}
	// A notebook and a configuration may share a name.
	mustCreateNotebooks(t, s, FullNotebook(account, "on-start", t0))
}

func testConfigVersions(t *testing.T, open func(t *testing.T) notebook.Store) {
	ctx := context.Background()
	s := open(t)
	c := FullConfig(account, "cfg", t0)
	if err := s.CreateLifecycleConfig(ctx, c.Clone()); err != nil {
		t.Fatal(err)
	}
	upd := c.Clone()
	upd.OnStart = []notebook.Hook{{Content: "bmV3"}}
	if err := s.UpdateLifecycleConfig(ctx, upd); err != nil {
		t.Fatalf("UpdateLifecycleConfig: %v", err)
	}
	if upd.Version != c.Version+1 {
		t.Errorf("Version after an update = %d, want %d", upd.Version, c.Version+1)
	}
	got, err := s.GetLifecycleConfig(ctx, account, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, upd, cmpOpts); d != "" {
		t.Errorf("after UpdateLifecycleConfig (-got +want):\n%s", d)
	}
	stale := c.Clone()
	wantErr(t, s.UpdateLifecycleConfig(ctx, stale), errdefs.IncorrectState, notebook.ResLifecycleConfig)
	wantErr(t, s.DeleteLifecycleConfig(ctx, stale), errdefs.IncorrectState, notebook.ResLifecycleConfig)
	wantErr(t, s.UpdateLifecycleConfig(ctx, FullConfig(account, "nope", t0)), errdefs.NotFound, notebook.ResLifecycleConfig)
	if stale.Version != c.Version {
		t.Errorf("a refused update changed the caller's Version to %d", stale.Version)
	}
	if err := s.DeleteLifecycleConfig(ctx, upd); err != nil {
		t.Fatalf("DeleteLifecycleConfig: %v", err)
	}
	_, err = s.GetLifecycleConfig(ctx, account, "cfg")
	wantErr(t, err, errdefs.NotFound, notebook.ResLifecycleConfig)
	wantErr(t, s.DeleteLifecycleConfig(ctx, upd), errdefs.NotFound, notebook.ResLifecycleConfig)
}

// testNotebookCanceled: a canceled context writes nothing.
func testNotebookCanceled(t *testing.T, open func(t *testing.T) notebook.Store) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.CreateNotebook(ctx, FullNotebook(account, "nb", t0))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("CreateNotebook with a canceled context: err = %v, want context.Canceled", err)
	}
	if got, err := s.ListNotebooks(context.Background(), ""); err != nil || len(got) != 0 {
		t.Errorf("ListNotebooks = %d notebooks, %v; want none", len(got), err)
	}
}

package notebook_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"strato/internal/api/sagemakerapi"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// The service is what the SageMaker frontend calls (the check lives in a
// test: core must not import api).
var _ sagemakerapi.Core = (*notebook.Service)(nil)

var ctx = context.Background()

// cmpEmpty equates nil and empty slices.
var cmpEmpty = cmpopts.EquateEmpty()

// ignoreBookkeeping leaves the service's own fields out of comparisons.
var ignoreBookkeeping = cmpopts.IgnoreFields(notebook.Notebook{}, "Version", "Issued", "Launched")

// wantErr fails t unless err is an *errdefs.Error of kind k with public
// message msg (k 0: no error).
func wantErr(t *testing.T, err error, k errdefs.Kind, msg string) {
	t.Helper()
	if k == 0 {
		if err != nil {
			t.Fatalf("err = %v, want none", err)
		}
		return
	}
	var e *errdefs.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *errdefs.Error of kind %v", err, err, k)
	}
	if d := cmp.Diff([]any{e.Kind, e.Public}, []any{k, msg}); d != "" {
		t.Errorf("error (-got +want):\n%s", d)
	}
}

func arnOf(name string) string { return notebook.NotebookARN(region, acct, name) }

func TestCreateDescribe(t *testing.T) {
	r := newRig(t)
	cfg, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "setup",
		OnCreate: []notebook.Hook{{Content: "ZWNobyBjcmVhdGU="}}, OnStart: []notebook.Hook{{Content: "ZWNobyBzdGFydA=="}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  notebook.CreateRequest
		want notebook.Notebook
	}{
		{
			name: "minimal request takes the defaults",
			req:  notebook.CreateRequest{Name: "nb-min", InstanceType: "ml.t3.medium", RoleARN: role},
			want: notebook.Notebook{Name: "nb-min", ARN: arnOf("nb-min"), AccountID: acct, Status: notebook.Pending,
				URL: "strato.example:8773/strato/notebooks/" + acct + "/nb-min", InstanceType: "ml.t3.medium", RoleARN: role,
				CreationTime: t0, LastModifiedTime: t0, DirectInternetAccess: "Enabled", VolumeSizeInGB: 5, RootAccess: "Enabled"},
		},
		{
			name: "every member",
			req: notebook.CreateRequest{Name: "My-Notebook", InstanceType: "ml.m5.xlarge", SubnetID: "subnet-1",
				SecurityGroupIDs: []string{"sg-1"}, IPAddressType: "dualstack", RoleARN: role, KMSKeyID: "alias/k",
				Tags: []notebook.Tag{{Key: "team", Value: "ml"}}, LifecycleConfigName: "SETUP", DirectInternetAccess: "Disabled",
				VolumeSizeInGB: 50, AcceleratorTypes: []string{"ml.eia1.medium"}, DefaultCodeRepository: "https://example.com/r.git",
				AdditionalCodeRepositories: []string{"repo-a"}, RootAccess: "Disabled", PlatformIdentifier: "notebook-al2023-v1",
				MinimumIMDSVersion: "2"},
			want: notebook.Notebook{Name: "My-Notebook", ARN: arnOf("my-notebook"), AccountID: acct, Status: notebook.Pending,
				URL: "strato.example:8773/strato/notebooks/" + acct + "/my-notebook", InstanceType: "ml.m5.xlarge",
				IPAddressType: "dualstack", SubnetID: "subnet-1", SecurityGroups: []string{"sg-1"}, RoleARN: role, KMSKeyID: "alias/k",
				CreationTime: t0, LastModifiedTime: t0, LifecycleConfigName: "SETUP", DirectInternetAccess: "Disabled",
				VolumeSizeInGB: 50, AcceleratorTypes: []string{"ml.eia1.medium"}, DefaultCodeRepository: "https://example.com/r.git",
				AdditionalCodeRepositories: []string{"repo-a"}, RootAccess: "Disabled", PlatformIdentifier: "notebook-al2023-v1",
				MinimumIMDSVersion: "2", Tags: []notebook.Tag{{Key: "team", Value: "ml"}}},
		},
	}
	r.rt.script(func(f *fakeRuntime) { f.afterBoot = &notebook.RuntimeState{Phase: notebook.Booting} })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.svc.CreateNotebook(ctx, acct, tt.req)
			if err != nil {
				t.Fatalf("CreateNotebook: %v", err)
			}
			if d := cmp.Diff(*got, tt.want, ignoreBookkeeping); d != "" {
				t.Errorf("CreateNotebook (-got +want):\n%s", d)
			}
			desc, err := r.svc.DescribeNotebook(ctx, acct, strings.ToUpper(tt.req.Name))
			if err != nil {
				t.Fatalf("DescribeNotebook: %v", err)
			}
			if d := cmp.Diff(*desc, tt.want, ignoreBookkeeping); d != "" {
				t.Errorf("DescribeNotebook (-got +want):\n%s", d)
			}
		})
	}
	r.rt.script(func(f *fakeRuntime) { f.afterBoot = nil })
	r.rt.set("My-Notebook", notebook.RuntimeState{Phase: notebook.Ready, URL: "http://x"})
	r.waitStatus("My-Notebook", notebook.InService)
	lc, booted := r.rt.bootedWith("My-Notebook")
	if lc == nil || lc.ARN != cfg.ARN || booted.InstanceType != "ml.m5.xlarge" {
		t.Errorf("booted with config %+v, notebook %+v; want config %s", lc, booted, cfg.ARN)
	}
}

func TestCreateErrors(t *testing.T) {
	r := newRig(t)
	r.create("taken")
	tags51 := make([]notebook.Tag, 51)
	for i := range tags51 {
		tags51[i] = notebook.Tag{Key: strings.Repeat("k", i+1)}
	}
	tests := []struct {
		name string
		req  notebook.CreateRequest
		kind errdefs.Kind
		msg  string
	}{
		{"duplicate", notebook.CreateRequest{Name: "taken", InstanceType: "ml.t3.medium", RoleARN: role},
			errdefs.AlreadyExists, "Cannot create a duplicate Notebook Instance (" + arnOf("taken") + ")"},
		{"duplicate in another case", notebook.CreateRequest{Name: "TAKEN", InstanceType: "ml.t3.medium", RoleARN: role},
			errdefs.AlreadyExists, "Cannot create a duplicate Notebook Instance (" + arnOf("taken") + ")"},
		{"missing lifecycle configuration", notebook.CreateRequest{Name: "nb", InstanceType: "ml.t3.medium", RoleARN: role, LifecycleConfigName: "nope"},
			errdefs.NotFound, "Notebook Instance Lifecycle Config '" + notebook.LifecycleConfigARN(region, acct, "nope") + "' does not exist."},
		{"reserved tag key", notebook.CreateRequest{Name: "nb", InstanceType: "ml.t3.medium", RoleARN: role, Tags: []notebook.Tag{{Key: "AWS:x"}}},
			errdefs.InvalidArgument, "Tag keys beginning with 'aws:' are reserved for system use: AWS:x"},
		{"too many tags", notebook.CreateRequest{Name: "nb", InstanceType: "ml.t3.medium", RoleARN: role, Tags: tags51},
			errdefs.InvalidArgument, "Too many tags for resource (" + arnOf("nb") + "): a resource can have at most 50 tags, this request would give it 51."},
		{"bad instance type", notebook.CreateRequest{Name: "nb", InstanceType: "t3.micro", RoleARN: role},
			errdefs.InvalidArgument, `Instance type "t3.micro" is not a notebook instance type.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.svc.CreateNotebook(ctx, acct, tt.req)
			wantErr(t, err, tt.kind, tt.msg)
		})
	}
	if _, err := r.svc.DescribeNotebook(ctx, acct, "nb"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("a refused create left a notebook: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	r := newRig(t)
	r.stopped("mine")
	calls := []struct {
		name string
		call func(account string) error
	}{
		{"describe", func(a string) error { _, err := r.svc.DescribeNotebook(ctx, a, "mine"); return err }},
		{"start", func(a string) error { return r.svc.StartNotebook(ctx, a, "mine") }},
		{"stop", func(a string) error { return r.svc.StopNotebook(ctx, a, "mine") }},
		{"update", func(a string) error { return r.svc.UpdateNotebook(ctx, a, notebook.UpdateRequest{Name: "mine"}) }},
		{"delete", func(a string) error { return r.svc.DeleteNotebook(ctx, a, "mine") }},
		{"presign", func(a string) error { _, err := r.svc.PresignedURL(ctx, a, "mine", 0); return err }},
	}
	for _, c := range calls {
		t.Run(c.name+" of another account's notebook", func(t *testing.T) {
			err := c.call(other)
			wantErr(t, err, errdefs.NotFound, "RecordNotFound")
			if e := errdefs.As(err); e.Resource != notebook.ResNotebook {
				t.Errorf("resource %q, want %q", e.Resource, notebook.ResNotebook)
			}
		})
	}
}

// TestWrongState tries every user operation in every status and checks
// SageMaker's refusal, word for word.
func TestWrongState(t *testing.T) {
	ops := []struct {
		op   notebook.Op
		call func(r *rig, name string) error
	}{
		{notebook.OpStart, func(r *rig, n string) error { return r.svc.StartNotebook(ctx, acct, n) }},
		{notebook.OpStop, func(r *rig, n string) error { return r.svc.StopNotebook(ctx, acct, n) }},
		{notebook.OpUpdate, func(r *rig, n string) error {
			return r.svc.UpdateNotebook(ctx, acct, notebook.UpdateRequest{Name: n, InstanceType: ptr("ml.t3.large")})
		}},
		{notebook.OpDelete, func(r *rig, n string) error { return r.svc.DeleteNotebook(ctx, acct, n) }},
	}
	allowed := map[notebook.Op]string{
		notebook.OpStart: "[Stopped, Failed]", notebook.OpStop: "[InService]",
		notebook.OpUpdate: "[Stopped]", notebook.OpDelete: "[Stopped, Failed]",
	}
	target := map[notebook.Op]notebook.Status{
		notebook.OpStart: notebook.Pending, notebook.OpStop: notebook.Stopping,
		notebook.OpUpdate: notebook.Updating, notebook.OpDelete: notebook.Deleting,
	}
	for _, o := range ops {
		for _, st := range notebook.Statuses {
			name := "nb-" + strings.ToLower(string(st))
			t.Run(string(o.op)+" when "+string(st), func(t *testing.T) {
				r := newRig(t)
				r.rt.script(func(f *fakeRuntime) {
					f.afterBoot = &notebook.RuntimeState{Phase: notebook.Booting}
					f.holdHalt, f.holdRemove = true, true
				})
				r.seed(name, st)
				err := o.call(r, name)
				if _, ok := notebook.Next(o.op, st); ok {
					wantErr(t, err, 0, "")
					if got := r.st.history(name); len(got) < 2 || got[1] != target[o.op] {
						t.Errorf("status history %v, want %s after %s", got, target[o.op], st)
					}
					return
				}
				wantErr(t, err, errdefs.IncorrectState, "Status ("+string(st)+") not in ("+allowed[o.op]+
					"). Unable to transition to ("+string(target[o.op])+") for Notebook Instance ("+arnOf(name)+")")
				if got := r.get(name); got.Status != st || got.Version != 1 {
					t.Errorf("a refused %s changed the notebook: %s, version %d", o.op, got.Status, got.Version)
				}
			})
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdate(t *testing.T) {
	r := newRig(t)
	for _, n := range []string{"cfg-a", "cfg-b"} {
		if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	base := func(req *notebook.CreateRequest) {
		req.LifecycleConfigName, req.VolumeSizeInGB = "cfg-a", 20
		req.DefaultCodeRepository, req.AdditionalCodeRepositories = "repo", []string{"a", "b"}
		req.AcceleratorTypes = []string{"ml.eia1.medium"}
	}
	tests := []struct {
		name  string
		req   notebook.UpdateRequest
		check func(t *testing.T, nb *notebook.Notebook)
		kind  errdefs.Kind
		msg   string
	}{
		{name: "settings", req: notebook.UpdateRequest{InstanceType: ptr("ml.t3.large"), VolumeSizeInGB: ptr(40),
			RootAccess: ptr("Disabled"), RoleARN: ptr(role + "2"), LifecycleConfigName: ptr("cfg-b"),
			PlatformIdentifier: ptr("notebook-al2-v3"), IPAddressType: ptr("ipv4"), MinimumIMDSVersion: ptr("2"),
			AdditionalCodeRepositories: &[]string{"c"}, AcceleratorTypes: &[]string{"ml.eia2.large"}, DefaultCodeRepository: ptr("other")},
			check: func(t *testing.T, nb *notebook.Notebook) {
				got := []any{nb.InstanceType, nb.VolumeSizeInGB, nb.RootAccess, nb.RoleARN, nb.LifecycleConfigName, nb.PlatformIdentifier,
					nb.IPAddressType, nb.MinimumIMDSVersion, nb.AdditionalCodeRepositories, nb.AcceleratorTypes, nb.DefaultCodeRepository}
				want := []any{"ml.t3.large", 40, "Disabled", role + "2", "cfg-b", "notebook-al2-v3", "ipv4", "2", []string{"c"}, []string{"ml.eia2.large"}, "other"}
				if d := cmp.Diff(got, want); d != "" {
					t.Errorf("(-got +want):\n%s", d)
				}
			}},
		{name: "same volume size", req: notebook.UpdateRequest{VolumeSizeInGB: ptr(20)},
			check: func(t *testing.T, nb *notebook.Notebook) {
				if nb.VolumeSizeInGB != 20 {
					t.Errorf("volume %d", nb.VolumeSizeInGB)
				}
			}},
		{name: "disassociations", req: notebook.UpdateRequest{DisassociateLifecycleConfig: true, DisassociateAcceleratorTypes: true,
			DisassociateDefaultCodeRepository: true, DisassociateAdditionalCodeRepositories: true},
			check: func(t *testing.T, nb *notebook.Notebook) {
				got := []any{nb.LifecycleConfigName, nb.AcceleratorTypes, nb.DefaultCodeRepository, nb.AdditionalCodeRepositories}
				if d := cmp.Diff(got, []any{"", []string(nil), "", []string(nil)}); d != "" {
					t.Errorf("(-got +want):\n%s", d)
				}
			}},
		{name: "shrink the volume", req: notebook.UpdateRequest{VolumeSizeInGB: ptr(10)}, kind: errdefs.InvalidArgument,
			msg: "Cannot decrease the volume size of Notebook Instance (" + arnOf("nb") + ") from 20 GB to 10 GB: the ML storage volume can only grow."},
		{name: "missing lifecycle configuration", req: notebook.UpdateRequest{LifecycleConfigName: ptr("nope")}, kind: errdefs.NotFound,
			msg: "Notebook Instance Lifecycle Config '" + notebook.LifecycleConfigARN(region, acct, "nope") + "' does not exist."},
		{name: "set and disassociate", req: notebook.UpdateRequest{LifecycleConfigName: ptr("cfg-b"), DisassociateLifecycleConfig: true},
			kind: errdefs.InvalidArgument, msg: "Cannot both set LifecycleConfigName and disassociate it for Notebook Instance (" + arnOf("nb") + ")."},
		{name: "bad instance type", req: notebook.UpdateRequest{InstanceType: ptr("m5.large")}, kind: errdefs.InvalidArgument,
			msg: `Instance type "m5.large" is not a notebook instance type.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			for _, n := range []string{"cfg-a", "cfg-b"} {
				if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: n}); err != nil {
					t.Fatal(err)
				}
			}
			before := r.stopped("nb", base)
			r.clk.Advance(time.Minute)
			updated := r.clk.Now()
			tt.req.Name = "NB"
			err := r.svc.UpdateNotebook(ctx, acct, tt.req)
			wantErr(t, err, tt.kind, tt.msg)
			if tt.kind != 0 {
				if d := cmp.Diff(r.get("nb"), before); d != "" {
					t.Errorf("a refused update changed the notebook (-got +want):\n%s", d)
				}
				return
			}
			nb := r.waitStatus("nb", notebook.Stopped)
			want := []notebook.Status{notebook.Pending, notebook.InService, notebook.Stopping, notebook.Stopped, notebook.Updating, notebook.Stopped}
			if d := cmp.Diff(r.st.history("nb"), want); d != "" {
				t.Errorf("status history (-got +want):\n%s", d)
			}
			tt.check(t, nb)
			if nb.LastModifiedTime.Before(updated) {
				t.Errorf("LastModifiedTime %v is before the update at %v", nb.LastModifiedTime, updated)
			}
		})
	}
	// The next boot sees the new settings.
	r.stopped("nb", base)
	if err := r.svc.UpdateNotebook(ctx, acct, notebook.UpdateRequest{Name: "nb", InstanceType: ptr("ml.c5.xlarge")}); err != nil {
		t.Fatal(err)
	}
	r.waitStatus("nb", notebook.Stopped)
	r.rt.takeCalls()
	if err := r.svc.StartNotebook(ctx, acct, "nb"); err != nil {
		t.Fatal(err)
	}
	r.waitStatus("nb", notebook.InService)
	if d := cmp.Diff(r.rt.takeCalls(), []string{"Boot nb first=false lc=cfg-a type=ml.c5.xlarge"}); d != "" {
		t.Errorf("runtime calls (-got +want):\n%s", d)
	}
}

func TestTransitionTable(t *testing.T) {
	for _, op := range append(append([]notebook.Op{}, notebook.UserOps...), notebook.InternalOps...) {
		from, to := notebook.Allowed(op)
		if len(from) == 0 || !to.Valid() {
			t.Errorf("%s: allowed %v → %q", op, from, to)
		}
		for _, st := range notebook.Statuses {
			next, ok := notebook.Next(op, st)
			inFrom := false
			for _, f := range from {
				inFrom = inFrom || f == st
			}
			if ok != inFrom || ok && next != to {
				t.Errorf("Next(%s, %s) = %s, %v; allowed %v → %s", op, st, next, ok, from, to)
			}
		}
	}
	if _, ok := notebook.Next("reboot", notebook.InService); ok {
		t.Error("an unknown operation is allowed")
	}
}

func TestNewRequiresDependencies(t *testing.T) {
	r := newRig(t)
	tests := []struct {
		name string
		cfg  notebook.Config
	}{
		{"no store", notebook.Config{Runtime: r.rt, Clock: r.clk}},
		{"no runtime", notebook.Config{Store: r.st, Clock: r.clk}},
		{"no clock", notebook.Config{Store: r.st, Runtime: r.rt}},
		{"bad endpoint", notebook.Config{Store: r.st, Runtime: r.rt, Clock: r.clk, Endpoint: "ftp://x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := notebook.New(tt.cfg); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

// TestConcurrentRequests: of two stops racing, one wins and the other gets
// the clean refusal.
func TestConcurrentRequests(t *testing.T) {
	r := newRig(t)
	r.rt.script(func(f *fakeRuntime) { f.holdHalt = true })
	r.inService("nb")
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- r.svc.StopNotebook(ctx, acct, "nb") }()
	}
	var ok, refused int
	for range 8 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, errdefs.ErrIncorrectState):
			refused++
		default:
			t.Errorf("StopNotebook: %v", err)
		}
	}
	if ok != 1 || refused != 7 {
		t.Errorf("%d stops succeeded and %d were refused; want 1 and 7", ok, refused)
	}
}

package notebook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// createMA creates a ModelArts notebook of kind in acct.
func (r *rig) createMA(kind notebook.Kind, name string, autoStop time.Duration) *notebook.Notebook {
	r.t.Helper()
	nb, err := r.svc.CreateModelArts(ctx, acct, notebook.ModelArtsCreateRequest{Kind: kind, Name: name,
		Flavor: "modelarts.vm.cpu.2u", ImageID: "img", VolumeCategory: "EVS", VolumeSizeGB: 10, AutoStop: autoStop})
	if err != nil {
		r.t.Fatalf("CreateModelArts(%s): %v", name, err)
	}
	return nb
}

// getMA reads a ModelArts notebook.
func (r *rig) getMA(nb *notebook.Notebook) *notebook.Notebook {
	r.t.Helper()
	got, err := r.svc.GetModelArts(ctx, nb.Kind, acct, nb.ID)
	if err != nil {
		r.t.Fatalf("GetModelArts(%s): %v", nb.ID, err)
	}
	return got
}

// waitIssuedMA is waitIssued for a ModelArts notebook.
func (r *rig) waitIssuedMA(nb *notebook.Notebook, st notebook.Status) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got, err := r.st.GetNotebook(ctx, nb.Kind, acct, nb.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		if got.Issued == st {
			return
		}
		r.clk.Advance(poll)
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s: the %s call was not made", nb.ID, st)
}

// waitMA advances the fake clock until the ModelArts notebook reaches want.
func (r *rig) waitMA(nb *notebook.Notebook, want notebook.Status) *notebook.Notebook {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got := r.getMA(nb); got.Status == want {
			return got
		}
		r.clk.Advance(poll)
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s is %s, want %s", nb.ID, r.getMA(nb).Status, want)
	return nil
}

func TestModelArtsLifecycle(t *testing.T) {
	r := newRig(t)
	r.rt.script(func(f *fakeRuntime) { f.afterBoot = &notebook.RuntimeState{Phase: notebook.Booting} })
	nb := r.createMA(notebook.KindModelArts, "lab", 0)
	r.waitIssuedMA(nb, notebook.Pending)
	if !strings.HasPrefix(nb.ARN, "modelarts:") || len(nb.ID) != 36 || nb.Status != notebook.Pending || nb.Served ||
		nb.VolumeSizeInGB != 10 || nb.AutoStop != nil {
		t.Fatalf("created %+v", nb)
	}
	r.rt.set(nb.PathKey(), notebook.RuntimeState{Phase: notebook.Ready, URL: "http://x"})
	if got := r.waitMA(nb, notebook.InService); !got.Served {
		t.Error("an InService notebook is not marked Served")
	}
	from, got, err := r.svc.StopModelArts(ctx, nb.Kind, acct, nb.ID)
	if err != nil || from != notebook.InService || got.Status != notebook.Stopping {
		t.Fatalf("StopModelArts = %s, %+v, %v; want from InService to Stopping", from, got, err)
	}
	r.waitMA(nb, notebook.Stopped)
	r.rt.script(func(f *fakeRuntime) { f.afterBoot = nil })
	from, got, err = r.svc.StartModelArts(ctx, nb.Kind, acct, nb.ID, 0)
	if err != nil || from != notebook.Stopped || got.Status != notebook.Pending || !got.Served {
		t.Fatalf("StartModelArts = %s, %+v, %v; want from Stopped to Pending, still Served", from, got, err)
	}
	r.waitMA(nb, notebook.InService)
	// ModelArts deletes a running notebook.
	from, got, err = r.svc.DeleteModelArts(ctx, nb.Kind, acct, nb.ID)
	if err != nil || from != notebook.InService || got.Status != notebook.Deleting {
		t.Fatalf("DeleteModelArts = %s, %+v, %v; want from InService to Deleting", from, got, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := r.svc.GetModelArts(ctx, nb.Kind, acct, nb.ID)
		if errdefs.KindOf(err) == errdefs.NotFound {
			wantErr(t, err, errdefs.NotFound, "The instance does not exist.")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deleted notebook is still there: %v", err)
		}
		r.clk.Advance(poll)
		time.Sleep(time.Millisecond)
	}
	if d := cmp.Diff(r.rt.takeCalls(), []string{"Boot lab first=true lc=- type=modelarts.vm.cpu.2u", "Halt lab",
		"Boot lab first=false lc=- type=modelarts.vm.cpu.2u", "Remove lab"}); d != "" {
		t.Errorf("runtime calls (-got +want):\n%s", d)
	}
}

func TestModelArtsAutoStop(t *testing.T) {
	r := newRig(t)
	nb := r.createMA(notebook.KindModelArts, "leased", time.Hour)
	if nb.AutoStop == nil || nb.AutoStop.Duration != time.Hour || !nb.AutoStop.Since.Equal(t0) {
		t.Fatalf("lease %+v; want an hour from %v", nb.AutoStop, t0)
	}
	r.waitMA(nb, notebook.InService)
	r.clk.Advance(50 * time.Minute)
	r.settle(3)
	if got := r.getMA(nb); got.Status != notebook.InService {
		t.Fatalf("status 50 minutes into an hour's lease = %s; want InService", got.Status)
	}
	r.clk.Advance(9 * time.Minute)
	got := r.waitMA(nb, notebook.Stopped)
	if stoppedAt := got.LastModifiedTime; stoppedAt.Before(nb.AutoStop.At()) || stoppedAt.After(nb.AutoStop.At().Add(10*time.Second)) {
		t.Errorf("stopped at %v; want within seconds after the lease's end %v", stoppedAt, nb.AutoStop.At())
	}
	if d := cmp.Diff(r.st.history(nb.Name), []notebook.Status{notebook.Pending, notebook.InService, notebook.Stopping, notebook.Stopped}); d != "" {
		t.Errorf("status history (-got +want):\n%s", d)
	}
	// A start renews the lease from now, with a new length when given.
	now := r.clk.Now()
	_, started, err := r.svc.StartModelArts(ctx, nb.Kind, acct, nb.ID, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if a := started.AutoStop; a == nil || a.Duration != 2*time.Hour || !a.Since.Equal(now) {
		t.Errorf("lease after a start with 2h = %+v; want 2h from %v", a, now)
	}
	// A start without a length keeps the length and restarts the count.
	r.waitMA(nb, notebook.InService)
	if _, _, err := r.svc.StopModelArts(ctx, nb.Kind, acct, nb.ID); err != nil {
		t.Fatal(err)
	}
	r.waitMA(nb, notebook.Stopped)
	now = r.clk.Now()
	_, started, err = r.svc.StartModelArts(ctx, nb.Kind, acct, nb.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a := started.AutoStop; a == nil || a.Duration != 2*time.Hour || !a.Since.Equal(now) {
		t.Errorf("lease after a plain start = %+v; want 2h from %v", a, now)
	}
}

func TestModelArtsFailures(t *testing.T) {
	r := newRig(t)
	r.rt.script(func(f *fakeRuntime) {
		f.afterBoot = &notebook.RuntimeState{Phase: notebook.Halted, FailureReason: "boom"}
	})
	nb := r.createMA(notebook.KindModelArts, "bad", 0)
	got := r.waitMA(nb, notebook.Failed)
	if got.FailedBy != notebook.OpBootFailed || got.Served || got.FailureReason != "boom" {
		t.Errorf("failed create: by %q, served %v, reason %q; want boot-failed, not served, boom", got.FailedBy, got.Served, got.FailureReason)
	}
	r.rt.script(func(f *fakeRuntime) { f.afterBoot = nil })
	_, started, err := r.svc.StartModelArts(ctx, nb.Kind, acct, nb.ID, 0)
	if err != nil || started.FailedBy != "" || started.FailureReason != "" || !started.Started || started.Served {
		t.Fatalf("start of a failed notebook = %+v, %v; want the failure cleared and the start noted", started, err)
	}
	r.waitMA(nb, notebook.InService)
	r.rt.set(nb.PathKey(), notebook.RuntimeState{Phase: notebook.Halted, FailureReason: "lost"})
	r.clk.Advance(time.Hour) // the resync
	if got := r.waitMA(nb, notebook.Failed); got.FailedBy != notebook.OpLost || !got.Served {
		t.Errorf("lost workload: by %q, served %v; want lost, served", got.FailedBy, got.Served)
	}
}

func TestDevEnvironRules(t *testing.T) {
	r := newRig(t)
	de := r.createMA(notebook.KindDevEnviron, "dev", 0)
	if !strings.HasPrefix(de.ID, "DE-") {
		t.Errorf("DevEnviron id %q; want DE-<uuid>", de.ID)
	}
	_, err := r.svc.CreateModelArts(ctx, acct, notebook.ModelArtsCreateRequest{Kind: notebook.KindDevEnviron, Name: "dev",
		Flavor: "modelarts.vm.cpu.2u", ImageID: "img"})
	wantErr(t, err, errdefs.AlreadyExists, "The instance already exists.")
	// ModelArts's Notebook API allows the same name twice, and so does another kind.
	a := r.createMA(notebook.KindModelArts, "dev", 0)
	b := r.createMA(notebook.KindModelArts, "dev", 0)
	if a.ID == b.ID {
		t.Fatal("two notebooks got one id")
	}
	r.waitMA(de, notebook.InService)
	_, _, err = r.svc.DeleteModelArts(ctx, de.Kind, acct, de.ID)
	var se *notebook.StateError
	if errdefs.KindOf(err) != errdefs.IncorrectState || !errors.As(err, &se) ||
		*se != (notebook.StateError{Op: notebook.OpDelete, From: notebook.InService, Served: true}) {
		t.Errorf("DevEnviron delete while running = %v (%+v); want IncorrectState with its StateError", err, se)
	}
	_, _, err = r.svc.StartModelArts(ctx, de.Kind, acct, de.ID, 0)
	if !errors.As(err, &se) || se.Op != notebook.OpStart || se.From != notebook.InService {
		t.Errorf("start while running = %v; want a StateError for start from InService", err)
	}
	// Kinds do not see each other.
	if _, err := r.svc.GetModelArts(ctx, notebook.KindModelArts, acct, de.ID); errdefs.KindOf(err) != errdefs.NotFound {
		t.Errorf("the Notebook API sees a DevEnviron instance: %v", err)
	}
	if _, err := r.svc.DescribeNotebook(ctx, acct, a.ID); errdefs.KindOf(err) != errdefs.NotFound {
		t.Errorf("SageMaker sees a ModelArts notebook: %v", err)
	}
	if _, _, err := r.svc.StopModelArts(ctx, notebook.KindModelArts, other, a.ID); errdefs.KindOf(err) != errdefs.NotFound {
		t.Errorf("another account stops the notebook: %v", err)
	}
	sm, _, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{})
	if err != nil || len(sm) != 0 {
		t.Errorf("SageMaker's list = %d notebooks, %v; want none", len(sm), err)
	}
	ma, err := r.svc.ListModelArts(ctx, notebook.KindModelArts, acct)
	if err != nil || len(ma) != 2 || ma[0].ID != a.ID || ma[1].ID != b.ID {
		t.Errorf("ModelArts's list = %v, %v; want the two notebooks in creation order", ma, err)
	}
	if u := r.svc.ModelArtsURL(a); !strings.HasPrefix(u, "https://strato.example:8773"+notebook.SessionPath) {
		t.Errorf("ModelArtsURL = %q", u)
	}
}

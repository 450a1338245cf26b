package notebook_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// waitIssued waits until the worker has made the Runtime call of status st
// for the notebook (its Issued mark is stored).
func (r *rig) waitIssued(name string, st notebook.Status) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		nb, err := r.st.GetNotebook(ctx, notebook.KindSageMaker, acct, name)
		if err != nil {
			r.t.Fatal(err)
		}
		if nb.Issued == st {
			return
		}
		r.clk.Advance(poll)
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s: the %s call was not made", name, st)
}

// settle advances the clock by n polls, giving workers time to act.
func (r *rig) settle(n int) {
	for range n {
		r.clk.Advance(poll)
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPendingToInService(t *testing.T) {
	r := newRig(t)
	r.rt.script(func(f *fakeRuntime) { f.afterBoot = &notebook.RuntimeState{Phase: notebook.Booting} })
	r.create("nb")
	r.waitIssued("nb", notebook.Pending)
	r.settle(5)
	if got := r.get("nb").Status; got != notebook.Pending {
		t.Fatalf("status while the workload boots = %s, want Pending", got)
	}
	r.clk.Advance(time.Minute)
	r.rt.set("nb", notebook.RuntimeState{Phase: notebook.Ready, URL: "http://127.0.0.1:1/"})
	nb := r.waitStatus("nb", notebook.InService)
	if !nb.LastModifiedTime.After(nb.CreationTime) || nb.FailureReason != "" {
		t.Errorf("InService notebook: modified %v (created %v), reason %q", nb.LastModifiedTime, nb.CreationTime, nb.FailureReason)
	}
	if d := cmp.Diff(r.rt.takeCalls(), []string{"Boot nb first=true lc=- type=ml.t3.medium"}); d != "" {
		t.Errorf("runtime calls (-got +want):\n%s", d)
	}
	if d := cmp.Diff(r.st.history("nb"), []notebook.Status{notebook.Pending, notebook.InService}); d != "" {
		t.Errorf("status history (-got +want):\n%s", d)
	}
}

func TestPendingToFailed(t *testing.T) {
	lcARN := notebook.LifecycleConfigARN(region, acct, "setup")
	timeout := notebook.LifecycleTimeoutReason(lcARN, arnOf("nb"))
	tests := []struct {
		name       string
		script     func(f *fakeRuntime)
		wantReason string
		// wantFirst is whether the boot after a start still runs OnCreate:
		// only when the first boot never began.
		wantFirst bool
	}{
		{"lifecycle script ran too long", func(f *fakeRuntime) {
			f.afterBoot = &notebook.RuntimeState{Phase: notebook.Halted, FailureReason: timeout}
		}, timeout, false},
		{"failure reported while booting", func(f *fakeRuntime) {
			f.afterBoot = &notebook.RuntimeState{Phase: notebook.Booting, FailureReason: "script failed"}
		}, "script failed", false},
		{"server never answered", func(f *fakeRuntime) {
			f.afterBoot = &notebook.RuntimeState{Phase: notebook.Halted}
		}, "The notebook server did not start.", false},
		{"boot refused with a reason", func(f *fakeRuntime) {
			f.bootErr = errdefs.New(errdefs.LimitExceeded, errdefs.ResCapacity, "",
				"Insufficient notebook instance capacity. Retry later or with a different instance type.")
		}, "Insufficient notebook instance capacity. Retry later or with a different instance type.", true},
		{"boot failed inside", func(f *fakeRuntime) { f.bootErr = errors.New("disk on fire") },
			"The notebook instance could not be started.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "setup"}); err != nil {
				t.Fatal(err)
			}
			r.rt.script(tt.script)
			r.create("nb", func(q *notebook.CreateRequest) { q.LifecycleConfigName = "setup" })
			nb := r.waitStatus("nb", notebook.Failed)
			if nb.FailureReason != tt.wantReason {
				t.Errorf("FailureReason = %q, want %q", nb.FailureReason, tt.wantReason)
			}
			// The reason stays until the next start.
			r.settle(3)
			if got := r.get("nb"); got.Status != notebook.Failed || got.FailureReason != tt.wantReason {
				t.Errorf("later: %s %q", got.Status, got.FailureReason)
			}
			r.rt.script(func(f *fakeRuntime) { f.afterBoot, f.bootErr = nil, nil })
			r.rt.takeCalls()
			if err := r.svc.StartNotebook(ctx, acct, "nb"); err != nil {
				t.Fatal(err)
			}
			if got := r.get("nb").FailureReason; got != "" {
				t.Errorf("FailureReason after a start = %q, want none", got)
			}
			r.waitStatus("nb", notebook.InService)
			first := "false"
			if tt.wantFirst {
				first = "true"
			}
			if d := cmp.Diff(r.rt.takeCalls(), []string{"Boot nb first=" + first + " lc=setup type=ml.t3.medium"}); d != "" {
				t.Errorf("runtime calls (-got +want):\n%s", d)
			}
		})
	}
}

func TestStoppingToStopped(t *testing.T) {
	r := newRig(t)
	r.rt.script(func(f *fakeRuntime) { f.holdHalt = true })
	r.inService("nb")
	r.rt.takeCalls()
	if err := r.svc.StopNotebook(ctx, acct, "nb"); err != nil {
		t.Fatal(err)
	}
	r.waitIssued("nb", notebook.Stopping)
	r.settle(5)
	if got := r.get("nb").Status; got != notebook.Stopping {
		t.Fatalf("status while the workload stops = %s, want Stopping", got)
	}
	r.rt.set("nb", notebook.RuntimeState{Phase: notebook.Halted})
	r.waitStatus("nb", notebook.Stopped)
	if d := cmp.Diff(r.rt.takeCalls(), []string{"Halt nb"}); d != "" {
		t.Errorf("runtime calls (-got +want):\n%s", d)
	}
	// Start boots again without OnCreate; the volume is the Runtime's to keep.
	if err := r.svc.StartNotebook(ctx, acct, "nb"); err != nil {
		t.Fatal(err)
	}
	r.waitStatus("nb", notebook.InService)
	if d := cmp.Diff(r.rt.takeCalls(), []string{"Boot nb first=false lc=- type=ml.t3.medium"}); d != "" {
		t.Errorf("runtime calls (-got +want):\n%s", d)
	}
	want := []notebook.Status{notebook.Pending, notebook.InService, notebook.Stopping, notebook.Stopped, notebook.Pending, notebook.InService}
	if d := cmp.Diff(r.st.history("nb"), want); d != "" {
		t.Errorf("status history (-got +want):\n%s", d)
	}
}

func TestHaltRetried(t *testing.T) {
	r := newRig(t)
	r.inService("nb")
	r.rt.script(func(f *fakeRuntime) { f.haltErr = errors.New("busy") })
	r.rt.takeCalls()
	if err := r.svc.StopNotebook(ctx, acct, "nb"); err != nil {
		t.Fatal(err)
	}
	r.settle(3)
	if got := r.get("nb").Status; got != notebook.Stopping {
		t.Fatalf("status after a failed halt = %s, want Stopping", got)
	}
	r.rt.script(func(f *fakeRuntime) { f.haltErr = nil })
	r.waitStatus("nb", notebook.Stopped)
	if calls := r.rt.takeCalls(); len(calls) < 2 {
		t.Errorf("runtime calls %v, want the halt retried", calls)
	}
}

func TestDeletingToGone(t *testing.T) {
	for _, from := range []notebook.Status{notebook.Stopped, notebook.Failed} {
		t.Run("from "+string(from), func(t *testing.T) {
			r := newRig(t)
			if from == notebook.Stopped {
				r.stopped("nb")
			} else {
				r.rt.script(func(f *fakeRuntime) { f.afterBoot = &notebook.RuntimeState{Phase: notebook.Halted, FailureReason: "x"} })
				r.create("nb")
				r.waitStatus("nb", notebook.Failed)
			}
			r.rt.script(func(f *fakeRuntime) { f.holdRemove = true })
			r.rt.takeCalls()
			if err := r.svc.DeleteNotebook(ctx, acct, "nb"); err != nil {
				t.Fatal(err)
			}
			r.waitIssued("nb", notebook.Deleting)
			r.settle(3)
			if got := r.get("nb").Status; got != notebook.Deleting {
				t.Fatalf("status while the workload is removed = %s, want Deleting", got)
			}
			r.rt.remove("nb")
			r.waitGone("nb")
			if d := cmp.Diff(r.rt.takeCalls(), []string{"Remove nb"}); d != "" {
				t.Errorf("runtime calls (-got +want):\n%s", d)
			}
			// The name is free again.
			r.rt.script(func(f *fakeRuntime) { f.afterBoot, f.holdRemove = nil, false })
			r.inService("nb")
		})
	}
}

// TestInServiceWatch: a workload that ends by itself stops the notebook;
// one that fails or disappears fails it. The loop notices at its resync.
func TestInServiceWatch(t *testing.T) {
	tests := []struct {
		name       string
		st         *notebook.RuntimeState // nil: the workload disappears
		want       notebook.Status
		wantReason string
	}{
		{"server ended", &notebook.RuntimeState{Phase: notebook.Halted}, notebook.Stopped, ""},
		{"server crashed", &notebook.RuntimeState{Phase: notebook.Halted, FailureReason: "out of memory"}, notebook.Failed, "out of memory"},
		{"workload gone", nil, notebook.Failed, "The notebook instance's compute no longer exists."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.inService("nb")
			if tt.st == nil {
				r.rt.remove("nb")
			} else {
				r.rt.set("nb", *tt.st)
			}
			r.clk.Advance(time.Hour) // the resync
			nb := r.waitStatus("nb", tt.want)
			if nb.FailureReason != tt.wantReason {
				t.Errorf("FailureReason = %q, want %q", nb.FailureReason, tt.wantReason)
			}
		})
	}
}

// TestRestart closes the service mid-work and opens a new one on the same
// store and workloads: it finishes the work without repeating Runtime calls
// already made.
func TestRestart(t *testing.T) {
	tests := []struct {
		name      string
		before    func(r *rig)    // brings "nb" into the status to recover
		after     func(r *rig)    // what the workload does while the daemon is away
		want      notebook.Status // "" = deleted
		wantCalls []string        // runtime calls after the restart
		wantHist  func() []notebook.Status
	}{
		{name: "pending, boot made", before: func(r *rig) {
			r.rt.script(func(f *fakeRuntime) { f.afterBoot = &notebook.RuntimeState{Phase: notebook.Booting} })
			r.create("nb")
			r.waitIssued("nb", notebook.Pending)
		}, after: func(r *rig) { r.rt.set("nb", notebook.RuntimeState{Phase: notebook.Ready, URL: "u"}) },
			want: notebook.InService},
		{name: "pending, boot not made yet", before: func(r *rig) {
			r.seed("nb", notebook.Pending, func(n *notebook.Notebook) { n.Launched = false })
		}, want: notebook.InService, wantCalls: []string{"Boot nb first=true lc=- type=ml.t3.medium"}},
		{name: "stopping, halt made", before: func(r *rig) {
			r.rt.script(func(f *fakeRuntime) { f.holdHalt = true })
			r.inService("nb")
			if err := r.svc.StopNotebook(ctx, acct, "nb"); err != nil {
				r.t.Fatal(err)
			}
			r.waitIssued("nb", notebook.Stopping)
		}, after: func(r *rig) { r.rt.set("nb", notebook.RuntimeState{Phase: notebook.Halted}) }, want: notebook.Stopped},
		{name: "updating", before: func(r *rig) { r.seed("nb", notebook.Updating) }, want: notebook.Stopped},
		{name: "deleting, remove made", before: func(r *rig) {
			r.rt.script(func(f *fakeRuntime) { f.holdRemove = true })
			r.stopped("nb")
			if err := r.svc.DeleteNotebook(ctx, acct, "nb"); err != nil {
				r.t.Fatal(err)
			}
			r.waitIssued("nb", notebook.Deleting)
		}, after: func(r *rig) { r.rt.remove("nb") }},
		{name: "deleting, remove not made yet", before: func(r *rig) {
			r.seed("nb", notebook.Deleting)
			r.rt.set("nb", notebook.RuntimeState{Phase: notebook.Halted})
		}, wantCalls: []string{"Remove nb"}},
		{name: "in service, workload ended while away", before: func(r *rig) { r.inService("nb") },
			after: func(r *rig) { r.rt.set("nb", notebook.RuntimeState{Phase: notebook.Halted}) }, want: notebook.Stopped},
	}
	for _, store := range []string{"memstore", "sqlite"} {
		for _, tt := range tests {
			t.Run(store+"/"+tt.name, func(t *testing.T) {
				var mods []func(*notebook.Config)
				if store == "sqlite" {
					mods = append(mods, withSQLite(t))
				}
				r := newRig(t, mods...)
				tt.before(r)
				r.svc.Close()
				if tt.after != nil {
					tt.after(r)
				}
				r.rt.takeCalls()
				r.rt.script(func(f *fakeRuntime) { f.afterBoot, f.holdHalt, f.holdRemove = nil, false, false })
				r.restart()
				if tt.want == "" {
					r.waitGone("nb")
				} else {
					r.waitStatus("nb", tt.want)
				}
				if d := cmp.Diff(r.rt.takeCalls(), tt.wantCalls); d != "" {
					t.Errorf("runtime calls after the restart (-got +want):\n%s", d)
				}
			})
		}
	}
}

// TestCheckErrors: a Runtime that cannot tell leaves the notebook as it is
// until it can.
func TestCheckErrors(t *testing.T) {
	r := newRig(t)
	r.rt.script(func(f *fakeRuntime) { f.checkErr = errors.New("runtime unavailable") })
	r.create("nb")
	r.waitIssued("nb", notebook.Pending)
	r.settle(5)
	if got := r.get("nb").Status; got != notebook.Pending {
		t.Fatalf("status while Check fails = %s, want Pending", got)
	}
	r.rt.script(func(f *fakeRuntime) { f.checkErr = nil })
	r.waitStatus("nb", notebook.InService)
	if d := cmp.Diff(r.rt.takeCalls(), []string{"Boot nb first=true lc=- type=ml.t3.medium"}); d != "" {
		t.Errorf("runtime calls (-got +want):\n%s", d)
	}
}

// conflictStore loses every notebook update to another writer.
type conflictStore struct{ notebook.Store }

func (conflictStore) UpdateNotebook(ctx context.Context, nb *notebook.Notebook) error {
	return errdefs.New(errdefs.IncorrectState, notebook.ResNotebook, nb.Name, "changed concurrently")
}

// TestVersionConflict: a lost compare-and-set (a second daemon on the same
// store) is an internal error, not a state the caller got wrong.
func TestVersionConflict(t *testing.T) {
	r := newRig(t)
	r.seed("nb", notebook.Stopped)
	r.svc.Close()
	r.cfg.Store = conflictStore{r.st}
	r.open()
	err := r.svc.StartNotebook(ctx, acct, "nb")
	if errdefs.KindOf(err) != errdefs.Internal {
		t.Errorf("StartNotebook with a lost update: %v (kind %v), want Internal", err, errdefs.KindOf(err))
	}
	if got := r.get("nb").Status; got != notebook.Stopped {
		t.Errorf("status %s, want Stopped", got)
	}
}

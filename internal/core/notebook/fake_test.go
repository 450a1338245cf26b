package notebook_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/core/notebook"
	"strato/internal/store/memstore"
	"strato/internal/store/sqlite"
)

const (
	acct   = "111122223333"
	other  = "444455556666"
	region = "us-east-1"
	role   = "arn:aws:iam::111122223333:role/service-role/Exec"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)

// fakeRuntime is a scriptable notebook.Runtime: it keeps a workload per
// notebook and reports what the test scripts. It outlives a Service, as real
// workloads outlive the daemon.
type fakeRuntime struct {
	mu        sync.Mutex
	workloads map[string]*workload
	calls     []string

	// afterBoot is what Check reports once Boot returns (default: Ready
	// with a URL).
	afterBoot *notebook.RuntimeState
	// holdHalt leaves a halted workload Ready until release.
	holdHalt bool
	// holdRemove keeps a removed workload until release.
	holdRemove bool
	bootErr    error
	haltErr    error
	checkErr   error
}

type workload struct {
	st notebook.RuntimeState
	lc *notebook.LifecycleConfig
	nb *notebook.Notebook
}

var _ notebook.Runtime = (*fakeRuntime)(nil)

func newFakeRuntime() *fakeRuntime { return &fakeRuntime{workloads: map[string]*workload{}} }

func wkey(nb *notebook.Notebook) string { return nb.AccountID + "/" + nb.PathKey() }

func (f *fakeRuntime) Boot(ctx context.Context, nb *notebook.Notebook, lc *notebook.LifecycleConfig, first bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	lcName := "-"
	if lc != nil {
		lcName = lc.Name
	}
	f.calls = append(f.calls, fmt.Sprintf("Boot %s first=%v lc=%s type=%s", nb.Name, first, lcName, nb.InstanceType))
	if f.bootErr != nil {
		return f.bootErr
	}
	st := notebook.RuntimeState{Phase: notebook.Ready, URL: "http://127.0.0.1:9000/" + notebook.NameKey(nb.Name)}
	if f.afterBoot != nil {
		st = *f.afterBoot
	}
	f.workloads[wkey(nb)] = &workload{st: st, lc: lc, nb: nb}
	return nil
}

func (f *fakeRuntime) Halt(ctx context.Context, nb *notebook.Notebook) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Halt "+nb.Name)
	if f.haltErr != nil {
		return f.haltErr
	}
	if w := f.workloads[wkey(nb)]; w != nil && !f.holdHalt {
		w.st = notebook.RuntimeState{Phase: notebook.Halted}
	}
	return nil
}

func (f *fakeRuntime) Remove(ctx context.Context, nb *notebook.Notebook) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Remove "+nb.Name)
	if !f.holdRemove {
		delete(f.workloads, wkey(nb))
	}
	return nil
}

func (f *fakeRuntime) Check(ctx context.Context, nb *notebook.Notebook) (notebook.RuntimeState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.checkErr != nil {
		return notebook.RuntimeState{}, f.checkErr
	}
	w := f.workloads[wkey(nb)]
	if w == nil {
		return notebook.RuntimeState{Phase: notebook.Gone}, nil
	}
	return w.st, nil
}

// set scripts the state Check reports for the notebook name of acct.
func (f *fakeRuntime) set(name string, st notebook.RuntimeState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := acct + "/" + notebook.NameKey(name)
	if w := f.workloads[k]; w != nil {
		w.st = st
		return
	}
	f.workloads[k] = &workload{st: st}
}

// remove makes the notebook's workload disappear.
func (f *fakeRuntime) remove(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.workloads, acct+"/"+notebook.NameKey(name))
}

// bootedWith returns the lifecycle configuration and record of the
// workload's last boot.
func (f *fakeRuntime) bootedWith(name string) (*notebook.LifecycleConfig, *notebook.Notebook) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.workloads[acct+"/"+notebook.NameKey(name)]
	if w == nil {
		return nil, nil
	}
	return w.lc, w.nb
}

// takeCalls returns the calls so far and forgets them.
func (f *fakeRuntime) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func (f *fakeRuntime) script(fn func(f *fakeRuntime)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// historyStore records the statuses each notebook is written with.
type historyStore struct {
	notebook.Store
	mu  sync.Mutex
	log map[string][]notebook.Status // by name key
}

func (h *historyStore) note(nb *notebook.Notebook) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := notebook.NameKey(nb.Name)
	if l := h.log[k]; len(l) == 0 || l[len(l)-1] != nb.Status {
		h.log[k] = append(l, nb.Status)
	}
}

func (h *historyStore) CreateNotebook(ctx context.Context, nb *notebook.Notebook) error {
	err := h.Store.CreateNotebook(ctx, nb)
	if err == nil {
		h.note(nb)
	}
	return err
}

func (h *historyStore) UpdateNotebook(ctx context.Context, nb *notebook.Notebook) error {
	err := h.Store.UpdateNotebook(ctx, nb)
	if err == nil {
		h.note(nb)
	}
	return err
}

// history returns the statuses the notebook was written with, in order.
func (h *historyStore) history(name string) []notebook.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]notebook.Status(nil), h.log[notebook.NameKey(name)]...)
}

// rig is a Service over a store and the fake runtime, on a fake clock.
type rig struct {
	t   *testing.T
	clk *clock.Fake
	st  *historyStore
	rt  *fakeRuntime
	svc *notebook.Service
	cfg notebook.Config
}

// poll is the rig's PollInterval.
const poll = time.Second

func newRig(t *testing.T, mods ...func(*notebook.Config)) *rig {
	t.Helper()
	r := &rig{t: t, clk: clock.NewFake(t0), rt: newFakeRuntime()}
	r.cfg = notebook.Config{Store: memstore.New(), Runtime: r.rt, Clock: r.clk, Region: region,
		Endpoint: "https://strato.example:8773/", SigningKey: []byte("test key"),
		PollInterval: poll, ResyncInterval: time.Hour}
	for _, m := range mods {
		m(&r.cfg)
	}
	r.st = &historyStore{Store: r.cfg.Store, log: map[string][]notebook.Status{}}
	r.cfg.Store = r.st
	r.open()
	return r
}

// withSQLite puts the rig on a SQLite store in a fresh directory.
func withSQLite(t *testing.T) func(*notebook.Config) {
	return func(c *notebook.Config) {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "strato.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		c.Store = s
	}
}

func (r *rig) open() {
	r.t.Helper()
	svc, err := notebook.New(r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := svc.Open(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.svc = svc
	r.t.Cleanup(svc.Close)
}

// restart simulates a daemon restart: the service goes away, the store and
// the workloads stay, a new service opens them.
func (r *rig) restart() {
	r.t.Helper()
	r.svc.Close()
	r.open()
}

// get describes a notebook of acct.
func (r *rig) get(name string) *notebook.Notebook {
	r.t.Helper()
	nb, err := r.svc.DescribeNotebook(context.Background(), acct, name)
	if err != nil {
		r.t.Fatalf("DescribeNotebook(%s): %v", name, err)
	}
	return nb
}

// waitStatus advances the fake clock a poll at a time until the notebook
// reaches want (workers register their timers asynchronously). The real-time
// deadline only bounds a broken test.
func (r *rig) waitStatus(name string, want notebook.Status) *notebook.Notebook {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if nb := r.get(name); nb.Status == want {
			return nb
		}
		r.clk.Advance(poll)
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s is %s, want %s", name, r.get(name).Status, want)
	return nil
}

// waitGone waits until the notebook no longer exists.
func (r *rig) waitGone(name string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, err := r.svc.DescribeNotebook(context.Background(), acct, name)
		if err != nil {
			if !errors.Is(err, notebook.NotFound(name)) {
				r.t.Fatalf("DescribeNotebook(%s): %v", name, err)
			}
			return
		}
		r.clk.Advance(poll)
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s still exists (%s)", name, r.get(name).Status)
}

// create creates a notebook of acct with the minimal request.
func (r *rig) create(name string, mods ...func(*notebook.CreateRequest)) *notebook.Notebook {
	r.t.Helper()
	req := notebook.CreateRequest{Name: name, InstanceType: "ml.t3.medium", RoleARN: role}
	for _, m := range mods {
		m(&req)
	}
	nb, err := r.svc.CreateNotebook(context.Background(), acct, req)
	if err != nil {
		r.t.Fatalf("CreateNotebook(%s): %v", name, err)
	}
	return nb
}

// inService creates a notebook and waits for it to be InService.
func (r *rig) inService(name string, mods ...func(*notebook.CreateRequest)) *notebook.Notebook {
	r.t.Helper()
	r.create(name, mods...)
	return r.waitStatus(name, notebook.InService)
}

// stopped creates a notebook and brings it to Stopped.
func (r *rig) stopped(name string, mods ...func(*notebook.CreateRequest)) *notebook.Notebook {
	r.t.Helper()
	r.inService(name, mods...)
	if err := r.svc.StopNotebook(context.Background(), acct, name); err != nil {
		r.t.Fatalf("StopNotebook(%s): %v", name, err)
	}
	return r.waitStatus(name, notebook.Stopped)
}

// seed writes a notebook record straight into the store, in any status,
// without the service noticing until it is kicked (resync is an hour away).
func (r *rig) seed(name string, status notebook.Status, mods ...func(*notebook.Notebook)) *notebook.Notebook {
	r.t.Helper()
	nb := &notebook.Notebook{
		Name: name, ARN: notebook.NotebookARN(region, acct, name), AccountID: acct, Status: status,
		InstanceType: "ml.t3.medium", RoleARN: role, CreationTime: r.clk.Now(), LastModifiedTime: r.clk.Now(),
		DirectInternetAccess: "Enabled", RootAccess: "Enabled", VolumeSizeInGB: 5, Version: 1, Launched: true,
	}
	for _, m := range mods {
		m(nb)
	}
	if err := r.st.CreateNotebook(context.Background(), nb.Clone()); err != nil {
		r.t.Fatalf("seed %s: %v", name, err)
	}
	return nb
}

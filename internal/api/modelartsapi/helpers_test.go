package modelartsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/notebook"
	"strato/internal/store/memstore"
	"strato/internal/wire/apig"
)

// testNow is the fixed time of the rig's clock and of every signature.
var testNow = time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)

const (
	testReqID = "0123456789abcdef0123456789abcdef"
	testURL   = "https://strato.example:8773/strato/notebooks/"
	flavor2u  = "modelarts.vm.cpu.2u"
	imageID   = catalog.ModelArtsImageNotebook
)

// coreCall records one call the handler made to the notebook service.
type coreCall struct {
	Method  string
	Kind    notebook.Kind
	Account string
	Arg     any // the create request, the id, or startArgs
}

type startArgs struct {
	ID       string
	AutoStop time.Duration
}

// fakeCore is a small notebook service: it keeps notebooks in memory,
// applies notebook's transition table and words refusals as the service
// does (an IncorrectState error whose cause is a *notebook.StateError).
type fakeCore struct {
	mu    sync.Mutex
	clk   clock.Clock
	nbs   []*notebook.Notebook
	calls []coreCall
	seq   int
	// err, when set, answers every call.
	err error
}

var _ Core = (*fakeCore)(nil)

func (f *fakeCore) record(method string, kind notebook.Kind, account string, arg any) error {
	f.calls = append(f.calls, coreCall{Method: method, Kind: kind, Account: account, Arg: arg})
	return f.err
}

// put stores nb (a copy) as it is, for tests that need a status.
func (f *fakeCore) put(nb notebook.Notebook) *notebook.Notebook {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nbs = append(f.nbs, &nb)
	return &nb
}

func (f *fakeCore) find(kind notebook.Kind, account, id string) (*notebook.Notebook, error) {
	for _, nb := range f.nbs {
		if nb.Kind == kind && nb.AccountID == account && nb.ID == id {
			return nb, nil
		}
	}
	return nil, notebook.ModelArtsNotFound(id)
}

func (f *fakeCore) CreateModelArts(_ context.Context, account string, req notebook.ModelArtsCreateRequest) (*notebook.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("CreateModelArts", req.Kind, account, req); err != nil {
		return nil, err
	}
	if req.Kind == notebook.KindDevEnviron {
		for _, o := range f.nbs {
			if o.Kind == req.Kind && o.AccountID == account && o.Name == req.Name {
				return nil, notebook.ModelArtsDuplicate(req.Name)
			}
		}
	}
	f.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq)
	if req.Kind == notebook.KindDevEnviron {
		id = "DE-" + id
	}
	now := f.clk.Now()
	nb := &notebook.Notebook{Kind: req.Kind, ID: id, Name: req.Name, AccountID: account, Status: notebook.Pending,
		InstanceType: req.Flavor, ImageID: req.ImageID, Description: req.Description, ProfileID: req.ProfileID,
		VolumeCategory: req.VolumeCategory, VolumeSizeInGB: req.VolumeSizeGB, CreationTime: now, LastModifiedTime: now}
	if req.AutoStop > 0 {
		nb.AutoStop = &notebook.AutoStop{Duration: req.AutoStop, Since: now}
	}
	f.nbs = append(f.nbs, nb)
	cp := *nb
	return &cp, nil
}

func (f *fakeCore) GetModelArts(_ context.Context, kind notebook.Kind, account, id string) (*notebook.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("GetModelArts", kind, account, id); err != nil {
		return nil, err
	}
	nb, err := f.find(kind, account, id)
	if err != nil {
		return nil, err
	}
	cp := *nb
	return &cp, nil
}

func (f *fakeCore) ListModelArts(_ context.Context, kind notebook.Kind, account string) ([]*notebook.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ListModelArts", kind, account, nil); err != nil {
		return nil, err
	}
	var out []*notebook.Notebook
	for _, nb := range f.nbs {
		if nb.Kind == kind && nb.AccountID == account {
			cp := *nb
			out = append(out, &cp)
		}
	}
	return out, nil
}

// transition applies op as the service does.
func (f *fakeCore) transition(method string, kind notebook.Kind, account, id string, arg any, op notebook.Op, change func(*notebook.Notebook)) (notebook.Status, *notebook.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(method, kind, account, arg); err != nil {
		return "", nil, err
	}
	nb, err := f.find(kind, account, id)
	if err != nil {
		return "", nil, err
	}
	next, ok := notebook.NextFor(kind, op, nb.Status)
	if !ok {
		from, to := notebook.AllowedFor(kind, op)
		e := notebook.TransitionError(nb.ID, nb.Status, from, to)
		e.Err = &notebook.StateError{Op: op, From: nb.Status, Served: nb.Served}
		return "", nil, e
	}
	prev := nb.Status
	nb.Status = next
	nb.LastModifiedTime = f.clk.Now()
	if change != nil {
		change(nb)
	}
	cp := *nb
	return prev, &cp, nil
}

func (f *fakeCore) StartModelArts(_ context.Context, kind notebook.Kind, account, id string, autoStop time.Duration) (notebook.Status, *notebook.Notebook, error) {
	return f.transition("StartModelArts", kind, account, id, startArgs{ID: id, AutoStop: autoStop}, notebook.OpStart, func(nb *notebook.Notebook) {
		nb.FailureReason, nb.FailedBy = "", ""
		if autoStop > 0 {
			nb.AutoStop = &notebook.AutoStop{Duration: autoStop}
		}
		if nb.AutoStop != nil {
			nb.AutoStop.Since = f.clk.Now()
		}
	})
}

func (f *fakeCore) StopModelArts(_ context.Context, kind notebook.Kind, account, id string) (notebook.Status, *notebook.Notebook, error) {
	return f.transition("StopModelArts", kind, account, id, id, notebook.OpStop, nil)
}

func (f *fakeCore) DeleteModelArts(_ context.Context, kind notebook.Kind, account, id string) (notebook.Status, *notebook.Notebook, error) {
	return f.transition("DeleteModelArts", kind, account, id, id, notebook.OpDelete, nil)
}

func (f *fakeCore) ModelArtsURL(nb *notebook.Notebook) string { return testURL + "token-" + nb.ID }

// lastCall returns the last recorded call, or nil.
func (f *fakeCore) lastCall() *coreCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return nil
	}
	c := f.calls[len(f.calls)-1]
	return &c
}

// rig is a handler over a fake notebook service and a real IAM service
// (over memstore) with three keys.
type rig struct {
	h       *Handler
	core    *fakeCore
	clk     *clock.Fake
	ids     *iam.Service
	key     iam.Key // the default account's, full rights
	project string  // the default account's project
	other   iam.Key // another account's
	limited iam.Key // the default account's, allowed modelarts:notebook:get and modelarts:devenviron:get only
}

func newRig(t testing.TB, opts ...func(*Config)) *rig {
	t.Helper()
	return newRigIAM(t, iam.Options{}, opts...)
}

// newRigIAM is newRig with IAM options (AnyMode).
func newRigIAM(t testing.TB, iamOpts iam.Options, opts ...func(*Config)) *rig {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(testNow)
	st := memstore.New(memstore.WithClock(clk))
	ids := iam.NewService(st, clk, iamOpts)
	acct, key, err := ids.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ids.CreateAccount(ctx, "team-b")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ids.CreateKey(ctx, other.ID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := iam.ParsePolicy([]byte(`{"Statement":[{"Effect":"Allow","Action":["modelarts:notebook:get","modelarts:devenviron:get"],"Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	limited, err := ids.CreateKey(ctx, acct.ID, "", pol)
	if err != nil {
		t.Fatal(err)
	}
	core := &fakeCore{clk: clk}
	cfg := Config{Notebooks: core, IAM: ids, Catalog: catalog.New("cn-north-4"), Clock: clk}
	for _, o := range opts {
		o(&cfg)
	}
	return &rig{h: New(cfg), core: core, clk: clk, ids: ids, key: key, project: iam.ProjectID(acct.ID), other: otherKey, limited: limited}
}

// account is the default account's id.
func (r *rig) account() string { return r.key.AccountID }

// request builds what the SDK sends: path with "{p}" standing for the
// default account's project, the X-Project-Id header, a JSON content type
// (when there is a body) and the SDK's signature with key at testNow.
func (r *rig) request(method, path, body string, key iam.Key) *http.Request {
	path = strings.ReplaceAll(path, "{p}", r.project)
	req := httptest.NewRequest(method, "http://127.0.0.1:8773"+path, strings.NewReader(body))
	req.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	req.Header.Set(ProjectIDHeader, r.project)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(RequestIDHeader, testReqID)
	apig.Sign(req, []byte(body), key.AccessKeyID, key.SecretAccessKey, testNow)
	return req
}

// do sends a request signed with the full-rights key.
func (r *rig) do(t testing.TB, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return r.send(r.request(method, path, body, r.key))
}

func (r *rig) send(req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	return w
}

// put stores a notebook of kind in status for the default account.
func (r *rig) put(kind notebook.Kind, id, name string, status notebook.Status, mod func(*notebook.Notebook)) *notebook.Notebook {
	nb := notebook.Notebook{Kind: kind, ID: id, Name: name, AccountID: r.account(), Status: status,
		InstanceType: flavor2u, ImageID: imageID, VolumeCategory: "EVS", VolumeSizeInGB: 5,
		CreationTime: testNow.Add(-time.Hour), LastModifiedTime: testNow.Add(-time.Minute), Served: status != notebook.Pending}
	if mod != nil {
		mod(&nb)
	}
	return r.core.put(nb)
}

// decode parses a JSON response into a generic value.
func decode(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("response is not a JSON object (status %d): %v\n%s", w.Code, err, w.Body.String())
	}
	return m
}

// jsonValue parses s, a JSON document, for comparisons with decode's output.
func jsonValue(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, s)
	}
	return m
}

// errorDoc is any of the three error documents.
type errorDoc struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg,omitempty"`
	Message   string `json:"error_message,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// parseError decodes an error response, failing the test when it is not one.
func parseError(t testing.TB, w *httptest.ResponseRecorder) errorDoc {
	t.Helper()
	var e errorDoc
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" {
		t.Fatalf("response is not an error document (status %d): %v\n%s", w.Code, err, w.Body.String())
	}
	return e
}

// text is the message of an error document, whichever key it is under.
func (e errorDoc) text() string { return e.Msg + e.Message }

func ptr[T any](v T) *T { return &v }

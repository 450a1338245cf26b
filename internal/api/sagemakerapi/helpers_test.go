package sagemakerapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/iam"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/wire/awsjson"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Test credentials and the fixed time every test request is signed at.
const (
	testAccount = "123456789012"
	testKey     = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion  = "us-east-1"
	testReqID   = "11111111-2222-4333-8444-555555555555"
	testRole    = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole"
)

var testNow = time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)

// fakeAuth is a fixed key table.
type fakeAuth struct {
	any  bool
	keys map[string]iam.Principal
}

func (f *fakeAuth) Lookup(_ context.Context, ak string) (iam.Principal, string, error) {
	p, ok := f.keys[ak]
	if !ok {
		if f.any {
			return iam.Principal{AccountID: testAccount, AccessKeyID: ak}, "", nil
		}
		return iam.Principal{}, "", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, ak, "unknown access key")
	}
	return p, testSecret, nil
}

func (f *fakeAuth) AnyMode() bool { return f.any }

// coreCall records one call the handler made to the notebook service. Arg
// is the request, query or name the method was given.
type coreCall struct {
	Method  string
	Account string
	Arg     any
}

// presignArgs, tagArgs and listTagArgs are the arguments of the methods
// that take more than one.
type presignArgs struct {
	Name    string
	Session time.Duration
}

type tagArgs struct {
	ARN  string
	Tags []notebook.Tag
	Keys []string
}

type listTagArgs struct {
	ARN   string
	Max   int
	Token string
}

// fakeCore is a test double of the notebook service: it records calls and
// answers with canned values (or err, or a panic).
type fakeCore struct {
	mu    sync.Mutex
	calls []coreCall
	err   error
	// errFor answers one method (by name) with an error.
	errFor   map[string]error
	panicMsg string
	// missing is a notebook name DescribeNotebook does not find.
	missing   string
	notebook  *notebook.Notebook
	notebooks []*notebook.Notebook
	config    *notebook.LifecycleConfig
	configs   []*notebook.LifecycleConfig
	tags      []notebook.Tag
	url       string
	next      string
}

var _ Core = (*fakeCore)(nil)

func (f *fakeCore) record(method, account string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, coreCall{Method: method, Account: account, Arg: arg})
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	if err, ok := f.errFor[method]; ok {
		return err
	}
	return f.err
}

func (f *fakeCore) CreateNotebook(_ context.Context, account string, req notebook.CreateRequest) (*notebook.Notebook, error) {
	if err := f.record("CreateNotebook", account, req); err != nil {
		return nil, err
	}
	return &notebook.Notebook{Name: req.Name, ARN: notebook.NotebookARN(testRegion, account, req.Name), Status: notebook.Pending}, nil
}

func (f *fakeCore) DescribeNotebook(_ context.Context, account, name string) (*notebook.Notebook, error) {
	if err := f.record("DescribeNotebook", account, name); err != nil {
		return nil, err
	}
	if f.notebook == nil || name == f.missing {
		return nil, notebook.NotFound(name)
	}
	return f.notebook, nil
}

func (f *fakeCore) ListNotebooks(_ context.Context, account string, q notebook.ListQuery) ([]*notebook.Notebook, string, error) {
	if err := f.record("ListNotebooks", account, q); err != nil {
		return nil, "", err
	}
	return f.notebooks, f.next, nil
}

func (f *fakeCore) StartNotebook(_ context.Context, account, name string) error {
	return f.record("StartNotebook", account, name)
}

func (f *fakeCore) StopNotebook(_ context.Context, account, name string) error {
	return f.record("StopNotebook", account, name)
}

func (f *fakeCore) UpdateNotebook(_ context.Context, account string, req notebook.UpdateRequest) error {
	return f.record("UpdateNotebook", account, req)
}

func (f *fakeCore) DeleteNotebook(_ context.Context, account, name string) error {
	return f.record("DeleteNotebook", account, name)
}

func (f *fakeCore) PresignedURL(_ context.Context, account, name string, session time.Duration) (string, error) {
	if err := f.record("PresignedURL", account, presignArgs{Name: name, Session: session}); err != nil {
		return "", err
	}
	return f.url, nil
}

func (f *fakeCore) CreateLifecycleConfig(_ context.Context, account string, req notebook.LifecycleConfigRequest) (*notebook.LifecycleConfig, error) {
	if err := f.record("CreateLifecycleConfig", account, req); err != nil {
		return nil, err
	}
	return &notebook.LifecycleConfig{Name: req.Name, ARN: notebook.LifecycleConfigARN(testRegion, account, req.Name)}, nil
}

func (f *fakeCore) DescribeLifecycleConfig(_ context.Context, account, name string) (*notebook.LifecycleConfig, error) {
	if err := f.record("DescribeLifecycleConfig", account, name); err != nil {
		return nil, err
	}
	if f.config == nil {
		return nil, notebook.LifecycleConfigNotFound("describe", notebook.LifecycleConfigARN(testRegion, account, name))
	}
	return f.config, nil
}

func (f *fakeCore) ListLifecycleConfigs(_ context.Context, account string, q notebook.LifecycleConfigQuery) ([]*notebook.LifecycleConfig, string, error) {
	if err := f.record("ListLifecycleConfigs", account, q); err != nil {
		return nil, "", err
	}
	return f.configs, f.next, nil
}

func (f *fakeCore) UpdateLifecycleConfig(_ context.Context, account string, req notebook.LifecycleConfigRequest) error {
	return f.record("UpdateLifecycleConfig", account, req)
}

func (f *fakeCore) DeleteLifecycleConfig(_ context.Context, account, name string) error {
	return f.record("DeleteLifecycleConfig", account, name)
}

func (f *fakeCore) AddTags(_ context.Context, account, arn string, tags []notebook.Tag) ([]notebook.Tag, error) {
	if err := f.record("AddTags", account, tagArgs{ARN: arn, Tags: tags}); err != nil {
		return nil, err
	}
	return tags, nil
}

func (f *fakeCore) DeleteTags(_ context.Context, account, arn string, keys []string) error {
	return f.record("DeleteTags", account, tagArgs{ARN: arn, Keys: keys})
}

func (f *fakeCore) ListTags(_ context.Context, account, arn string, max int, token string) ([]notebook.Tag, string, error) {
	if err := f.record("ListTags", account, listTagArgs{ARN: arn, Max: max, Token: token}); err != nil {
		return nil, "", err
	}
	return f.tags, f.next, nil
}

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

// newTestHandler returns a handler on core with one full-rights key and a
// fake clock at testNow.
func newTestHandler(t testing.TB, core Core) *Handler {
	t.Helper()
	h := New(Config{Notebooks: core, Clock: clock.NewFake(testNow), Region: testRegion})
	h.auth = &fakeAuth{keys: map[string]iam.Principal{testKey: {AccountID: testAccount, AccessKeyID: testKey}}}
	return h
}

// jsonRequest builds the POST an AWS SDK sends for operation with body,
// signed with the test key for service sagemaker at testNow.
func jsonRequest(t testing.TB, operation, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8773/", strings.NewReader(body))
	r.Header.Set("Content-Type", awsjson.ContentType)
	r.Header.Set("X-Amz-Target", "SageMaker."+operation)
	r.Header.Set(RequestIDHeader, testReqID)
	sign(r, []byte(body), testKey, testSecret, "sagemaker", testNow)
	return r
}

// sign adds a SigV4 Authorization header over content-type, host,
// x-amz-date and x-amz-target, as the SDKs sign JSON calls.
func sign(r *http.Request, body []byte, key, secret, service string, now time.Time) {
	amzDate := now.UTC().Format("20060102T150405Z")
	day := amzDate[:8]
	r.Header.Set("X-Amz-Date", amzDate)
	payload := sha256.Sum256(body)
	names := []string{"content-type", "host", "x-amz-date", "x-amz-target"}
	var canonHeaders strings.Builder
	for _, n := range names {
		v := r.Header.Get(n)
		if n == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(n + ":" + strings.TrimSpace(v) + "\n")
	}
	signed := strings.Join(names, ";")
	canon := strings.Join([]string{r.Method, "/", "", canonHeaders.String(), signed, hex.EncodeToString(payload[:])}, "\n")
	scope := day + "/" + testRegion + "/" + service + "/aws4_request"
	ch := sha256.Sum256([]byte(canon))
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(ch[:])
	mac := func(k []byte, s string) []byte {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), day)
	k = mac(k, testRegion)
	k = mac(k, service)
	k = mac(k, "aws4_request")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/"+scope+
		", SignedHeaders="+signed+", Signature="+hex.EncodeToString(mac(k, sts)))
}

// do sends a signed operation to h and returns the recorded response.
func do(t testing.TB, h http.Handler, operation, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, jsonRequest(t, operation, body))
	return w
}

// apiError is SageMaker's error document.
type apiError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// parseError decodes an error response, failing the test when it is not one.
func parseError(t testing.TB, w *httptest.ResponseRecorder) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Type == "" {
		t.Fatalf("response is not a SageMaker error (status %d): %v\n%s", w.Code, err, w.Body.String())
	}
	if got := w.Header().Get("X-Amzn-ErrorType"); got != e.Type {
		t.Errorf("X-Amzn-ErrorType %q, body __type %q", got, e.Type)
	}
	return e
}

// checkGolden compares got with testdata/name, rewriting it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(got), string(want)); d != "" {
		t.Errorf("%s (-got +want):\n%s", name, d)
	}
}

func ptr[T any](v T) *T { return &v }

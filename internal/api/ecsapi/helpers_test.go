package ecsapi

// Handler tests run against the real instance engine over the in-memory
// store and the scriptable fake driver, wired as cmd/strato wires the real
// ones. Only the tests import them: the package itself depends on core,
// wire and errdefs alone.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/driver/fake"
	"strato/internal/errdefs"
	"strato/internal/store/memstore"
	"strato/internal/wire/acsrpc"
)

// Test credentials and the time the rig's clock starts at.
const (
	testAccount = "123456789012"
	testKey     = "LTAI5tTESTKEY0000001"
	testSecret  = "testsecret"
	limitedKey  = "LTAI5tLIMITED0000002" // may only describe
	testRegion  = "us-east-1"
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

// rig is the handler over a real engine on a fake clock.
type rig struct {
	t     testing.TB
	clk   *clock.Fake
	drv   *fake.Driver
	svc   *instance.Service
	h     *Handler
	nonce atomic.Int64
}

type rigOption func(*instance.Config)

func withCapacity(vcpus int) rigOption {
	return func(c *instance.Config) { c.CapacityVCPUs = vcpus }
}

func newRig(t testing.TB, opts ...rigOption) *rig {
	t.Helper()
	clk := clock.NewFake(testNow)
	drv := fake.New(clk)
	cat := catalog.New(testRegion)
	cfg := instance.Config{Store: memstore.New(), Driver: drv, Clock: clk, Catalog: cat,
		StopTimeout: 2 * time.Minute, ResyncInterval: time.Hour}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := instance.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	ro, err := iam.ParsePolicy([]byte(`{"Statement":[{"Effect":"Allow","Action":["ecs:Describe*"],"Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{Instances: svc, Catalog: cat, Clock: clk, Region: testRegion})
	h.auth = &fakeAuth{keys: map[string]iam.Principal{
		testKey:    {AccountID: testAccount, AccessKeyID: testKey},
		limitedKey: {AccountID: testAccount, AccessKeyID: limitedKey, Policy: ro},
	}}
	return &rig{t: t, clk: clk, drv: drv, svc: svc, h: h}
}

// signParams adds the common parameters and the signature for method.
func (r *rig) signParams(method string, kv map[string]string) acsrpc.Params {
	p := acsrpc.Params{
		"Version": APIVersion, "Format": "JSON", "AccessKeyId": testKey, "SignatureMethod": "HMAC-SHA1",
		"SignatureVersion": "1.0", "SignatureType": "", "RegionId": testRegion,
		"SignatureNonce": fmt.Sprintf("nonce-%d", r.nonce.Add(1)),
		"Timestamp":      r.clk.Now().UTC().Format(acsrpc.TimeFormat),
	}
	for k, v := range kv {
		p[k] = v
	}
	if _, ok := kv["Signature"]; !ok {
		p["Signature"] = acsrpc.Sign(testSecret, acsrpc.StringToSign(method, p))
	}
	return p
}

// encode renders params as a query or form string.
func encode(p acsrpc.Params) string {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v.Encode()
}

// request builds a POST with the parameters in the query (the Go SDK's
// way) or in a form body.
func request(p acsrpc.Params, inBody bool) *http.Request {
	if inBody {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8773/", strings.NewReader(encode(p)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8773/?"+encode(p), nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// do sends a signed request (query style) and decodes the JSON answer.
func (r *rig) do(kv map[string]string) (int, map[string]any) {
	r.t.Helper()
	return r.send(request(r.signParams(http.MethodPost, kv), false))
}

// send serves req and decodes a JSON answer.
func (r *rig) send(req *http.Request) (int, map[string]any) {
	r.t.Helper()
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		r.t.Fatalf("answer is not JSON (%v): %s", err, w.Body.String())
	}
	if _, ok := m["RequestId"].(string); !ok {
		r.t.Fatalf("answer has no RequestId: %s", w.Body.String())
	}
	return w.Code, m
}

// ok sends a request that must succeed.
func (r *rig) ok(kv map[string]string) map[string]any {
	r.t.Helper()
	code, m := r.do(kv)
	if code != 200 {
		r.t.Fatalf("%s: status %d: %v", kv["Action"], code, m)
	}
	return m
}

// fails sends a request that must fail with code and status; it returns the message.
func (r *rig) fails(code string, status int, kv map[string]string) string {
	r.t.Helper()
	got, m := r.do(kv)
	if got != status || m["Code"] != code {
		r.t.Fatalf("%s: got %d %v (%v), want %d %s", kv["Action"], got, m["Code"], m["Message"], status, code)
	}
	for _, k := range []string{"HostId", "Message", "Recommend"} {
		if _, ok := m[k].(string); !ok {
			r.t.Errorf("error document lacks %s: %v", k, m)
		}
	}
	return m["Message"].(string)
}

// run launches n ECS instances of typ and waits for them to run.
func (r *rig) run(typ string, n int) []string {
	r.t.Helper()
	m := r.ok(map[string]string{"Action": "RunInstances", "ImageId": catalog.ECSImageShell, "InstanceType": typ,
		"Amount": fmt.Sprint(n)})
	var ids []string
	for _, id := range m["InstanceIdSets"].(map[string]any)["InstanceIdSet"].([]any) {
		ids = append(ids, id.(string))
	}
	for _, id := range ids {
		r.wait(id, "Running")
	}
	return ids
}

// status returns an instance's ECS status via DescribeInstanceAttribute.
func (r *rig) status(id string) string {
	r.t.Helper()
	return r.ok(map[string]string{"Action": "DescribeInstanceAttribute", "InstanceId": id})["Status"].(string)
}

// wait polls (real time) until the instance has the ECS status want.
func (r *rig) wait(id, want string) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r.status(id) == want {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	r.t.Fatalf("%s is %s, want %s", id, r.status(id), want)
}

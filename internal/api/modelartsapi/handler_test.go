package modelartsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/iam"
	"strato/internal/core/notebook"
	"strato/internal/wire/apig"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/v1/0123abcd/notebooks", true},
		{"/v1/0123abcd/notebooks/", true},
		{"/v1/0123abcd/notebooks/f9937afa/start", true},
		{"/v1/0123abcd/notebooks/all", true},
		{"/v1/0123abcd/demanager/instances", true},
		{"/v1/0123abcd/demanager/instances/DE-1/action", true},
		{"/v1/0123abcd/demanager", false},
		{"/v1/0123abcd/demanager/profiles", false},
		{"/v1//notebooks", false},
		{"/v1/notebooks", false},
		{"/v2/0123abcd/notebooks", false},
		{"/", false},
		{"/strato/notebooks/token", false},
		{"/v1/0123abcd/jobs", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := Match(httptest.NewRequest(http.MethodGet, tt.path, nil)); got != tt.want {
				t.Errorf("Match(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxBodyBytes = 256 })
	r.put(notebook.KindModelArts, "nb-1", "nb", notebook.Stopped, nil)
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"an API Strato does not serve", http.MethodPut, nbPath + "/nb-1", `{}`, 404, "APIG.0101",
			"The API does not exist or has not been published in the environment."},
		{"a deeper path", http.MethodGet, nbPath + "/nb-1/lease/x", "", 404, "APIG.0101",
			"The API does not exist or has not been published in the environment."},
		{"an empty id", http.MethodGet, nbPath + "/", "", 404, "APIG.0101",
			"The API does not exist or has not been published in the environment."},
		{"GET on the action", http.MethodGet, dePath + "/DE-1/action", "", 404, "APIG.0101",
			"The API does not exist or has not been published in the environment."},
		{"PATCH the collection", http.MethodPatch, dePath, "", 404, "APIG.0101",
			"The API does not exist or has not been published in the environment."},
		{"a body above the limit", http.MethodPost, nbPath, `{"name":"` + strings.Repeat("a", 300) + `"}`, 413, "APIG.0201", "Request entity too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := r.do(t, tt.method, tt.path, tt.body)
			e := parseError(t, w)
			want := errorDoc{Code: tt.wantCode, Msg: tt.wantMsg, RequestID: testReqID}
			if d := cmp.Diff([]any{w.Code, e}, []any{tt.wantStatus, want}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}

	// The route is found before the caller is: an unsigned request for an
	// API that does not exist is APIG.0101 too.
	req := httptest.NewRequest(http.MethodGet, "/v1/x/notebooks/a/b", nil)
	if w := r.send(req); w.Code != 404 || parseError(t, w).Code != "APIG.0101" {
		t.Errorf("unsigned unknown route: %d %s", w.Code, w.Body.String())
	}
}

func TestAuthentication(t *testing.T) {
	r := newRig(t)
	r.put(notebook.KindModelArts, "nb-1", "nb", notebook.Stopped, nil)
	const show = nbPath + "/nb-1"
	unknown := iam.Key{AccessKeyID: "NOSUCHKEY0000000000", SecretAccessKey: "x"}
	wrongSecret := r.key
	wrongSecret.SecretAccessKey = "not-the-secret"
	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantCode   string
		wantMsg    string // a prefix
		gateway    bool
	}{
		{"signed", func() *http.Request { return r.request("GET", show, "", r.key) }, 200, "", "", false},
		{"unsigned", func() *http.Request {
			req := r.request("GET", show, "", r.key)
			req.Header.Del("Authorization")
			return req
		}, 401, "APIG.0301", "Incorrect IAM authentication information: x-auth-token not found", true},
		{"wrong secret", func() *http.Request { return r.request("GET", show, "", wrongSecret) },
			401, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail", true},
		{"unknown key", func() *http.Request { return r.request("GET", show, "", unknown) },
			401, "APIG.0301", "Incorrect IAM authentication information: Get secretKey failed,ak:NOSUCHKEY0000000000,err:ak not exist", true},
		{"body changed after signing", func() *http.Request {
			req := r.request("POST", nbPath+"/nb-1/start", "", r.key)
			return withBody(req, `{"x":1}`)
		}, 401, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail", true},
		{"query changed after signing", func() *http.Request {
			req := r.request("POST", nbPath+"/nb-1/start", "", r.key)
			req.URL.RawQuery = "duration=7200000"
			return req
		}, 401, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail", true},
		{"signed an hour ago", func() *http.Request {
			req := r.request("GET", show, "", r.key)
			apig.Sign(req, nil, r.key.AccessKeyID, r.key.SecretAccessKey, testNow.Add(-time.Hour))
			return req
		}, 401, "APIG.0301", "Incorrect IAM authentication information: calc aksk signature fail:signature expired", true},
		{"another account's project in the path", func() *http.Request { return r.request("GET", show, "", r.other) },
			403, "ModelArts.0210", "The project id in the request URL does not match the token.", false},
		{"a made-up project in the path", func() *http.Request {
			req := httptest.NewRequest("GET", "/v1/00000000000000000000000000000000/notebooks/nb-1", nil)
			req.Header.Set(ProjectIDHeader, "00000000000000000000000000000000")
			apig.Sign(req, nil, r.key.AccessKeyID, r.key.SecretAccessKey, testNow)
			return req
		}, 403, "ModelArts.0210", "The project id in the request URL does not match the token.", false},
		{"X-Project-Id differs from the path", func() *http.Request {
			req := httptest.NewRequest("GET", strings.ReplaceAll(show, "{p}", r.project), nil)
			req.Header.Set(ProjectIDHeader, iam.ProjectID(r.other.AccountID))
			apig.Sign(req, nil, r.key.AccessKeyID, r.key.SecretAccessKey, testNow)
			return req
		}, 403, "ModelArts.0210", "The project id in the request URL does not match the token.", false},
		{"no X-Project-Id header", func() *http.Request {
			req := httptest.NewRequest("GET", strings.ReplaceAll(show, "{p}", r.project), nil)
			apig.Sign(req, nil, r.key.AccessKeyID, r.key.SecretAccessKey, testNow)
			return req
		}, 200, "", "", false},
		{"DevEnviron project mismatch", func() *http.Request { return r.request("GET", dePath+"?de_type=Notebook", "", r.other) },
			403, "ModelArts.0210", "The project id in the request URL does not match the token.", false},
		{"policy refuses create", func() *http.Request { return r.request("POST", nbPath, nbBody(nil), r.limited) },
			403, "ModelArts.0108", "You are not authorized to perform the (modelarts:notebook:create) operation.", false},
		{"policy refuses a DevEnviron start", func() *http.Request {
			return r.request("POST", dePath+"/DE-1/action", `{"action":"start"}`, r.limited)
		}, 403, "ModelArts.0108", "You are not authorized to perform the (modelarts:devenviron:start) operation.", false},
		{"policy allows show", func() *http.Request { return r.request("GET", show, "", r.limited) }, 200, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := r.send(tt.req())
			if tt.wantCode == "" {
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d: %s", w.Code, w.Body.String())
				}
				return
			}
			e := parseError(t, w)
			if d := cmp.Diff([]any{w.Code, e.Code}, []any{tt.wantStatus, tt.wantCode}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
			if !strings.HasPrefix(e.text(), tt.wantMsg) {
				t.Errorf("message %q, want the prefix %q", e.text(), tt.wantMsg)
			}
			if gw := e.RequestID != ""; gw != tt.gateway {
				t.Errorf("gateway document %v, want %v: %s", gw, tt.gateway, w.Body.String())
			}
		})
	}
}

// TestAnyMode: with iam's AnyMode the signature is not checked, but the
// project must still be the key's account's.
func TestAnyMode(t *testing.T) {
	r := newRigIAM(t, iam.Options{AnyMode: true})
	r.put(notebook.KindModelArts, "nb-1", "nb", notebook.Stopped, nil)
	bad := r.key
	bad.SecretAccessKey = "whatever"
	if w := r.send(r.request("GET", nbPath+"/nb-1", "", bad)); w.Code != 200 {
		t.Errorf("any mode, wrong secret: %d %s", w.Code, w.Body.String())
	}
	req := r.request("GET", nbPath+"/nb-1", "", r.key)
	req.Header.Del("Authorization")
	if w := r.send(req); w.Code != 401 {
		t.Errorf("any mode, unsigned: %d %s", w.Code, w.Body.String())
	}
	if w := r.send(r.request("GET", nbPath+"/nb-1", "", r.other)); w.Code != 403 {
		t.Errorf("any mode, another account: %d %s", w.Code, w.Body.String())
	}
}

func TestRequestID(t *testing.T) {
	r := newRig(t)
	for _, tt := range []struct {
		name string
		path string
	}{{"success", nbPath}, {"error", nbPath + "/nope"}, {"gateway error", nbPath + "/a/b/c"}} {
		t.Run(tt.name, func(t *testing.T) {
			req := r.request("GET", tt.path, "", r.key)
			req.Header.Del(RequestIDHeader)
			w := r.send(req)
			id := w.Header().Get("X-Request-Id")
			if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
				t.Errorf("X-Request-Id %q", id)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if w.Code >= 400 {
				if e := parseError(t, w); e.RequestID != "" && e.RequestID != id {
					t.Errorf("request_id %q, header %q", e.RequestID, id)
				}
			}
		})
	}
}

// panicCore panics in GetModelArts.
type panicCore struct{ *fakeCore }

func (panicCore) GetModelArts(context.Context, notebook.Kind, string, string) (*notebook.Notebook, error) {
	panic("boom")
}

func TestInternalErrors(t *testing.T) {
	const want = `{"error_code":"ModelArts.6361","error_msg":"ModelArts internal service or configuration error."}`
	tests := []struct {
		name string
		rig  func(t *testing.T) *rig
	}{
		{"the service fails", func(t *testing.T) *rig {
			r := newRig(t)
			r.core.err = errors.New("disk on fire at /var/lib/strato")
			return r
		}},
		{"the service panics", func(t *testing.T) *rig {
			return newRig(t, func(c *Config) { c.Notebooks = panicCore{&fakeCore{}} })
		}},
		{"no service", func(t *testing.T) *rig {
			return newRig(t, func(c *Config) { c.Notebooks = nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.rig(t).do(t, "GET", nbPath+"/nb-1", "")
			if d := cmp.Diff([]any{w.Code, w.Body.String()}, []any{500, want}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

// withBody replaces the request's body (after signing).
func withBody(req *http.Request, body string) *http.Request {
	nr := httptest.NewRequest(req.Method, req.URL.String(), strings.NewReader(body))
	nr.Header = req.Header.Clone()
	return nr
}

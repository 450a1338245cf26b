package ec2api

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"strato/internal/core/iam"
	"strato/internal/errdefs"
)

// flowCase is a request that fails before or around the operation.
type flowCase struct {
	name       string
	req        func(t *testing.T) *http.Request
	wantCode   string
	wantStatus int
	wantMsg    string
}

func TestRequestFlowErrors(t *testing.T) {
	post := func(body string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request { return signedRequest(t, body) }
	}
	tests := []flowCase{
		{"missing action", post(formBody("Version", APIVersion)),
			"MissingAction", 400, "The request must contain the parameter Action"},
		{"unknown action", post(formBody("Action", "DescribeVpcs", "Version", APIVersion)),
			"InvalidAction", 400, "The action DescribeVpcs is not valid for this web service."},
		{"missing version", post(formBody("Action", "DescribeInstances")),
			"MissingParameter", 400, "The request must contain the parameter Version"},
		{"unknown version", post(formBody("Action", "DescribeInstances", "Version", "2014-10-01")),
			"NoSuchVersion", 400, "The requested version (2014-10-01) of service AmazonEC2 does not exist"},
		{"no authentication", func(t *testing.T) *http.Request {
			r := signedRequest(t, formBody("Action", "DescribeInstances", "Version", APIVersion))
			r.Header.Del("Authorization")
			return r
		}, "MissingParameter", 400, "The request must contain the parameter AWSAccessKeyId"},
		{"unknown access key", func(t *testing.T) *http.Request {
			body := formBody("Action", "DescribeInstances", "Version", APIVersion)
			r := signedRequest(t, body)
			sign(r, []byte(body), "AKIDUNKNOWN", testSecret, testRegion, "ec2", testNow)
			return r
		}, "AuthFailure", 401, "AWS was not able to validate the provided access credentials"},
		{"wrong secret", func(t *testing.T) *http.Request {
			body := formBody("Action", "DescribeInstances", "Version", APIVersion)
			r := signedRequest(t, body)
			sign(r, []byte(body), testKey, "not-the-secret", testRegion, "ec2", testNow)
			return r
		}, "SignatureDoesNotMatch", 403, msgSignature},
		{"body changed after signing", func(t *testing.T) *http.Request {
			r := signedRequest(t, formBody("Action", "DescribeInstances", "Version", APIVersion))
			tampered := formBody("Action", "TerminateInstances", "Version", APIVersion, "InstanceId.1", iid1)
			r.Body = httpBody(tampered)
			r.ContentLength = int64(len(tampered))
			return r
		}, "SignatureDoesNotMatch", 403, ""},
		{"expired signature", func(t *testing.T) *http.Request {
			body := formBody("Action", "DescribeInstances", "Version", APIVersion)
			r := signedRequest(t, body)
			sign(r, []byte(body), testKey, testSecret, testRegion, "ec2", testNow.Add(-time.Hour))
			return r
		}, "RequestExpired", 400, ""},
		{"signed for another service", func(t *testing.T) *http.Request {
			body := formBody("Action", "DescribeInstances", "Version", APIVersion)
			r := signedRequest(t, body)
			sign(r, []byte(body), testKey, testSecret, testRegion, "sagemaker", testNow)
			return r
		}, "", 0, ""}, // any 4xx; the verifier decides the exact code
		{"not a form", func(t *testing.T) *http.Request {
			body := `{"Action":"DescribeInstances"}`
			r := signedRequest(t, body)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, "InvalidParameterValue", 400, ""},
		{"bad escape", post("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=%zz"),
			"InvalidParameterValue", 400, ""},
		{"method", func(t *testing.T) *http.Request {
			r := signedRequest(t, "")
			r.Method = http.MethodPut
			return r
		}, "InvalidRequest", 400, ""},
		{"body too large", post(formBody("Action", "DescribeInstances", "Version", APIVersion, "Pad", strings.Repeat("x", DefaultMaxBodyBytes))),
			"InvalidRequest", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := &fakeCore{}
			w := httptest.NewRecorder()
			newTestHandler(t, core).ServeHTTP(w, tt.req(t))
			e := parseError(t, w)
			if tt.wantCode == "" {
				if w.Code < 400 || w.Code >= 500 {
					t.Errorf("status %d (%s), want a 4xx", w.Code, e.Code)
				}
			} else if e.Code != tt.wantCode || w.Code != tt.wantStatus {
				t.Errorf("got %d %s (%q), want %d %s", w.Code, e.Code, e.Message, tt.wantStatus, tt.wantCode)
			}
			if tt.wantMsg != "" && e.Message != tt.wantMsg {
				t.Errorf("message %q, want %q", e.Message, tt.wantMsg)
			}
			if c := core.lastCall(); c != nil {
				t.Errorf("core was called: %+v", *c)
			}
		})
	}
}

func httpBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestGETQueryRequest(t *testing.T) {
	core := &fakeCore{}
	h := newTestHandler(t, core)
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8773/?Action=DescribeInstances&Version=2016-11-15&InstanceId.1="+iid1, nil)
	sign(r, nil, testKey, testSecret, testRegion, "ec2", testNow)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
	}
	if c := core.lastCall(); c == nil || c.Method != "Describe" || len(c.Query.IDs) != 1 || c.Query.IDs[0] != iid1 {
		t.Errorf("core call %+v", c)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestID(t *testing.T) {
	h := newTestHandler(t, &fakeCore{})
	body := formBody("Action", "DescribeRegions", "Version", APIVersion)

	// The middleware's id is reused in the body and the header.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedRequest(t, body))
	tree, err := parseTree(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.find("requestId").Text; got != testReqID {
		t.Errorf("requestId %q, want %q", got, testReqID)
	}
	if got := w.Header().Get("X-Amzn-Requestid"); got != testReqID {
		t.Errorf("x-amzn-requestid %q", got)
	}

	// Without one, each request gets a fresh random UUID.
	seen := map[string]bool{}
	for range 3 {
		r := signedRequest(t, body)
		r.Header.Del(RequestIDHeader)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		tree, err := parseTree(w.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		id := tree.find("requestId").Text
		if !uuidRE.MatchString(id) || seen[id] {
			t.Errorf("request id %q: not a fresh v4 UUID", id)
		}
		seen[id] = true
	}
}

// withPolicy returns a handler whose only key carries policy.
func withPolicy(t *testing.T, core instanceCore, policy string) *Handler {
	t.Helper()
	h := newTestHandler(t, core)
	p := &iam.Policy{Version: "2012-10-17"}
	for _, st := range strings.Split(policy, ";") {
		f := strings.Fields(st) // "Effect action resource"
		p.Statement = append(p.Statement, iam.Statement{Effect: f[0], Action: iam.StringOrList{f[1]}, Resource: iam.StringOrList{f[2]}})
	}
	h.auth = &fakeAuth{keys: map[string]iam.Principal{testKey: {AccountID: testAccount, AccessKeyID: testKey, Policy: p}}}
	return h
}

func TestAuthorization(t *testing.T) {
	arn1 := "arn:aws:ec2:us-east-1:" + testAccount + ":instance/" + iid1
	tests := []struct {
		name       string
		policy     string
		form       []string
		wantCode   string
		wantStatus int
		wantCore   bool
	}{
		{"describe allowed", "Allow ec2:Describe* *", []string{"Action", "DescribeInstances"}, "", 200, true},
		{"stop denied", "Allow ec2:Describe* *", []string{"Action", "StopInstances", "InstanceId.1", iid1}, "UnauthorizedOperation", 403, false},
		{"dry run denied", "Allow ec2:Describe* *", []string{"Action", "StopInstances", "InstanceId.1", iid1, "DryRun", "true"}, "UnauthorizedOperation", 403, false},
		{"dry run allowed", "Allow ec2:StopInstances *", []string{"Action", "StopInstances", "InstanceId.1", iid1, "DryRun", "true"}, "DryRunOperation", 412, true},
		{"describe dry run allowed", "Allow ec2:Describe* *", []string{"Action", "DescribeInstances", "DryRun", "true"}, "DryRunOperation", 412, false},
		{"describe dry run denied", "Allow ec2:StopInstances *", []string{"Action", "DescribeInstances", "DryRun", "true"}, "UnauthorizedOperation", 403, false},
		{"explicit deny wins", "Allow ec2:* *;Deny ec2:TerminateInstances *", []string{"Action", "TerminateInstances", "InstanceId.1", iid1}, "UnauthorizedOperation", 403, false},
		{"validation comes before authorization", "Allow ec2:Describe* *", []string{"Action", "StopInstances", "InstanceId.1", "bad"}, "InvalidInstanceID.Malformed", 400, false},
		{"resource-level allow", "Allow ec2:StopInstances " + arn1, []string{"Action", "StopInstances", "InstanceId.1", iid1}, "", 200, true},
		{"resource-level deny of one id denies the batch", "Allow ec2:StopInstances " + arn1, []string{"Action", "StopInstances", "InstanceId.1", iid1, "InstanceId.2", iid2}, "UnauthorizedOperation", 403, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := &fakeCore{}
			h := withPolicy(t, core, tt.policy)
			w := do(t, h, append(tt.form, "Version", APIVersion)...)
			if tt.wantCode == "" {
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
				}
			} else {
				e := parseError(t, w)
				if e.Code != tt.wantCode || w.Code != tt.wantStatus {
					t.Fatalf("got %d %s, want %d %s", w.Code, e.Code, tt.wantStatus, tt.wantCode)
				}
				if tt.wantCode == "UnauthorizedOperation" && e.Message != msgUnauthorized {
					t.Errorf("message %q", e.Message)
				}
			}
			if called := core.lastCall() != nil; called != tt.wantCore {
				t.Errorf("core called = %v, want %v", called, tt.wantCore)
			}
		})
	}
}

func TestAnyModeSkipsSignature(t *testing.T) {
	core := &fakeCore{}
	h := newTestHandler(t, core)
	h.auth = &fakeAuth{any: true}
	body := formBody("Action", "DescribeInstances", "Version", APIVersion)
	r := signedRequest(t, body)
	// Any key, any secret, any time.
	sign(r, []byte(body), "AKIDWHATEVER", "garbage", testRegion, "ec2", testNow.Add(-48*time.Hour))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
	}
	if c := core.lastCall(); c == nil || c.Account != testAccount {
		t.Errorf("core call %+v", c)
	}
	// A request with no authentication at all still fails.
	r = signedRequest(t, body)
	r.Header.Del("Authorization")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if e := parseError(t, w); e.Code != "MissingParameter" {
		t.Errorf("unsigned request in any mode: %d %s", w.Code, e.Code)
	}
}

func TestInternalErrorsAreLoggedNotSent(t *testing.T) {
	var logs bytes.Buffer
	core := &fakeCore{err: errdefs.Wrap(errors.New("sqlite: database disk image is malformed"), "store failed")}
	h := newTestHandler(t, core)
	h.log = slog.New(slog.NewTextHandler(&logs, nil))
	w := do(t, h, "Action", "DescribeInstances", "Version", APIVersion)
	e := parseError(t, w)
	if w.Code != 500 || e.Code != "InternalError" || e.Message != msgInternal {
		t.Errorf("got %d %s %q", w.Code, e.Code, e.Message)
	}
	if strings.Contains(w.Body.String(), "sqlite") {
		t.Errorf("the cause leaked to the client:\n%s", w.Body.String())
	}
	if !strings.Contains(logs.String(), "database disk image is malformed") || !strings.Contains(logs.String(), testReqID) {
		t.Errorf("the cause was not logged with the request id:\n%s", logs.String())
	}
}

func TestCoreErrorsAreMapped(t *testing.T) {
	tests := []struct {
		err        error
		wantCode   string
		wantStatus int
	}{
		{errdefs.New(errdefs.NotFound, errdefs.ResInstance, iid1, "The instance ID '"+iid1+"' does not exist"), "InvalidInstanceID.NotFound", 400},
		{errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, iid1, "The instance is not in a state from which it can be stopped."), "IncorrectInstanceState", 400},
		{errdefs.New(errdefs.PermissionDenied, errdefs.ResProtection, iid1, "The instance may not be stopped."), "OperationNotPermitted", 400},
		{errdefs.New(errdefs.Unsupported, errdefs.ResHibernation, iid1, "not configured"), "UnsupportedHibernationConfiguration", 400},
		{errdefs.New(errdefs.Unsupported, errdefs.ResNone, iid1, "instance store"), "UnsupportedOperation", 400},
		{errdefs.New(errdefs.Throttled, errdefs.ResNone, "", ""), "RequestLimitExceeded", 503},
	}
	for _, tt := range tests {
		t.Run(tt.wantCode, func(t *testing.T) {
			h := newTestHandler(t, &fakeCore{err: tt.err})
			w := do(t, h, "Action", "StopInstances", "InstanceId.1", iid1, "Version", APIVersion)
			e := parseError(t, w)
			if e.Code != tt.wantCode || w.Code != tt.wantStatus {
				t.Errorf("got %d %s, want %d %s", w.Code, e.Code, tt.wantStatus, tt.wantCode)
			}
			if want := errdefs.As(tt.err).Public; want != "" && tt.wantStatus < 500 && e.Message != want {
				t.Errorf("message %q, want the core's %q", e.Message, want)
			}
		})
	}
}

func TestOpTable(t *testing.T) {
	for _, o := range opTable {
		if o.iamAction != "ec2:"+o.name {
			t.Errorf("%s: iam action %q", o.name, o.iamAction)
		}
		if o.handle == nil {
			t.Errorf("%s: no handler", o.name)
		}
	}
}

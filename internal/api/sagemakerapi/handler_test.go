package sagemakerapi

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/iam"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// flowCase is a request that fails before or around the operation.
type flowCase struct {
	name       string
	req        func(t *testing.T) *http.Request
	wantStatus int
	wantCode   string
	wantMsg    string // "" = any
}

func TestRequestFlowErrors(t *testing.T) {
	describe := `{"NotebookInstanceName":"nb-1"}`
	resign := func(r *http.Request, body, key, secret, service string, at time.Time) *http.Request {
		r.Header.Del("Authorization")
		sign(r, []byte(body), key, secret, service, at)
		return r
	}
	tests := []flowCase{
		{"unknown operation", func(t *testing.T) *http.Request { return jsonRequest(t, "CreateTrainingJob", `{}`) },
			400, "UnknownOperationException", "The operation 'CreateTrainingJob' is not recognized by this service."},
		{"missing target", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", describe)
			r.Header.Del("X-Amz-Target")
			return r
		}, 400, "UnknownOperationException", "The request must name its operation in the X-Amz-Target header."},
		{"target of another service", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", describe)
			r.Header.Set("X-Amz-Target", "AmazonSageMakerRuntime.InvokeEndpoint")
			return r
		}, 400, "UnknownOperationException", ""},
		{"GET", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", describe)
			r.Method = http.MethodGet
			return r
		}, 404, "UnknownOperationException", ""},
		{"form body", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", "NotebookInstanceName=nb-1")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 404, "UnknownOperationException", ""},
		{"malformed JSON", func(t *testing.T) *http.Request {
			return jsonRequest(t, "DescribeNotebookInstance", `{"NotebookInstanceName":`)
		},
			400, "SerializationException", "The request body is not well-formed JSON."},
		{"JSON array", func(t *testing.T) *http.Request { return jsonRequest(t, "ListNotebookInstances", `[]`) },
			400, "SerializationException", "The request body must be a JSON object."},
		{"number for a name", func(t *testing.T) *http.Request {
			return jsonRequest(t, "DescribeNotebookInstance", `{"NotebookInstanceName":7}`)
		},
			400, "SerializationException", "NUMBER_VALUE can not be converted to String"},
		{"string for an integer", func(t *testing.T) *http.Request {
			return jsonRequest(t, "ListNotebookInstances", `{"MaxResults":"10"}`)
		},
			400, "SerializationException", "STRING_VALUE can not be converted to an Integer"},
		{"huge integer", func(t *testing.T) *http.Request {
			return jsonRequest(t, "CreatePresignedNotebookInstanceUrl", `{"NotebookInstanceName":"nb","SessionExpirationDurationInSeconds":99999999999}`)
		}, 400, "SerializationException", ""},
		{"string timestamp", func(t *testing.T) *http.Request {
			return jsonRequest(t, "ListNotebookInstances", `{"CreationTimeAfter":"2026-01-01"}`)
		}, 400, "SerializationException", "STRING_VALUE can not be converted to a Timestamp"},
		{"object for a list", func(t *testing.T) *http.Request { return jsonRequest(t, "AddTags", `{"ResourceArn":"x","Tags":{}}`) },
			400, "SerializationException", "Start of structure or map found where not expected."},
		{"body too large", func(t *testing.T) *http.Request {
			return jsonRequest(t, "ListNotebookInstances", `{"NextToken":"`+strings.Repeat("x", DefaultMaxBodyBytes)+`"}`)
		}, 413, "RequestEntityTooLargeException", ""},
		{"no authentication", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", describe)
			r.Header.Del("Authorization")
			return r
		}, 400, "MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{"unknown access key", func(t *testing.T) *http.Request {
			return resign(jsonRequest(t, "DescribeNotebookInstance", describe), describe, "AKIDUNKNOWN", testSecret, "sagemaker", testNow)
		}, 400, "UnrecognizedClientException", "The security token included in the request is invalid"},
		{"wrong secret", func(t *testing.T) *http.Request {
			return resign(jsonRequest(t, "DescribeNotebookInstance", describe), describe, testKey, "not-the-secret", "sagemaker", testNow)
		}, 400, "InvalidSignatureException", msgSignature},
		{"body changed after signing", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", describe)
			other := `{"NotebookInstanceName":"nb-2"}`
			r.Body = readCloser{strings.NewReader(other)}
			r.ContentLength = int64(len(other))
			return r
		}, 400, "InvalidSignatureException", ""},
		{"target changed after signing", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", describe)
			r.Header.Set("X-Amz-Target", "SageMaker.DeleteNotebookInstance")
			return r
		}, 400, "InvalidSignatureException", ""},
		{"signed for ec2", func(t *testing.T) *http.Request {
			return resign(jsonRequest(t, "DescribeNotebookInstance", describe), describe, testKey, testSecret, "ec2", testNow)
		}, 400, "InvalidSignatureException", "Credential should be scoped to correct service: 'sagemaker'."},
		{"expired signature", func(t *testing.T) *http.Request {
			return resign(jsonRequest(t, "DescribeNotebookInstance", describe), describe, testKey, testSecret, "sagemaker", testNow.Add(-time.Hour))
		}, 400, "InvalidSignatureException", ""},
		{"malformed authorization", func(t *testing.T) *http.Request {
			r := jsonRequest(t, "DescribeNotebookInstance", describe)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}, 400, "IncompleteSignatureException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := &fakeCore{notebook: goldenNotebook()}
			w := httptest.NewRecorder()
			newTestHandler(t, core).ServeHTTP(w, tt.req(t))
			e := parseError(t, w)
			if w.Code != tt.wantStatus || e.Type != tt.wantCode {
				t.Errorf("got %d %s (%q), want %d %s", w.Code, e.Type, e.Message, tt.wantStatus, tt.wantCode)
			}
			if tt.wantMsg != "" && e.Message != tt.wantMsg {
				t.Errorf("message %q, want %q", e.Message, tt.wantMsg)
			}
			if w.Header().Get("x-amzn-RequestId") != testReqID {
				t.Errorf("request id %q", w.Header().Get("x-amzn-RequestId"))
			}
			if c := core.lastCall(); c != nil {
				t.Errorf("the notebook service was called: %+v", *c)
			}
		})
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestServiceErrors(t *testing.T) {
	arn := notebook.NotebookARN(testRegion, testAccount, "nb-1")
	cfg := notebook.LifecycleConfigARN(testRegion, testAccount, "on-start")
	tests := []struct {
		name       string
		operation  string
		body       string
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"missing notebook", "DescribeNotebookInstance", `{"NotebookInstanceName":"nb-1"}`, notebook.NotFound("nb-1"),
			400, "ValidationException", "RecordNotFound"},
		{"duplicate notebook", "CreateNotebookInstance", `{"NotebookInstanceName":"nb-1","InstanceType":"ml.t3.medium","RoleArn":"` + testRole + `"}`,
			notebook.Duplicate(arn), 400, "ValidationException", "Cannot create a duplicate Notebook Instance (" + arn + ")"},
		{"delete while in service", "DeleteNotebookInstance", `{"NotebookInstanceName":"nb-1"}`,
			notebook.TransitionError(arn, notebook.InService, []notebook.Status{notebook.Stopped, notebook.Failed}, notebook.Deleting),
			400, "ValidationException", "Status (InService) not in ([Stopped, Failed]). Unable to transition to (Deleting) for Notebook Instance (" + arn + ")"},
		{"missing lifecycle config", "DeleteNotebookInstanceLifecycleConfig", `{"NotebookInstanceLifecycleConfigName":"on-start"}`,
			notebook.LifecycleConfigNotFound("delete", cfg), 400, "ValidationException",
			"Unable to delete Notebook Instance Lifecycle Config '" + cfg + "'. (Details: Notebook Instance Lifecycle Config does not exist.)"},
		{"duplicate lifecycle config", "CreateNotebookInstanceLifecycleConfig", `{"NotebookInstanceLifecycleConfigName":"on-start"}`,
			notebook.LifecycleConfigExists(cfg), 400, "ValidationException",
			"Unable to create Notebook Instance Lifecycle Config " + cfg + ". (Details: Notebook Instance Lifecycle Config already exists.)"},
		{"untagged resource", "ListTags", `{"ResourceArn":"arn:aws:sagemaker:us-east-1:123456789012:model/m"}`,
			notebook.TaggedResourceNotFound("arn:aws:sagemaker:us-east-1:123456789012:model/m"), 400, "ValidationException", "Resource does not exist"},
		{"limit", "StartNotebookInstance", `{"NotebookInstanceName":"nb-1"}`,
			errdefs.New(errdefs.LimitExceeded, errdefs.ResCapacity, "", "The account-level service limit 'ml.t3.medium for notebook instance usage' is 1 Instances."),
			400, "ResourceLimitExceeded", "The account-level service limit 'ml.t3.medium for notebook instance usage' is 1 Instances."},
		{"bad page token", "ListNotebookInstances", `{"NextToken":"zz"}`, errdefs.New(errdefs.InvalidArgument, errdefs.ResPageToken, "zz", ""),
			400, "ValidationException", "The pagination token is not valid."},
		{"throttled", "ListNotebookInstances", `{}`, errdefs.New(errdefs.Throttled, errdefs.ResNone, "", "slow down"),
			400, "ThrottlingException", "Rate exceeded"},
		{"internal error hides its cause", "StopNotebookInstance", `{"NotebookInstanceName":"nb-1"}`,
			errdefs.Wrap(errors.New("disk on fire at /var/lib/strato"), "boom"), 500, "InternalFailure", msgInternal},
		{"foreign error", "StopNotebookInstance", `{"NotebookInstanceName":"nb-1"}`, errors.New("sql: database is locked"),
			500, "InternalFailure", msgInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, newTestHandler(t, &fakeCore{err: tt.err}), tt.operation, tt.body)
			e := parseError(t, w)
			if d := cmp.Diff([]any{w.Code, e.Type, e.Message}, []any{tt.wantStatus, tt.wantCode, tt.wantMsg}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

func TestPanicIsInternalFailure(t *testing.T) {
	var logs bytes.Buffer
	core := &fakeCore{panicMsg: "nil map in the service"}
	h := newTestHandler(t, core)
	h.log = slog.New(slog.NewTextHandler(&logs, nil))
	w := do(t, h, "StopNotebookInstance", `{"NotebookInstanceName":"nb-1"}`)
	e := parseError(t, w)
	if w.Code != 500 || e.Type != "InternalFailure" || strings.Contains(e.Message, "nil map") {
		t.Errorf("got %d %s %q", w.Code, e.Type, e.Message)
	}
	if !strings.Contains(logs.String(), "nil map in the service") {
		t.Errorf("the panic is not logged:\n%s", logs.String())
	}
}

func TestNoServiceConfigured(t *testing.T) {
	h := newTestHandler(t, nil)
	h.core = nil
	w := do(t, h, "ListNotebookInstances", `{}`)
	if e := parseError(t, w); w.Code != 500 || e.Type != "InternalFailure" {
		t.Errorf("got %d %s", w.Code, e.Type)
	}
	h = New(Config{Notebooks: &fakeCore{}})
	if w := do(t, h, "ListNotebookInstances", `{}`); w.Code != 500 {
		t.Errorf("no IAM service: got %d", w.Code)
	}
}

// withPolicy returns a handler whose only key carries policy.
func withPolicy(t *testing.T, core Core, statements ...iam.Statement) *Handler {
	t.Helper()
	h := newTestHandler(t, core)
	p := &iam.Policy{Version: "2012-10-17", Statement: statements}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	h.auth = &fakeAuth{keys: map[string]iam.Principal{testKey: {AccountID: testAccount, AccessKeyID: testKey, Policy: p}}}
	return h
}

func TestAuthorization(t *testing.T) {
	allow := iam.Statement{Effect: iam.EffectAllow, Action: iam.StringOrList{"sagemaker:Describe*", "sagemaker:StopNotebookInstance", "sagemaker:ListTags"},
		Resource: iam.StringOrList{"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/team-*"}}
	tests := []struct {
		name      string
		operation string
		body      string
		wantCode  string // "" = allowed
		resource  string
	}{
		{"describe an allowed notebook", "DescribeNotebookInstance", `{"NotebookInstanceName":"team-a"}`, "", ""},
		{"names are lower-cased in ARNs", "StopNotebookInstance", `{"NotebookInstanceName":"Team-B"}`, "", ""},
		{"another notebook", "DescribeNotebookInstance", `{"NotebookInstanceName":"other"}`, "AccessDeniedException",
			"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/other"},
		{"an action not allowed", "DeleteNotebookInstance", `{"NotebookInstanceName":"team-a"}`, "AccessDeniedException",
			"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/team-a"},
		{"list needs *", "ListNotebookInstances", `{}`, "AccessDeniedException", "*"},
		{"lifecycle configs have their own ARNs", "DescribeNotebookInstanceLifecycleConfig", `{"NotebookInstanceLifecycleConfigName":"team-a"}`,
			"AccessDeniedException", "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/team-a"},
		{"tags by ARN", "ListTags", `{"ResourceArn":"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/team-a"}`, "", ""},
		{"tags of another ARN", "ListTags", `{"ResourceArn":"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/x"}`,
			"AccessDeniedException", "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/x"},
		{"validation comes before authorization", "DeleteNotebookInstance", `{"NotebookInstanceName":"a_b"}`, "ValidationException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := &fakeCore{notebook: goldenNotebook(), config: goldenConfig()}
			w := do(t, withPolicy(t, core, allow), tt.operation, tt.body)
			if tt.wantCode == "" {
				if w.Code != 200 {
					t.Fatalf("status %d: %s", w.Code, w.Body.String())
				}
				return
			}
			e := parseError(t, w)
			if w.Code != 400 || e.Type != tt.wantCode {
				t.Fatalf("got %d %s %q, want 400 %s", w.Code, e.Type, e.Message, tt.wantCode)
			}
			if tt.resource != "" {
				action := "sagemaker:" + tt.operation
				want := "User: " + testKey + " is not authorized to perform: " + action + " on resource: " + tt.resource +
					" because no identity-based policy allows the " + action + " action"
				if e.Message != want {
					t.Errorf("message %q\nwant    %q", e.Message, want)
				}
			}
			if c := core.lastCall(); c != nil {
				t.Errorf("the notebook service was called: %+v", *c)
			}
		})
	}
}

func TestAnyAuthMode(t *testing.T) {
	core := &fakeCore{notebook: goldenNotebook()}
	h := New(Config{Notebooks: core, Clock: clock.NewFake(testNow.Add(48 * time.Hour)), Region: testRegion})
	h.auth = &fakeAuth{any: true}
	r := jsonRequest(t, "DescribeNotebookInstance", `{"NotebookInstanceName":"nb-1"}`)
	r.Header.Del("Authorization")
	sign(r, []byte(`{"NotebookInstanceName":"nb-1"}`), "ANYKEY", "any-secret", "sagemaker", testNow)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if c := core.lastCall(); c == nil || c.Account != testAccount {
		t.Errorf("call %+v", c)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		target string
		want   bool
	}{
		{"SageMaker.StopNotebookInstance", true},
		{"SageMaker.Anything", true},
		{"SageMaker.", true},
		{"", false},
		{"SageMakerRuntime.InvokeEndpoint", false},
		{"sagemaker.StopNotebookInstance", false},
		{"DynamoDB_20120810.ListTables", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if tt.target != "" {
			r.Header.Set("X-Amz-Target", tt.target)
		}
		if got := Match(r); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.target, got, tt.want)
		}
	}
}

func TestRequestIDWithoutMiddleware(t *testing.T) {
	r := jsonRequest(t, "ListNotebookInstances", `{}`)
	r.Header.Del(RequestIDHeader)
	w := httptest.NewRecorder()
	newTestHandler(t, &fakeCore{}).ServeHTTP(w, r)
	id := w.Header().Get("x-amzn-RequestId")
	if w.Code != 200 || len(id) != 36 || id[14] != '4' {
		t.Errorf("status %d, request id %q", w.Code, id)
	}
}

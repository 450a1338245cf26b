package awsjson

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

func newRequest(method, target, contentType, body string) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:8773/", strings.NewReader(body))
	if target != "" {
		r.Header.Set(TargetHeader, target)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func TestReadRequest(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		max         int64
		wantOp      string
		wantDoc     string
		wantRes     errdefs.Resource // "" = success
	}{
		{name: "typical", method: "POST", target: "SageMaker.StopNotebookInstance", contentType: ContentType,
			body: `{"NotebookInstanceName": "x"}`, wantOp: "StopNotebookInstance", wantDoc: `{"NotebookInstanceName": "x"}`},
		{name: "empty body is an empty object", method: "POST", target: "SageMaker.ListNotebookInstances", contentType: ContentType,
			wantOp: "ListNotebookInstances", wantDoc: "{}"},
		{name: "whitespace body is an empty object", method: "POST", target: "SageMaker.ListTags", body: " \n\t",
			wantOp: "ListTags", wantDoc: "{}"},
		{name: "content type with charset", method: "POST", target: "SageMaker.ListTags", contentType: "application/x-amz-json-1.1; charset=utf-8",
			body: `{}`, wantOp: "ListTags", wantDoc: "{}"},
		{name: "plain application/json", method: "POST", target: "SageMaker.ListTags", contentType: "application/json",
			body: `{}`, wantOp: "ListTags", wantDoc: "{}"},
		{name: "no content type", method: "POST", target: "SageMaker.ListTags", body: `{}`, wantOp: "ListTags", wantDoc: "{}"},
		{name: "null document", method: "POST", target: "SageMaker.ListTags", body: `null`, wantOp: "ListTags", wantDoc: "null"},
		{name: "GET", method: "GET", target: "SageMaker.ListTags", wantOp: "ListTags", wantRes: ResMethod},
		{name: "missing target", method: "POST", body: `{}`, wantRes: ResTarget},
		{name: "other service", method: "POST", target: "DynamoDB_20120810.ListTables", body: `{}`, wantRes: ResTarget},
		{name: "prefix only", method: "POST", target: "SageMaker.", body: `{}`, wantRes: ResTarget},
		{name: "prefix without dot", method: "POST", target: "SageMakerListTags", body: `{}`, wantRes: ResTarget},
		{name: "operation with a dot", method: "POST", target: "SageMaker.List.Tags", body: `{}`, wantRes: ResTarget},
		{name: "operation starting with a digit", method: "POST", target: "SageMaker.1List", body: `{}`, wantRes: ResTarget},
		{name: "form body", method: "POST", target: "SageMaker.ListTags", contentType: "application/x-www-form-urlencoded",
			body: `Action=ListTags`, wantOp: "ListTags", wantRes: ResContentType},
		{name: "bad media type", method: "POST", target: "SageMaker.ListTags", contentType: ";;;", body: `{}`,
			wantOp: "ListTags", wantRes: ResContentType},
		{name: "malformed JSON", method: "POST", target: "SageMaker.ListTags", body: `{"a":`, wantOp: "ListTags", wantRes: ResSerialization},
		{name: "array", method: "POST", target: "SageMaker.ListTags", body: `[]`, wantOp: "ListTags", wantRes: ResSerialization},
		{name: "string", method: "POST", target: "SageMaker.ListTags", body: `"x"`, wantOp: "ListTags", wantRes: ResSerialization},
		{name: "two documents", method: "POST", target: "SageMaker.ListTags", body: `{}{}`, wantOp: "ListTags", wantRes: ResSerialization},
		{name: "at the limit", method: "POST", target: "SageMaker.ListTags", body: `{"a":"xxxxxxxxxx"}`, max: 18,
			wantOp: "ListTags", wantDoc: `{"a":"xxxxxxxxxx"}`},
		{name: "over the limit", method: "POST", target: "SageMaker.ListTags", body: `{"a":"xxxxxxxxxxx"}`, max: 18,
			wantOp: "ListTags", wantRes: ResBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ReadRequest(newRequest(tt.method, tt.target, tt.contentType, tt.body), "SageMaker", tt.max)
			if req == nil {
				t.Fatal("ReadRequest returned a nil request")
			}
			if req.Operation != tt.wantOp {
				t.Errorf("operation %q, want %q", req.Operation, tt.wantOp)
			}
			if tt.wantRes != "" {
				var e *errdefs.Error
				if !errors.As(err, &e) || e.Kind != errdefs.InvalidArgument || e.Resource != tt.wantRes || e.Public == "" {
					t.Fatalf("error %#v, want InvalidArgument %q with a public message", err, tt.wantRes)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if d := cmp.Diff(string(req.Document()), tt.wantDoc); d != "" {
				t.Errorf("document (-got +want):\n%s", d)
			}
			if string(req.Body) != tt.body {
				t.Errorf("body %q, want the raw body %q", req.Body, tt.body)
			}
		})
	}
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReadRequestBodyError(t *testing.T) {
	r := newRequest("POST", "SageMaker.ListTags", ContentType, "")
	r.Body = io.NopCloser(errReader{})
	_, err := ReadRequest(r, "SageMaker", 0)
	var e *errdefs.Error
	if !errors.As(err, &e) || e.Resource != ResSerialization || strings.Contains(e.Public, "reset") {
		t.Fatalf("error %#v: want a serialization error that hides the cause", err)
	}
}

func TestReadRequestDefaultLimit(t *testing.T) {
	body := `{"a":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	_, err := ReadRequest(newRequest("POST", "SageMaker.ListTags", ContentType, body), "SageMaker", 0)
	if !errors.Is(err, &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: ResBodyTooLarge}) {
		t.Fatalf("error %v, want body too large", err)
	}
}

package awsjson

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type output struct {
	Arn     string     `json:"NotebookInstanceArn,omitempty"`
	Created *Timestamp `json:"CreationTime,omitempty"`
	Data    []byte     `json:"Data,omitempty"`
	Note    string     `json:"Note,omitempty"`
}

func TestWriteResponse(t *testing.T) {
	when := time.Date(2026, 11, 22, 20, 30, 0, 250_000_000, time.UTC)
	tests := []struct {
		name     string
		v        any
		wantBody string
	}{
		{"nil is an empty body", nil, ""},
		{"nil pointer is an empty body", (*output)(nil), ""},
		{"empty structure", struct{}{}, "{}"},
		{"members", output{Arn: "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb", Created: Time(when),
			Data: []byte("hi"), Note: "<a & b>"},
			`{"NotebookInstanceArn":"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb","CreationTime":1795379400.25,"Data":"aGk=","Note":"<a & b>"}`},
		{"zero time is left out", output{Created: Time(time.Time{})}, "{}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := WriteResponse(w, "req-1", tt.v); err != nil {
				t.Fatal(err)
			}
			got := []any{w.Code, w.Header().Get("Content-Type"), w.Header().Get("x-amzn-RequestId"), w.Body.String(),
				w.Header().Get("Content-Length"), w.Header().Get(ErrorTypeHeader)}
			want := []any{200, ContentType, "req-1", tt.wantBody, itoa(len(tt.wantBody)), ""}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("response (-got +want):\n%s", d)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// unencodable fails json.Marshal.
type unencodable struct {
	F func() `json:"F"`
}

func TestWriteResponseEncodeFailure(t *testing.T) {
	w := httptest.NewRecorder()
	if err := WriteResponse(w, "req-2", unencodable{F: func() {}}); err == nil {
		t.Fatal("no error for an unencodable value")
	}
	if w.Code != 500 || w.Header().Get(ErrorTypeHeader) != "InternalFailure" {
		t.Fatalf("got %d %q, want 500 InternalFailure", w.Code, w.Header().Get(ErrorTypeHeader))
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		code, msg  string
		wantStatus int
		wantBody   string
		wantType   string
	}{
		{"validation", 400, "ValidationException", "RecordNotFound", 400,
			`{"__type":"ValidationException","message":"RecordNotFound"}`, "ValidationException"},
		{"escaping", 400, "ValidationException", `Value 'a"b<c>\' at 'x'`, 400,
			`{"__type":"ValidationException","message":"Value 'a\"b<c>\\' at 'x'"}`, "ValidationException"},
		{"internal", 500, "InternalFailure", "boom", 500, `{"__type":"InternalFailure","message":"boom"}`, "InternalFailure"},
		{"empty code", 400, "", "x", 400, `{"__type":"InternalFailure","message":"x"}`, "InternalFailure"},
		{"status out of range", 200, "X", "y", 500, `{"__type":"X","message":"y"}`, "X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, tt.status, tt.code, tt.msg, "req-3")
			got := []any{w.Code, w.Body.String(), w.Header().Get("X-Amzn-ErrorType"), w.Header().Get("x-amzn-RequestId"),
				w.Header().Get("Content-Type")}
			want := []any{tt.wantStatus, tt.wantBody, tt.wantType, "req-3", ContentType}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("error response (-got +want):\n%s", d)
			}
		})
	}
}

func TestAppendEpochSeconds(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Unix(0, 0), "0"},
		{time.Unix(1700000000, 0), "1700000000"},
		{time.Unix(1700000000, 500_000_000), "1700000000.5"},
		{time.Unix(1700000000, 120_000_000), "1700000000.12"},
		{time.Unix(1700000000, 123_456_789), "1700000000.123"},
		{time.Unix(1700000000, 999_999), "1700000000"},
		{time.Unix(-2, 500_000_000), "-1.5"},
		{time.Unix(-1, 0), "-1"},
	}
	for _, tt := range tests {
		if got := string(AppendEpochSeconds(nil, tt.t)); got != tt.want {
			t.Errorf("AppendEpochSeconds(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	in := Timestamp(time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC))
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Timestamp
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !time.Time(out).Equal(time.Time(in)) {
		t.Errorf("round trip %s: %v != %v", b, time.Time(out), time.Time(in))
	}
	if err := json.Unmarshal([]byte(`"x"`), &out); err == nil {
		t.Error("a string unmarshalled as a timestamp")
	}
}

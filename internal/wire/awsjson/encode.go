package awsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"
)

// Response headers. Go canonicalizes header names; clients match them
// case-insensitively (AWS spells them x-amzn-RequestId and x-amzn-ErrorType).
const (
	RequestIDHeader = "X-Amzn-Requestid"
	ErrorTypeHeader = "X-Amzn-Errortype"
)

// Fallbacks for an answer that cannot be encoded.
const (
	codeInternal = "InternalFailure"
	msgInternal  = "The request processing has failed because of an unknown error, exception or failure."
)

// WriteResponse answers 200 with v encoded as JSON (encoding/json tags; use
// Timestamp for times and []byte for blobs). A nil v, or a nil pointer,
// answers an empty body, which is what the service sends for an operation
// without output. The body is encoded before anything is written; if that
// fails, WriteResponse answers 500 InternalFailure instead and returns the
// cause, for the caller to log.
func WriteResponse(w http.ResponseWriter, requestID string, v any) error {
	var body []byte
	if v != nil && !isNilPointer(v) {
		b, err := marshal(v)
		if err != nil {
			WriteError(w, http.StatusInternalServerError, codeInternal, msgInternal, requestID)
			return fmt.Errorf("awsjson: encode response: %w", err)
		}
		body = b
	}
	write(w, http.StatusOK, requestID, body)
	return nil
}

// errorBody is the document of an error answer. botocore reads __type and
// message (or Message); aws-sdk-go-v2 reads X-Amzn-ErrorType, then __type or
// code, and message in any case.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// WriteError answers status with the error document
// {"__type": code, "message": message} and the code in X-Amzn-ErrorType.
func WriteError(w http.ResponseWriter, status int, code, message, requestID string) {
	if code == "" {
		code = codeInternal
	}
	if status < 300 || status > 599 {
		status = http.StatusInternalServerError
	}
	body, err := marshal(errorBody{Type: code, Message: message})
	if err != nil { // only strings: cannot happen
		body = []byte(`{"__type":"` + codeInternal + `","message":"` + msgInternal + `"}`)
	}
	w.Header().Set(ErrorTypeHeader, code)
	write(w, status, requestID, body)
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set(RequestIDHeader, requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshal encodes v compactly without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// Timestamp is a time that travels as JSON 1.1 timestamps do: a JSON number
// of seconds since the Unix epoch, with the milliseconds as a fraction when
// there are any (1700000000, 1700000000.25).
type Timestamp time.Time

// Time returns t as a *Timestamp for an optional response member: nil (the
// member is left out) for the zero time.
func Time(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := Timestamp(t)
	return &ts
}

// MarshalJSON encodes epoch seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return AppendEpochSeconds(nil, time.Time(t)), nil
}

// UnmarshalJSON decodes epoch seconds.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	tm, err := ParseEpochSeconds(string(b))
	if err != nil {
		return err
	}
	*t = Timestamp(tm)
	return nil
}

// AppendEpochSeconds appends t as epoch seconds with millisecond precision,
// trailing zeros of the fraction (and a bare point) left out.
func AppendEpochSeconds(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	if frac == 0 {
		return b
	}
	digits := []byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	digits = bytes.TrimRight(digits, "0")
	b = append(b, '.')
	return append(b, digits...)
}

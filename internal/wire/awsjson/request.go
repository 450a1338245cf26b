// Package awsjson is the server side of the AWS JSON 1.1 protocol, the one
// Amazon SageMaker speaks: every call is a POST to "/" whose X-Amz-Target
// header names the operation ("SageMaker.StopNotebookInstance") and whose
// body is a JSON document of the operation's input shape; the answer is a
// JSON document (or an empty body) with an x-amzn-RequestId header, and an
// error is {"__type": code, "message": text} with the code repeated in
// X-Amzn-ErrorType.
//
// The package knows the protocol only. It reads and checks a request
// (ReadRequest), maps its document onto Go structs with the protocol's
// types (Decode: timestamps as epoch seconds, blobs as base64, member names
// matched exactly), and writes answers (WriteResponse, WriteError). Which
// operations exist, how inputs are validated and which error codes a service
// uses belong to the frontend. Failures are *errdefs.Error values whose
// Resource says which protocol rule was broken (the Res* constants), for the
// frontend's error table.
package awsjson

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"strato/internal/errdefs"
)

// ContentType is the media type of JSON 1.1 requests and responses.
const ContentType = "application/x-amz-json-1.1"

// TargetHeader names the operation: "<TargetPrefix>.<Operation>".
const TargetHeader = "X-Amz-Target"

// DefaultMaxBodyBytes bounds a request body when ReadRequest is given 0.
const DefaultMaxBodyBytes = 1 << 20

// Resources of the protocol errors, refining errdefs' kinds for a frontend's
// error table. All are errdefs.InvalidArgument.
const (
	// ResMethod: the request is not a POST.
	ResMethod errdefs.Resource = "json-method"
	// ResTarget: X-Amz-Target is missing, malformed or for another service.
	ResTarget errdefs.Resource = "json-target"
	// ResContentType: the body is not declared as JSON.
	ResContentType errdefs.Resource = "json-content-type"
	// ResBodyTooLarge: the body exceeds the frontend's limit.
	ResBodyTooLarge errdefs.Resource = "json-body-too-large"
	// ResSerialization: the body is not a JSON object, or a member has the
	// wrong JSON type for its shape.
	ResSerialization errdefs.Resource = "json-serialization"
)

// acceptedContentTypes are the media types the AWS SDKs send JSON bodies
// with. Parameters (charset) are ignored.
var acceptedContentTypes = map[string]bool{
	ContentType:                  true,
	"application/x-amz-json-1.0": true,
	"application/json":           true,
}

// Request is one JSON 1.1 call.
type Request struct {
	// Operation is the part of X-Amz-Target after the prefix and the dot.
	Operation string
	// Body is the body exactly as received, for signature verification.
	Body []byte
}

// ReadRequest reads and checks r, whose X-Amz-Target must start with
// targetPrefix and a dot. It reads at most maxBody bytes of body (0 means
// DefaultMaxBodyBytes) and requires the body to be empty or a JSON object.
// On failure it returns the error and a Request whose Operation is set when
// the target could be read, for logs.
func ReadRequest(r *http.Request, targetPrefix string, maxBody int64) (*Request, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	req := &Request{}
	op, err := parseTarget(r.Header.Get(TargetHeader), targetPrefix)
	req.Operation = op
	if r.Method != http.MethodPost {
		return req, errdefs.Newf(errdefs.InvalidArgument, ResMethod, r.Method,
			"The HTTP method %s is not supported; JSON operations are POST requests.", errdefs.Clip(r.Method, 32))
	}
	if err != nil {
		return req, err
	}
	var body []byte
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return req, &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: ResSerialization,
				Public: "The request body could not be read.", Err: err}
		}
	}
	if int64(len(body)) > maxBody {
		return req, errdefs.Newf(errdefs.InvalidArgument, ResBodyTooLarge, "",
			"The request body is larger than the %d bytes this endpoint accepts.", maxBody)
	}
	req.Body = body
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, perr := mime.ParseMediaType(ct)
		if perr != nil || !acceptedContentTypes[strings.ToLower(mt)] {
			return req, errdefs.Newf(errdefs.InvalidArgument, ResContentType, "",
				"The content type '%s' is not supported; send %s.", errdefs.Clip(ct, 64), ContentType)
		}
	}
	if err := checkDocument(body); err != nil {
		return req, err
	}
	return req, nil
}

// Document returns the request's JSON document: the body, or "{}" when the
// body is empty (the AWS SDKs send "{}" for an input without members).
func (r *Request) Document() []byte {
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return []byte("{}")
	}
	return r.Body
}

// Decode maps the request's document onto v, a pointer to a struct; see the
// package-level Decode.
func (r *Request) Decode(v any) error { return Decode(r.Document(), v) }

// parseTarget returns the operation of "<prefix>.<Operation>".
func parseTarget(target, prefix string) (string, error) {
	if target == "" {
		return "", errdefs.New(errdefs.InvalidArgument, ResTarget, "",
			"The request must name its operation in the "+TargetHeader+" header.")
	}
	op, ok := strings.CutPrefix(target, prefix+".")
	if !ok || !validOperation(op) {
		return "", errdefs.Newf(errdefs.InvalidArgument, ResTarget, errdefs.Clip(target, 128),
			"The operation '%s' is not recognized by this service.", errdefs.Clip(target, 128))
	}
	return op, nil
}

// validOperation accepts a letters-and-digits name that starts with a letter
// (operation names are PascalCase identifiers).
func validOperation(op string) bool {
	if op == "" || len(op) > 128 {
		return false
	}
	for i := 0; i < len(op); i++ {
		c := op[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// checkDocument requires a single well-formed JSON object (or null).
func checkDocument(body []byte) error {
	trimmed := bytes.TrimSpace(body)
	if !json.Valid(trimmed) {
		return serializationError("The request body is not well-formed JSON.", nil)
	}
	if trimmed[0] != '{' && !bytes.Equal(trimmed, []byte("null")) {
		return serializationError("The request body must be a JSON object.", nil)
	}
	return nil
}

// serializationError is the protocol's answer to a body that does not fit
// its shape.
func serializationError(msg string, cause error) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: ResSerialization, Public: msg, Err: cause}
}

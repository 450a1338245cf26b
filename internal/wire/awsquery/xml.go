package awsquery

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

// EC2Namespace is the XML namespace of EC2 API version 2016-11-15.
const EC2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// ContentType is what EC2 sends with every response, success or error.
const ContentType = "text/xml;charset=UTF-8"

// WriteResponse writes a successful EC2 response:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>…</requestId>…</StopInstancesResponse>
//
// The fields of v, a struct (or pointer to one) with encoding/xml tags, are
// the children after requestId, e.g.
//
//	struct {
//	    Instances []InstanceChange `xml:"instancesSet>item"`
//	}
//
// v may be nil for an empty response. The whole body is encoded before
// anything is written; if that fails, WriteResponse answers 500
// InternalError instead and returns the cause, for the caller to log.
func WriteResponse(w http.ResponseWriter, action, requestID string, v any) error {
	if !validAction(action) {
		WriteError(w, http.StatusInternalServerError, "InternalError", "An internal error has occurred", requestID)
		return fmt.Errorf("awsquery: invalid action name %q", action)
	}
	bp := getBuf()
	defer putBuf(bp)
	b := append((*bp)[:0], xml.Header...)
	b = append(b, '<')
	b = append(b, action...)
	b = append(b, `Response xmlns="`...)
	b = append(b, EC2Namespace...)
	b = append(b, `"><requestId>`...)
	b = appendEscaped(b, requestID)
	b = append(b, `</requestId>`...)
	b, err := appendBody(b, v)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, "InternalError", "An internal error has occurred", requestID)
		return fmt.Errorf("awsquery: encode %s response: %w", action, err)
	}
	b = append(b, "</"...)
	b = append(b, action...)
	b = append(b, "Response>"...)
	*bp = b
	return write(w, http.StatusOK, b)
}

// Response buffers are reused: a DescribeInstances answer can run to
// megabytes, and growing a fresh buffer each time costs more than encoding.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBuf keeps unusually large buffers from staying in the pool.
const maxPooledBuf = 8 << 20

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// WriteError writes an error in EC2's shape, which botocore's
// EC2QueryParser and aws-sdk-go-v2's ec2query deserializer read:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>
//
// Note RequestID, not requestId as in successful responses.
func WriteError(w http.ResponseWriter, status int, code, message, requestID string) {
	b := make([]byte, 0, 256+len(message))
	b = append(b, xml.Header...)
	b = append(b, "<Response><Errors><Error><Code>"...)
	b = appendEscaped(b, code)
	b = append(b, "</Code><Message>"...)
	b = appendEscaped(b, message)
	b = append(b, "</Message></Error></Errors><RequestID>"...)
	b = appendEscaped(b, requestID)
	b = append(b, "</RequestID></Response>"...)
	_ = write(w, status, b)
}

func write(w http.ResponseWriter, status int, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

func validAction(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

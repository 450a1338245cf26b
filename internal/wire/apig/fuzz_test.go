package apig

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"strato/internal/errdefs"
)

// FuzzVerify: Verify never panics, and refuses with an Unauthenticated
// *errdefs.Error that carries API Gateway's message prefix.
func FuzzVerify(f *testing.F) {
	good, goodBody := signed("POST", stopPath+"?duration=3600000", createBody, testNow, nil)
	f.Add("POST", good.URL.RequestURI(), good.Header.Get("Authorization"), good.Header.Get(HeaderDate), "", "", goodBody)
	f.Add("GET", "/a%20b/../c//?x&y=%zz&=", Algorithm+" Access=a, SignedHeaders=host;x-sdk-date, Signature=00", "20261122T100000Z", "", "host", []byte(nil))
	f.Add("PUT", "/", Algorithm+" ,,,=,Access=,Signature==,SignedHeaders=;", "99999999T999999Z", UnsignedPayload, "", []byte{0})
	f.Add("DELETE", "*", "SDK-HMAC-SM3 Access=a", "", "abc", "x-sdk-date", []byte("x"))
	f.Add("POST", "/%", Algorithm+" Access=\x00, SignedHeaders=X-SDK-DATE, Signature=\xff", "20261122T100000Z", "", "", []byte("{}"))
	f.Fuzz(func(t *testing.T, method, target, auth, date, contentSHA, extra string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			u = &url.URL{Path: target}
		}
		r := &http.Request{Method: method, URL: u, Host: "127.0.0.1:8773", Header: http.Header{}}
		for name, v := range map[string]string{"Authorization": auth, HeaderDate: date, HeaderContentSHA256: contentSHA} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		if extra != "" {
			r.Header[extra] = []string{extra}
		}
		opts := testOptions()
		_, err = Verify(r, body, opts)
		if err == nil {
			return
		}
		var e *errdefs.Error
		if !errors.As(err, &e) || e.Kind != errdefs.Unauthenticated || len(e.Public) < len(msgPrefix) || e.Public[:len(msgPrefix)] != msgPrefix {
			t.Fatalf("Verify = %#v, want Unauthenticated with API Gateway's message", err)
		}
		if code, status := Code(err); code != "APIG.0301" || status != http.StatusUnauthorized {
			t.Fatalf("Code = %s, %d", code, status)
		}
		_, _ = AccessKey(r)
	})
}

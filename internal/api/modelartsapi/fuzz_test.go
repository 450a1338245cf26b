package modelartsapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"strato/internal/core/notebook"
	"strato/internal/wire/apig"
)

// FuzzHandler sends signed requests with arbitrary methods, paths, queries
// and bodies and requires a well-formed JSON answer that is never a server
// error: bad input is always the client's fault.
func FuzzHandler(f *testing.F) {
	for _, s := range [][3]string{
		{"POST", "/v1/{p}/demanager/instances", deBody(nil)},
		{"POST", "/v1/{p}/notebooks", nbBody(nil)},
		{"GET", "/v1/{p}/demanager/instances?de_type=Notebook&offset=99999999999999999999&limit=-1", ""},
		{"GET", "/v1/{p}/notebooks?limit=1000&offset=9223372036854775807&sort_key=name", ""},
		{"POST", "/v1/{p}/demanager/instances/DE-1/action", `{"action":"stop"}`},
		{"POST", "/v1/{p}/notebooks/nb-1/start?duration=-9223372036854775808", ""},
		{"DELETE", "/v1/{p}/notebooks/nb-1", ""},
		{"POST", "/v1/{p}/notebooks", `{"name":"\ud800","volume":{"capacity":1e99},"lease":null,"duration":"x"}`},
		{"POST", "/v1/{p}/demanager/instances", `{"spec":{"storage":{"location":[]}},"workspace":7}`},
		{"PUT", "/v1/{p}/notebooks/%2F/x", `null`},
		{"GET", "/v1/other/notebooks", ""},
		{"GET", "/v1/{p}/demanager/instances/", "{"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, target, body string) {
		r := newRig(t)
		r.put(notebook.KindDevEnviron, "DE-1", "de", notebook.InService, nil)
		r.put(notebook.KindModelArts, "nb-1", "nb", notebook.Failed, nil)
		target = strings.ReplaceAll(target, "{p}", r.project)
		u, err := url.ParseRequestURI(target)
		if err != nil || !validMethod(method) {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/", strings.NewReader(body))
		req.Method, req.URL, req.RequestURI = method, u, target
		req.Header.Set(ProjectIDHeader, r.project)
		apig.Sign(req, []byte(body), r.key.AccessKeyID, r.key.SecretAccessKey, testNow)
		w := r.send(req)
		if w.Code >= 500 {
			t.Fatalf("status %d for %s %q %q:\n%s", w.Code, method, target, body, w.Body.String())
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("malformed JSON (%d) for %s %q %q: %s", w.Code, method, target, body, w.Body.String())
		}
		if w.Code >= 400 {
			var e errorDoc
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" || e.text() == "" {
				t.Fatalf("bad error document (%d) for %s %q %q: %s", w.Code, method, target, body, w.Body.String())
			}
		}
	})
}

// validMethod reports whether m is an HTTP token, as a server would have
// parsed it.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, c) {
			return false
		}
	}
	return true
}

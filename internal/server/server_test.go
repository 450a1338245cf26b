package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func newTestServer(t *testing.T, fronts ...Frontend) (*Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	fallback := Frontend{Name: "fallback", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "fallback", http.StatusBadRequest)
	})}
	s, err := New(Config{Frontends: fronts, Fallback: fallback, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func TestRoutingAndRequestID(t *testing.T) {
	var seenID string
	ec2 := Frontend{Name: "ec2", Match: func(r *http.Request) bool { return r.Header.Get("X-Test") == "ec2" },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seenID = r.Header.Get(RequestIDHeader)
			_, _ = io.WriteString(w, "ec2")
		})}
	s, _ := newTestServer(t, ec2)

	// A client cannot choose the request id: the middleware replaces it.
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("X-Test", "ec2")
	r.Header.Set(RequestIDHeader, "client-chosen")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Body.String() != "ec2" {
		t.Fatalf("routed to %q, want ec2", w.Body.String())
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(seenID) {
		t.Errorf("request id %q is not a v4 UUID chosen by the server", seenID)
	}

	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "fallback") {
		t.Errorf("unclaimed request: %d %q, want the fallback", w.Code, w.Body.String())
	}
}

func TestPanicIsRecoveredWithoutStack(t *testing.T) {
	boom := Frontend{Name: "boom", Match: func(*http.Request) bool { return true },
		Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") })}
	s, reg := newTestServer(t, boom)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	if strings.Contains(w.Body.String(), "secret detail") || strings.Contains(w.Body.String(), "goroutine") {
		t.Errorf("panic details leaked to the client: %q", w.Body.String())
	}
	// The failure is counted.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() != "strato_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["frontend"] == "boom" && labels["code"] == "500" && m.GetCounter().GetValue() == 1 {
				found = true
			}
		}
	}
	if !found {
		t.Error("strato_http_requests_total{frontend=boom,code=500} is not 1")
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	s, _ := newTestServer(t)
	for _, tc := range []struct{ path, want string }{
		{"/healthz", "ok\n"},
		{"/metrics", "strato_http_requests_total"},
	} {
		// Hit the API once so the counter has a sample.
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != 200 || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", tc.path, w.Code, w.Body.String(), tc.want)
		}
	}
	notReady, _ := New(Config{Ready: func() error { return io.EOF }, Fallback: Frontend{Name: "x", Handler: http.NotFoundHandler()}})
	w := httptest.NewRecorder()
	notReady.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("healthz when not ready = %d, want 503", w.Code)
	}
}

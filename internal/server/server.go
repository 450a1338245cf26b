// Package server is Strato's HTTP front door: one listener for every cloud
// API, with the middleware they share (request id, panic recovery, access
// log, metrics) and the routing that tells the frontends apart by signature,
// target header or path.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// RequestIDHeader carries the request id from the middleware to the frontends
// (which echo it in their own response shape).
const RequestIDHeader = "X-Strato-Request-Id"

// Frontend is one cloud API served on the shared port.
type Frontend struct {
	// Name labels logs and metrics ("ec2", "sagemaker", …).
	Name string
	// Match claims a request for this frontend.
	Match func(r *http.Request) bool
	// Handler serves it.
	Handler http.Handler
}

// Config wires a Server.
type Config struct {
	Logger *slog.Logger
	// Frontends are tried in order; the first whose Match is true serves.
	Frontends []Frontend
	// Fallback serves requests no frontend claims.
	Fallback Frontend
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// Ready reports readiness for /healthz (nil = always ready).
	Ready func() error
}

// Server is the HTTP handler of the whole API.
type Server struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New builds the handler and registers its metrics.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "strato_http_requests_total", Help: "API requests by frontend and HTTP status.",
	}, []string{"frontend", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "strato_http_request_duration_seconds", Help: "API request latency by frontend.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"frontend"})
	for _, c := range []prometheus.Collector{s.requests, s.duration} {
		if err := cfg.Registry.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("/", s.api)
	return s, nil
}

// ServeHTTP runs the middleware chain around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := uuid.NewString()
	r.Header.Set(RequestIDHeader, id)
	rec := &statusRecorder{ResponseWriter: w}
	start := time.Now()
	frontend := "-"
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "request_id", id, "panic", p, "stack", string(debug.Stack()))
			if !rec.wrote {
				http.Error(rec, "InternalError: we encountered an internal error, please try again", http.StatusInternalServerError)
			}
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.requests.WithLabelValues(frontend, strconv.Itoa(status)).Inc()
		s.duration.WithLabelValues(frontend).Observe(elapsed.Seconds())
		s.log.Info("request", "request_id", id, "frontend", frontend, "method", r.Method, "path", r.URL.Path,
			"status", status, "duration_ms", float64(elapsed.Microseconds())/1000, "remote", r.RemoteAddr)
	}()
	if r.URL.Path == "/metrics" || r.URL.Path == "/healthz" {
		frontend = "admin"
		s.mux.ServeHTTP(rec, r)
		return
	}
	f := s.route(r)
	frontend = f.Name
	f.Handler.ServeHTTP(rec, r)
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) { s.route(r).Handler.ServeHTTP(w, r) }

// route picks the frontend for r.
func (s *Server) route(r *http.Request) Frontend {
	for _, f := range s.cfg.Frontends {
		if f.Match(r) {
			return f
		}
	}
	return s.cfg.Fallback
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// Serve answers on l until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

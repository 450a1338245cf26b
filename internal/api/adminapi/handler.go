// Package adminapi is Strato's own JSON API under /strato/v1/: what the
// clouds' APIs have no call for (usage and bills, operator actions such as
// security locks). Requests are SigV4-signed with service name "strato" by
// the same access keys as the cloud APIs; `strato bill` and friends are its
// clients.
package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/core/metering"
	"strato/internal/errdefs"
	"strato/internal/wire/sigv4"
)

// Prefix is the path every admin route starts with.
const Prefix = "/strato/v1/"

// Service is the SigV4 service name admin requests are signed for.
const Service = "strato"

// RequestIDHeader is set by the server middleware (internal/server).
const RequestIDHeader = "X-Strato-Request-Id"

// Config wires the handler.
type Config struct {
	IAM       *iam.Service
	Instances *instance.Service
	Clock     clock.Clock
	Logger    *slog.Logger
	Region    string
	// MaxBodyBytes limits request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Meter answers usage and bill requests (nil: those routes answer
	// Unsupported).
	Meter *metering.Meter
	// Catalog serves the image routes (images.go; nil: they answer
	// Unsupported).
	Catalog *catalog.Catalog
	// MaxImageBytes limits an image upload's body instead of MaxBodyBytes
	// (default DefaultMaxImageBytes).
	MaxImageBytes int64
}

// Handler serves the admin API.
type Handler struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
}

// call is one authenticated request.
type call struct {
	r         *http.Request
	principal iam.Principal
	requestID string
	body      []byte
}

// route is one row of the route table: its pattern (net/http ServeMux
// syntax, e.g. "GET /strato/v1/usage"), the IAM action it needs, and the
// handler, which returns the JSON body of a 200 answer.
type route struct {
	pattern string
	action  string
	handle  func(ctx context.Context, c *call) (any, error)
	// upload marks a route whose body is too large to buffer (upload.go):
	// the handler reads it from c.r.Body, limited by MaxImageBytes, and the
	// signature covers the hash the request claims for it.
	upload bool
}

// New builds the handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxImageBytes <= 0 {
		cfg.MaxImageBytes = DefaultMaxImageBytes
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	for _, rt := range h.routes() {
		h.mux.HandleFunc(rt.pattern, h.serve(rt))
	}
	return h
}

// routes is the table; each concern adds its rows in its own file.
func (h *Handler) routes() []route {
	var rs []route
	rs = append(rs, h.identityRoutes()...)
	rs = append(rs, h.usageRoutes()...) // usage.go
	rs = append(rs, h.lockRoutes()...)  // locks.go
	rs = append(rs, h.imageRoutes()...) // images.go
	return rs
}

// Match claims the admin API's requests for the server.
func Match(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, Prefix) }

// ServeHTTP routes; unknown paths get a JSON 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.writeError(w, requestID(r), errdefs.Newf(errdefs.NotFound, "route", r.URL.Path, "no such admin route: %s %s", r.Method, r.URL.Path))
		return
	}
	h.mux.ServeHTTP(w, r)
}

func requestID(r *http.Request) string { return r.Header.Get(RequestIDHeader) }

// serve runs one route: read the body, authenticate, authorize, handle,
// encode. An upload route's body is left to its handler (upload.go).
func (h *Handler) serve(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := requestID(r)
		if rt.upload {
			p, err := h.openUpload(w, r, rt.action) // upload.go
			if err != nil {
				h.writeError(w, id, err)
				return
			}
			h.finish(w, r, rt, p, nil)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				h.writeError(w, id, errdefs.Newf(errdefs.LimitExceeded, "body", "", "request body larger than %d bytes", h.cfg.MaxBodyBytes))
				return
			}
			h.writeError(w, id, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "cannot read the request body"))
			return
		}
		p, _, err := h.authenticate(r, body, false)
		if err != nil {
			h.writeError(w, id, err)
			return
		}
		h.finish(w, r, rt, p, body)
	}
}

// finish authorizes an authenticated request, runs its handler and encodes
// the answer.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, rt route, p iam.Principal, body []byte) {
	id := requestID(r)
	if err := p.Authorize(rt.action, "*"); err != nil {
		h.writeError(w, id, err)
		return
	}
	out, err := rt.handle(r.Context(), &call{r: r, principal: p, requestID: id, body: body})
	if err != nil {
		h.writeError(w, id, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Strato-Request-Id", id)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		h.log.Warn("encode admin response", "request_id", id, "err", err)
	}
}

// authenticate verifies the SigV4 signature (service "strato") and returns
// the caller. streamed: the body is not read yet, and the signature covers
// the hash the request claims for it (Result.PayloadHash).
func (h *Handler) authenticate(r *http.Request, body []byte, streamed bool) (iam.Principal, sigv4.Result, error) {
	ctx := r.Context()
	anyMode := h.cfg.IAM.AnyMode()
	opts := sigv4.Options{
		Service:         Service,
		Now:             h.cfg.Clock.Now(),
		MaxSkew:         sigv4.DefaultMaxSkew,
		SkipSignature:   anyMode,
		SkipTime:        anyMode,
		StreamedPayload: streamed,
	}
	return sigv4.VerifyAs(r, body, opts, func(ak string) (iam.Principal, string, error) {
		return h.cfg.IAM.Lookup(ctx, ak)
	})
}

// decode reads the JSON body into v; unknown fields are refused.
func decode(c *call, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(c.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "malformed JSON body: %v", err)
	}
	return nil
}

// identityRoutes: who am I.
func (h *Handler) identityRoutes() []route {
	return []route{{pattern: "GET " + Prefix + "whoami", action: "strato:GetCallerIdentity",
		handle: func(ctx context.Context, c *call) (any, error) {
			return map[string]string{"account": c.principal.AccountID, "accessKeyId": c.principal.AccessKeyID}, nil
		}}}
}

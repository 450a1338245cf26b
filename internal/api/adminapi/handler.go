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
}

// New builds the handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
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

// serve runs one route: read the body, authenticate, authorize, handle, encode.
func (h *Handler) serve(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := requestID(r)
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
		p, err := h.authenticate(r, body)
		if err != nil {
			h.writeError(w, id, err)
			return
		}
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
}

// authenticate verifies the SigV4 signature (service "strato") and returns
// the caller.
func (h *Handler) authenticate(r *http.Request, body []byte) (iam.Principal, error) {
	ctx := r.Context()
	anyMode := h.cfg.IAM.AnyMode()
	res, err := sigv4.Verify(r, body, sigv4.Options{
		Service: Service,
		Lookup: func(ak string) (string, error) {
			_, secret, err := h.cfg.IAM.Lookup(ctx, ak)
			return secret, err
		},
		Now:           h.cfg.Clock.Now(),
		MaxSkew:       sigv4.DefaultMaxSkew,
		SkipSignature: anyMode,
		SkipTime:      anyMode,
	})
	if err != nil {
		return iam.Principal{}, err
	}
	p, _, err := h.cfg.IAM.Lookup(ctx, res.AccessKeyID)
	return p, err
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

// Package modelartsapi serves Huawei Cloud ModelArts's notebook APIs over
// REST on top of the notebook service, so that the official Huawei Cloud
// SDK (huaweicloud-sdk-go-v3 v0.1.207, services/modelarts/v1) and plain
// HTTP clients work against Strato unchanged (issue 6). It serves two
// generations of the API, each seeing only its own notebooks:
//
//   - the Notebook API the SDK speaks, /v1/{project_id}/notebooks
//     (notebook.KindModelArts): create, list, show, delete, start, stop;
//     errors are {"error_code": …, "error_msg": …}, the only pair the SDK
//     reads;
//   - the older DevEnviron API of seed 004,
//     /v1/{project_id}/demanager/instances (notebook.KindDevEnviron):
//     create, list, show, delete and the start/stop action; errors are
//     {"error_code": …, "error_message": …} as the seed's samples show.
//
// Every request follows the same path: read the body (bounded), find the
// route in the op table (API Gateway's APIG.0101 when there is none),
// verify the SDK-HMAC-SHA256 signature (wire/apig), check that the path's
// project is the caller's (ModelArts.0210), decode and validate the body as
// ModelArts does, authorize the caller against the row's IAM action, make
// one call to the notebook service and encode the answer. Errors from any
// layer are translated to ModelArts's (or API Gateway's) codes by the one
// table in errors.go. Statuses are worded by statusWord (status.go).
package modelartsapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/wire/apig"
)

// RequestIDHeader carries the request id the server middleware assigned;
// the handler reuses it so that logs and responses agree.
const RequestIDHeader = "X-Strato-Request-Id"

// ResponseRequestIDHeader is where Huawei Cloud answers its request id; the
// SDK reads ServiceResponseError.RequestId from it.
const ResponseRequestIDHeader = "X-Request-Id"

// ProjectIDHeader is the header the SDK adds to every request, next to the
// {project_id} in the path.
const ProjectIDHeader = "X-Project-Id"

// DefaultMaxBodyBytes bounds a request body when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// contentType is the content type of every answer.
const contentType = "application/json"

// Core is the part of the notebook service (*notebook.Service) the
// frontend calls. Every method acts for account on the notebooks of one
// kind (notebook.KindModelArts or notebook.KindDevEnviron), names them by
// id and returns *errdefs.Error values: NotFound with Resource
// notebook.ResNotebook for an unknown id, IncorrectState whose cause is a
// *notebook.StateError for a refused transition.
type Core interface {
	// CreateModelArts creates a notebook, which starts Pending (CREATING).
	CreateModelArts(ctx context.Context, account string, req notebook.ModelArtsCreateRequest) (*notebook.Notebook, error)
	// GetModelArts returns one notebook.
	GetModelArts(ctx context.Context, kind notebook.Kind, account, id string) (*notebook.Notebook, error)
	// ListModelArts returns the caller's notebooks of kind in creation
	// order; the frontend filters, sorts and pages.
	ListModelArts(ctx context.Context, kind notebook.Kind, account string) ([]*notebook.Notebook, error)
	// StartModelArts starts a Stopped or Failed notebook; autoStop > 0 sets
	// a new lease length, and the lease restarts from now either way. It
	// returns the status before and the notebook after.
	StartModelArts(ctx context.Context, kind notebook.Kind, account, id string, autoStop time.Duration) (notebook.Status, *notebook.Notebook, error)
	// StopModelArts stops an InService notebook.
	StopModelArts(ctx context.Context, kind notebook.Kind, account, id string) (notebook.Status, *notebook.Notebook, error)
	// DeleteModelArts deletes a notebook and its work volume.
	DeleteModelArts(ctx context.Context, kind notebook.Kind, account, id string) (notebook.Status, *notebook.Notebook, error)
	// ModelArtsURL returns a fresh presigned URL of the notebook's server.
	ModelArtsURL(nb *notebook.Notebook) string
}

var _ Core = (*notebook.Service)(nil)

// authenticator is the part of *iam.Service the handler calls.
type authenticator interface {
	Lookup(ctx context.Context, accessKeyID string) (iam.Principal, string, error)
	AnyMode() bool
}

var _ authenticator = (*iam.Service)(nil)

// Config holds the handler's dependencies; cmd/strato injects them.
type Config struct {
	Notebooks Core
	IAM       *iam.Service
	// Catalog knows the ModelArts flavors and the notebook image; nil means
	// catalog.New("") (the built-in lists). Its region goes into the
	// resources the caller is authorized against.
	Catalog *catalog.Catalog
	Clock   clock.Clock
	Logger  *slog.Logger
	// MaxBodyBytes bounds the request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MinAutoStop, when positive and below ModelArts's one hour, lowers the
	// smallest auto-stop duration both APIs accept (for tests); error
	// messages then state the effective range.
	MinAutoStop time.Duration
}

// Handler serves ModelArts's notebook APIs. It is safe for concurrent use.
type Handler struct {
	core        Core
	auth        authenticator
	catalog     *catalog.Catalog
	clock       clock.Clock
	log         *slog.Logger
	maxBody     int64
	minAutoStop time.Duration
	region      string
	ops         []*op
}

var _ http.Handler = (*Handler)(nil)

// New returns a handler for cfg.
func New(cfg Config) *Handler {
	h := &Handler{core: cfg.Notebooks, catalog: cfg.Catalog, clock: cfg.Clock, log: cfg.Logger,
		maxBody: cfg.MaxBodyBytes, minAutoStop: time.Hour}
	if cfg.IAM != nil {
		h.auth = cfg.IAM
	}
	if h.catalog == nil {
		h.catalog = catalog.New("")
	}
	h.region = h.catalog.Region()
	if h.clock == nil {
		h.clock = clock.Real{}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if cfg.MinAutoStop > 0 && cfg.MinAutoStop < h.minAutoStop {
		h.minAutoStop = cfg.MinAutoStop
	}
	for i := range opTable {
		o := opTable[i] // a copy: the table is shared by every handler
		o.segs = strings.Split(o.path, "/")
		h.ops = append(h.ops, &o)
	}
	return h
}

// Match claims ModelArts requests for the server: the paths
// /v1/{project_id}/notebooks[/…] and /v1/{project_id}/demanager/instances[/…].
func Match(r *http.Request) bool {
	_, a, _ := splitPath(r.URL.Path)
	return a != 0
}

// splitPath parses /v1/{project_id}/<rest>: the project, the API the rest
// belongs to (0 for neither) and the rest's segments.
func splitPath(p string) (project string, a api, rest []string) {
	tail, ok := strings.CutPrefix(p, "/v1/")
	if !ok {
		return "", 0, nil
	}
	project, after, ok := strings.Cut(tail, "/")
	if !ok || project == "" {
		return "", 0, nil
	}
	rest = strings.Split(after, "/")
	switch {
	case rest[0] == "notebooks":
		return project, apiNotebook, rest
	case rest[0] == "demanager" && len(rest) > 1 && rest[1] == "instances":
		return project, apiDevEnviron, rest
	}
	return "", 0, nil
}

// call is one authenticated request on its way through an operation.
type call struct {
	op        *op
	principal iam.Principal
	project   string
	id        string // the {id} / {instance_id} of the path, "" if none
	body      []byte
	query     url.Values
	requestID string
}

// account is the calling account.
func (c *call) account() string { return c.principal.AccountID }

// ServeHTTP answers one ModelArts request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := r.Header.Get(RequestIDHeader)
	if reqID == "" {
		reqID = newRequestID()
	}
	_, a, _ := splitPath(r.URL.Path)
	if a == 0 {
		a = apiNotebook
	}
	operation := ""
	defer func() {
		if v := recover(); v != nil {
			h.log.ErrorContext(r.Context(), "modelartsapi: panic", "request_id", reqID, "operation", operation, "panic", v)
			h.writeError(r.Context(), w, a, reqID, operation, errdefs.Wrap(errors.New("panic in handler"), "an internal error occurred"))
		}
	}()
	var resp any
	var err error
	resp, operation, err = h.serve(r, reqID)
	if err != nil {
		h.writeError(r.Context(), w, a, reqID, operation, err)
		return
	}
	body, err := json.Marshal(resp)
	if err != nil {
		h.writeError(r.Context(), w, a, reqID, operation, errdefs.Wrap(err, "an internal error occurred"))
		return
	}
	writeBody(w, http.StatusOK, reqID, body)
}

// serve runs the request and returns the value to encode, or the error.
func (h *Handler) serve(r *http.Request, reqID string) (resp any, operation string, err error) {
	ctx := r.Context()
	project, _, rest := splitPath(r.URL.Path)
	body, err := h.readBody(r)
	if err != nil {
		return nil, "", err
	}
	o, id := h.route(r.Method, rest)
	if o == nil {
		return nil, "", errdefs.New(errdefs.NotFound, resRoute, r.Method+" "+errdefs.Clip(r.URL.Path, 256), "")
	}
	principal, err := h.authenticate(ctx, r, body)
	if err != nil {
		return nil, o.name, err
	}
	if project != iam.ProjectID(principal.AccountID) {
		return nil, o.name, &errdefs.Error{Kind: errdefs.PermissionDenied, Resource: resProject, ID: errdefs.Clip(project, 64),
			Err: errors.New("the path's project is not the caller's")}
	}
	if hp, ok := r.Header[http.CanonicalHeaderKey(ProjectIDHeader)]; ok && (len(hp) != 1 || hp[0] != project) {
		return nil, o.name, &errdefs.Error{Kind: errdefs.PermissionDenied, Resource: resProject, ID: errdefs.Clip(project, 64),
			Err: errors.New("the X-Project-Id header is not the path's project")}
	}
	if h.core == nil {
		return nil, o.name, errdefs.Wrap(errors.New("modelartsapi: no notebook service configured"), "an internal error occurred")
	}
	c := &call{op: o, principal: principal, project: project, id: id, body: body, query: r.URL.Query(), requestID: reqID}
	resp, err = o.handle(h, ctx, c)
	return resp, o.name, err
}

// readBody reads the whole body, refusing one above maxBody.
func (h *Handler) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		return nil, errdefs.New(errdefs.InvalidArgument, resPayload, "(the body could not be read)", "")
	}
	if int64(len(body)) > h.maxBody {
		return nil, errdefs.New(errdefs.InvalidArgument, resTooLarge, "", "")
	}
	return body, nil
}

// route finds the op for method and the path's segments after the
// project, and the {id} segment when the op's path has one.
func (h *Handler) route(method string, rest []string) (*op, string) {
	for _, o := range h.ops {
		if o.method != method || len(o.segs) != len(rest) {
			continue
		}
		id, ok := "", true
		for i, s := range o.segs {
			switch {
			case s == "{id}" && rest[i] != "":
				id = rest[i]
			case s != rest[i]:
				ok = false
			}
		}
		if ok {
			return o, id
		}
	}
	return nil, ""
}

// authenticate verifies the request's SDK-HMAC-SHA256 signature and returns
// the caller. In the --auth=any mode (iam.Options.AnyMode) only the access
// key is looked at, as the other frontends do.
func (h *Handler) authenticate(ctx context.Context, r *http.Request, body []byte) (iam.Principal, error) {
	if h.auth == nil {
		return iam.Principal{}, errdefs.Wrap(errors.New("modelartsapi: no iam service configured"), "an internal error occurred")
	}
	var principal iam.Principal
	lookup := func(ak string) (string, error) {
		p, secret, err := h.auth.Lookup(ctx, ak)
		if err != nil {
			if e := errdefs.As(err); e.Kind == errdefs.Unauthenticated || e.Kind == errdefs.NotFound {
				// API Gateway's words, not IAM's.
				u := apig.UnknownAccessKey(ak)
				u.Err = err
				return "", u
			}
			return "", err
		}
		principal = p
		return secret, nil
	}
	ak, ok := apig.AccessKey(r)
	if h.auth.AnyMode() && ok {
		if _, err := lookup(ak); err != nil {
			return iam.Principal{}, err
		}
	} else {
		res, err := apig.Verify(r, body, apig.Options{Lookup: lookup, Now: h.clock.Now, MaxSkew: apig.DefaultMaxSkew})
		if err != nil {
			return iam.Principal{}, err
		}
		ak = res.AccessKeyID
	}
	if principal.AccountID == "" {
		return iam.Principal{}, apig.UnknownAccessKey(ak)
	}
	return principal, nil
}

// authorize checks the caller may perform action on resource (a notebook's
// identifier, or "*").
func (h *Handler) authorize(c *call, action, resource string) error {
	if err := c.principal.Authorize(action, resource); err != nil {
		return &errdefs.Error{Kind: errdefs.PermissionDenied, ID: action, Err: err}
	}
	return nil
}

// resource is what a call on the notebook id of kind is authorized against.
func (h *Handler) resource(c *call, kind notebook.Kind, id string) string {
	return notebook.ModelArtsARN(h.region, c.account(), kind, id)
}

// writeError maps err through the error table and writes the error
// document of API a (or API Gateway's, for the gateway's codes).
func (h *Handler) writeError(ctx context.Context, w http.ResponseWriter, a api, reqID, operation string, err error) {
	e := errdefs.As(err)
	row, code, status, msg := lookupError(a, e)
	if status >= 500 {
		h.log.ErrorContext(ctx, "modelartsapi: request failed", "request_id", reqID, "operation", operation,
			"code", code, "status", status, "err", err)
	} else {
		h.log.DebugContext(ctx, "modelartsapi: request refused", "request_id", reqID, "operation", operation,
			"code", code, "status", status, "err", err)
	}
	var doc any
	switch {
	case row.gateway:
		doc = gatewayError{Code: code, Msg: msg, RequestID: reqID}
	case a == apiDevEnviron:
		doc = devEnvironError{Code: code, Message: msg}
	default:
		doc = notebookError{Code: code, Msg: msg}
	}
	body, _ := json.Marshal(doc) // strings only: cannot fail
	writeBody(w, status, reqID, body)
}

// Error documents. The SDK reads error_code and error_msg (and falls back
// to the raw body); the DevEnviron API's documented samples say
// error_message; API Gateway adds request_id.
type (
	notebookError struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	devEnvironError struct {
		Code    string `json:"error_code"`
		Message string `json:"error_message"`
	}
	gatewayError struct {
		Code      string `json:"error_code"`
		Msg       string `json:"error_msg"`
		RequestID string `json:"request_id"`
	}
)

// writeBody writes a JSON answer with the request id header.
func writeBody(w http.ResponseWriter, status int, reqID string, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set(ResponseRequestIDHeader, reqID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// newRequestID returns 32 random lower-case hex digits, the form of Huawei
// Cloud's request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Package sagemakerapi serves Amazon SageMaker's notebook instance API (the
// AWS JSON 1.1 protocol, API version 2017-07-24) on top of the notebook
// service, so that the AWS SDKs and the aws command line work against Strato
// unchanged: notebook instances, their lifecycle configurations, presigned
// notebook URLs and tags (issue 4).
//
// Every request follows the same path: read and check the JSON 1.1 request
// (awsjson), pick the operation's row in the op table, verify the SigV4
// signature (service "sagemaker"), decode the input shape, validate it as
// SageMaker does (its "N validation errors detected: …" wording), authorize
// the caller against the row's IAM action, make one call to the notebook
// service and encode the answer. Errors from any layer are translated to
// SageMaker's codes by the one table in errors.go.
//
// The frontend declares what it needs of the notebook service as the Core
// interface, in terms of internal/core/notebook's types. The service comes
// next; until it exists, cmd/strato does not serve this frontend.
package sagemakerapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"strato/internal/clock"
	"strato/internal/core/iam"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/wire/awsjson"
	"strato/internal/wire/sigv4"
)

// APIVersion is the SageMaker API version served.
const APIVersion = "2017-07-24"

// TargetPrefix is the X-Amz-Target prefix of SageMaker operations.
const TargetPrefix = "SageMaker"

// SigningName is the SigV4 credential-scope service of SageMaker requests.
const SigningName = "sagemaker"

// RequestIDHeader carries the request id the server middleware assigned; the
// handler reuses it so that logs and responses agree.
const RequestIDHeader = "X-Strato-Request-Id"

// DefaultMaxBodyBytes bounds a request body when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Core is the part of the notebook service the frontend calls. Every method
// acts for account, names resources by name (or, for tags, by ARN) and
// returns *errdefs.Error values, preferably those of notebook's constructors
// (notebook.NotFound, notebook.TransitionError, …).
type Core interface {
	// CreateNotebook creates a notebook instance, which starts Pending.
	CreateNotebook(ctx context.Context, account string, req notebook.CreateRequest) (*notebook.Notebook, error)
	// DescribeNotebook returns one notebook instance.
	DescribeNotebook(ctx context.Context, account, name string) (*notebook.Notebook, error)
	// ListNotebooks returns one page of notebook instances and the token of
	// the next page ("" after the last).
	ListNotebooks(ctx context.Context, account string, q notebook.ListQuery) ([]*notebook.Notebook, string, error)
	// StartNotebook starts a Stopped or Failed notebook instance.
	StartNotebook(ctx context.Context, account, name string) error
	// StopNotebook stops an InService notebook instance, keeping its ML
	// storage volume.
	StopNotebook(ctx context.Context, account, name string) error
	// UpdateNotebook changes a Stopped notebook instance.
	UpdateNotebook(ctx context.Context, account string, req notebook.UpdateRequest) error
	// DeleteNotebook deletes a Stopped or Failed notebook instance and its volume.
	DeleteNotebook(ctx context.Context, account, name string) error
	// PresignedURL returns a URL that opens the notebook's Jupyter server
	// for a session of the given length (0 = notebook.DefaultSessionExpiration).
	PresignedURL(ctx context.Context, account, name string, session time.Duration) (string, error)

	// CreateLifecycleConfig creates a lifecycle configuration.
	CreateLifecycleConfig(ctx context.Context, account string, req notebook.LifecycleConfigRequest) (*notebook.LifecycleConfig, error)
	// DescribeLifecycleConfig returns one lifecycle configuration.
	DescribeLifecycleConfig(ctx context.Context, account, name string) (*notebook.LifecycleConfig, error)
	// ListLifecycleConfigs returns one page of lifecycle configurations and
	// the next page's token.
	ListLifecycleConfigs(ctx context.Context, account string, q notebook.LifecycleConfigQuery) ([]*notebook.LifecycleConfig, string, error)
	// UpdateLifecycleConfig replaces the scripts of a lifecycle configuration.
	UpdateLifecycleConfig(ctx context.Context, account string, req notebook.LifecycleConfigRequest) error
	// DeleteLifecycleConfig deletes a lifecycle configuration.
	DeleteLifecycleConfig(ctx context.Context, account, name string) error

	// AddTags adds or overwrites tags of the resource resourceARN names and
	// returns all of its tags afterwards ("A list of tags associated with
	// the SageMaker resource", as the API reference says of the answer).
	AddTags(ctx context.Context, account, resourceARN string, tags []notebook.Tag) ([]notebook.Tag, error)
	// DeleteTags removes the tags with the given keys.
	DeleteTags(ctx context.Context, account, resourceARN string, keys []string) error
	// ListTags returns one page of a resource's tags and the next page's
	// token (maxResults 0 = the service's default).
	ListTags(ctx context.Context, account, resourceARN string, maxResults int, nextToken string) ([]notebook.Tag, string, error)
}

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
	Clock     clock.Clock
	Logger    *slog.Logger
	// Region is the region this endpoint serves, e.g. "us-east-1"; it goes
	// into the ARNs the caller is authorized against.
	Region string
	// MaxBodyBytes bounds the request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Handler serves SageMaker JSON 1.1 requests. It is safe for concurrent use.
type Handler struct {
	core    Core
	auth    authenticator
	clock   clock.Clock
	log     *slog.Logger
	region  string
	maxBody int64
	ops     map[string]*op
}

var _ http.Handler = (*Handler)(nil)

// New returns a handler for cfg.
func New(cfg Config) *Handler {
	h := &Handler{
		core:    cfg.Notebooks,
		clock:   cfg.Clock,
		log:     cfg.Logger,
		region:  cfg.Region,
		maxBody: cfg.MaxBodyBytes,
	}
	if cfg.IAM != nil {
		h.auth = cfg.IAM
	}
	if h.clock == nil {
		h.clock = clock.Real{}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.region == "" {
		h.region = "us-east-1"
	}
	h.ops = make(map[string]*op, len(opTable))
	for i := range opTable {
		h.ops[opTable[i].name] = &opTable[i]
	}
	return h
}

// Match claims SageMaker requests for the server: those whose X-Amz-Target
// names a SageMaker operation.
func Match(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get(awsjson.TargetHeader), TargetPrefix+".")
}

// call is one checked, authenticated request on its way through an operation.
type call struct {
	op        *op
	req       *awsjson.Request
	principal iam.Principal
	requestID string
}

// account is the calling account.
func (c *call) account() string { return c.principal.AccountID }

// ServeHTTP answers one SageMaker request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := r.Header.Get(RequestIDHeader)
	if reqID == "" {
		reqID = uuid.NewString()
	}
	operation := ""
	defer func() {
		if v := recover(); v != nil {
			h.log.ErrorContext(r.Context(), "sagemakerapi: panic", "request_id", reqID, "operation", operation, "panic", v)
			h.writeError(r.Context(), w, reqID, operation, errdefs.Wrap(errors.New("panic in handler"), "an internal error occurred"))
		}
	}()
	resp, operation, err := h.serve(r, reqID)
	if err != nil {
		h.writeError(r.Context(), w, reqID, operation, err)
		return
	}
	if err := awsjson.WriteResponse(w, reqID, resp); err != nil {
		h.log.ErrorContext(r.Context(), "sagemakerapi: writing response", "request_id", reqID, "operation", operation, "err", err)
	}
}

// serve runs the request and returns the response value (nil for an empty
// body), or the error to send.
func (h *Handler) serve(r *http.Request, reqID string) (resp any, operation string, err error) {
	ctx := r.Context()
	req, err := awsjson.ReadRequest(r, TargetPrefix, h.maxBody)
	if err != nil {
		return nil, req.Operation, err
	}
	o, ok := h.ops[req.Operation]
	if !ok {
		return nil, req.Operation, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResAction, req.Operation,
			"The operation '%s' is not recognized by this service.", errdefs.Clip(req.Operation, 128))
	}
	principal, err := h.authenticate(ctx, r, req.Body)
	if err != nil {
		return nil, o.name, err
	}
	if h.core == nil {
		return nil, o.name, errdefs.Wrap(errors.New("sagemakerapi: no notebook service configured"), "an internal error occurred")
	}
	c := &call{op: o, req: req, principal: principal, requestID: reqID}
	resp, err = o.handle(h, ctx, c)
	return resp, o.name, err
}

// authenticate verifies the request's SigV4 signature and returns the caller.
func (h *Handler) authenticate(ctx context.Context, r *http.Request, body []byte) (iam.Principal, error) {
	if h.auth == nil {
		return iam.Principal{}, errdefs.Wrap(errors.New("sagemakerapi: no iam service configured"), "an internal error occurred")
	}
	opts := sigv4.Options{Service: SigningName, Now: h.clock.Now(), MaxSkew: sigv4.DefaultMaxSkew}
	if h.auth.AnyMode() {
		opts.SkipSignature = true
		opts.SkipTime = true
	}
	principal, res, err := sigv4.VerifyAs(r, body, opts, func(id string) (iam.Principal, string, error) {
		return h.auth.Lookup(ctx, id)
	})
	if err != nil {
		return iam.Principal{}, err
	}
	if principal.AccountID == "" {
		return iam.Principal{}, errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, res.AccessKeyID, "")
	}
	return principal, nil
}

// authorize checks the caller may perform c's operation on resource, an ARN
// or "*", and words a refusal as SageMaker does.
func (h *Handler) authorize(c *call, resource string) error {
	if err := c.principal.Authorize(c.op.iamAction, resource); err != nil {
		return &errdefs.Error{Kind: errdefs.PermissionDenied, ID: c.op.iamAction, Err: err,
			Public: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
				c.principal.AccessKeyID, c.op.iamAction, resource, c.op.iamAction)}
	}
	return nil
}

// notebookARN is the ARN of the caller's notebook instance name.
func (h *Handler) notebookARN(c *call, name string) string {
	return notebook.NotebookARN(h.region, c.account(), name)
}

// lifecycleConfigARN is the ARN of the caller's lifecycle configuration name.
func (h *Handler) lifecycleConfigARN(c *call, name string) string {
	return notebook.LifecycleConfigARN(h.region, c.account(), name)
}

// writeError maps err through the error table and writes SageMaker's error
// document.
func (h *Handler) writeError(ctx context.Context, w http.ResponseWriter, reqID, operation string, err error) {
	e := errdefs.As(err)
	row, msg := lookupError(e)
	if row.status >= 500 {
		h.log.ErrorContext(ctx, "sagemakerapi: request failed", "request_id", reqID, "operation", operation,
			"code", row.code, "status", row.status, "err", err)
	} else {
		h.log.DebugContext(ctx, "sagemakerapi: request refused", "request_id", reqID, "operation", operation,
			"code", row.code, "status", row.status, "err", err)
	}
	awsjson.WriteError(w, row.status, row.code, msg, reqID)
}

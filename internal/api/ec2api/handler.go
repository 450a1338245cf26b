// Package ec2api serves Amazon EC2's Query API (API version 2016-11-15) on top
// of the provider-neutral core, so that the official AWS SDKs and the aws
// command line work against Strato unchanged.
//
// Every request follows the same path: read the body, parse the form, check
// Action and Version, verify the SigV4 signature, pick the operation's row in
// the op table, decode and validate the wire parameters, authorize the caller
// against the row's IAM action, make one core call and encode the answer. Errors
// from any layer are translated to EC2 codes by the one table in errors.go.
package ec2api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/awsquery"
	"strato/internal/wire/sigv4"
)

// APIVersion is the only EC2 API version served.
const APIVersion = "2016-11-15"

// RequestIDHeader carries the request id the server middleware assigned; the
// handler reuses it so that logs and responses agree.
const RequestIDHeader = "X-Strato-Request-Id"

// DefaultMaxBodyBytes bounds a request body when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Config holds the handler's dependencies; cmd/strato injects them.
type Config struct {
	Instances *instance.Service
	IAM       *iam.Service
	Catalog   *catalog.Catalog
	Clock     clock.Clock
	Logger    *slog.Logger
	// Region is the region this endpoint serves, e.g. "us-east-1".
	Region string
	// MaxBodyBytes bounds the request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// instanceCore is the part of *instance.Service the handler calls. It exists so
// that decode/encode tests can record the core calls a request makes.
type instanceCore interface {
	Run(ctx context.Context, account string, req instance.RunRequest) (*instance.Reservation, error)
	Describe(ctx context.Context, account string, q instance.Query) ([]*instance.Instance, string, error)
	Get(ctx context.Context, account, id string) (*instance.Instance, error)
	Start(ctx context.Context, account string, ids []string, dryRun bool) ([]instance.StateChange, error)
	Stop(ctx context.Context, account string, ids []string, req instance.StopRequest) ([]instance.StateChange, error)
	Reboot(ctx context.Context, account string, ids []string, dryRun bool) error
	Terminate(ctx context.Context, account string, ids []string, dryRun bool) ([]instance.StateChange, error)
	Modify(ctx context.Context, account, id string, a instance.Attributes, dryRun bool) error
	CreateTags(ctx context.Context, account string, resourceIDs []string, tags []instance.Tag, dryRun bool) error
	DeleteTags(ctx context.Context, account string, resourceIDs []string, tags []instance.TagRef, dryRun bool) error
	DescribeTags(ctx context.Context, account string, filters []instance.TagFilter, maxResults int, nextToken string) ([]instance.TagDescription, string, error)
	ConsoleOutput(ctx context.Context, account, id string) (instance.ConsoleOutput, error)
	DescribeVolumes(ctx context.Context, account string, q instance.VolumeQuery) ([]*instance.VolumeInfo, string, error)
}

var _ instanceCore = (*instance.Service)(nil)

// authenticator is the part of *iam.Service the handler calls.
type authenticator interface {
	Lookup(ctx context.Context, accessKeyID string) (iam.Principal, string, error)
	AnyMode() bool
}

var _ authenticator = (*iam.Service)(nil)

// Handler serves EC2 Query API requests. It is safe for concurrent use.
type Handler struct {
	core    instanceCore
	auth    authenticator
	catalog *catalog.Catalog
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
		catalog: cfg.Catalog,
		clock:   cfg.Clock,
		log:     cfg.Logger,
		region:  cfg.Region,
		maxBody: cfg.MaxBodyBytes,
	}
	if cfg.Instances != nil {
		h.core = cfg.Instances
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
	if h.catalog == nil {
		h.catalog = catalog.New(h.region)
	}
	if h.region == "" {
		h.region = h.catalog.Region()
	}
	h.ops = make(map[string]*op, len(opTable))
	for i := range opTable {
		h.ops[opTable[i].name] = &opTable[i]
	}
	return h
}

// call is one decoded, authenticated request on its way through an operation.
type call struct {
	op        *op
	params    awsquery.Params
	principal iam.Principal
	requestID string
	// dryRun is the request's DryRun flag.
	dryRun bool
	// host is the Host the client addressed, for DescribeRegions' endpoints.
	host string
}

// account is the calling account.
func (c *call) account() string { return c.principal.AccountID }

// ServeHTTP answers one EC2 request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := r.Header.Get(RequestIDHeader)
	if reqID == "" {
		reqID = uuid.NewString()
	}
	w.Header().Set("X-Amzn-Requestid", reqID)
	action := ""
	defer func() {
		if v := recover(); v != nil {
			h.log.ErrorContext(r.Context(), "ec2api: panic", "request_id", reqID, "action", action, "panic", v)
			h.writeError(r.Context(), w, reqID, action, errdefs.Wrap(errors.New("panic in handler"), "an internal error occurred"))
		}
	}()
	resp, action, err := h.serve(r, reqID)
	if err != nil {
		h.writeError(r.Context(), w, reqID, action, err)
		return
	}
	if err := awsquery.WriteResponse(w, action, reqID, resp); err != nil {
		h.log.ErrorContext(r.Context(), "ec2api: writing response", "request_id", reqID, "action", action, "err", err)
	}
}

// serve runs the request and returns the response value, or the error to send.
func (h *Handler) serve(r *http.Request, reqID string) (resp any, action string, err error) {
	ctx := r.Context()
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, "", errdefs.Newf(errdefs.InvalidArgument, resRequest, "", "The HTTP method %s is not supported.", r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		return nil, "", errdefs.New(errdefs.InvalidArgument, resRequest, "", "The request body could not be read.")
	}
	if int64(len(body)) > h.maxBody {
		return nil, "", errdefs.New(errdefs.InvalidArgument, resRequest, "", "The request body is too large.")
	}
	form, err := awsquery.ParseForm(r, body)
	if err != nil {
		return nil, "", asInvalidRequest(err)
	}
	p := awsquery.Params{Values: form}
	action = p.String("Action")
	if action == "" {
		return nil, "", errdefs.New(errdefs.InvalidArgument, resMissingAction, "", "The request must contain the parameter Action")
	}
	o, ok := h.ops[action]
	if !ok {
		return nil, action, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResAction, action, "The action %s is not valid for this web service.", action)
	}
	switch v := p.String("Version"); v {
	case APIVersion:
	case "":
		return nil, action, missing("Version")
	default:
		return nil, action, errdefs.Newf(errdefs.InvalidArgument, resVersion, v, "The requested version (%s) of service AmazonEC2 does not exist", v)
	}
	principal, err := h.authenticate(ctx, r, body)
	if err != nil {
		return nil, action, err
	}
	dryRun, err := boolParam(p, "DryRun")
	if err != nil {
		return nil, action, err
	}
	c := &call{op: o, params: p, principal: principal, requestID: reqID, dryRun: dryRun, host: r.Host}
	resp, err = o.handle(h, ctx, c)
	return resp, action, err
}

// authenticate verifies the request's SigV4 signature and returns the caller.
func (h *Handler) authenticate(ctx context.Context, r *http.Request, body []byte) (iam.Principal, error) {
	if h.auth == nil {
		return iam.Principal{}, errdefs.Wrap(errors.New("ec2api: no iam service configured"), "an internal error occurred")
	}
	opts := sigv4.Options{Service: "ec2", Now: h.clock.Now(), MaxSkew: sigv4.DefaultMaxSkew}
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

// authorize checks the caller may perform c's operation on every resource.
func (h *Handler) authorize(c *call, resources ...string) error {
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	for _, res := range resources {
		if err := c.principal.Authorize(c.op.iamAction, res); err != nil {
			return err
		}
	}
	return nil
}

// writeError maps err through the error table and writes EC2's error document.
func (h *Handler) writeError(ctx context.Context, w http.ResponseWriter, reqID, action string, err error) {
	e := errdefs.As(err)
	row, msg := lookupError(e)
	if row.status >= 500 {
		h.log.ErrorContext(ctx, "ec2api: request failed", "request_id", reqID, "action", action,
			"code", row.code, "status", row.status, "err", err)
	} else {
		h.log.DebugContext(ctx, "ec2api: request refused", "request_id", reqID, "action", action,
			"code", row.code, "status", row.status, "err", err)
	}
	awsquery.WriteError(w, row.status, row.code, msg, reqID)
}

// asInvalidRequest keeps errdefs errors from the codec and turns anything else
// into a client error about the request's syntax.
func asInvalidRequest(err error) error {
	var e *errdefs.Error
	if errors.As(err, &e) {
		return e
	}
	return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: resRequest, Public: "The request could not be parsed.", Err: err}
}

// Package ecsapi serves Alibaba Cloud ECS's RPC API (version 2014-05-26) on
// top of the provider-neutral core, so that the official Alibaba Cloud SDKs
// (alibaba-cloud-sdk-go services/ecs and the others) work against Strato
// unchanged.
//
// Every request follows the same path as in ec2api: read the body, merge
// query and form (acsrpc), check Action and Version, verify the signature
// version 1.0 with its timestamp and nonce rules, pick the operation's row
// in the op table, decode and validate the wire parameters, authorize the
// caller against the row's RAM action, make one core call and encode the
// answer in JSON or XML. Errors from any layer are translated to ECS codes
// by the one table in errors.go.
//
// ECS instances are created with instance.OriginECS: they have ECS-shaped
// ids (i- + 20 lower-case alphanumerics), ECS's lifecycle rules, and only
// this API sees them (Describe asks for Query.Origin ECS; an id of another
// shape is InvalidInstanceId.NotFound before the core is asked).
package ecsapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
)

// APIVersion is the only ECS API version served.
const APIVersion = "2014-05-26"

// RequestIDHeader carries the request id the server middleware assigned.
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
	// Nonces remembers SignatureNonces; nil means a new cache of
	// acsrpc.DefaultNonceCacheSize entries (in memory: see acsrpc.NonceCache).
	Nonces *acsrpc.NonceCache
}

// instanceCore is the part of *instance.Service the handler calls.
type instanceCore interface {
	Run(ctx context.Context, account string, req instance.RunRequest) (*instance.Reservation, error)
	Describe(ctx context.Context, account string, q instance.Query) ([]*instance.Instance, string, error)
	Start(ctx context.Context, account string, ids []string, dryRun bool) ([]instance.StateChange, error)
	Stop(ctx context.Context, account string, ids []string, req instance.StopRequest) ([]instance.StateChange, error)
	Reboot(ctx context.Context, account string, ids []string, dryRun bool) error
	TerminateWith(ctx context.Context, account string, ids []string, req instance.TerminateRequest) ([]instance.StateChange, error)
	Modify(ctx context.Context, account, id string, a instance.Attributes, dryRun bool) error
	CreateTags(ctx context.Context, account string, resourceIDs []string, tags []instance.Tag, dryRun bool) error
	DeleteTags(ctx context.Context, account string, resourceIDs []string, tags []instance.TagRef, dryRun bool) error
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

// Handler serves ECS RPC requests. It is safe for concurrent use.
type Handler struct {
	core    instanceCore
	auth    authenticator
	catalog *catalog.Catalog
	clock   clock.Clock
	log     *slog.Logger
	region  string
	maxBody int64
	nonces  *acsrpc.NonceCache
	ops     map[string]*op
}

var _ http.Handler = (*Handler)(nil)

// New returns a handler for cfg.
func New(cfg Config) *Handler {
	h := &Handler{catalog: cfg.Catalog, clock: cfg.Clock, log: cfg.Logger, region: cfg.Region,
		maxBody: cfg.MaxBodyBytes, nonces: cfg.Nonces}
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
	if h.nonces == nil {
		h.nonces = acsrpc.NewNonceCache(0)
	}
	h.ops = make(map[string]*op, len(opTable))
	for i := range opTable {
		h.ops[opTable[i].name] = &opTable[i]
	}
	return h
}

// Match claims Alibaba Cloud RPC requests: no AWS signature or target, and
// an x-acs-version header, or parameters (query, else a form body) of the
// RPC style: Version 2014-05-26, SignatureMethod HMAC-SHA1, SignatureVersion
// 1.0 or an AccessKeyId (AWS's SigV2 says AWSAccessKeyId). It may read up to
// MaxBodyBytes of the body, which it puts back for the handler.
func (h *Handler) Match(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" || strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") {
		return false
	}
	if r.Header.Get("X-Acs-Version") != "" || r.Header.Get("X-Acs-Action") != "" {
		return true
	}
	if looksRPC(r.URL.RawQuery) {
		return true
	}
	if r.Method != http.MethodPost || r.Body == nil || r.Body == http.NoBody {
		return false
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	return err == nil && looksRPC(string(buf))
}

// looksRPC reports whether a query-encoded string carries RPC markers.
func looksRPC(s string) bool {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		switch pair {
		case "Version=" + APIVersion, "SignatureMethod=" + acsrpc.SignatureMethod, "SignatureVersion=" + acsrpc.SignatureVersion:
			return true
		}
		if strings.HasPrefix(pair, "AccessKeyId=") {
			return true
		}
	}
	return false
}

// readCloser replays what Match read before the rest of the body.
type readCloser struct {
	io.Reader
	io.Closer
}

// call is one decoded, authenticated request on its way through an operation.
type call struct {
	op        *op
	params    acsrpc.Params
	principal iam.Principal
	requestID string
	dryRun    bool
	host      string
}

// account is the calling account.
func (c *call) account() string { return c.principal.AccountID }

// ServeHTTP answers one ECS request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := r.Header.Get(RequestIDHeader)
	if reqID == "" {
		reqID = strings.ToUpper(uuid.NewString()) // Alibaba Cloud writes its request ids in upper case
	}
	format := acsrpc.JSON
	action := ""
	defer func() {
		if v := recover(); v != nil {
			h.log.ErrorContext(r.Context(), "ecsapi: panic", "request_id", reqID, "action", action, "panic", v)
			h.writeError(r.Context(), w, r, reqID, action, format, errdefs.Wrap(errors.New("panic in handler"), "an internal error occurred"))
		}
	}()
	var resp any
	var err error
	resp, action, format, err = h.serve(r, reqID)
	if err != nil {
		h.writeError(r.Context(), w, r, reqID, action, format, err)
		return
	}
	if err := acsrpc.WriteResponse(w, format, action, reqID, resp); err != nil {
		h.log.ErrorContext(r.Context(), "ecsapi: writing response", "request_id", reqID, "action", action, "err", err)
	}
}

// serve runs the request and returns the response value, or the error to send.
func (h *Handler) serve(r *http.Request, reqID string) (resp any, action string, format acsrpc.Format, err error) {
	ctx := r.Context()
	format = acsrpc.JSON
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, "", format, errdefs.Newf(errdefs.InvalidArgument, resMethod, r.Method, "The HTTP method %s is not supported.", r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		return nil, "", format, errdefs.New(errdefs.InvalidArgument, resRequest, "", "The request body could not be read.")
	}
	if int64(len(body)) > h.maxBody {
		return nil, "", format, errdefs.New(errdefs.InvalidArgument, resRequest, "", "The request body is too large.")
	}
	p, err := acsrpc.ParseRequest(r, body)
	if err != nil {
		return nil, "", format, err
	}
	format, err = acsrpc.ParseFormat(p.Get("Format"))
	if err != nil {
		return nil, "", format, err
	}
	action = p.Get("Action")
	if action == "" {
		return nil, "", format, acsrpc.Missing("Action")
	}
	o, ok := h.ops[action]
	if !ok {
		return nil, action, format, errdefs.New(errdefs.NotFound, resAPI, action, "")
	}
	switch v := p.Get("Version"); v {
	case APIVersion:
	case "":
		return nil, action, format, acsrpc.Missing("Version")
	default:
		return nil, action, format, errdefs.New(errdefs.InvalidArgument, acsrpc.ResInvalid, "Version", "")
	}
	principal, err := h.authenticate(ctx, r.Method, p)
	if err != nil {
		return nil, action, format, err
	}
	dryRun, _, err := p.Bool("DryRun")
	if err != nil {
		return nil, action, format, err
	}
	c := &call{op: o, params: p, principal: principal, requestID: reqID, dryRun: dryRun, host: r.Host}
	resp, err = o.handle(h, ctx, c)
	return resp, action, format, err
}

// authenticate verifies the signature and returns the caller. In the
// --auth=any mode only the AccessKeyId is looked at, as for EC2.
func (h *Handler) authenticate(ctx context.Context, method string, p acsrpc.Params) (iam.Principal, error) {
	if h.auth == nil {
		return iam.Principal{}, errdefs.Wrap(errors.New("ecsapi: no iam service configured"), "an internal error occurred")
	}
	var principal iam.Principal
	res, err := acsrpc.Verify(p, acsrpc.VerifyOptions{
		Method:        method,
		Now:           h.clock.Now(),
		Nonces:        h.nonces,
		SkipSignature: h.auth.AnyMode(),
		Lookup: func(ak string) (string, error) {
			pr, secret, err := h.auth.Lookup(ctx, ak)
			principal = pr
			return secret, err
		},
	})
	if err != nil {
		return iam.Principal{}, err
	}
	if principal.AccountID == "" { // any mode: the verifier did not look the key up
		if principal, _, err = h.auth.Lookup(ctx, res.AccessKeyID); err != nil {
			return iam.Principal{}, err
		}
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
		if err := c.principal.Authorize(c.op.ramAction, res); err != nil {
			return err
		}
	}
	return nil
}

// writeError maps err through the error table and writes ECS's error document.
func (h *Handler) writeError(ctx context.Context, w http.ResponseWriter, r *http.Request, reqID, action string, f acsrpc.Format, err error) {
	e := errdefs.As(err)
	row, code, msg := lookupError(e)
	if row.status >= 500 {
		h.log.ErrorContext(ctx, "ecsapi: request failed", "request_id", reqID, "action", action,
			"code", code, "status", row.status, "err", err)
	} else {
		h.log.DebugContext(ctx, "ecsapi: request refused", "request_id", reqID, "action", action,
			"code", code, "status", row.status, "err", err)
	}
	acsrpc.WriteError(w, f, row.status, acsrpc.ErrorBody{RequestId: reqID, HostId: r.Host, Code: code, Message: msg,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + code + "&product=Ecs"})
}

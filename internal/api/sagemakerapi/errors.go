package sagemakerapi

import (
	"net/http"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/wire/awsjson"
	"strato/internal/wire/sigv4"
)

// errRow maps one (Kind, Resource) pair to SageMaker's error code, HTTP
// status and message. A row with an empty resource is the kind's default.
type errRow struct {
	kind   errdefs.Kind
	res    errdefs.Resource
	code   string
	status int
	// msg builds the client-visible message; nil sends the error's public
	// message, or fallback when that is empty.
	msg      func(e *errdefs.Error) string
	fallback string
}

// Messages SageMaker (and the AWS JSON services' common layer) send word
// for word.
const (
	msgRecordNotFound = "RecordNotFound"
	msgInternal       = "The request processing has failed because of an unknown error, exception or failure."
	msgUnrecognized   = "The security token included in the request is invalid"
	msgMissingToken   = "Request is missing Authentication Token"
	msgSignature      = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgThrottled      = "Rate exceeded"
)

// errTable is the one place that says how an error looks on SageMaker's
// wire. SageMaker answers nearly every client error, a missing notebook
// included, with HTTP 400 ValidationException; its modeled errors
// (ResourceLimitExceeded, ResourceInUse, ResourceNotFound) are 400 too.
var errTable = []errRow{
	// NotFound
	{kind: errdefs.NotFound, code: "ValidationException", status: http.StatusBadRequest, fallback: "The resource does not exist."},
	{kind: errdefs.NotFound, res: notebook.ResNotebook, code: "ValidationException", status: http.StatusBadRequest, msg: fixed(msgRecordNotFound)},
	{kind: errdefs.NotFound, res: notebook.ResLifecycleConfig, code: "ValidationException", status: http.StatusBadRequest,
		fallback: "Notebook Instance Lifecycle Config does not exist."},
	{kind: errdefs.NotFound, res: notebook.ResTaggedResource, code: "ValidationException", status: http.StatusBadRequest, fallback: "Resource does not exist"},
	{kind: errdefs.NotFound, res: errdefs.ResAccessKey, code: "UnrecognizedClientException", status: http.StatusBadRequest, msg: fixed(msgUnrecognized)},
	{kind: errdefs.NotFound, res: errdefs.ResAccount, code: "UnrecognizedClientException", status: http.StatusBadRequest, msg: fixed(msgUnrecognized)},

	// AlreadyExists: SageMaker answers a duplicate notebook instance with
	// ValidationException, not ResourceInUse.
	{kind: errdefs.AlreadyExists, code: "ResourceInUse", status: http.StatusBadRequest, fallback: "The resource is already in use."},
	{kind: errdefs.AlreadyExists, res: notebook.ResNotebook, code: "ValidationException", status: http.StatusBadRequest, msg: duplicateNotebookMsg},
	{kind: errdefs.AlreadyExists, res: notebook.ResLifecycleConfig, code: "ValidationException", status: http.StatusBadRequest,
		fallback: "Notebook Instance Lifecycle Config already exists."},

	// InvalidArgument: the service's validation, and the protocol's.
	{kind: errdefs.InvalidArgument, code: "ValidationException", status: http.StatusBadRequest, fallback: "The request is not valid."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResParameter, code: "ValidationException", status: http.StatusBadRequest, fallback: "The request is not valid."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResPageToken, code: "ValidationException", status: http.StatusBadRequest, fallback: "The pagination token is not valid."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResAction, code: "UnknownOperationException", status: http.StatusBadRequest, fallback: "The operation is not recognized."},
	{kind: errdefs.InvalidArgument, res: awsjson.ResTarget, code: "UnknownOperationException", status: http.StatusBadRequest, fallback: "The operation is not recognized."},
	{kind: errdefs.InvalidArgument, res: awsjson.ResMethod, code: "UnknownOperationException", status: http.StatusNotFound, fallback: "The operation is not recognized."},
	{kind: errdefs.InvalidArgument, res: awsjson.ResContentType, code: "UnknownOperationException", status: http.StatusNotFound, fallback: "The operation is not recognized."},
	{kind: errdefs.InvalidArgument, res: awsjson.ResSerialization, code: "SerializationException", status: http.StatusBadRequest, fallback: "The request body could not be read."},
	{kind: errdefs.InvalidArgument, res: awsjson.ResBodyTooLarge, code: "RequestEntityTooLargeException", status: http.StatusRequestEntityTooLarge,
		fallback: "The request body is too large."},

	// IncorrectState
	{kind: errdefs.IncorrectState, code: "ValidationException", status: http.StatusBadRequest, fallback: "The resource is not in a state that allows the operation."},
	{kind: errdefs.IncorrectState, res: notebook.ResNotebook, code: "ValidationException", status: http.StatusBadRequest,
		fallback: "The notebook instance is not in a state that allows the operation."},
	{kind: errdefs.IncorrectState, res: notebook.ResLifecycleConfig, code: "ValidationException", status: http.StatusBadRequest,
		fallback: "The lifecycle configuration is in use."},

	// PermissionDenied
	{kind: errdefs.PermissionDenied, code: "AccessDeniedException", status: http.StatusBadRequest, fallback: "You are not authorized to perform this operation."},

	// Unauthenticated (the AWS JSON services' wording)
	{kind: errdefs.Unauthenticated, code: "UnrecognizedClientException", status: http.StatusBadRequest, msg: fixed(msgUnrecognized)},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccessKey, code: "UnrecognizedClientException", status: http.StatusBadRequest, msg: fixed(msgUnrecognized)},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccount, code: "UnrecognizedClientException", status: http.StatusBadRequest, msg: fixed(msgUnrecognized)},
	{kind: errdefs.Unauthenticated, res: errdefs.ResSignature, code: "InvalidSignatureException", status: http.StatusBadRequest, fallback: msgSignature},
	{kind: errdefs.Unauthenticated, res: errdefs.ResRequestTime, code: "InvalidSignatureException", status: http.StatusBadRequest, fallback: "Signature expired."},
	{kind: errdefs.Unauthenticated, res: sigv4.ResMissingAuth, code: "MissingAuthenticationTokenException", status: http.StatusBadRequest, msg: fixed(msgMissingToken)},
	{kind: errdefs.Unauthenticated, res: sigv4.ResIncompleteSignature, code: "IncompleteSignatureException", status: http.StatusBadRequest,
		fallback: "The request signature does not conform to AWS standards."},

	// LimitExceeded
	{kind: errdefs.LimitExceeded, code: "ResourceLimitExceeded", status: http.StatusBadRequest, fallback: "You have exceeded an SageMaker resource limit."},

	// Throttled
	{kind: errdefs.Throttled, code: "ThrottlingException", status: http.StatusBadRequest, msg: fixed(msgThrottled)},

	// Unsupported: a valid request for something Strato does not do.
	{kind: errdefs.Unsupported, code: "ValidationException", status: http.StatusBadRequest, fallback: "The operation is not supported."},

	// Internal: the cause is logged, never sent.
	{kind: errdefs.Internal, code: "InternalFailure", status: http.StatusInternalServerError, msg: fixed(msgInternal)},

	// DryRun: SageMaker has no dry runs; a core that answered one has a bug.
	{kind: errdefs.DryRun, code: "InternalFailure", status: http.StatusInternalServerError, msg: fixed(msgInternal)},
}

// errKey names a row: a kind, refined by a resource.
type errKey = errdefs.Key

// errIndex finds a row by kind and resource.
var errIndex = errdefs.Index(errTable, func(r errRow) errKey { return errKey{Kind: r.kind, Resource: r.res} })

// internalRow answers errors of no known kind.
var internalRow = errIndex[errKey{Kind: errdefs.Internal, Resource: errdefs.ResNone}]

// lookupError returns the row for e and the message to send.
func lookupError(e *errdefs.Error) (errRow, string) {
	if e == nil {
		return internalRow, msgInternal
	}
	row, ok := errdefs.Row(errIndex, e)
	if !ok {
		row = internalRow
	}
	return row, row.message(e)
}

// message renders the row's message for e.
func (r errRow) message(e *errdefs.Error) string {
	if r.msg != nil {
		if m := r.msg(e); m != "" {
			return m
		}
	}
	if e.Public != "" && r.kind != errdefs.Internal {
		return e.Public
	}
	if r.fallback != "" {
		return r.fallback
	}
	return msgInternal
}

// fixed always sends s, whatever the error says.
func fixed(s string) func(*errdefs.Error) string {
	return func(*errdefs.Error) string { return s }
}

// duplicateNotebookMsg words a duplicate notebook from its ARN when the
// error carries no message of its own.
func duplicateNotebookMsg(e *errdefs.Error) string {
	if e.Public != "" || e.ID == "" {
		return ""
	}
	return notebook.Duplicate(e.ID).Public
}

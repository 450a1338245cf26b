package ecsapi

import (
	"net/http"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
)

// Resources the ECS frontend raises itself, refining errdefs' shared list.
const (
	resAPI          errdefs.Resource = "ecs-api"           // an unknown Action
	resMethod       errdefs.Resource = "ecs-method"        // an HTTP method other than GET and POST
	resRequest      errdefs.Resource = "ecs-request"       // an unreadable or too large request
	resStatus       errdefs.Resource = "ecs-status"        // DescribeInstances' Status is not a status
	resZone         errdefs.Resource = "ecs-zone"          // an unknown ZoneId
	resTagKey       errdefs.Resource = "ecs-tag-key"       // Tag.N.Key breaks ECS's rules
	resTagValue     errdefs.Resource = "ecs-tag-value"     // Tag.N.Value breaks ECS's rules
	resTagCount     errdefs.Resource = "ecs-tag-count"     // too many tags in a request
	resResourceType errdefs.Resource = "ecs-resource-type" // ResourceType other than instance
	resUserData     errdefs.Resource = "ecs-user-data"     // user data beyond ECS's 32 KB
	resParam        errdefs.Resource = "ecs-param"         // a parameter value ECS refuses; ID = its name
)

// errRow maps one (Kind, Resource) pair to ECS's code, HTTP status and
// message. A row with an empty resource is the kind's default.
type errRow struct {
	kind   errdefs.Kind
	res    errdefs.Resource
	code   string
	status int
	// codeOf, when set, builds the code from the error (Missing{Name}).
	codeOf func(e *errdefs.Error) string
	// msg builds the client-visible message; nil sends the error's public
	// message, or fallback when that is empty.
	msg      func(e *errdefs.Error) string
	fallback string
}

// Messages ECS and Alibaba Cloud's gateway send word for word.
const (
	msgInternal     = "The request processing has failed due to some unknown error, exception or failure."
	msgNotFound     = "The specified InstanceId does not exist."
	msgIncorrect    = "The current status of the resource does not support this operation."
	msgLocked       = "The specified operation is denied as your instance is locked for security reasons."
	msgConfirmStop  = "The input parameter ConfirmStop must be true when an instance have localstorage."
	msgNoStock      = "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones."
	msgDryRun       = "Request validation has been passed with DryRun flag set."
	msgForbiddenRAM = "User not authorized to operate on the specified resource, or this API doesn't support RAM."
)

// errTable is the one place that says how an error looks on ECS's wire.
// Sources: Alibaba Cloud's common (gateway) error codes, ECS's API reference
// (StartInstance, StartInstances, StopInstance = seed 003, RunInstances,
// DescribeInstances, RenewInstance error tables) and the security-lock
// appendix; see the package README notes in ../../../README.md.
var errTable = []errRow{
	// NotFound
	{kind: errdefs.NotFound, code: "InvalidResourceId.NotFound", status: http.StatusNotFound, fallback: "The specified ResourceIds are not found in our records."},
	{kind: errdefs.NotFound, res: errdefs.ResInstance, code: "InvalidInstanceId.NotFound", status: http.StatusNotFound, msg: fixed(msgNotFound)},
	{kind: errdefs.NotFound, res: errdefs.ResImage, code: "InvalidImageId.NotFound", status: http.StatusNotFound, msg: fixed("The specified ImageId does not exist.")},
	{kind: errdefs.NotFound, res: resZone, code: "InvalidZoneId.NotFound", status: http.StatusNotFound, msg: fixed("The specified zoneId does not exist.")},
	{kind: errdefs.NotFound, res: resStatus, code: "InvalidStatus.NotFound", status: http.StatusNotFound, msg: fixed("The specified Status is not found")},
	{kind: errdefs.NotFound, res: resAPI, code: "InvalidApi.NotFound", status: http.StatusNotFound, msg: fixed("Specified api is not found, please check your url and method.")},
	{kind: errdefs.NotFound, res: errdefs.ResAccessKey, code: "InvalidAccessKeyId.NotFound", status: http.StatusNotFound, msg: fixed("Specified access key is not found.")},

	// AlreadyExists
	{kind: errdefs.AlreadyExists, code: "InvalidParameter.Conflict", status: http.StatusBadRequest, fallback: "The resource already exists."},
	{kind: errdefs.AlreadyExists, res: errdefs.ResClientToken, code: "IdempotenceParamNotMatch", status: http.StatusBadRequest,
		msg: fixed("Request uses a client token in a previous request but is not identical to that request.")},

	// InvalidArgument
	{kind: errdefs.InvalidArgument, code: "InvalidParameter", status: http.StatusBadRequest, fallback: "The specified parameter is not valid."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResParameter, code: "InvalidParameter", status: http.StatusBadRequest, fallback: "The specified parameter is not valid."},
	{kind: errdefs.InvalidArgument, res: resParam, code: "InvalidParameter", status: http.StatusBadRequest, msg: paramMsg},
	{kind: errdefs.InvalidArgument, res: acsrpc.ResInvalid, codeOf: invalidCode, status: http.StatusBadRequest, msg: invalidMsg},
	{kind: errdefs.InvalidArgument, res: acsrpc.ResMissing, codeOf: missingCode, status: http.StatusBadRequest, msg: missingMsg},
	{kind: errdefs.InvalidArgument, res: errdefs.ResMissing, code: "MissingParameter", status: http.StatusBadRequest, msg: serviceMissingMsg},
	{kind: errdefs.InvalidArgument, res: acsrpc.ResTimestampFormat, code: "InvalidTimeStamp.Format", status: http.StatusBadRequest,
		msg: fixed("Specified time stamp or date value is not well formatted.")},
	{kind: errdefs.InvalidArgument, res: acsrpc.ResFormat, code: "InvalidParameter.Format", status: http.StatusBadRequest,
		msg: fixed("Specified parameter format is not valid.")},
	{kind: errdefs.InvalidArgument, res: resMethod, code: "UnsupportedHTTPMethod", status: http.StatusBadRequest, msg: fixed("This http method is not supported.")},
	{kind: errdefs.InvalidArgument, res: resRequest, code: "InvalidParameter", status: http.StatusBadRequest, fallback: "The request could not be read."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResInstanceType, code: "InvalidInstanceType.ValueNotSupported", status: http.StatusBadRequest,
		msg: fixed("The specified InstanceType does not exist or beyond the permitted range.")},
	{kind: errdefs.InvalidArgument, res: errdefs.ResCombination, code: "InvalidParameter.Conflict", status: http.StatusBadRequest, fallback: "The specified parameters conflict."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResPageToken, code: "InvalidParameter", status: http.StatusBadRequest,
		msg: fixed(`The specified parameter "NextToken" is not valid.`)},
	{kind: errdefs.InvalidArgument, res: instance.ResConfirmStop, code: "InstanceType.ParameterMismatch", status: http.StatusForbidden, msg: fixed(msgConfirmStop)},
	{kind: errdefs.InvalidArgument, res: resTagKey, code: "InvalidTagKey.Malformed", status: http.StatusBadRequest, msg: fixed("The specified Tag.n.Key is not valid.")},
	{kind: errdefs.InvalidArgument, res: resTagValue, code: "InvalidTagValue.Malformed", status: http.StatusBadRequest, msg: fixed("The specified Tag.n.Value is not valid.")},
	{kind: errdefs.InvalidArgument, res: resTagCount, code: "InvalidTagCount", status: http.StatusBadRequest, msg: fixed("The specified tags are beyond the permitted range.")},
	{kind: errdefs.InvalidArgument, res: resResourceType, code: "InvalidResourceType.NotSupported", status: http.StatusBadRequest,
		msg: fixed("The specified ResourceType is not supported.")},
	{kind: errdefs.InvalidArgument, res: resUserData, code: "InvalidUserData.SizeExceeded", status: http.StatusBadRequest,
		msg: fixed(`The specified parameter "UserData" exceeds the size.`)},

	// IncorrectState
	{kind: errdefs.IncorrectState, code: "IncorrectInstanceStatus", status: http.StatusForbidden, msg: fixed(msgIncorrect)},
	{kind: errdefs.IncorrectState, res: errdefs.ResInstance, code: "IncorrectInstanceStatus", status: http.StatusForbidden, msg: fixed(msgIncorrect)},

	// PermissionDenied
	{kind: errdefs.PermissionDenied, code: "Forbidden.RAM", status: http.StatusForbidden, msg: fixed(msgForbiddenRAM)},
	{kind: errdefs.PermissionDenied, res: instance.ResSecurityLock, code: "InstanceLockedForSecurity", status: http.StatusForbidden, msg: fixed(msgLocked)},
	{kind: errdefs.PermissionDenied, res: errdefs.ResProtection, code: "InvalidOperation.DeletionProtection", status: http.StatusForbidden,
		msg: fixed("The instance is protected from being released. Disable DeletionProtection and try again.")},

	// Unauthenticated
	{kind: errdefs.Unauthenticated, code: "IncompleteSignature", status: http.StatusBadRequest, msg: fixed("The request signature does not conform to Aliyun standards.")},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccessKey, code: "InvalidAccessKeyId.NotFound", status: http.StatusNotFound, msg: fixed("Specified access key is not found.")},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccount, code: "InvalidAccessKeyId.NotFound", status: http.StatusNotFound, msg: fixed("Specified access key is not found.")},
	// The message carries the server's string to sign, as Alibaba's does:
	// the SDKs compare it with theirs to tell a wrong secret from a bug.
	{kind: errdefs.Unauthenticated, res: errdefs.ResSignature, code: "SignatureDoesNotMatch", status: http.StatusBadRequest,
		fallback: "Specified signature is not matched with our calculation."},
	{kind: errdefs.Unauthenticated, res: errdefs.ResRequestTime, code: "InvalidTimeStamp.Expired", status: http.StatusBadRequest,
		msg: fixed("Specified time stamp or date value is expired.")},
	{kind: errdefs.Unauthenticated, res: acsrpc.ResNonceUsed, code: "SignatureNonceUsed", status: http.StatusBadRequest,
		msg: fixed("Specified signature nonce was used already.")},
	{kind: errdefs.Unauthenticated, res: acsrpc.ResSignatureMethod, code: "InvalidSignatureMethod", status: http.StatusBadRequest,
		msg: fixed("Specified signature method is not valid.")},

	// LimitExceeded
	{kind: errdefs.LimitExceeded, code: "QuotaExceed", status: http.StatusForbidden, fallback: "The quota is exceeded."},
	{kind: errdefs.LimitExceeded, res: errdefs.ResCapacity, code: "OperationDenied.NoStock", status: http.StatusForbidden, msg: fixed(msgNoStock)},
	{kind: errdefs.LimitExceeded, res: errdefs.ResInstanceLimit, code: "QuotaExceed.AfterpayInstance", status: http.StatusBadRequest,
		msg: fixed("Living afterpay instances quota exceeded.")},
	{kind: errdefs.LimitExceeded, res: errdefs.ResTag, code: "InvalidTagCount", status: http.StatusBadRequest, msg: fixed("The specified tags are beyond the permitted range.")},

	// Throttled
	{kind: errdefs.Throttled, code: "Throttling", status: http.StatusBadRequest, msg: fixed("Request was denied due to request throttling.")},

	// Unsupported
	{kind: errdefs.Unsupported, code: "OperationDenied", status: http.StatusForbidden, fallback: "The operation is not supported."},

	// Internal: the cause is logged, never sent.
	{kind: errdefs.Internal, code: "InternalError", status: http.StatusInternalServerError, msg: fixed(msgInternal)},
	{kind: errdefs.Internal, res: errdefs.ResCapacity, code: "OperationDenied.NoStock", status: http.StatusForbidden, msg: fixed(msgNoStock)},

	// DryRun
	{kind: errdefs.DryRun, code: "DryRunOperation", status: http.StatusBadRequest, msg: fixed(msgDryRun)},
}

// errKey names a row: a kind, refined by a resource.
type errKey = errdefs.Key

// errIndex finds a row by kind and resource.
var errIndex = errdefs.Index(errTable, func(r errRow) errKey { return errKey{Kind: r.kind, Resource: r.res} })

// internalRow answers errors of no known kind.
var internalRow = errIndex[errKey{Kind: errdefs.Internal, Resource: errdefs.ResNone}]

// lookupError returns the row for e, the code and the message to send.
func lookupError(e *errdefs.Error) (errRow, string, string) {
	if e == nil {
		return internalRow, internalRow.code, msgInternal
	}
	row, ok := errdefs.Row(errIndex, e)
	if !ok {
		row = internalRow
	}
	code := row.code
	if row.codeOf != nil {
		code = row.codeOf(e)
	}
	return row, code, row.message(e)
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

// commonParams are the gateway's parameters: a problem with one of them is
// answered Missing{Name} / Invalid{Name}, others MissingParameter /
// InvalidParameter.
var commonParams = map[string]bool{
	"Action": true, "Version": true, "AccessKeyId": true, "Signature": true, "SignatureMethod": true,
	"SignatureVersion": true, "SignatureNonce": true, "SignatureType": true, "Timestamp": true, "Format": true,
}

// missingCode is Missing{Name}, the gateway's code for an absent required
// parameter (MissingInstanceId, MissingAction, …).
func missingCode(e *errdefs.Error) string {
	if e.ID == "" {
		return "MissingParameter"
	}
	return "Missing" + e.ID
}

func missingMsg(e *errdefs.Error) string {
	if e.ID == "" {
		return ""
	}
	return e.ID + " is mandatory for this action."
}

// serviceMissingMsg is ECS's own wording for a required parameter the
// service (not the gateway) checks.
func serviceMissingMsg(e *errdefs.Error) string {
	if e.ID == "" {
		return ""
	}
	return `The input parameter "` + e.ID + `" that is mandatory for processing this request is not supplied.`
}

// invalidCode is Invalid{Name} for the gateway's parameters,
// InvalidParameter for the others.
func invalidCode(e *errdefs.Error) string {
	if commonParams[e.ID] {
		return "Invalid" + e.ID
	}
	return "InvalidParameter"
}

func invalidMsg(e *errdefs.Error) string {
	if commonParams[e.ID] {
		return "Specified parameter " + e.ID + " is not valid."
	}
	return paramMsg(e)
}

// paramMsg is ECS's `The specified parameter "Name" is not valid.`.
func paramMsg(e *errdefs.Error) string {
	if e.ID == "" {
		return ""
	}
	return `The specified parameter "` + e.ID + `" is not valid.`
}

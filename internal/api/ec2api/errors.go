package ec2api

import (
	"net/http"
	"strings"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/sigv4"
)

// Resources the EC2 frontend raises itself, refining errdefs' shared list.
const (
	resMissingAction errdefs.Resource = "action-missing" // no Action parameter
	resVersion       errdefs.Resource = "version"        // an unknown API version
	resRequest       errdefs.Resource = "request"        // an unreadable request
	resResourceID    errdefs.Resource = "resource-id"    // a malformed id of any resource type
	resVolume        errdefs.Resource = "volume"         // an EBS volume
	resMissingAuth   errdefs.Resource = "missing-auth"   // no signature at all
	resIncompleteSig errdefs.Resource = "incomplete-signature"
	resZone          errdefs.Resource = "availability-zone"
	resRegion        errdefs.Resource = "region"
)

// errRow maps one (Kind, Resource) pair to EC2's wire code, HTTP status and
// message. A row with an empty resource is the kind's default.
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

// Messages EC2 sends word for word.
const (
	msgUnauthorized = "You are not authorized to perform this operation."
	msgDryRun       = "Request would have succeeded, but DryRun flag is set."
	msgInternal     = "An internal error has occurred"
	msgAuthFailure  = "AWS was not able to validate the provided access credentials"
	msgSignature    = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// errTable is the one place that says how an error looks on EC2's wire.
// Real EC2 answers nearly every client error with 400; the exceptions are
// AuthFailure (401), UnauthorizedOperation and SignatureDoesNotMatch (403),
// DryRunOperation (412), InternalError and InsufficientInstanceCapacity (500)
// and RequestLimitExceeded (503).
var errTable = []errRow{
	// NotFound
	{kind: errdefs.NotFound, code: "InvalidParameterValue", status: http.StatusBadRequest, fallback: "The specified resource does not exist."},
	{kind: errdefs.NotFound, res: errdefs.ResInstance, code: "InvalidInstanceID.NotFound", status: http.StatusBadRequest, msg: instanceNotFoundMsg},
	{kind: errdefs.NotFound, res: errdefs.ResImage, code: "InvalidAMIID.NotFound", status: http.StatusBadRequest, msg: imageNotFoundMsg},
	{kind: errdefs.NotFound, res: errdefs.ResInstanceType, code: "InvalidInstanceType", status: http.StatusBadRequest, msg: instanceTypeNotFoundMsg},
	{kind: errdefs.NotFound, res: errdefs.ResVolume, code: "InvalidVolume.NotFound", status: http.StatusBadRequest, msg: volumeNotFoundMsg},
	{kind: errdefs.NotFound, res: errdefs.ResAccessKey, code: "AuthFailure", status: http.StatusUnauthorized, msg: fixed(msgAuthFailure)},
	{kind: errdefs.NotFound, res: errdefs.ResAccount, code: "AuthFailure", status: http.StatusUnauthorized, msg: fixed(msgAuthFailure)},

	// AlreadyExists
	{kind: errdefs.AlreadyExists, code: "InvalidParameterValue", status: http.StatusBadRequest, fallback: "The resource already exists."},
	{kind: errdefs.AlreadyExists, res: errdefs.ResClientToken, code: "IdempotentParameterMismatch", status: http.StatusBadRequest,
		fallback: "The client token you have provided is associated with a resource that is already deleted or with a request that has different parameters."},

	// InvalidArgument
	{kind: errdefs.InvalidArgument, code: "InvalidParameterValue", status: http.StatusBadRequest, fallback: "A parameter value is not valid."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResInstance, code: "InvalidInstanceID.Malformed", status: http.StatusBadRequest, msg: malformedIDMsg("")},
	{kind: errdefs.InvalidArgument, res: errdefs.ResImage, code: "InvalidAMIID.Malformed", status: http.StatusBadRequest, msg: malformedIDMsg("ami-...")},
	{kind: errdefs.InvalidArgument, res: errdefs.ResVolume, code: "InvalidVolumeID.Malformed", status: http.StatusBadRequest, fallback: "The volume ID is malformed."},
	{kind: errdefs.InvalidArgument, res: resResourceID, code: "InvalidID", status: http.StatusBadRequest, msg: invalidIDMsg},
	{kind: errdefs.InvalidArgument, res: errdefs.ResInstanceType, code: "InvalidParameterValue", status: http.StatusBadRequest, msg: invalidInstanceTypeMsg},
	{kind: errdefs.InvalidArgument, res: errdefs.ResParameter, code: "InvalidParameterValue", status: http.StatusBadRequest, fallback: "A parameter value is not valid."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResFilter, code: "InvalidParameterValue", status: http.StatusBadRequest, msg: filterMsg},
	{kind: errdefs.InvalidArgument, res: errdefs.ResTag, code: "InvalidParameterValue", status: http.StatusBadRequest, fallback: "A tag is not valid."},
	{kind: errdefs.InvalidArgument, res: resZone, code: "InvalidParameterValue", status: http.StatusBadRequest, fallback: "Invalid availability zone."},
	{kind: errdefs.InvalidArgument, res: resRegion, code: "InvalidParameterValue", status: http.StatusBadRequest, fallback: "Invalid region."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResMissing, code: "MissingParameter", status: http.StatusBadRequest, msg: missingMsg},
	{kind: errdefs.InvalidArgument, res: errdefs.ResCombination, code: "InvalidParameterCombination", status: http.StatusBadRequest, fallback: "The parameter combination is not valid."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResPageToken, code: "InvalidPaginationToken", status: http.StatusBadRequest, fallback: "The specified pagination token is not valid or is expired."},
	{kind: errdefs.InvalidArgument, res: errdefs.ResAction, code: "InvalidAction", status: http.StatusBadRequest, msg: actionMsg},
	{kind: errdefs.InvalidArgument, res: resMissingAction, code: "MissingAction", status: http.StatusBadRequest, fallback: "The request must contain the parameter Action"},
	{kind: errdefs.InvalidArgument, res: resVersion, code: "NoSuchVersion", status: http.StatusBadRequest, fallback: "The requested version of service AmazonEC2 does not exist"},
	{kind: errdefs.InvalidArgument, res: resRequest, code: "InvalidRequest", status: http.StatusBadRequest, fallback: "The request received was invalid."},

	// IncorrectState
	{kind: errdefs.IncorrectState, code: "IncorrectState", status: http.StatusBadRequest, fallback: "The resource is in an incorrect state for the request."},
	{kind: errdefs.IncorrectState, res: errdefs.ResInstance, code: "IncorrectInstanceState", status: http.StatusBadRequest, msg: incorrectInstanceStateMsg},

	// PermissionDenied
	{kind: errdefs.PermissionDenied, code: "UnauthorizedOperation", status: http.StatusForbidden, msg: fixed(msgUnauthorized)},
	{kind: errdefs.PermissionDenied, res: errdefs.ResProtection, code: "OperationNotPermitted", status: http.StatusBadRequest, fallback: "The operation is not permitted."},
	// An operator's security lock (Strato's admin API; EC2 has no such lock).
	{kind: errdefs.PermissionDenied, res: instance.ResSecurityLock, code: "OperationNotPermitted", status: http.StatusBadRequest, fallback: "The instance is locked for security reasons."},

	// Unauthenticated
	{kind: errdefs.Unauthenticated, code: "AuthFailure", status: http.StatusUnauthorized, msg: fixed(msgAuthFailure)},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccessKey, code: "AuthFailure", status: http.StatusUnauthorized, msg: fixed(msgAuthFailure)},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccount, code: "AuthFailure", status: http.StatusUnauthorized, msg: fixed(msgAuthFailure)},
	{kind: errdefs.Unauthenticated, res: errdefs.ResSignature, code: "SignatureDoesNotMatch", status: http.StatusForbidden, msg: fixed(msgSignature)},
	{kind: errdefs.Unauthenticated, res: errdefs.ResRequestTime, code: "RequestExpired", status: http.StatusBadRequest, fallback: "Request has expired."},
	// EC2 answers a request with no credentials at all this way (public
	// captures of live EC2 endpoints show HTTP 400, MissingParameter).
	{kind: errdefs.Unauthenticated, res: sigv4.ResMissingAuth, code: "MissingParameter", status: http.StatusBadRequest, msg: fixed("The request must contain the parameter AWSAccessKeyId")},
	{kind: errdefs.Unauthenticated, res: sigv4.ResIncompleteSignature, code: "IncompleteSignature", status: http.StatusBadRequest, fallback: "The request signature does not conform to AWS standards."},

	// LimitExceeded
	{kind: errdefs.LimitExceeded, code: "ResourceLimitExceeded", status: http.StatusBadRequest, fallback: "You have exceeded a resource limit."},
	{kind: errdefs.LimitExceeded, res: errdefs.ResInstanceLimit, code: "InstanceLimitExceeded", status: http.StatusBadRequest,
		fallback: "You have requested more instances than your current instance limit allows for the specified instance type."},
	{kind: errdefs.LimitExceeded, res: errdefs.ResCapacity, code: "InsufficientInstanceCapacity", status: http.StatusInternalServerError,
		fallback: "We currently do not have sufficient capacity to fulfill your request."},
	{kind: errdefs.LimitExceeded, res: errdefs.ResTag, code: "TagLimitExceeded", status: http.StatusBadRequest, fallback: "The maximum number of tags has been reached."},

	// Throttled
	{kind: errdefs.Throttled, code: "RequestLimitExceeded", status: http.StatusServiceUnavailable, msg: fixed("Request limit exceeded.")},

	// Unsupported
	{kind: errdefs.Unsupported, code: "UnsupportedOperation", status: http.StatusBadRequest, fallback: "The operation is not supported."},
	{kind: errdefs.Unsupported, res: errdefs.ResHibernation, code: "UnsupportedHibernationConfiguration", status: http.StatusBadRequest,
		fallback: "The instance is not configured for hibernation."},

	// Internal: the cause is logged, never sent.
	{kind: errdefs.Internal, code: "InternalError", status: http.StatusInternalServerError, msg: fixed(msgInternal)},
	{kind: errdefs.Internal, res: errdefs.ResCapacity, code: "InsufficientInstanceCapacity", status: http.StatusInternalServerError,
		msg: fixed("We currently do not have sufficient capacity to fulfill your request.")},

	// DryRun
	{kind: errdefs.DryRun, code: "DryRunOperation", status: http.StatusPreconditionFailed, msg: fixed(msgDryRun)},
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

// splitIDs splits an error's comma-separated ID list.
func splitIDs(id string) []string {
	var out []string
	for _, s := range strings.Split(id, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func instanceNotFoundMsg(e *errdefs.Error) string {
	ids := splitIDs(e.ID)
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return "The instance ID '" + ids[0] + "' does not exist"
	}
	return "The instance IDs '" + strings.Join(ids, ", ") + "' do not exist"
}

func imageNotFoundMsg(e *errdefs.Error) string {
	ids := splitIDs(e.ID)
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return "The image id '[" + ids[0] + "]' does not exist"
	}
	return "The image ids '[" + strings.Join(ids, ", ") + "]' do not exist"
}

func instanceTypeNotFoundMsg(e *errdefs.Error) string {
	ids := splitIDs(e.ID)
	if len(ids) == 0 {
		return ""
	}
	return "The following supplied instance types do not exist: [" + strings.Join(ids, ", ") + "]"
}

func volumeNotFoundMsg(e *errdefs.Error) string {
	ids := splitIDs(e.ID)
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return "The volume '" + ids[0] + "' does not exist."
	}
	return "The volumes '" + strings.Join(ids, ", ") + "' do not exist."
}

// malformedIDMsg renders EC2's `Invalid id: "x"` with an optional hint of the
// expected prefix.
func malformedIDMsg(expecting string) func(*errdefs.Error) string {
	return func(e *errdefs.Error) string {
		if e.ID == "" {
			return ""
		}
		m := `Invalid id: "` + e.ID + `"`
		if expecting != "" {
			m += ` (expecting "` + expecting + `")`
		}
		return m
	}
}

func invalidIDMsg(e *errdefs.Error) string {
	if e.ID == "" {
		return ""
	}
	return "The ID '" + e.ID + "' is not valid"
}

func invalidInstanceTypeMsg(e *errdefs.Error) string {
	if e.Public != "" || e.ID == "" {
		return ""
	}
	return "Invalid value '" + e.ID + "' for InstanceType."
}

func filterMsg(e *errdefs.Error) string {
	if e.Public != "" || e.ID == "" {
		return ""
	}
	return "The filter '" + e.ID + "' is invalid"
}

func missingMsg(e *errdefs.Error) string {
	if e.Public != "" || e.ID == "" {
		return ""
	}
	return "The request must contain the parameter " + e.ID
}

func actionMsg(e *errdefs.Error) string {
	if e.ID == "" {
		return ""
	}
	return "The action " + e.ID + " is not valid for this web service."
}

func incorrectInstanceStateMsg(e *errdefs.Error) string {
	if e.Public != "" || e.ID == "" {
		return ""
	}
	return "The instance '" + e.ID + "' is not in a state from which the request can be performed."
}

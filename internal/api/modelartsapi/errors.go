package modelartsapi

import (
	"errors"
	"fmt"
	"net/http"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/wire/apig"
)

// Resources the frontend raises itself, refining errdefs' shared list. The
// ID of an error carries what its message needs (a property name, a
// character, an image id, a payload detail).
const (
	resRoute           errdefs.Resource = "modelarts-route"            // no API at this method and path
	resTooLarge        errdefs.Resource = "modelarts-body-size"        // the body exceeds MaxBodyBytes
	resPayload         errdefs.Resource = "modelarts-payload"          // malformed JSON or a wrong type; ID = detail
	resRequired        errdefs.Resource = "modelarts-required"         // a required property is absent; ID = its name
	resValue           errdefs.Resource = "modelarts-value"            // a property's value is refused; ID = its name
	resCharacter       errdefs.Resource = "modelarts-character"        // a character not allowed in name or description; ID = it
	resSort            errdefs.Resource = "modelarts-sort"             // an unknown sort key
	resStorage         errdefs.Resource = "modelarts-storage"          // DevEnviron spec without storage
	resLocation        errdefs.Resource = "modelarts-location-type"    // a storage type other than EVS
	resFlavor          errdefs.Resource = "modelarts-flavor"           // an unknown flavor
	resVolumeSize      errdefs.Resource = "modelarts-volume-size"      // an EVS size out of range
	resDuration        errdefs.Resource = "modelarts-duration"         // an auto-stop duration out of range
	resDurationMissing errdefs.Resource = "modelarts-duration-missing" // auto stop enabled without a duration
	resImage           errdefs.Resource = "modelarts-image"            // an unknown image; ID = its id
	resWorkspace       errdefs.Resource = "modelarts-workspace"        // a workspace other than "0"; ID = its id
	resProject         errdefs.Resource = "modelarts-project"          // the path's project is not the caller's
)

// errRow maps one (Kind, Resource) pair to ModelArts's (or API Gateway's)
// code, HTTP status and message. A row with an empty resource is the
// kind's default.
type errRow struct {
	kind errdefs.Kind
	res  errdefs.Resource
	code string
	// nbCode, when set, is the code on the Notebook API (which answers an
	// unknown notebook with ModelArts.6404, not the DevEnviron's 6309).
	nbCode string
	status int
	// gateway marks API Gateway's codes, sent in the gateway's document
	// (error_code, error_msg, request_id) whichever API was called.
	gateway bool
	// auth takes the code and status from apig.Code.
	auth bool
	// codeOf, when set, picks code and message from the error.
	codeOf func(e *errdefs.Error) (code, msg string)
	// msg builds the client-visible message; nil (or "") sends the error's
	// public message, or fallback when that is empty.
	msg      func(e *errdefs.Error) string
	fallback string
}

// Messages ModelArts and API Gateway send word for word (ModelArts's API
// reference, "Error Codes"; API Gateway's error table).
const (
	msgNotExist       = "The instance does not exist."
	msgExists         = "The instance already exists."
	msgRoute          = "The API does not exist or has not been published in the environment."
	msgTooLarge       = "Request entity too large"
	msgProject        = "The project id in the request URL does not match the token."
	msgParameter      = "Parameter error."
	msgInternal       = "ModelArts internal service or configuration error."
	msgStorage        = "The param 'storage' is needed for creating notebook instance."
	msgLocation       = "This location type is not supported. Please check it."
	msgFlavor         = "The flavor is not supported, please check it."
	msgSort           = "The field does not support sorting."
	msgDurationNeeded = "The 'duration' parameter is mandatory for enabling auto stop."
	msgThrottled      = "The throttling threshold has been reached."
	msgInstanceCount  = "The instance count already reaches the maximum value."
	msgNoResources    = "Failed to start the notebook due to insufficient background resources. Try again later."
	msgAuthFallback   = "Incorrect IAM authentication information."
)

// Codes of a refused transition (ModelArts's 63xx table).
const (
	codeDeleteRunning = "ModelArts.6304"
	codeRunning       = "ModelArts.6305"
	codeStarting      = "ModelArts.6306"
	codeStopped       = "ModelArts.6307"
	codeStopping      = "ModelArts.6308"
	codeInProgress    = "ModelArts.6357"
)

// errTable is the one place that says how an error looks on ModelArts's
// wire. ModelArts answers nearly every client error with HTTP 400 and a
// ModelArts.xxxx code, an unknown instance included; the project check and
// a policy refusal are 403; API Gateway's codes (the route, the body size,
// authentication, throttling) keep the gateway's statuses.
var errTable = []errRow{
	// NotFound. ModelArts.6404's text is not published (the Notebook API's
	// "notebook not found"; Huawei's terraform provider treats 6309, 6357
	// and 6404 with HTTP 400 as "gone"); Strato sends 6309's words.
	{kind: errdefs.NotFound, code: "ModelArts.6309", nbCode: "ModelArts.6404", status: http.StatusBadRequest, fallback: msgNotExist},
	{kind: errdefs.NotFound, res: notebook.ResNotebook, code: "ModelArts.6309", nbCode: "ModelArts.6404", status: http.StatusBadRequest, msg: fixed(msgNotExist)},
	{kind: errdefs.NotFound, res: resRoute, code: "APIG.0101", status: http.StatusNotFound, gateway: true, msg: fixed(msgRoute)},
	{kind: errdefs.NotFound, res: resImage, code: "ModelArts.6797", status: http.StatusBadRequest, msg: withID("Specified image %s cannot be found.")},
	{kind: errdefs.NotFound, res: resWorkspace, code: "ModelArts.7005", status: http.StatusBadRequest, msg: withID("workspace:%s not existed")},
	{kind: errdefs.NotFound, res: errdefs.ResAccessKey, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},
	{kind: errdefs.NotFound, res: errdefs.ResAccount, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},

	// AlreadyExists: only DevEnviron names are unique.
	{kind: errdefs.AlreadyExists, code: "ModelArts.6301", status: http.StatusBadRequest, msg: fixed(msgExists)},
	{kind: errdefs.AlreadyExists, res: notebook.ResNotebook, code: "ModelArts.6301", status: http.StatusBadRequest, msg: fixed(msgExists)},

	// InvalidArgument: the frontend's validation, and the service's.
	{kind: errdefs.InvalidArgument, code: "ModelArts.0104", status: http.StatusBadRequest, fallback: msgParameter},
	{kind: errdefs.InvalidArgument, res: errdefs.ResParameter, code: "ModelArts.0104", status: http.StatusBadRequest, fallback: msgParameter},
	{kind: errdefs.InvalidArgument, res: resTooLarge, code: "APIG.0201", status: http.StatusRequestEntityTooLarge, gateway: true, msg: fixed(msgTooLarge)},
	{kind: errdefs.InvalidArgument, res: resPayload, code: "ModelArts.6400", status: http.StatusBadRequest, msg: withID("Invalid request payload %s, please check.")},
	{kind: errdefs.InvalidArgument, res: resRequired, code: "ModelArts.6335", status: http.StatusBadRequest, msg: withID("'%s' is a required property.")},
	{kind: errdefs.InvalidArgument, res: resValue, code: "ModelArts.6336", status: http.StatusBadRequest, msg: withID("'%s' property value is incorrect.")},
	{kind: errdefs.InvalidArgument, res: resCharacter, code: "ModelArts.6334", status: http.StatusBadRequest,
		msg: withID("Invalid value for name or description. The character `%s` is not allowed.")},
	{kind: errdefs.InvalidArgument, res: resSort, code: "ModelArts.6303", status: http.StatusBadRequest, msg: fixed(msgSort)},
	{kind: errdefs.InvalidArgument, res: resStorage, code: "ModelArts.6316", status: http.StatusBadRequest, msg: fixed(msgStorage)},
	{kind: errdefs.InvalidArgument, res: resFlavor, code: "ModelArts.6323", status: http.StatusBadRequest, msg: fixed(msgFlavor)},
	// The ranges depend on the API and Config.MinAutoStop: the raiser words them.
	{kind: errdefs.InvalidArgument, res: resVolumeSize, code: "ModelArts.6331", status: http.StatusBadRequest,
		fallback: fmt.Sprintf("The evs volume size ranges from %d GB to %d GB.", minVolumeGB, maxVolumeGB)},
	{kind: errdefs.InvalidArgument, res: resDuration, code: "ModelArts.6349", status: http.StatusBadRequest,
		fallback: "The 'duration' parameter is incorrect."},
	{kind: errdefs.InvalidArgument, res: resDurationMissing, code: "ModelArts.6348", status: http.StatusBadRequest, msg: fixed(msgDurationNeeded)},

	// IncorrectState: the code says which status refused which operation;
	// the service's (SageMaker's) wording is never sent.
	{kind: errdefs.IncorrectState, status: http.StatusBadRequest, codeOf: stateCode},
	{kind: errdefs.IncorrectState, res: notebook.ResNotebook, status: http.StatusBadRequest, codeOf: stateCode},

	// PermissionDenied
	{kind: errdefs.PermissionDenied, code: "ModelArts.0108", status: http.StatusForbidden,
		msg: withID("You are not authorized to perform the (%s) operation.")},
	{kind: errdefs.PermissionDenied, res: resProject, code: "ModelArts.0210", status: http.StatusForbidden, msg: fixed(msgProject)},

	// Unauthenticated: API Gateway's APIG.0301 (apig.Code) with the
	// verifier's "Incorrect IAM authentication information: …" message.
	{kind: errdefs.Unauthenticated, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccessKey, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},
	{kind: errdefs.Unauthenticated, res: errdefs.ResAccount, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},
	{kind: errdefs.Unauthenticated, res: errdefs.ResSignature, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},
	{kind: errdefs.Unauthenticated, res: errdefs.ResRequestTime, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},
	{kind: errdefs.Unauthenticated, res: apig.ResMissingAuth, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},
	{kind: errdefs.Unauthenticated, res: apig.ResIncompleteSignature, code: "APIG.0301", status: http.StatusUnauthorized, gateway: true, auth: true, fallback: msgAuthFallback},

	// LimitExceeded
	{kind: errdefs.LimitExceeded, code: "ModelArts.6302", status: http.StatusBadRequest, fallback: msgInstanceCount},
	{kind: errdefs.LimitExceeded, res: errdefs.ResCapacity, code: "ModelArts.6360", status: http.StatusBadRequest, msg: fixed(msgNoResources)},

	// Throttled: the gateway's.
	{kind: errdefs.Throttled, code: "APIG.0308", status: http.StatusTooManyRequests, gateway: true, msg: fixed(msgThrottled)},

	// Unsupported: a valid request for something Strato does not do.
	{kind: errdefs.Unsupported, code: "ModelArts.0104", status: http.StatusBadRequest, fallback: msgParameter},
	{kind: errdefs.Unsupported, res: resLocation, code: "ModelArts.6324", status: http.StatusBadRequest, msg: fixed(msgLocation)},

	// Internal: the cause is logged, never sent. ModelArts lists 6361 for
	// its own failures; Strato answers it with HTTP 500.
	{kind: errdefs.Internal, code: "ModelArts.6361", status: http.StatusInternalServerError, msg: fixed(msgInternal)},

	// DryRun: ModelArts has no dry runs; a core that answered one has a bug.
	{kind: errdefs.DryRun, code: "ModelArts.6361", status: http.StatusInternalServerError, msg: fixed(msgInternal)},
}

// errKey names a row: a kind, refined by a resource.
type errKey = errdefs.Key

// errIndex finds a row by kind and resource.
var errIndex = errdefs.Index(errTable, func(r errRow) errKey { return errKey{Kind: r.kind, Resource: r.res} })

// internalRow answers errors of no known kind.
var internalRow = errIndex[errKey{Kind: errdefs.Internal, Resource: errdefs.ResNone}]

// lookupError returns the row for e on API a, and the code, HTTP status
// and message to send.
func lookupError(a api, e *errdefs.Error) (row errRow, code string, status int, msg string) {
	if e == nil {
		return internalRow, internalRow.code, internalRow.status, msgInternal
	}
	row, ok := errdefs.Row(errIndex, e)
	if !ok {
		row = internalRow
	}
	code, status, msg = row.code, row.status, row.message(e)
	if a == apiNotebook && row.nbCode != "" {
		code = row.nbCode
	}
	if row.codeOf != nil {
		code, msg = row.codeOf(e)
	}
	if row.auth {
		if c, s := apig.Code(e); s == http.StatusUnauthorized {
			code, status = c, s
		}
	}
	return row, code, status, msg
}

// message renders the row's message for e.
func (r errRow) message(e *errdefs.Error) string {
	if r.msg != nil {
		if m := r.msg(e); m != "" {
			return m
		}
	}
	if e.Public != "" && r.kind != errdefs.Internal && r.kind != errdefs.DryRun {
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

// withID fills the error's ID into format; an error without an ID gets
// its public message (or the row's fallback).
func withID(format string) func(*errdefs.Error) string {
	return func(e *errdefs.Error) string {
		if e.ID == "" {
			return ""
		}
		return fmt.Sprintf(format, errdefs.Clip(e.ID, 256))
	}
}

// stateCode picks ModelArts's code for a refused transition from its
// *notebook.StateError: the operation and the status it was refused in.
func stateCode(e *errdefs.Error) (code, msg string) {
	var se *notebook.StateError
	if !errors.As(e, &se) {
		return codeInProgress, msgStates[codeInProgress]
	}
	switch {
	case se.Op == notebook.OpDelete && se.From == notebook.InService:
		code = codeDeleteRunning
	case se.Op == notebook.OpStart && se.From == notebook.InService:
		code = codeRunning
	case se.From == notebook.Pending && se.Served:
		code = codeStarting
	case se.Op == notebook.OpStop && se.From == notebook.Stopped:
		code = codeStopped
	case se.From == notebook.Stopping:
		code = codeStopping
	default:
		// Creating, deleting, stopping a failed notebook, …
		code = codeInProgress
	}
	return code, msgStates[code]
}

// msgStates are the messages of the transition codes.
var msgStates = map[string]string{
	codeDeleteRunning: "Please stop the instance before deleting.",
	codeRunning:       "The instance is already running.",
	codeStarting:      "The instance is starting.",
	codeStopped:       "The instance has already been stopped.",
	codeStopping:      "The instance is stopping.",
	codeInProgress:    "The operation is not allowed because another operation is being performed on the instance or the instance is in the target state.",
}

// Package errdefs defines the provider-neutral error kinds that every layer of
// Strato speaks. Frontends translate a (Kind, Resource) pair into their cloud's
// wire code in one table; the public message is what clients see, the wrapped
// cause is only logged.
package errdefs

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Kind classifies an error independently of any cloud's vocabulary.
type Kind int

// The kinds. Keep this list short: a frontend must map every one of them.
const (
	Unknown Kind = iota
	NotFound
	AlreadyExists
	InvalidArgument
	IncorrectState
	PermissionDenied
	Unauthenticated
	LimitExceeded
	Throttled
	Unsupported
	Internal
	// DryRun reports that a dry-run request would have succeeded. Both EC2 and
	// ECS answer such a request with an error response, so it travels as one.
	DryRun
)

// Kinds lists every kind, for tables that must cover them all.
var Kinds = []Kind{NotFound, AlreadyExists, InvalidArgument, IncorrectState, PermissionDenied,
	Unauthenticated, LimitExceeded, Throttled, Unsupported, Internal, DryRun}

var kindNames = map[Kind]string{
	Unknown: "unknown", NotFound: "not found", AlreadyExists: "already exists",
	InvalidArgument: "invalid argument", IncorrectState: "incorrect state",
	PermissionDenied: "permission denied", Unauthenticated: "unauthenticated",
	LimitExceeded: "limit exceeded", Throttled: "throttled", Unsupported: "unsupported",
	Internal: "internal", DryRun: "dry run",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Resource names what an error is about, refining the kind for the frontends'
// tables (an unknown instance and an unknown image map to different codes).
// The values are plain strings so that new resources need no change here.
type Resource string

// Resources shared by the core and the frontends.
const (
	ResNone          Resource = ""
	ResInstance      Resource = "instance"
	ResImage         Resource = "image"
	ResVolume        Resource = "volume"
	ResInstanceType  Resource = "instance-type"
	ResParameter     Resource = "parameter"    // a bad parameter value
	ResMissing       Resource = "missing"      // a required parameter is absent
	ResCombination   Resource = "combination"  // parameters that cannot go together
	ResFilter        Resource = "filter"       // an unknown or bad filter
	ResPageToken     Resource = "page-token"   // a bad pagination token
	ResClientToken   Resource = "client-token" // idempotency token reused with other parameters
	ResHibernation   Resource = "hibernation"  // hibernation not configured
	ResProtection    Resource = "protection"   // DisableApiStop / DisableApiTermination
	ResAccessKey     Resource = "access-key"   // unknown access key
	ResSignature     Resource = "signature"    // bad signature
	ResRequestTime   Resource = "request-time" // request too old or too far in the future
	ResAction        Resource = "action"       // unknown action
	ResAccount       Resource = "account"
	ResTag           Resource = "tag"
	ResCapacity      Resource = "capacity"       // the host has no room
	ResInstanceLimit Resource = "instance-limit" // per-account instance limit
)

// Error is the one error type that crosses layers.
type Error struct {
	Kind     Kind
	Resource Resource
	// ID names the object(s) the error is about, when there is one.
	ID string
	// Public is the message a client may see. It must not contain causes.
	Public string
	// Err is the internal cause; it is logged, never sent.
	Err error
}

func (e *Error) Error() string {
	msg := e.Public
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, errdefs.ErrNotFound) and friends work: two *Error
// match when the target has only a Kind set, or Kind and Resource.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Kind != e.Kind {
		return false
	}
	return t.Resource == "" || t.Resource == e.Resource
}

// Sentinels for errors.Is.
var (
	ErrNotFound         = &Error{Kind: NotFound}
	ErrAlreadyExists    = &Error{Kind: AlreadyExists}
	ErrInvalidArgument  = &Error{Kind: InvalidArgument}
	ErrIncorrectState   = &Error{Kind: IncorrectState}
	ErrPermissionDenied = &Error{Kind: PermissionDenied}
	ErrUnauthenticated  = &Error{Kind: Unauthenticated}
	ErrLimitExceeded    = &Error{Kind: LimitExceeded}
	ErrThrottled        = &Error{Kind: Throttled}
	ErrUnsupported      = &Error{Kind: Unsupported}
	ErrInternal         = &Error{Kind: Internal}
	ErrDryRun           = &Error{Kind: DryRun}
)

// New returns an error of the kind about the resource with a public message.
func New(k Kind, r Resource, id, public string) *Error {
	return &Error{Kind: k, Resource: r, ID: id, Public: public}
}

// Newf is New with a formatted public message.
func Newf(k Kind, r Resource, id, format string, args ...any) *Error {
	return &Error{Kind: k, Resource: r, ID: id, Public: fmt.Sprintf(format, args...)}
}

// Wrap returns an Internal error with the cause err and a generic public message.
func Wrap(err error, public string) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Public: public, Err: err}
}

// KindOf returns the kind of err, Internal for a foreign error and Unknown for nil.
func KindOf(err error) Kind {
	if err == nil {
		return Unknown
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns err as *Error; a foreign error becomes Internal with err as its cause.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Public: "an internal error occurred", Err: err}
}

// Clip shortens client-supplied text before it goes into a public message,
// cutting at a rune boundary and marking the cut with "...".
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Key names a row of a frontend's error table: a kind, refined by a resource.
type Key struct {
	Kind     Kind
	Resource Resource
}

// Index builds the lookup map of a frontend's error table from its rows.
func Index[R any](rows []R, key func(R) Key) map[Key]R {
	m := make(map[Key]R, len(rows))
	for _, r := range rows {
		m[key(r)] = r
	}
	return m
}

// Row finds the row for e in an index: the exact (Kind, Resource) pair, else
// the kind's default row (resource ResNone). ok is false when neither exists.
func Row[R any](index map[Key]R, e *Error) (row R, ok bool) {
	if row, ok = index[Key{e.Kind, e.Resource}]; ok {
		return row, true
	}
	row, ok = index[Key{e.Kind, ResNone}]
	return row, ok
}

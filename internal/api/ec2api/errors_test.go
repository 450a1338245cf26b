package ec2api

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/sigv4"
)

// TestErrorTableCoversEveryKind fails when a kind errdefs knows has no
// default row, so a new kind cannot reach clients as a 500 by accident.
func TestErrorTableCoversEveryKind(t *testing.T) {
	for _, k := range errdefs.Kinds {
		if _, ok := errIndex[errKey{Kind: k, Resource: errdefs.ResNone}]; !ok {
			t.Errorf("errTable has no default row for kind %v", k)
		}
	}
}

func TestErrorTableRowsAreWellFormed(t *testing.T) {
	seen := map[errKey]bool{}
	for _, r := range errTable {
		k := errKey{Kind: r.kind, Resource: r.res}
		if seen[k] {
			t.Errorf("duplicate row for (%v, %q)", r.kind, r.res)
		}
		seen[k] = true
		if r.code == "" || http.StatusText(r.status) == "" {
			t.Errorf("row (%v, %q): code %q status %d", r.kind, r.res, r.code, r.status)
		}
		if r.status >= 500 && r.kind != errdefs.Internal && r.kind != errdefs.Throttled && r.res != errdefs.ResCapacity {
			t.Errorf("row (%v, %q) answers %d for a client error", r.kind, r.res, r.status)
		}
	}
}

func TestLookupError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   string
		wantStatus int
		wantMsg    string
	}{
		{"instance not found", errdefs.New(errdefs.NotFound, errdefs.ResInstance, "i-0123456789abcdef0", ""),
			"InvalidInstanceID.NotFound", 400, "The instance ID 'i-0123456789abcdef0' does not exist"},
		{"instances not found", errdefs.New(errdefs.NotFound, errdefs.ResInstance, "i-0123456789abcdef0,i-0123456789abcdef1", "x"),
			"InvalidInstanceID.NotFound", 400, "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist"},
		{"image not found", errdefs.New(errdefs.NotFound, errdefs.ResImage, "ami-12345678", ""),
			"InvalidAMIID.NotFound", 400, "The image id '[ami-12345678]' does not exist"},
		{"instance type not found", errdefs.New(errdefs.NotFound, errdefs.ResInstanceType, "t9.huge,x1.tiny", ""),
			"InvalidInstanceType", 400, "The following supplied instance types do not exist: [t9.huge, x1.tiny]"},
		{"volume not found", errdefs.New(errdefs.NotFound, errdefs.ResVolume, "vol-12345678", ""),
			"InvalidVolume.NotFound", 400, "The volume 'vol-12345678' does not exist."},
		{"malformed instance id", errdefs.New(errdefs.InvalidArgument, errdefs.ResInstance, "ma1", ""),
			"InvalidInstanceID.Malformed", 400, `Invalid id: "ma1"`},
		{"malformed image id", errdefs.New(errdefs.InvalidArgument, errdefs.ResImage, "ami-x", ""),
			"InvalidAMIID.Malformed", 400, `Invalid id: "ami-x" (expecting "ami-...")`},
		{"bad parameter", errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "Value (0) is bad."),
			"InvalidParameterValue", 400, "Value (0) is bad."},
		{"bad instance type at launch", errdefs.New(errdefs.InvalidArgument, errdefs.ResInstanceType, "t9.huge", ""),
			"InvalidParameterValue", 400, "Invalid value 't9.huge' for InstanceType."},
		{"missing parameter", errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "InstanceId", ""),
			"MissingParameter", 400, "The request must contain the parameter InstanceId"},
		{"combination", errdefs.New(errdefs.InvalidArgument, errdefs.ResCombination, "", "no."),
			"InvalidParameterCombination", 400, "no."},
		{"filter", errdefs.New(errdefs.InvalidArgument, errdefs.ResFilter, "foo", ""),
			"InvalidParameterValue", 400, "The filter 'foo' is invalid"},
		{"page token", errdefs.New(errdefs.InvalidArgument, errdefs.ResPageToken, "zz", ""),
			"InvalidPaginationToken", 400, "The specified pagination token is not valid or is expired."},
		{"client token", errdefs.New(errdefs.AlreadyExists, errdefs.ResClientToken, "tok", "The client token is reused."),
			"IdempotentParameterMismatch", 400, "The client token is reused."},
		{"incorrect state", errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, "i-12345678", "The instance 'i-12345678' is not in a state from which it can be started."),
			"IncorrectInstanceState", 400, "The instance 'i-12345678' is not in a state from which it can be started."},
		{"hibernation", errdefs.New(errdefs.Unsupported, errdefs.ResHibernation, "", ""),
			"UnsupportedHibernationConfiguration", 400, "The instance is not configured for hibernation."},
		{"unsupported", errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "The instance does not have an 'ebs' root device type and cannot be stopped."),
			"UnsupportedOperation", 400, "The instance does not have an 'ebs' root device type and cannot be stopped."},
		{"protection", errdefs.New(errdefs.PermissionDenied, errdefs.ResProtection, "", "The instance may not be terminated."),
			"OperationNotPermitted", 400, "The instance may not be terminated."},
		{"security lock", errdefs.New(errdefs.PermissionDenied, instance.ResSecurityLock, "i-12345678", "The instance 'i-12345678' is locked for security reasons; the operation is denied."),
			"OperationNotPermitted", 400, "The instance 'i-12345678' is locked for security reasons; the operation is denied."},
		{"denied", errdefs.New(errdefs.PermissionDenied, errdefs.ResNone, "", "policy says no to arn:..."),
			"UnauthorizedOperation", 403, "You are not authorized to perform this operation."},
		{"unknown key", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, "AKID", "no such key"),
			"AuthFailure", 401, "AWS was not able to validate the provided access credentials"},
		{"bad signature", errdefs.New(errdefs.Unauthenticated, errdefs.ResSignature, "", ""),
			"SignatureDoesNotMatch", 403, msgSignature},
		{"expired", errdefs.New(errdefs.Unauthenticated, errdefs.ResRequestTime, "", ""),
			"RequestExpired", 400, "Request has expired."},
		{"no auth", errdefs.New(errdefs.Unauthenticated, sigv4.ResMissingAuth, "", "whatever"),
			"MissingParameter", 400, "The request must contain the parameter AWSAccessKeyId"},
		{"incomplete signature", errdefs.New(errdefs.Unauthenticated, sigv4.ResIncompleteSignature, "", ""),
			"IncompleteSignature", 400, "The request signature does not conform to AWS standards."},
		{"instance limit", errdefs.New(errdefs.LimitExceeded, errdefs.ResInstanceLimit, "", ""),
			"InstanceLimitExceeded", 400, "You have requested more instances than your current instance limit allows for the specified instance type."},
		{"capacity", errdefs.New(errdefs.LimitExceeded, errdefs.ResCapacity, "", ""),
			"InsufficientInstanceCapacity", 500, "We currently do not have sufficient capacity to fulfill your request."},
		{"throttled", errdefs.New(errdefs.Throttled, errdefs.ResNone, "", ""),
			"RequestLimitExceeded", 503, "Request limit exceeded."},
		{"dry run", errdefs.New(errdefs.DryRun, errdefs.ResNone, "", ""),
			"DryRunOperation", 412, "Request would have succeeded, but DryRun flag is set."},
		{"internal hides cause", errdefs.Wrap(errors.New("disk on fire at /var/lib/strato"), "boom"),
			"InternalError", 500, "An internal error has occurred"},
		{"foreign error", errors.New("sql: database is locked"),
			"InternalError", 500, "An internal error has occurred"},
		{"unknown resource falls back to the kind", errdefs.New(errdefs.NotFound, "gadget", "g-1", "The gadget 'g-1' does not exist."),
			"InvalidParameterValue", 400, "The gadget 'g-1' does not exist."},
		{"unknown kind", &errdefs.Error{Kind: errdefs.Kind(99)},
			"InternalError", 500, "An internal error has occurred"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, msg := lookupError(errdefs.As(tt.err))
			got := []any{row.code, row.status, msg}
			want := []any{tt.wantCode, tt.wantStatus, tt.wantMsg}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("lookupError (-got +want):\n%s", d)
			}
			if strings.Contains(msg, "disk on fire") || strings.Contains(msg, "sql:") {
				t.Errorf("message leaks the cause: %q", msg)
			}
		})
	}
}

package ecsapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
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

// TestErrorTableCoversRaisedResources: every (kind, resource) the codec,
// the core and this package raise on ECS's path has its own row.
func TestErrorTableCoversRaisedResources(t *testing.T) {
	raised := []errKey{
		{Kind: errdefs.InvalidArgument, Resource: acsrpc.ResMissing}, {Kind: errdefs.InvalidArgument, Resource: acsrpc.ResInvalid},
		{Kind: errdefs.InvalidArgument, Resource: acsrpc.ResTimestampFormat}, {Kind: errdefs.InvalidArgument, Resource: acsrpc.ResFormat},
		{Kind: errdefs.Unauthenticated, Resource: acsrpc.ResSignatureMethod}, {Kind: errdefs.Unauthenticated, Resource: acsrpc.ResNonceUsed},
		{Kind: errdefs.Unauthenticated, Resource: errdefs.ResSignature}, {Kind: errdefs.Unauthenticated, Resource: errdefs.ResRequestTime},
		{Kind: errdefs.Unauthenticated, Resource: errdefs.ResAccessKey},
		{Kind: errdefs.PermissionDenied, Resource: instance.ResSecurityLock}, {Kind: errdefs.InvalidArgument, Resource: instance.ResConfirmStop},
		{Kind: errdefs.LimitExceeded, Resource: errdefs.ResCapacity}, {Kind: errdefs.LimitExceeded, Resource: errdefs.ResInstanceLimit},
		{Kind: errdefs.NotFound, Resource: errdefs.ResInstance}, {Kind: errdefs.NotFound, Resource: errdefs.ResImage}, {Kind: errdefs.IncorrectState, Resource: errdefs.ResInstance},
		{Kind: errdefs.NotFound, Resource: resAPI}, {Kind: errdefs.NotFound, Resource: resStatus}, {Kind: errdefs.NotFound, Resource: resZone},
		{Kind: errdefs.InvalidArgument, Resource: resMethod}, {Kind: errdefs.InvalidArgument, Resource: resRequest}, {Kind: errdefs.InvalidArgument, Resource: resParam},
		{Kind: errdefs.InvalidArgument, Resource: resTagKey}, {Kind: errdefs.InvalidArgument, Resource: resTagValue}, {Kind: errdefs.InvalidArgument, Resource: resTagCount},
		{Kind: errdefs.InvalidArgument, Resource: resResourceType}, {Kind: errdefs.InvalidArgument, Resource: resUserData},
		{Kind: errdefs.InvalidArgument, Resource: errdefs.ResInstanceType}, {Kind: errdefs.InvalidArgument, Resource: errdefs.ResMissing},
		{Kind: errdefs.InvalidArgument, Resource: errdefs.ResPageToken}, {Kind: errdefs.AlreadyExists, Resource: errdefs.ResClientToken},
	}
	for _, k := range raised {
		if _, ok := errIndex[k]; !ok {
			t.Errorf("errTable has no row for (%v, %q)", k.Kind, k.Resource)
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
		if (r.code == "") == (r.codeOf == nil) || http.StatusText(r.status) == "" {
			t.Errorf("row (%v, %q): code %q status %d", r.kind, r.res, r.code, r.status)
		}
		if r.status >= 500 && r.kind != errdefs.Internal {
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
		{"instance not found", errdefs.New(errdefs.NotFound, errdefs.ResInstance, "i-x", "The instance ID 'i-x' does not exist"),
			"InvalidInstanceId.NotFound", 404, "The specified InstanceId does not exist."},
		{"incorrect status (seed 003)", errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, "i-x", "EC2 words"),
			"IncorrectInstanceStatus", 403, "The current status of the resource does not support this operation."},
		{"security lock (seed 003)", errdefs.New(errdefs.PermissionDenied, instance.ResSecurityLock, "i-x", "locked"),
			"InstanceLockedForSecurity", 403, "The specified operation is denied as your instance is locked for security reasons."},
		{"confirm stop (seed 003)", errdefs.New(errdefs.InvalidArgument, instance.ResConfirmStop, "i-x", "confirm"),
			"InstanceType.ParameterMismatch", 403, "The input parameter ConfirmStop must be true when an instance have localstorage."},
		{"out of stock", errdefs.New(errdefs.LimitExceeded, errdefs.ResCapacity, "ecs.g6.large", "EC2 words"),
			"OperationDenied.NoStock", 403, "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones."},
		{"gateway missing", acsrpc.Missing("InstanceId"), "MissingInstanceId", 400, "InstanceId is mandatory for this action."},
		{"service missing", errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "ImageId", ""),
			"MissingParameter", 400, `The input parameter "ImageId" that is mandatory for processing this request is not supplied.`},
		{"invalid common parameter", errdefs.New(errdefs.InvalidArgument, acsrpc.ResInvalid, "Version", ""),
			"InvalidVersion", 400, "Specified parameter Version is not valid."},
		{"invalid parameter", errdefs.New(errdefs.InvalidArgument, acsrpc.ResInvalid, "InstanceId.101", "x"),
			"InvalidParameter", 400, `The specified parameter "InstanceId.101" is not valid.`},
		{"unknown key", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, "AK", "no"),
			"InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."},
		{"signature", errdefs.New(errdefs.Unauthenticated, errdefs.ResSignature, "", "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&x"),
			"SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&x"},
		{"expired", errdefs.New(errdefs.Unauthenticated, errdefs.ResRequestTime, "", ""),
			"InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."},
		{"nonce", errdefs.New(errdefs.Unauthenticated, acsrpc.ResNonceUsed, "n", ""),
			"SignatureNonceUsed", 400, "Specified signature nonce was used already."},
		{"unknown api", errdefs.New(errdefs.NotFound, resAPI, "DescribeVpcs", ""),
			"InvalidApi.NotFound", 404, "Specified api is not found, please check your url and method."},
		{"policy denies", errdefs.New(errdefs.PermissionDenied, errdefs.ResNone, "ecs:StopInstance", "no"),
			"Forbidden.RAM", 403, "User not authorized to operate on the specified resource, or this API doesn't support RAM."},
		{"dry run", errdefs.New(errdefs.DryRun, errdefs.ResNone, "", "EC2 words"),
			"DryRunOperation", 400, "Request validation has been passed with DryRun flag set."},
		{"internal hides cause", errdefs.Wrap(errors.New("disk on fire at /var/lib/strato"), "boom"),
			"InternalError", 500, msgInternal},
		{"foreign error", errors.New("sql: database is locked"), "InternalError", 500, msgInternal},
		{"unknown kind", &errdefs.Error{Kind: errdefs.Kind(99)}, "InternalError", 500, msgInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, code, msg := lookupError(errdefs.As(tt.err))
			got := []any{code, row.status, msg}
			if d := cmp.Diff(got, []any{tt.wantCode, tt.wantStatus, tt.wantMsg}); d != "" {
				t.Errorf("lookupError (-got +want):\n%s", d)
			}
			if strings.Contains(msg, "disk on fire") || strings.Contains(msg, "sql:") {
				t.Errorf("message leaks the cause: %q", msg)
			}
		})
	}
}

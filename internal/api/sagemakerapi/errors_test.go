package sagemakerapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/wire/awsjson"
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

// raised lists every (Kind, Resource) pair that reaches this frontend from
// the notebook service's constructors, the protocol codec, the signature
// verifier, IAM and the frontend itself. Each must have its own row.
var raised = []errKey{
	{Kind: errdefs.NotFound, Resource: notebook.ResNotebook},
	{Kind: errdefs.NotFound, Resource: notebook.ResLifecycleConfig},
	{Kind: errdefs.NotFound, Resource: notebook.ResTaggedResource},
	{Kind: errdefs.AlreadyExists, Resource: notebook.ResNotebook},
	{Kind: errdefs.AlreadyExists, Resource: notebook.ResLifecycleConfig},
	{Kind: errdefs.IncorrectState, Resource: notebook.ResNotebook},
	{Kind: errdefs.IncorrectState, Resource: notebook.ResLifecycleConfig},
	{Kind: errdefs.InvalidArgument, Resource: errdefs.ResParameter},
	{Kind: errdefs.InvalidArgument, Resource: errdefs.ResPageToken},
	{Kind: errdefs.InvalidArgument, Resource: errdefs.ResAction},
	{Kind: errdefs.InvalidArgument, Resource: awsjson.ResMethod},
	{Kind: errdefs.InvalidArgument, Resource: awsjson.ResTarget},
	{Kind: errdefs.InvalidArgument, Resource: awsjson.ResContentType},
	{Kind: errdefs.InvalidArgument, Resource: awsjson.ResBodyTooLarge},
	{Kind: errdefs.InvalidArgument, Resource: awsjson.ResSerialization},
	{Kind: errdefs.Unauthenticated, Resource: errdefs.ResAccessKey},
	{Kind: errdefs.Unauthenticated, Resource: errdefs.ResSignature},
	{Kind: errdefs.Unauthenticated, Resource: errdefs.ResRequestTime},
	{Kind: errdefs.Unauthenticated, Resource: sigv4.ResMissingAuth},
	{Kind: errdefs.Unauthenticated, Resource: sigv4.ResIncompleteSignature},
}

func TestErrorTableHasARowForEveryRaisedError(t *testing.T) {
	for _, k := range raised {
		if _, ok := errIndex[k]; !ok {
			t.Errorf("errTable has no row for (%v, %q)", k.Kind, k.Resource)
		}
	}
	// Every resource notebook declares must appear in raised.
	for _, r := range notebook.Resources {
		found := false
		for _, k := range raised {
			found = found || k.Resource == r
		}
		if !found {
			t.Errorf("notebook resource %q is not in raised", r)
		}
	}
}

// sageMakerCodes are the codes this frontend may send: the SageMaker model's
// exceptions and the AWS JSON services' common ones.
var sageMakerCodes = map[string]bool{
	"ValidationException": true, "ResourceLimitExceeded": true, "ResourceInUse": true, "ResourceNotFound": true,
	"ConflictException": true, "UnknownOperationException": true, "SerializationException": true,
	"RequestEntityTooLargeException": true, "AccessDeniedException": true, "UnrecognizedClientException": true,
	"InvalidSignatureException": true, "MissingAuthenticationTokenException": true, "IncompleteSignatureException": true,
	"ThrottlingException": true, "InternalFailure": true,
}

func TestErrorTableRowsAreWellFormed(t *testing.T) {
	seen := map[errKey]bool{}
	for _, r := range errTable {
		k := errKey{Kind: r.kind, Resource: r.res}
		if seen[k] {
			t.Errorf("duplicate row for (%v, %q)", r.kind, r.res)
		}
		seen[k] = true
		if !sageMakerCodes[r.code] || http.StatusText(r.status) == "" {
			t.Errorf("row (%v, %q): code %q status %d", r.kind, r.res, r.code, r.status)
		}
		if r.status >= 500 && r.kind != errdefs.Internal && r.kind != errdefs.DryRun {
			t.Errorf("row (%v, %q) answers %d for a client error", r.kind, r.res, r.status)
		}
		if r.msg == nil && r.fallback == "" {
			t.Errorf("row (%v, %q) has no message for an error without one", r.kind, r.res)
		}
	}
}

func TestLookupError(t *testing.T) {
	arn := "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"
	tests := []struct {
		name       string
		err        error
		wantCode   string
		wantStatus int
		wantMsg    string
	}{
		{"missing notebook, whatever the message", errdefs.New(errdefs.NotFound, notebook.ResNotebook, "nb", "no such notebook"),
			"ValidationException", 400, "RecordNotFound"},
		{"duplicate from the ID alone", errdefs.New(errdefs.AlreadyExists, notebook.ResNotebook, arn, ""),
			"ValidationException", 400, "Cannot create a duplicate Notebook Instance (" + arn + ")"},
		{"other duplicates are ResourceInUse", errdefs.New(errdefs.AlreadyExists, "gadget", "g", ""),
			"ResourceInUse", 400, "The resource is already in use."},
		{"lifecycle config without a message", errdefs.New(errdefs.NotFound, notebook.ResLifecycleConfig, "", ""),
			"ValidationException", 400, "Notebook Instance Lifecycle Config does not exist."},
		{"wrong state without a message", errdefs.New(errdefs.IncorrectState, notebook.ResNotebook, arn, ""),
			"ValidationException", 400, "The notebook instance is not in a state that allows the operation."},
		{"unsupported", errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "VPC subnets are not supported."),
			"ValidationException", 400, "VPC subnets are not supported."},
		{"denied", errdefs.New(errdefs.PermissionDenied, errdefs.ResNone, "", ""),
			"AccessDeniedException", 400, "You are not authorized to perform this operation."},
		{"unknown key", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, "AK", "AWS was not able to validate the provided access credentials"),
			"UnrecognizedClientException", 400, msgUnrecognized},
		{"account gone", errdefs.New(errdefs.NotFound, errdefs.ResAccount, "1", ""),
			"UnrecognizedClientException", 400, msgUnrecognized},
		{"no signature", errdefs.New(errdefs.Unauthenticated, sigv4.ResMissingAuth, "", "The request must contain the parameter AWSAccessKeyId"),
			"MissingAuthenticationTokenException", 400, msgMissingToken},
		{"expired keeps the verifier's words", errdefs.New(errdefs.Unauthenticated, errdefs.ResRequestTime, "", "Request has expired. Timestamp date is 20261122T193000Z"),
			"InvalidSignatureException", 400, "Request has expired. Timestamp date is 20261122T193000Z"},
		{"dry run is a bug", errdefs.New(errdefs.DryRun, errdefs.ResNone, "", "x"), "InternalFailure", 500, msgInternal},
		{"internal hides the cause", errdefs.Wrap(errors.New("disk on fire"), "disk on fire"), "InternalFailure", 500, msgInternal},
		{"unknown resource falls back to the kind", errdefs.New(errdefs.NotFound, "gadget", "g-1", "The gadget 'g-1' does not exist."),
			"ValidationException", 400, "The gadget 'g-1' does not exist."},
		{"unknown kind", &errdefs.Error{Kind: errdefs.Kind(99)}, "InternalFailure", 500, msgInternal},
		{"nil", nil, "InternalFailure", 500, msgInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, msg := lookupError(errdefs.As(tt.err))
			if d := cmp.Diff([]any{row.code, row.status, msg}, []any{tt.wantCode, tt.wantStatus, tt.wantMsg}); d != "" {
				t.Errorf("lookupError (-got +want):\n%s", d)
			}
			if strings.Contains(msg, "disk on fire") {
				t.Errorf("message leaks the cause: %q", msg)
			}
		})
	}
}

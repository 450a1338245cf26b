package modelartsapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
	"strato/internal/wire/apig"
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
// the notebook service, the signature verifier, IAM and the frontend
// itself. Each must have its own row.
var raised = []errKey{
	{Kind: errdefs.NotFound, Resource: notebook.ResNotebook},
	{Kind: errdefs.AlreadyExists, Resource: notebook.ResNotebook},
	{Kind: errdefs.IncorrectState, Resource: notebook.ResNotebook},
	{Kind: errdefs.InvalidArgument, Resource: errdefs.ResParameter},
	{Kind: errdefs.NotFound, Resource: resRoute},
	{Kind: errdefs.NotFound, Resource: resImage},
	{Kind: errdefs.NotFound, Resource: resWorkspace},
	{Kind: errdefs.InvalidArgument, Resource: resTooLarge},
	{Kind: errdefs.InvalidArgument, Resource: resPayload},
	{Kind: errdefs.InvalidArgument, Resource: resRequired},
	{Kind: errdefs.InvalidArgument, Resource: resValue},
	{Kind: errdefs.InvalidArgument, Resource: resCharacter},
	{Kind: errdefs.InvalidArgument, Resource: resSort},
	{Kind: errdefs.InvalidArgument, Resource: resStorage},
	{Kind: errdefs.InvalidArgument, Resource: resFlavor},
	{Kind: errdefs.InvalidArgument, Resource: resVolumeSize},
	{Kind: errdefs.InvalidArgument, Resource: resDuration},
	{Kind: errdefs.InvalidArgument, Resource: resDurationMissing},
	{Kind: errdefs.Unsupported, Resource: resLocation},
	{Kind: errdefs.PermissionDenied, Resource: resProject},
	{Kind: errdefs.Unauthenticated, Resource: errdefs.ResAccessKey},
	{Kind: errdefs.Unauthenticated, Resource: errdefs.ResSignature},
	{Kind: errdefs.Unauthenticated, Resource: errdefs.ResRequestTime},
	{Kind: errdefs.Unauthenticated, Resource: apig.ResMissingAuth},
	{Kind: errdefs.Unauthenticated, Resource: apig.ResIncompleteSignature},
}

func TestErrorTableHasARowForEveryRaisedError(t *testing.T) {
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
		if r.codeOf == nil && !strings.HasPrefix(r.code, "ModelArts.") && !strings.HasPrefix(r.code, "APIG.") {
			t.Errorf("row (%v, %q): code %q", r.kind, r.res, r.code)
		}
		if r.gateway != strings.HasPrefix(r.code, "APIG.") {
			t.Errorf("row (%v, %q): gateway %v for code %q", r.kind, r.res, r.gateway, r.code)
		}
		if http.StatusText(r.status) == "" {
			t.Errorf("row (%v, %q): status %d", r.kind, r.res, r.status)
		}
		if r.status >= 500 && r.kind != errdefs.Internal && r.kind != errdefs.DryRun {
			t.Errorf("row (%v, %q) answers %d for a client error", r.kind, r.res, r.status)
		}
		if r.msg == nil && r.fallback == "" && r.codeOf == nil {
			t.Errorf("row (%v, %q) has no message for an error without one", r.kind, r.res)
		}
	}
}

// stateErr is the service's refusal of op in status from.
func stateErr(op notebook.Op, from notebook.Status, served bool) error {
	e := notebook.TransitionError("nb", from, nil, notebook.Deleting)
	e.Err = &notebook.StateError{Op: op, From: from, Served: served}
	return e
}

func TestLookupError(t *testing.T) {
	tests := []struct {
		name       string
		api        api
		err        error
		wantCode   string
		wantStatus int
		wantMsg    string
	}{
		{"devenviron: unknown instance", apiDevEnviron, notebook.ModelArtsNotFound("x"), "ModelArts.6309", 400, msgNotExist},
		{"notebook: unknown notebook", apiNotebook, notebook.ModelArtsNotFound("x"), "ModelArts.6404", 400, msgNotExist},
		{"a SageMaker-worded not found is reworded", apiDevEnviron, notebook.NotFound("x"), "ModelArts.6309", 400, msgNotExist},
		{"duplicate", apiDevEnviron, notebook.ModelArtsDuplicate("n"), "ModelArts.6301", 400, msgExists},
		{"delete while running", apiDevEnviron, stateErr(notebook.OpDelete, notebook.InService, true), "ModelArts.6304", 400,
			"Please stop the instance before deleting."},
		{"start while running", apiNotebook, stateErr(notebook.OpStart, notebook.InService, true), "ModelArts.6305", 400, "The instance is already running."},
		{"stop while starting", apiNotebook, stateErr(notebook.OpStop, notebook.Pending, true), "ModelArts.6306", 400, "The instance is starting."},
		{"delete while starting", apiDevEnviron, stateErr(notebook.OpDelete, notebook.Pending, true), "ModelArts.6306", 400, "The instance is starting."},
		{"stop while stopped", apiNotebook, stateErr(notebook.OpStop, notebook.Stopped, true), "ModelArts.6307", 400, "The instance has already been stopped."},
		{"start while stopping", apiNotebook, stateErr(notebook.OpStart, notebook.Stopping, true), "ModelArts.6308", 400, "The instance is stopping."},
		{"stop while creating", apiNotebook, stateErr(notebook.OpStop, notebook.Pending, false), "ModelArts.6357", 400, msgStates[codeInProgress]},
		{"stop a failed notebook", apiNotebook, stateErr(notebook.OpStop, notebook.Failed, false), "ModelArts.6357", 400, msgStates[codeInProgress]},
		{"start while deleting", apiNotebook, stateErr(notebook.OpStart, notebook.Deleting, true), "ModelArts.6357", 400, msgStates[codeInProgress]},
		{"wrong state without a cause", apiNotebook, errdefs.New(errdefs.IncorrectState, notebook.ResNotebook, "x", "Status (Pending) not in …"),
			"ModelArts.6357", 400, msgStates[codeInProgress]},
		{"the service's invalid argument", apiNotebook, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "name, flavor and image are required."),
			"ModelArts.0104", 400, "name, flavor and image are required."},
		{"denied", apiNotebook, &errdefs.Error{Kind: errdefs.PermissionDenied, ID: "modelarts:notebook:stop"}, "ModelArts.0108", 403,
			"You are not authorized to perform the (modelarts:notebook:stop) operation."},
		{"project", apiDevEnviron, errdefs.New(errdefs.PermissionDenied, resProject, "p", ""), "ModelArts.0210", 403, msgProject},
		{"unknown key", apiNotebook, apig.UnknownAccessKey("AK"), "APIG.0301", 401,
			"Incorrect IAM authentication information: Get secretKey failed,ak:AK,err:ak not exist"},
		{"unauthenticated without a message", apiNotebook, errdefs.New(errdefs.Unauthenticated, errdefs.ResNone, "", ""), "APIG.0301", 401, msgAuthFallback},
		{"no capacity", apiNotebook, errdefs.New(errdefs.LimitExceeded, errdefs.ResCapacity, "", "host full"), "ModelArts.6360", 400, msgNoResources},
		{"throttled", apiNotebook, errdefs.New(errdefs.Throttled, errdefs.ResNone, "", ""), "APIG.0308", 429, msgThrottled},
		{"unsupported", apiNotebook, errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "GPU flavors are not served."),
			"ModelArts.0104", 400, "GPU flavors are not served."},
		{"dry run is a bug", apiNotebook, errdefs.New(errdefs.DryRun, errdefs.ResNone, "", "x"), "ModelArts.6361", 500, msgInternal},
		{"internal hides the cause", apiNotebook, errdefs.Wrap(errors.New("disk on fire"), "disk on fire"), "ModelArts.6361", 500, msgInternal},
		{"unknown kind", apiNotebook, &errdefs.Error{Kind: errdefs.Kind(99)}, "ModelArts.6361", 500, msgInternal},
		{"nil", apiNotebook, nil, "ModelArts.6361", 500, msgInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, code, status, msg := lookupError(tt.api, errdefs.As(tt.err))
			if d := cmp.Diff([]any{code, status, msg}, []any{tt.wantCode, tt.wantStatus, tt.wantMsg}); d != "" {
				t.Errorf("lookupError (-got +want):\n%s", d)
			}
			if strings.Contains(msg, "disk on fire") || strings.Contains(msg, "Status (") {
				t.Errorf("message leaks the cause or the service's wording: %q", msg)
			}
		})
	}
}

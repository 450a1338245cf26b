package adminapi

import (
	"encoding/json"
	"net/http"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
	"strato/internal/wire/sigv4"
)

// errorRow is how one kind of error is answered.
type errorRow struct {
	code   string
	status int
}

// errorTable maps every kind to a code and status; specific resources
// refine some kinds. TestErrorTableCoversEveryKind keeps it complete.
var errorTable = map[errdefs.Kind]errorRow{
	errdefs.NotFound:         {"NotFound", http.StatusNotFound},
	errdefs.AlreadyExists:    {"AlreadyExists", http.StatusConflict},
	errdefs.InvalidArgument:  {"InvalidArgument", http.StatusBadRequest},
	errdefs.IncorrectState:   {"IncorrectState", http.StatusConflict},
	errdefs.PermissionDenied: {"AccessDenied", http.StatusForbidden},
	errdefs.Unauthenticated:  {"Unauthenticated", http.StatusUnauthorized},
	errdefs.LimitExceeded:    {"LimitExceeded", http.StatusBadRequest},
	errdefs.Throttled:        {"Throttled", http.StatusTooManyRequests},
	errdefs.Unsupported:      {"Unsupported", http.StatusBadRequest},
	errdefs.Internal:         {"InternalError", http.StatusInternalServerError},
	errdefs.DryRun:           {"DryRunOperation", http.StatusPreconditionFailed},
}

// resourceRows refine (kind, resource) pairs. Image errors use EC2's codes.
var resourceRows = map[errdefs.Kind]map[errdefs.Resource]errorRow{
	errdefs.NotFound: {
		errdefs.ResImage: {"InvalidAMIID.NotFound", http.StatusNotFound},
	},
	errdefs.AlreadyExists: {
		catalog.ResImageName: {"InvalidAMIName.Duplicate", http.StatusConflict},
	},
	errdefs.InvalidArgument: {
		catalog.ResImageName: {"InvalidAMIName.Malformed", http.StatusBadRequest},
	},
	errdefs.Unauthenticated: {
		errdefs.ResSignature:   {"SignatureDoesNotMatch", http.StatusForbidden},
		errdefs.ResRequestTime: {"RequestExpired", http.StatusBadRequest},
		errdefs.ResAccessKey:   {"AuthFailure", http.StatusUnauthorized},
		sigv4.ResMissingAuth:   {"MissingAuthenticationToken", http.StatusForbidden},
	},
}

func lookupError(e *errdefs.Error) errorRow {
	if rows, ok := resourceRows[e.Kind]; ok {
		if row, ok := rows[e.Resource]; ok {
			return row
		}
	}
	if row, ok := errorTable[e.Kind]; ok {
		return row
	}
	return errorTable[errdefs.Internal]
}

// writeError answers with {"error":{"code","message"},"requestId"}; internal
// causes are logged, never sent.
func (h *Handler) writeError(w http.ResponseWriter, requestID string, err error) {
	e := errdefs.As(err)
	row := lookupError(e)
	msg := e.Public
	if e.Kind == errdefs.Internal || msg == "" {
		if e.Kind == errdefs.Internal {
			h.log.Error("admin request failed", "request_id", requestID, "err", err)
			msg = "an internal error occurred"
		} else {
			msg = e.Kind.String()
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(row.status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error":     map[string]string{"code": row.code, "message": msg},
		"requestId": requestID,
	})
}

package apig

import (
	"net/http"

	"strato/internal/errdefs"
)

// Resources that refine errdefs.Unauthenticated beyond the shared ones
// (errdefs.ResAccessKey, errdefs.ResSignature, errdefs.ResRequestTime). The
// values are sigv4's, so a log or metric reads the same for every cloud.
const (
	// ResMissingAuth marks a request without an Authorization header.
	ResMissingAuth errdefs.Resource = "missing-auth"
	// ResIncompleteSignature marks authentication data Verify cannot use: a
	// malformed Authorization header, another signing algorithm, a missing,
	// malformed or unsigned X-Sdk-Date, a signed header that is absent, a
	// path or query that is not properly escaped.
	ResIncompleteSignature errdefs.Resource = "incomplete-signature"
)

// API Gateway's codes (see the package documentation for the sources).
const (
	// codeIAMAuth is "Incorrect IAM authentication information", HTTP 401:
	// every authentication failure of an AK/SK-signed request.
	codeIAMAuth = "APIG.0301"
	// codeIAMDenied is "The IAM user is not authorized to access the API.",
	// HTTP 403. Not verified for APIG: ROMA Connect's copy of the gateway's
	// table shows 403 APIC.0302 "The IAM user is ...", and APIG numbers its
	// rows alike. Verify never makes it; a Lookup may.
	codeIAMDenied = "APIG.0302"
	// codeInternal is "An unexpected error occurred.", HTTP 500, in API
	// Gateway's error table (usermanual-apig/apig_03_0048).
	codeInternal = "APIG.0201"
)

// Public messages. msgPrefix is API Gateway's; the details are explained in
// the package documentation.
const (
	msgPrefix      = "Incorrect IAM authentication information: "
	msgMissingAuth = "x-auth-token not found"
	msgTokenAuth   = "token authentication is not supported, sign the request with " + Algorithm
	msgNoDate      = "x-sdk-date not found"
	msgExpired     = "calc aksk signature fail:signature expired, signature time:%s,server time:%s"
	msgSignature   = "verify aksk signature fail, canonicalRequest:"
	msgUnknownKey  = "Get secretKey failed,ak:%s,err:ak not exist"
	// maxEcho bounds the canonical request echoed in a signature error.
	maxEcho = 4096
)

// UnknownAccessKey is the error an Options.Lookup returns for an access key
// it does not know, in API Gateway's words: Unauthenticated, Resource
// errdefs.ResAccessKey, "Incorrect IAM authentication information: Get
// secretKey failed,ak:AK,err:ak not exist".
func UnknownAccessKey(accessKeyID string) *errdefs.Error {
	return errdefs.Newf(errdefs.Unauthenticated, errdefs.ResAccessKey, accessKeyID, msgPrefix+msgUnknownKey, clip(accessKeyID))
}

// Code returns the API Gateway error code and HTTP status for an error from
// Verify: APIG.0301 and 401 for every authentication failure (kind
// Unauthenticated, whatever its Resource), APIG.0302 and 403 for a
// PermissionDenied from Lookup, APIG.0201 and 500 for anything else. The
// message to send is the error's public one (errdefs.As(err).Public). A nil
// error gives "" and 200.
func Code(err error) (code string, status int) {
	if err == nil {
		return "", http.StatusOK
	}
	switch errdefs.KindOf(err) {
	case errdefs.Unauthenticated:
		return codeIAMAuth, http.StatusUnauthorized
	case errdefs.PermissionDenied:
		return codeIAMDenied, http.StatusForbidden
	default:
		return codeInternal, http.StatusInternalServerError
	}
}

func authError(res errdefs.Resource, detail string) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: res, Public: msgPrefix + detail}
}

func malformed(detail string) *errdefs.Error {
	return authError(ResIncompleteSignature, "invalid authorization header, "+detail)
}

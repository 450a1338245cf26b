// Package apig verifies Huawei Cloud API Gateway's SDK-HMAC-SHA256 request
// signatures, the AK/SK signing that huaweicloud-sdk-go-v3 (v0.1.207, the
// version Strato serves) applies to every call, so that the official Huawei
// SDKs can talk to Strato unchanged.
//
// The SDK's signer (core/auth/signer/signer.go) is the oracle, and Verify
// rebuilds its canonical request from what arrived on the wire:
//
//	METHOD \n
//	canonical path   every segment of the path decoded, then re-encoded with
//	                 only A-Z a-z 0-9 - _ . ~ kept, a trailing "/" always added \n
//	canonical query  parameters decoded ('+' is a space), sorted by key and
//	                 then by value, re-encoded alike, an empty value as "key=" \n
//	name:value \n    per signed header, in SignedHeaders order, the value
//	                 trimmed, repeated values sorted; "host" is Request.Host \n
//	signed headers   the SignedHeaders list as sent \n
//	payload hash     hex SHA-256 of the exact body bytes, or the literal
//	                 UNSIGNED-PAYLOAD when the request carries
//	                 X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD
//
// The string to sign is "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" + hex
// SHA-256 of the canonical request, and the signature is the hex HMAC-SHA256
// of it keyed with the secret itself (no key derivation). The SDK signs every
// header it sends except Content-Type (and names containing "_"): typically
// user-agent;x-project-id;x-sdk-date, plus x-sdk-content-sha256 and
// x-security-token when present. It never signs Host and never reads the Date
// header: it always sets X-Sdk-Date (yyyyMMddTHHmmssZ, UTC).
//
// The SDK can also sign with SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256 and
// SDK-SM2-SM3 (HttpConfig.SigningAlgorithm) and with the derived
// V11-HMAC-SHA256 scheme (Credential=AK/date/region/service, an HKDF-derived
// key, enabled by a DerivedPredicate). All of these are opt-in; Verify accepts
// only SDK-HMAC-SHA256 and refuses the others by name. Token authentication
// (X-Auth-Token) is not supported either.
//
// # Errors
//
// Verify refuses a request with an *errdefs.Error of kind Unauthenticated
// whose Resource tells the cases apart, passes Lookup's errors through, and
// reports Options without Lookup or Now as Internal. Code maps any error from
// Verify to API Gateway's error code and HTTP status. A frontend answers
//
//	{"error_code": "APIG.0301", "error_msg": e.Public}
//
// API Gateway reports every AK/SK authentication failure of a cloud service
// API as APIG.0301 "Incorrect IAM authentication information", HTTP 401,
// with a detail after a colon:
//
//	Resource                 detail (after "Incorrect IAM authentication information: ")
//	ResMissingAuth           x-auth-token not found                                   [1]
//	ResIncompleteSignature   malformed Authorization or X-Sdk-Date, other algorithm  [Strato]
//	errdefs.ResAccessKey     Get secretKey failed,ak:AK,err:ak not exist              [2] (see UnknownAccessKey)
//	errdefs.ResRequestTime   calc aksk signature fail:signature expired, signature
//	                         time:T,server time:T                                     [3]
//	errdefs.ResSignature     verify aksk signature fail, canonicalRequest:C           [4]
//	                         (C is the canonical request with "\n" written as "|")
//
// Where they come from:
//
//  1. Huawei Cloud OCR FAQ "How Do I Handle the Error APIG.0301?"
//     (support.huaweicloud.com/intl/en-us/ocr_faq/ocr_01_0063.html), and a
//     capture from a ModelArts inference endpoint with the same message and
//     APIG.0301.
//  2. API Gateway FAQ "Common Errors Related to IAM Authentication
//     Information" (apig-faq-0003); seen on the wire in NewFuture/DDNS#136
//     (APIGW.0301, HTTP 401). A 2023 capture (jeessy2/ddns-go#844) shows a
//     newer wording, "ak AK not exist".
//  3. huaweicloud/huaweicloud-sdk-java-v3#44 (AOM, APIGW.0301, HTTP 401).
//  4. huaweicloud/huaweicloud-sdk-nodejs-v3#2 (FunctionGraph, APIGW.0301,
//     HTTP 401); the API Request Signing Guide documents the same text.
//
// The details marked [Strato] are Strato's own words in the same style: no
// public source shows what the gateway says for a malformed Authorization
// header, a missing X-Sdk-Date or another algorithm. Captures from the
// shared gateway in front of ECS, VPC, DNS or FunctionGraph carry the code
// APIGW.0301, while Huawei's service FAQs (OCR, SIS, Live, MetaStudio) and
// the ModelArts inference capture show APIG.0301; Strato answers APIG.0301.
// The SDK does not look at the code: it surfaces error_code and error_msg as
// they are.
package apig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// Algorithm is the only signing algorithm Verify accepts.
const Algorithm = "SDK-HMAC-SHA256"

// TimeFormat is the format of X-Sdk-Date (ISO 8601 basic, UTC).
const TimeFormat = "20060102T150405Z"

// DefaultMaxSkew is how far X-Sdk-Date may be from the server's clock, in
// either direction: API Gateway refuses a signature more than 15 minutes off.
const DefaultMaxSkew = 15 * time.Minute

// UnsignedPayload is the payload hash of a request whose body is not signed.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// Headers of the signing scheme.
const (
	HeaderDate          = "X-Sdk-Date"
	HeaderContentSHA256 = "X-Sdk-Content-Sha256"
	headerAuthorization = "Authorization"
	headerAuthToken     = "X-Auth-Token"
)

// maxSignedHeaders bounds the work a hostile SignedHeaders list can cause.
const maxSignedHeaders = 128

// Options control one verification.
type Options struct {
	// Lookup returns the secret of an access key. For an unknown key it
	// returns UnknownAccessKey(accessKeyID) or another *errdefs.Error of kind
	// Unauthenticated with Resource errdefs.ResAccessKey. Verify returns
	// Lookup's errors unchanged.
	Lookup func(accessKeyID string) (secret string, err error)
	// Now is the server's clock (a clock.Clock's Now).
	Now func() time.Time
	// MaxSkew bounds |X-Sdk-Date - Now()| (0 = DefaultMaxSkew).
	MaxSkew time.Duration
}

// Result describes a verified request.
type Result struct {
	AccessKeyID string
	// Time is the signing time, X-Sdk-Date, in UTC.
	Time time.Time
	// UnsignedPayload reports that the signature does not cover the body
	// (the request carried X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD).
	UnsignedPayload bool
}

// authorization is what the Authorization header says.
type authorization struct {
	accessKeyID string
	signedList  string   // verbatim, for the canonical request
	signed      []string // signedList split at ";"
	signature   string
}

// AccessKey returns the Access= value of an SDK-HMAC-SHA256 Authorization
// header, without verifying anything, for logging and request routing. ok is
// false when the request carries no well-formed SDK-HMAC-SHA256 header.
func AccessKey(r *http.Request) (string, bool) {
	a, err := parseAuthorization(r.Header.Get(headerAuthorization))
	if err != nil {
		return "", false
	}
	return a.accessKeyID, true
}

// Verify checks the SDK-HMAC-SHA256 signature of r, whose body (already read
// and size-limited by the caller) is body: the Authorization header is well
// formed, X-Sdk-Date is signed and within MaxSkew of Now, every signed header
// is present, and the signature, compared in constant time, is the one the
// access key's secret gives. It returns the caller's access key and signing
// time, or an *errdefs.Error (see the package documentation).
func Verify(r *http.Request, body []byte, opts Options) (Result, error) {
	if opts.Lookup == nil || opts.Now == nil {
		return Result{}, &errdefs.Error{Kind: errdefs.Internal, Public: "an internal error occurred",
			Err: fmt.Errorf("apig: Options.Lookup and Options.Now must be set")}
	}
	header := r.Header.Get(headerAuthorization)
	if header == "" {
		if r.Header.Get(headerAuthToken) != "" {
			return Result{}, authError(ResMissingAuth, msgTokenAuth)
		}
		return Result{}, authError(ResMissingAuth, msgMissingAuth)
	}
	a, err := parseAuthorization(header)
	if err != nil {
		return Result{}, err
	}
	t, date, err := signingTime(r, a)
	if err != nil {
		return Result{}, err
	}
	res := Result{AccessKeyID: a.accessKeyID, Time: t}

	headers, missing := canonicalHeaders(r, a.signed)
	if missing != "" {
		return Result{}, authError(ResIncompleteSignature, fmt.Sprintf("signed header %s not found in the request", clip(missing)))
	}
	path, err := canonicalURI(r.URL.EscapedPath())
	if err != nil {
		return Result{}, authError(ResIncompleteSignature, "the request path is not properly escaped")
	}
	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return Result{}, authError(ResIncompleteSignature, "the query string is not properly escaped")
	}
	payload, unsigned, err := payloadHash(r, body)
	if err != nil {
		return Result{}, err
	}
	res.UnsignedPayload = unsigned

	now := opts.Now().UTC()
	skew := opts.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if d := now.Sub(t); d > skew || d < -skew {
		return Result{}, &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: errdefs.ResRequestTime,
			Public: fmt.Sprintf(msgPrefix+msgExpired, date, now.Format(TimeFormat))}
	}

	secret, err := opts.Lookup(a.accessKeyID)
	if err != nil {
		return Result{}, err
	}
	cr := canonicalRequest(r.Method, path, query, headers, a.signedList, payload)
	want := signature(secret, stringToSign(date, cr))
	if !hmac.Equal([]byte(a.signature), want) {
		return Result{}, authError(errdefs.ResSignature,
			msgSignature+errdefs.Clip(strings.ReplaceAll(cr, "\n", "|"), maxEcho))
	}
	return res, nil
}

// parseAuthorization reads "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b,
// Signature=hex".
func parseAuthorization(header string) (authorization, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != Algorithm {
		if otherAlgorithm(alg) {
			return authorization{}, authError(ResIncompleteSignature,
				fmt.Sprintf("signing algorithm %s is not supported, sign the request with %s", alg, Algorithm))
		}
		return authorization{}, authError(ResIncompleteSignature,
			"unsupported authorization type, sign the request with "+Algorithm)
	}
	var a authorization
	var haveAccess, haveSigned, haveSig bool
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, found := strings.Cut(part, "=")
		if !found {
			return authorization{}, malformed(fmt.Sprintf("component %q is not of the form key=value", clip(part)))
		}
		var dup bool
		switch k {
		case "Access":
			dup, haveAccess, a.accessKeyID = haveAccess, true, v
		case "SignedHeaders":
			dup, haveSigned, a.signedList = haveSigned, true, v
		case "Signature":
			dup, haveSig, a.signature = haveSig, true, v
		default:
			// Unknown components are ignored, as SigV4 servers do.
		}
		if dup {
			return authorization{}, malformed("duplicate component " + k)
		}
	}
	for _, c := range []struct {
		name string
		v    string
	}{{"Access", a.accessKeyID}, {"SignedHeaders", a.signedList}, {"Signature", a.signature}} {
		if c.v == "" {
			return authorization{}, malformed("missing " + c.name)
		}
	}
	a.signed = strings.Split(a.signedList, ";")
	if len(a.signed) > maxSignedHeaders {
		return authorization{}, malformed(fmt.Sprintf("SignedHeaders names more than %d headers", maxSignedHeaders))
	}
	for _, n := range a.signed {
		if n == "" {
			return authorization{}, malformed("SignedHeaders contains an empty name")
		}
	}
	return a, nil
}

// signingTime reads X-Sdk-Date, which must be present once, well formed and
// signed. date is the value the string to sign uses.
func signingTime(r *http.Request, a authorization) (t time.Time, date string, err error) {
	vals := r.Header.Values(HeaderDate)
	switch {
	case len(vals) == 0:
		return time.Time{}, "", authError(ResIncompleteSignature, msgNoDate)
	case len(vals) > 1:
		return time.Time{}, "", authError(ResIncompleteSignature, "more than one x-sdk-date header")
	}
	date = strings.TrimSpace(vals[0])
	t, perr := time.Parse(TimeFormat, date)
	// The SDK signs t formatted again; a value that does not survive the round
	// trip is one the SDK never sends.
	if perr != nil || t.Format(TimeFormat) != date {
		return time.Time{}, "", &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: ResIncompleteSignature,
			Public: msgPrefix + fmt.Sprintf("x-sdk-date %q is not of the form yyyyMMddTHHmmssZ", clip(date)), Err: perr}
	}
	for _, n := range a.signed {
		if strings.EqualFold(n, HeaderDate) {
			return t, date, nil
		}
	}
	return time.Time{}, "", authError(ResIncompleteSignature, "x-sdk-date must be a signed header")
}

// payloadHash returns the payload hash the signer used: UNSIGNED-PAYLOAD
// when the request says so, else the body's SHA-256. A claimed hash that is
// not the body's is refused.
func payloadHash(r *http.Request, body []byte) (hash string, unsigned bool, err error) {
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	claimed := strings.TrimSpace(r.Header.Get(HeaderContentSHA256))
	switch {
	case claimed == "":
		return bodyHash, false, nil
	case claimed == UnsignedPayload:
		return UnsignedPayload, true, nil
	case strings.EqualFold(claimed, bodyHash):
		// The SDK signs a caller-supplied X-Sdk-Content-Sha256 verbatim.
		return claimed, false, nil
	}
	return "", false, authError(errdefs.ResSignature, "x-sdk-content-sha256 does not match the body")
}

// otherAlgorithm reports the SDK's other signing schemes, refused by name.
func otherAlgorithm(alg string) bool {
	switch alg {
	case "SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3", "V11-HMAC-SHA256":
		return true
	}
	return false
}

func stringToSign(date, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + date + "\n" + hex.EncodeToString(sum[:])
}

// signature returns the lower-case hex HMAC-SHA256 of sts keyed with secret.
func signature(secret, sts string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(sts))
	sum := m.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// clip keeps client-supplied text in messages short.
func clip(s string) string { return errdefs.Clip(s, 256) }

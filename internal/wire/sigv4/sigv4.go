// Package sigv4 verifies AWS Signature Version 4 on incoming requests, both
// the Authorization header form and the presigned query-string form, so that
// the official AWS SDKs and CLIs can talk to Strato unchanged.
//
// Verification follows the published algorithm: the server rebuilds the
// canonical request from what it received, derives the signing key from the
// secret that Options.Lookup returns for the access key, and compares the
// signatures in constant time. Where the published SDKs legitimately differ
// (single- versus double-encoded paths, dot-segment normalisation, the payload
// hash of a presigned URL) Verify accepts each variant the signer may have
// used; every variant still requires the secret key, so this widens nothing.
//
// Every error is an *errdefs.Error of kind Unauthenticated; its Resource says
// which AWS code a frontend should answer with (see the Res* constants and
// errdefs.ResAccessKey, errdefs.ResSignature, errdefs.ResRequestTime).
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// Algorithm is the only signing algorithm Verify accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// UnsignedPayload is the payload hash a signer uses when it does not sign the body.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// DefaultMaxSkew is the clock skew AWS tolerates between signer and server.
const DefaultMaxSkew = 15 * time.Minute

// MaxExpires is the longest validity a presigned request may claim (7 days).
const MaxExpires = 7 * 24 * time.Hour

// TimeFormat is the ISO 8601 basic format of X-Amz-Date.
const TimeFormat = "20060102T150405Z"

// Resources that refine errdefs.Unauthenticated beyond the shared ones
// (errdefs.ResAccessKey, errdefs.ResSignature, errdefs.ResRequestTime).
const (
	// ResMissingAuth marks a request that carries no authentication at all.
	// Real EC2 answers it with HTTP 400 MissingParameter "The request must
	// contain the parameter AWSAccessKeyId"; JSON services answer
	// MissingAuthenticationTokenException.
	ResMissingAuth errdefs.Resource = "missing-auth"
	// ResIncompleteSignature marks malformed authentication data
	// (AWS code IncompleteSignature, HTTP 400).
	ResIncompleteSignature errdefs.Resource = "incomplete-signature"
)

// Public messages, in AWS's wording.
const (
	msgMissingAuth       = "The request must contain the parameter AWSAccessKeyId"
	msgSignature         = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgPayloadHash       = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgUnknownAuth       = "Unsupported authorization type. Sign requests with AWS Signature Version 4 (" + Algorithm + ")."
	msgBothAuth          = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified."
	msgHostNotSigned     = "'Host' must be a 'SignedHeader' in the AWS Authorization."
	msgBadQuery          = "The query string contains a syntax error."
	msgStreamingNotOK    = "Streaming (chunked) payload signing is not supported by this service."
	msgStreamedNeedsHash = "An upload must sign the SHA-256 of its body, in hex, in the x-amz-content-sha256 header."
)

// Options control one verification.
type Options struct {
	// Service is the expected credential-scope service ("ec2"); "" accepts any.
	Service string
	// Lookup returns the secret of an access key. For an unknown key it
	// returns an *errdefs.Error of kind Unauthenticated with Resource
	// errdefs.ResAccessKey, which Verify passes through unchanged.
	Lookup func(accessKeyID string) (secret string, err error)
	// Now is the server's time; it must be set unless SkipTime is.
	Now time.Time
	// MaxSkew is the tolerated clock difference in either direction
	// (0 = DefaultMaxSkew). It is ignored when SkipTime is set.
	MaxSkew time.Duration
	// SkipSignature parses and checks the credential but neither calls
	// Lookup nor verifies the signature ("--auth=any" mode). A request
	// without authentication, or with malformed authentication, still fails.
	SkipSignature bool
	// SkipTime disables the clock-skew and presigned-expiry checks.
	SkipTime bool
	// StreamedPayload is for a caller that has not read the body, an upload
	// too large to buffer: the request must claim the body's SHA-256 in
	// X-Amz-Content-Sha256, Verify checks the signature with that claim and
	// ignores body, and the caller checks the body against
	// Result.PayloadHash as it reads it.
	StreamedPayload bool
}

// Result describes a verified request.
type Result struct {
	AccessKeyID string
	Region      string
	Service     string
	// Date is the request's signing time as sent (X-Amz-Date, ISO 8601 basic).
	Date string
	// Presigned reports query-string authentication.
	Presigned bool
	// UnsignedPayload reports that the signature does not cover the body
	// (the signer used UNSIGNED-PAYLOAD).
	UnsignedPayload bool
	// PayloadHash is the body's claimed SHA-256 (hex), set with
	// Options.StreamedPayload: the body must hash to it.
	PayloadHash string
}

// authInfo is what a request says about its own signature.
type authInfo struct {
	presigned     bool
	accessKeyID   string
	scopeDate     string // YYYYMMDD
	region        string
	service       string
	terminator    string
	signedHeaders []string
	signedList    string // verbatim, for the canonical request
	signature     string
	amzDate       string // ISO 8601 basic
	expires       time.Duration
	hasExpires    bool
}

// Credential extracts the access key id, region and service from a request's
// SigV4 credential without verifying anything, for request classification.
// ok is false when the request carries no well-formed SigV4 credential.
func Credential(r *http.Request) (accessKeyID, region, service string, ok bool) {
	var cred string
	if h := r.Header.Get("Authorization"); h != "" {
		alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
		if alg != Algorithm {
			return "", "", "", false
		}
		for _, part := range strings.Split(rest, ",") {
			if v, found := strings.CutPrefix(strings.TrimSpace(part), "Credential="); found {
				cred = v
				break
			}
		}
	} else {
		cred = queryValue(r.URL.RawQuery, "X-Amz-Credential")
	}
	if cred == "" {
		return "", "", "", false
	}
	f := strings.Split(cred, "/")
	if len(f) != 5 || f[0] == "" || f[2] == "" || f[3] == "" {
		return "", "", "", false
	}
	return f[0], f[2], f[3], true
}

// Verify checks the SigV4 signature of r, whose body (already read and
// size-limited by the caller) is body. It returns what the credential says
// about the caller, or an *errdefs.Error of kind Unauthenticated.
func Verify(r *http.Request, body []byte, opts Options) (Result, error) {
	q, qerr := parseQuery(r.URL.RawQuery)
	ai, err := parseAuth(r, q, qerr)
	if err != nil {
		return Result{}, err
	}
	res := Result{
		AccessKeyID: ai.accessKeyID,
		Region:      ai.region,
		Service:     ai.service,
		Date:        ai.amzDate,
		Presigned:   ai.presigned,
	}
	if opts.Service != "" && ai.service != opts.Service {
		return Result{}, signatureError(fmt.Sprintf("Credential should be scoped to correct service: '%s'.", opts.Service), nil)
	}
	if err := checkTime(ai, opts); err != nil {
		return Result{}, err
	}

	var payloads []string
	var unsigned bool
	if opts.StreamedPayload {
		payloads, err = claimedPayloadHash(r)
		res.PayloadHash = strings.Join(payloads, "")
	} else {
		payloads, unsigned, err = payloadHashes(r, body, ai.presigned)
	}
	if err != nil {
		return Result{}, err
	}
	res.UnsignedPayload = unsigned
	if opts.SkipSignature {
		return res, nil
	}
	if opts.Lookup == nil {
		return Result{}, &errdefs.Error{Kind: errdefs.Internal, Public: "an internal error occurred",
			Err: fmt.Errorf("sigv4: Options.Lookup is nil")}
	}
	secret, err := opts.Lookup(ai.accessKeyID)
	if err != nil {
		return Result{}, errdefs.Wrap(err, "an internal error occurred")
	}

	key := signingKey(secret, ai.scopeDate, ai.region, ai.service)
	scope := ai.scopeDate + "/" + ai.region + "/" + ai.service + "/" + ai.terminator
	query := canonicalQuery(q, ai.presigned)
	headers := canonicalHeaders(r, ai.signedHeaders)
	want := []byte(ai.signature)
	for _, path := range canonicalPaths(r) {
		for _, payload := range payloads {
			cr := canonicalRequest(r.Method, path, query, headers, ai.signedList, payload)
			sig := signature(key, stringToSign(ai.amzDate, scope, cr))
			if hmac.Equal(sig, want) {
				return res, nil
			}
		}
	}
	return Result{}, signatureError(msgSignature, nil)
}

// parseAuth finds the request's authentication, header or query, and checks
// its form.
func parseAuth(r *http.Request, q []queryPair, qerr error) (authInfo, error) {
	header := r.Header.Get("Authorization")
	var hasQueryAuth bool
	for _, p := range q {
		if p.key == "X-Amz-Algorithm" || p.key == "X-Amz-Credential" || p.key == "X-Amz-Signature" {
			hasQueryAuth = true
			break
		}
	}
	switch {
	case header == "" && !hasQueryAuth:
		if qerr != nil {
			// A query we cannot parse might hide query authentication.
			return authInfo{}, incomplete(msgBadQuery, qerr)
		}
		return authInfo{}, errdefs.New(errdefs.Unauthenticated, ResMissingAuth, "", msgMissingAuth)
	case qerr != nil:
		return authInfo{}, incomplete(msgBadQuery, qerr)
	case header != "" && hasQueryAuth:
		return authInfo{}, incomplete(msgBothAuth, nil)
	case header != "":
		return parseHeaderAuth(r, header)
	default:
		return parseQueryAuth(q)
	}
}

func parseHeaderAuth(r *http.Request, header string) (authInfo, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != Algorithm {
		return authInfo{}, incomplete(msgUnknownAuth, nil)
	}
	var ai authInfo
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, found := strings.Cut(part, "=")
		if !found {
			return authInfo{}, incomplete(fmt.Sprintf("Authorization header requires each component to be of the form key=value; got '%s'.", clip(part)), nil)
		}
		var dup bool
		switch k {
		case "Credential":
			dup, haveCred, cred = haveCred, true, v
		case "SignedHeaders":
			dup, haveSigned, signed = haveSigned, true, v
		case "Signature":
			dup, haveSig, sig = haveSig, true, v
		default:
			// AWS ignores unknown components; so do we.
		}
		if dup {
			return authInfo{}, incomplete(fmt.Sprintf("Authorization header has a duplicate '%s' component.", k), nil)
		}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		if d := r.Header.Get("Date"); d != "" {
			if t, err := http.ParseTime(d); err == nil {
				amzDate = t.UTC().Format(TimeFormat)
			} else {
				return authInfo{}, incomplete(fmt.Sprintf("Date must be in an HTTP date format. Got '%s'.", clip(d)), err)
			}
		}
	}
	var missing []string
	if !haveCred || cred == "" {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig || sig == "" {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned || signed == "" {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if amzDate == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return authInfo{}, incomplete(strings.Join(missing, " ")+" Authorization="+clip(header), nil)
	}
	ai.signature = sig
	ai.amzDate = amzDate
	if err := ai.setCredential(cred); err != nil {
		return authInfo{}, err
	}
	if err := ai.setSignedHeaders(signed); err != nil {
		return authInfo{}, err
	}
	if err := ai.checkDate(); err != nil {
		return authInfo{}, err
	}
	return ai, nil
}

func parseQueryAuth(q []queryPair) (authInfo, error) {
	get := func(name string) (string, bool, error) {
		var v string
		var n int
		for _, p := range q {
			if p.key == name {
				v = p.value
				n++
			}
		}
		if n > 1 {
			return "", false, incomplete(fmt.Sprintf("The query parameter '%s' appears more than once.", name), nil)
		}
		return v, n == 1, nil
	}
	ai := authInfo{presigned: true}
	var missing []string
	fields := []struct {
		name string
		dst  *string
	}{
		{"X-Amz-Algorithm", nil},
		{"X-Amz-Credential", nil},
		{"X-Amz-Signature", &ai.signature},
		{"X-Amz-SignedHeaders", nil},
		{"X-Amz-Date", &ai.amzDate},
	}
	vals := map[string]string{}
	for _, f := range fields {
		v, ok, err := get(f.name)
		if err != nil {
			return authInfo{}, err
		}
		if !ok || v == "" {
			missing = append(missing, fmt.Sprintf("AWS query-string parameters must include '%s'.", f.name))
			continue
		}
		vals[f.name] = v
		if f.dst != nil {
			*f.dst = v
		}
	}
	if len(missing) > 0 {
		return authInfo{}, incomplete(strings.Join(missing, " ")+" Re-examine the query-string parameters.", nil)
	}
	if vals["X-Amz-Algorithm"] != Algorithm {
		return authInfo{}, incomplete(fmt.Sprintf("X-Amz-Algorithm only supports '%s'.", Algorithm), nil)
	}
	if err := ai.setCredential(vals["X-Amz-Credential"]); err != nil {
		return authInfo{}, err
	}
	if err := ai.setSignedHeaders(vals["X-Amz-SignedHeaders"]); err != nil {
		return authInfo{}, err
	}
	if err := ai.checkDate(); err != nil {
		return authInfo{}, err
	}
	exp, ok, err := get("X-Amz-Expires")
	if err != nil {
		return authInfo{}, err
	}
	if ok {
		n, perr := strconv.ParseInt(exp, 10, 64)
		if perr != nil || n < 0 {
			return authInfo{}, incomplete(fmt.Sprintf("X-Amz-Expires should be a number of seconds; got '%s'.", clip(exp)), perr)
		}
		if n > int64(MaxExpires/time.Second) {
			return authInfo{}, incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800.", nil)
		}
		ai.expires = time.Duration(n) * time.Second
		ai.hasExpires = true
	}
	return ai, nil
}

func (ai *authInfo) setCredential(cred string) error {
	f := strings.Split(cred, "/")
	if len(f) != 5 {
		return incomplete(fmt.Sprintf("Credential should have the form AccessKeyId/YYYYMMDD/region/service/aws4_request; got '%s'.", clip(cred)), nil)
	}
	if f[0] == "" {
		return incomplete("Credential must name an access key id.", nil)
	}
	if !isDigits(f[1]) || len(f[1]) != 8 {
		return incomplete(fmt.Sprintf("Credential should be scoped to a valid date in the form YYYYMMDD, not '%s'.", clip(f[1])), nil)
	}
	if f[2] == "" {
		return incomplete("Credential should be scoped to a valid region, not ''.", nil)
	}
	if f[3] == "" {
		return incomplete("Credential should be scoped to a valid service, not ''.", nil)
	}
	if f[4] != "aws4_request" {
		return incomplete(fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", clip(f[4])), nil)
	}
	ai.accessKeyID, ai.scopeDate, ai.region, ai.service, ai.terminator = f[0], f[1], f[2], f[3], f[4]
	return nil
}

// maxSignedHeaders bounds the work a hostile SignedHeaders list can cause.
const maxSignedHeaders = 128

func (ai *authInfo) setSignedHeaders(list string) error {
	names := strings.Split(list, ";")
	if len(names) > maxSignedHeaders {
		return incomplete(fmt.Sprintf("SignedHeaders may name at most %d headers.", maxSignedHeaders), nil)
	}
	var host bool
	for _, n := range names {
		if n == "" {
			return incomplete(fmt.Sprintf("SignedHeaders contains an empty header name: '%s'.", clip(list)), nil)
		}
		if n == "host" || n == ":authority" {
			host = true
		}
	}
	if !host {
		return incomplete(msgHostNotSigned, nil)
	}
	ai.signedHeaders = names
	ai.signedList = list
	return nil
}

func (ai *authInfo) checkDate() error {
	if _, err := time.Parse(TimeFormat, ai.amzDate); err != nil {
		return incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", clip(ai.amzDate)), err)
	}
	if ai.amzDate[:8] != ai.scopeDate {
		return signatureError(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			ai.scopeDate, ai.amzDate[:8], ai.amzDate), nil)
	}
	return nil
}

func checkTime(ai authInfo, opts Options) error {
	if opts.SkipTime {
		return nil
	}
	if opts.Now.IsZero() {
		return &errdefs.Error{Kind: errdefs.Internal, Public: "an internal error occurred",
			Err: fmt.Errorf("sigv4: Options.Now is zero and SkipTime is not set")}
	}
	skew := opts.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	t, _ := time.Parse(TimeFormat, ai.amzDate) // checked by checkDate
	now := opts.Now.UTC()
	if t.After(now.Add(skew)) {
		return errdefs.Newf(errdefs.Unauthenticated, errdefs.ResRequestTime, "",
			"Signature not yet current: %s is still later than %s (%s + %d min.)",
			ai.amzDate, now.Add(skew).Format(TimeFormat), now.Format(TimeFormat), int(skew/time.Minute))
	}
	if ai.presigned && ai.hasExpires {
		if now.After(t.Add(ai.expires)) {
			return errdefs.Newf(errdefs.Unauthenticated, errdefs.ResRequestTime, "",
				"Request has expired. Timestamp date is %s, expires %s", ai.amzDate, t.Add(ai.expires).Format(TimeFormat))
		}
		return nil
	}
	if t.Before(now.Add(-skew)) {
		return errdefs.Newf(errdefs.Unauthenticated, errdefs.ResRequestTime, "",
			"Request has expired. Timestamp date is %s", ai.amzDate)
	}
	return nil
}

// claimedPayloadHash returns the SHA-256 a streamed request claims for its
// body; a request without one, or with UNSIGNED-PAYLOAD, is refused.
func claimedPayloadHash(r *http.Request) ([]string, error) {
	c := r.Header.Get("X-Amz-Content-Sha256")
	if len(c) != sha256.Size*2 || strings.Trim(c, "0123456789abcdef") != "" {
		return nil, incomplete(msgStreamedNeedsHash, nil)
	}
	return []string{c}, nil
}

// payloadHashes returns the payload hashes the signer may have used.
func payloadHashes(r *http.Request, body []byte, presigned bool) (hashes []string, unsigned bool, err error) {
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	claimed, ok := r.Header["X-Amz-Content-Sha256"]
	if ok && len(claimed) > 0 {
		c := claimed[0]
		switch {
		case c == UnsignedPayload:
			return []string{c}, true, nil
		case strings.HasPrefix(c, "STREAMING-"):
			return nil, false, incomplete(msgStreamingNotOK, nil)
		case c != bodyHash:
			return nil, false, signatureError(msgPayloadHash, nil)
		}
		return []string{c}, false, nil
	}
	if presigned {
		// S3-style presigners sign UNSIGNED-PAYLOAD; botocore and the Go SDK
		// sign the hash of the (usually empty) body for other services.
		return []string{bodyHash, UnsignedPayload}, false, nil
	}
	return []string{bodyHash}, false, nil
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSum([]byte("AWS4"+secret), date)
	k = hmacSum(k, region)
	k = hmacSum(k, service)
	return hmacSum(k, "aws4_request")
}

func hmacSum(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signature returns the lower-case hex signature of sts.
func signature(key []byte, sts string) []byte {
	var h hash.Hash = hmac.New(sha256.New, key)
	h.Write([]byte(sts))
	sum := h.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

func canonicalRequest(method, path, query, headers, signedList, payload string) string {
	var b strings.Builder
	b.Grow(len(method) + len(path) + len(query) + len(headers) + len(signedList) + len(payload) + 8)
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	b.WriteString(headers)
	b.WriteByte('\n')
	b.WriteString(signedList)
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

func incomplete(msg string, cause error) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: ResIncompleteSignature, Public: msg, Err: cause}
}

func signatureError(msg string, cause error) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: errdefs.ResSignature, Public: msg, Err: cause}
}

// clip keeps client-supplied text in messages short.
func clip(s string) string { return errdefs.Clip(s, 256) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

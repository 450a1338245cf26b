package acsrpc

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// Signature version 1.0 constants.
const (
	SignatureMethod  = "HMAC-SHA1"
	SignatureVersion = "1.0"
	// TimeFormat is the Timestamp format: ISO 8601 in UTC.
	TimeFormat = "2006-01-02T15:04:05Z"
	// DefaultMaxSkew is how far Timestamp may be from the server's clock,
	// and how long a SignatureNonce may not be used again.
	DefaultMaxSkew = 15 * time.Minute
)

// Messages Alibaba Cloud's gateway sends word for word.
const (
	msgSignature = "Specified signature is not matched with our calculation."
	// MsgStringToSign introduces the server's string to sign in a
	// SignatureDoesNotMatch message; the SDKs compare it with their own.
	MsgStringToSign = " server string to sign is:"
)

// PercentEncode encodes s as RFC 3986 wants and the signature needs: every
// byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex), so a space
// is %20 and * is %2A.
func PercentEncode(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 3 / 2)
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// CanonicalQuery is the canonicalized query string: every parameter but
// Signature, empty ones included, sorted by name, name and value
// percent-encoded, joined with = and &.
func CanonicalQuery(p Params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(PercentEncode(k))
		b.WriteByte('=')
		b.WriteString(PercentEncode(p[k]))
	}
	return b.String()
}

// StringToSign is METHOD + "&%2F&" + percentEncode(canonical query).
func StringToSign(method string, p Params) string {
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(CanonicalQuery(p))
}

// Sign returns base64(HMAC-SHA1(secret + "&", stringToSign)).
func Sign(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Method is the HTTP method, part of the string to sign.
	Method string
	// Now is the server's time.
	Now time.Time
	// MaxSkew bounds |Timestamp - Now| (0 = DefaultMaxSkew).
	MaxSkew time.Duration
	// Lookup returns the secret of an access key, or the error to answer
	// (an unknown key: Unauthenticated with errdefs.ResAccessKey).
	Lookup func(accessKeyID string) (secret string, err error)
	// Nonces refuses a SignatureNonce seen before; nil skips the check.
	Nonces *NonceCache
	// SkipSignature checks none of signature, time and nonce: only that an
	// AccessKeyId is present (test rigs' "any" mode).
	SkipSignature bool
}

// Result is what Verify learned.
type Result struct {
	AccessKeyID string
}

// Verify checks a request's signature version 1.0: the common parameters
// are present and well-formed, Timestamp is within MaxSkew of Now, the
// signature over the canonical query matches the access key's secret, and
// the SignatureNonce was not used in the window. The nonce is recorded only
// once everything else passed, so a bad request cannot burn a good nonce.
func Verify(p Params, opts VerifyOptions) (Result, error) {
	ak := p.Get("AccessKeyId")
	if ak == "" {
		return Result{}, Missing("AccessKeyId")
	}
	res := Result{AccessKeyID: ak}
	if opts.SkipSignature {
		return res, nil
	}
	for _, name := range []string{"Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		if p.Get(name) == "" {
			return res, Missing(name)
		}
	}
	if m := p.Get("SignatureMethod"); m != SignatureMethod {
		return res, errdefs.Newf(errdefs.Unauthenticated, ResSignatureMethod, m, "Specified signature method is not valid.")
	}
	if v := p.Get("SignatureVersion"); v != SignatureVersion {
		return res, errdefs.New(errdefs.InvalidArgument, ResInvalid, "SignatureVersion", "Specified parameter SignatureVersion is not valid.")
	}
	if t := p.Get("SignatureType"); t != "" {
		// BEARERTOKEN signs nothing with a secret; Strato has no bearer tokens.
		return res, errdefs.New(errdefs.InvalidArgument, ResInvalid, "SignatureType", "Specified parameter SignatureType is not valid.")
	}
	ts, err := ParseTimestamp(p.Get("Timestamp"))
	if err != nil {
		return res, err
	}
	skew := opts.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if d := opts.Now.Sub(ts); d > skew || d < -skew {
		return res, errdefs.Newf(errdefs.Unauthenticated, errdefs.ResRequestTime, p.Get("Timestamp"),
			"Specified time stamp or date value is expired.")
	}
	secret, err := opts.Lookup(ak)
	if err != nil {
		return res, err
	}
	sts := StringToSign(opts.Method, p)
	if !hmac.Equal([]byte(Sign(secret, sts)), []byte(p.Get("Signature"))) {
		return res, errdefs.New(errdefs.Unauthenticated, errdefs.ResSignature, "", msgSignature+MsgStringToSign+sts)
	}
	if opts.Nonces != nil {
		// Keep the nonce as long as its request could still pass the time
		// check: a request dated in the future stays valid longer.
		expires := opts.Now.Add(skew)
		if ts.After(opts.Now) {
			expires = ts.Add(skew)
		}
		if !opts.Nonces.Use(ak, p.Get("SignatureNonce"), opts.Now, expires) {
			return res, errdefs.New(errdefs.Unauthenticated, ResNonceUsed, p.Get("SignatureNonce"), "Specified signature nonce was used already.")
		}
	}
	return res, nil
}

// ParseTimestamp reads an ISO 8601 UTC time, with or without fractional
// seconds ("2026-11-22T20:30:00Z").
func ParseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{TimeFormat, "2006-01-02T15:04:05.999999999Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errdefs.Newf(errdefs.InvalidArgument, ResTimestampFormat, clip(s),
		"Specified time stamp or date value is not well formatted.")
}

// Missing is the error of an absent required parameter, in the gateway's
// words: Missing{Name}, "{Name} is mandatory for this action.".
func Missing(name string) error {
	return errdefs.Newf(errdefs.InvalidArgument, ResMissing, name, "%s is mandatory for this action.", name)
}

package apig

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Sign signs r, whose body is body, as huaweicloud-sdk-go-v3's signer does,
// for tests of Strato's frontends (end-to-end tests use the real SDK). It
// sets X-Sdk-Date to t, adds X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD when
// Content-Type is set and is neither JSON nor BSON, signs every header of r
// except Content-Type and names containing "_" (so not Host, which
// http.Request keeps outside Header), and sets Authorization, replacing any.
// A caller-set X-Sdk-Content-Sha256 is signed as the payload hash.
func Sign(r *http.Request, body []byte, accessKeyID, secret string, t time.Time) {
	r.Header.Del(headerAuthorization)
	if ct := r.Header.Get("Content-Type"); ct != "" &&
		!strings.Contains(ct, "application/json") && !strings.Contains(ct, "application/bson") {
		r.Header.Set(HeaderContentSHA256, UnsignedPayload)
	}
	date := t.UTC().Format(TimeFormat)
	r.Header.Set(HeaderDate, date)

	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "content-type") || strings.Contains(k, "_") {
			continue
		}
		names = append(names, strings.ToLower(k))
	}
	slices.Sort(names)
	signedList := strings.Join(names, ";")

	payload := r.Header.Get(HeaderContentSHA256)
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	// A path or query that does not decode cannot verify; sign it anyway.
	path, _ := canonicalURI(r.URL.EscapedPath())
	query, _ := canonicalQuery(r.URL.RawQuery)
	headers, _ := canonicalHeaders(r, names)
	cr := canonicalRequest(r.Method, path, query, headers, signedList, payload)
	sig := signature(secret, stringToSign(date, cr))
	r.Header.Set(headerAuthorization, Algorithm+" Access="+accessKeyID+", SignedHeaders="+signedList+", Signature="+string(sig))
}

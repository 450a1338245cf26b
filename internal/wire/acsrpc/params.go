// Package acsrpc is the codec of Alibaba Cloud's RPC protocol (the "POP"
// API style of ECS and most Alibaba Cloud services, API version by product,
// signature version 1.0): it merges the query string and the form body into
// one parameter set, verifies the HMAC-SHA1 signature with its timestamp and
// nonce rules, and writes JSON or XML responses and errors the way Alibaba
// Cloud's gateway does, so that the official SDKs parse them unchanged. It
// knows the protocol only; which parameters an action takes is the
// frontend's business.
//
// The Go SDK (alibaba-cloud-sdk-go) POSTs every parameter in the URL query
// with an empty body; other SDKs and hand-built clients POST a form body.
// Both are accepted, also mixed, and verified the same way.
package acsrpc

import (
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"strato/internal/errdefs"
)

// Limits that keep a hostile request from costing much memory or time.
const (
	// MaxParams is the most parameters a request may carry.
	MaxParams = 2000
	// MaxIndex is the largest N of a list parameter (InstanceId.N).
	MaxIndex = 1000
)

// Error resources the codec raises; the frontend's error table maps them.
// Each error's ID names the parameter concerned.
const (
	// ResMissing: a required common parameter is absent (Alibaba's gateway
	// answers Missing{Name}).
	ResMissing errdefs.Resource = "acs-missing"
	// ResInvalid: a parameter's value or shape is not valid
	// (Invalid{Name} for common parameters).
	ResInvalid errdefs.Resource = "acs-invalid"
	// ResTimestampFormat: Timestamp is not ISO 8601 UTC.
	ResTimestampFormat errdefs.Resource = "acs-timestamp-format"
	// ResSignatureMethod: SignatureMethod is not HMAC-SHA1.
	ResSignatureMethod errdefs.Resource = "acs-signature-method"
	// ResNonceUsed: the SignatureNonce was used within the window.
	ResNonceUsed errdefs.Resource = "acs-nonce-used"
	// ResFormat: Format is neither JSON nor XML.
	ResFormat errdefs.Resource = "acs-format"
)

// Params are a request's parameters, decoded. Every name appears once.
type Params map[string]string

// ParseRequest returns the parameters of the query string merged with those
// of the form body. body is what the caller already read under its size
// limit; r.Body is not read. A body is read as a form whatever its
// Content-Type unless that names another media type; a parameter named twice
// (in the query, the body, or both) is refused, as are malformed escapes and
// more than MaxParams parameters.
func ParseRequest(r *http.Request, body []byte) (Params, error) {
	p := make(Params)
	if err := p.parse(r.URL.RawQuery); err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return p, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, invalid("Content-Type", "the body must be application/x-www-form-urlencoded")
		}
	}
	if err := p.parse(string(body)); err != nil {
		return nil, err
	}
	return p, nil
}

// parse adds the pairs of a query-encoded string.
func (p Params) parse(s string) error {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || key == "" {
			return invalid(clip(k), "the parameter name is not well encoded")
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return invalid(key, "the value is not well encoded")
		}
		if !utf8.ValidString(key) || !utf8.ValidString(val) {
			return invalid(clip(key), "the parameter is not valid UTF-8")
		}
		if _, dup := p[key]; dup {
			return invalid(key, "the parameter is given more than once")
		}
		if len(p) == MaxParams {
			return errdefs.Newf(errdefs.InvalidArgument, ResInvalid, "", "the request has more than %d parameters", MaxParams)
		}
		p[key] = val
	}
	return nil
}

// Get returns a parameter's value, "" when absent.
func (p Params) Get(name string) string { return p[name] }

// Has reports whether the request carries name, even with an empty value.
func (p Params) Has(name string) bool {
	_, ok := p[name]
	return ok
}

// Bool reads an optional boolean: "true" or "false" (any letter case, as
// the SDKs send them); ok is false when the parameter is absent or empty.
func (p Params) Bool(name string) (v, ok bool, err error) {
	s := p[name]
	switch strings.ToLower(s) {
	case "":
		return false, false, nil
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, invalid(name, "a boolean must be true or false")
}

// Int reads an optional integer; ok is false when absent or empty.
func (p Params) Int(name string) (v int, ok bool, err error) {
	s := p[name]
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 10 {
		return 0, false, invalid(name, "not an integer")
	}
	return n, true, nil
}

// List returns the values of prefix.1 … prefix.N in index order. Indexes
// must lie in 1..max; gaps are allowed, as Alibaba's gateway allows them.
func (p Params) List(prefix string, max int) ([]string, error) {
	idx := map[int]string{}
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		n, err := index(rest)
		if err != nil || n > max {
			return nil, invalid(k, "the index must be 1 to "+strconv.Itoa(max))
		}
		idx[n] = v
	}
	return ordered(idx), nil
}

// Indexed returns the members of prefix.N.Member parameters (Tag.N.Key,
// Tag.N.Value) grouped by N in index order; N must lie in 1..max.
func (p Params) Indexed(prefix string, max int) ([]map[string]string, error) {
	groups := map[int]map[string]string{}
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		num, member, ok := strings.Cut(rest, ".")
		n, err := index(num)
		if !ok || member == "" || err != nil || n > max {
			return nil, invalid(k, prefix+".N.Member with N from 1 to "+strconv.Itoa(max))
		}
		if groups[n] == nil {
			groups[n] = map[string]string{}
		}
		groups[n][member] = v
	}
	keys := make([]int, 0, len(groups))
	for n := range groups {
		keys = append(keys, n)
	}
	sort.Ints(keys)
	out := make([]map[string]string, len(keys))
	for i, n := range keys {
		out[i] = groups[n]
	}
	return out, nil
}

func index(s string) (int, error) {
	if s == "" || len(s) > 4 || s[0] == '0' {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxIndex {
		return 0, strconv.ErrRange
	}
	return n, nil
}

func ordered(m map[int]string) []string {
	keys := make([]int, 0, len(m))
	for n := range m {
		keys = append(keys, n)
	}
	sort.Ints(keys)
	out := make([]string, len(keys))
	for i, n := range keys {
		out[i] = m[n]
	}
	return out
}

// invalid is the error of a parameter whose value or shape is not valid.
func invalid(name, why string) error {
	return errdefs.Newf(errdefs.InvalidArgument, ResInvalid, name, "The specified parameter %q is not valid: %s.", name, why)
}

// clip bounds what of a client's input goes into a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

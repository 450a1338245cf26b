package sigv4

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// queryPair is one decoded query parameter, in arrival order.
type queryPair struct{ key, value string }

// parseQuery decodes a raw query string the way the SDKs' signers read it:
// pairs separated by '&', a missing '=' meaning an empty value, '+' meaning a
// space.
func parseQuery(raw string) ([]queryPair, error) {
	if raw == "" {
		return nil, nil
	}
	pairs := make([]queryPair, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, queryPair{dk, dv})
	}
	return pairs, nil
}

// queryValue returns the first value of name in a raw query, or "".
func queryValue(raw, name string) string {
	q, err := parseQuery(raw)
	if err != nil {
		return ""
	}
	for _, p := range q {
		if p.key == name {
			return p.value
		}
	}
	return ""
}

// canonicalQuery re-encodes the parameters RFC 3986 style and sorts them by
// encoded key, then encoded value. A presigned request's own signature is
// not part of what it signs.
func canonicalQuery(q []queryPair, presigned bool) string {
	if len(q) == 0 {
		return ""
	}
	enc := make([]queryPair, 0, len(q))
	for _, p := range q {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, queryPair{uriEncode(p.key, true), uriEncode(p.value, true)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].key != enc[j].key {
			return enc[i].key < enc[j].key
		}
		return enc[i].value < enc[j].value
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// canonicalHeaders renders the signed headers as "name:value\n" lines, in
// the order SignedHeaders names them.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	return b.String()
}

func headerValue(r *http.Request, name string) string {
	switch name {
	case "host", ":authority":
		if r.Host != "" {
			return r.Host
		}
		return r.URL.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return trimAll(v)
		}
		if r.ContentLength >= 0 {
			return strconv.FormatInt(r.ContentLength, 10)
		}
		return ""
	case "transfer-encoding":
		// net/http moves Transfer-Encoding out of the header map.
		if len(r.TransferEncoding) > 0 {
			return strings.Join(r.TransferEncoding, ",")
		}
	}
	vals := r.Header.Values(name)
	switch len(vals) {
	case 0:
		return ""
	case 1:
		return trimAll(vals[0])
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = trimAll(v)
	}
	return strings.Join(out, ",")
}

// trimAll trims a header value and collapses runs of spaces to one.
func trimAll(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// canonicalPaths returns the canonical URIs a signer may have computed for
// r: AWS SDKs for services other than S3 encode the already-encoded path a
// second time, the published test suite and S3 encode it once, and botocore
// also removes dot segments and empty segments first. The most common form
// comes first; duplicates are dropped.
func canonicalPaths(r *http.Request) []string {
	raw := r.URL.EscapedPath()
	decoded := r.URL.Path
	if raw == "" {
		raw = "/"
	}
	if decoded == "" {
		decoded = "/"
	}
	cands := [...]string{
		uriEncode(raw, false),
		uriEncode(decoded, false),
		uriEncode(normalizePath(raw), false),
		uriEncode(normalizePath(decoded), false),
	}
	out := make([]string, 0, len(cands))
	for _, c := range cands {
		dup := false
		for _, o := range out {
			if o == c {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// normalizePath removes empty, "." and ".." segments, keeping a leading and
// a trailing slash (botocore's remove_dot_segments).
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	out := segs[:0]
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	first, last := "", ""
	if p[0] == '/' {
		first = "/"
	}
	if p[len(p)-1] == '/' && len(out) > 0 {
		last = "/"
	}
	return first + strings.Join(out, "/") + last
}

// uriEncode percent-encodes every byte except the RFC 3986 unreserved
// characters (and '/' unless encodeSlash), with upper-case hex digits.
func uriEncode(s string, encodeSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i], encodeSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexdig = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c, encodeSlash) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexdig[c>>4], hexdig[c&15])
	}
	return string(b)
}

func keep(c byte, encodeSlash bool) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == '~':
		return true
	case c == '/':
		return !encodeSlash
	}
	return false
}

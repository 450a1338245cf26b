package apig

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// escape is the SDK's escape: every byte except A-Z a-z 0-9 - _ . ~ becomes
// %XX with upper-case hex, so a space is %20, '+' is %2B and '/' is %2F.
func escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if shouldEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func shouldEscape(c byte) bool {
	return !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~')
}

// canonicalURI is the canonical path of an escaped request path: each
// segment decoded and re-encoded with escape, a trailing "/" always added.
// The SDK encodes its raw path the same way, segment by segment. A segment
// that does not decode is kept as it is and reported in err.
func canonicalURI(escapedPath string) (string, error) {
	var err error
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		d, uerr := url.PathUnescape(s)
		if uerr != nil {
			err = uerr
			d = s
		}
		segs[i] = escape(d)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p, err
}

// canonicalQuery is the canonical query string of a raw query: pairs split
// at '&', a missing '=' meaning an empty value, names and values decoded
// ('+' is a space), sorted by decoded name and then by decoded value, as the
// SDK sorts its parameters, re-encoded with escape and joined as k=v&k=v.
// The SDK sends an empty value as a bare "key" and signs it as "key=". A
// pair that does not decode is kept as it is and reported in err.
func canonicalQuery(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	var err error
	params := map[string][]string{}
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, kerr := url.QueryUnescape(k)
		dv, verr := url.QueryUnescape(v)
		if kerr != nil || verr != nil {
			err = url.EscapeError(part)
			dk, dv = k, v
		}
		params[dk] = append(params[dk], dv)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		vals := params[k]
		slices.Sort(vals)
		ek := escape(k)
		for _, v := range vals {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(escape(v))
		}
	}
	return b.String(), err
}

// canonicalHeaders is one "name:value\n" line per value of each signed
// header, in the order of names, the values of one header sorted and each
// trimmed; "host" is r.Host. missing names the first signed header the
// request does not have.
func canonicalHeaders(r *http.Request, names []string) (headers, missing string) {
	var b strings.Builder
	for _, n := range names {
		var vals []string
		if strings.EqualFold(n, "host") {
			if r.Host != "" {
				vals = []string{r.Host}
			}
		} else {
			vals = slices.Clone(r.Header.Values(n))
		}
		if len(vals) == 0 {
			return "", n
		}
		slices.Sort(vals)
		for _, v := range vals {
			b.WriteString(n)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	if b.Len() == 0 {
		// The SDK joins the lines and adds a newline, even to none.
		return "\n", ""
	}
	return b.String(), ""
}

// canonicalRequest joins the parts as the SDK does; headers ends with a
// newline, so a blank line precedes the signed-header list.
func canonicalRequest(method, path, query, headers, signedList, payload string) string {
	var b strings.Builder
	b.Grow(len(method) + len(path) + len(query) + len(headers) + len(signedList) + len(payload) + 5)
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

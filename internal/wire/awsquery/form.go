// Package awsquery is the codec of the AWS Query protocol in its EC2 flavour:
// it decodes form-encoded requests (Action=…&InstanceId.1=…) into Params and
// encodes XML responses and errors the way EC2 does, so that botocore, the
// AWS CLI and aws-sdk-go-v2 parse them unchanged. It knows the protocol only;
// which parameters an action takes is the frontend's business.
package awsquery

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"strato/internal/errdefs"
)

// Limits that keep a hostile request from costing much memory or time.
const (
	// MaxFormBytes is the largest body ParseForm accepts. Callers limit the
	// body when they read it (http.MaxBytesReader); ParseForm checks again.
	MaxFormBytes = 1 << 20
	// MaxParams is the most parameters a request may carry.
	MaxParams = 10000
	// MaxListElements is the most elements one list (InstanceId.N,
	// Filter.N, …) may have.
	MaxListElements = 1000
)

// ParseForm returns the request's parameters: those of the query string
// followed by those of the form body. It never reads r.Body: body is what the
// caller already read under its size limit. A body that is not form-encoded
// (by its Content-Type) is an error, as are malformed escapes and requests
// beyond MaxFormBytes or MaxParams.
func ParseForm(r *http.Request, body []byte) (url.Values, error) {
	if len(body) > MaxFormBytes {
		return nil, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
			"The request body is too large (%d bytes); the limit is %d bytes.", len(body), MaxFormBytes)
	}
	if len(body) > 0 {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != "application/x-www-form-urlencoded" {
				return nil, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
					"Unsupported content type '%s'; the Query API expects application/x-www-form-urlencoded.", clip(ct))
			}
		}
	}
	v := make(url.Values)
	n := 0
	if err := parseInto(v, r.URL.RawQuery, &n); err != nil {
		return nil, err
	}
	if err := parseInto(v, string(body), &n); err != nil {
		return nil, err
	}
	return v, nil
}

func parseInto(v url.Values, s string, n *int) error {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		*n++
		if *n > MaxParams {
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
				"The request has too many parameters; the limit is %d.", MaxParams)
		}
		k, val, _ := strings.Cut(pair, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return malformed(pair, err)
		}
		dv, err := url.QueryUnescape(val)
		if err != nil {
			return malformed(pair, err)
		}
		v[dk] = append(v[dk], dv)
	}
	return nil
}

func malformed(pair string, err error) error {
	return &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResParameter,
		Public: fmt.Sprintf("The query string contains a syntax error near '%s'.", clip(pair)), Err: err}
}

// Params is a view on request parameters with typed accessors. Structs
// returns Params views whose keys are relative to one list element.
type Params struct{ url.Values }

// String returns the first value of name, or "".
func (p Params) String(name string) string { return p.Get(name) }

// Has reports whether name is present (possibly with an empty value).
func (p Params) Has(name string) bool {
	_, ok := p.Values[name]
	return ok
}

// Bool returns the boolean value of name: "true" or "false" in any case.
// An absent parameter is false; any other value is InvalidArgument.
func (p Params) Bool(name string) (bool, error) {
	s, ok := p.first(name)
	if !ok {
		return false, nil
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true, nil
	case strings.EqualFold(s, "false"):
		return false, nil
	}
	return false, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, name,
		"Invalid value '%s' for %s: expected true or false", clip(s), name)
}

// Int returns the decimal integer value of name; absent is 0. Anything but
// an optionally signed decimal integer that fits an int is InvalidArgument.
func (p Params) Int(name string) (int, error) {
	s, ok := p.first(name)
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &errdefs.Error{Kind: errdefs.InvalidArgument, Resource: errdefs.ResParameter, ID: name,
			Public: fmt.Sprintf("Invalid value '%s' for %s: expected an integer", clip(s), name), Err: err}
	}
	return n, nil
}

func (p Params) first(name string) (string, bool) {
	vs, ok := p.Values[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// List returns the values of prefix.1 … prefix.N ordered by index. Indexes
// may have gaps; repeated values are kept, in order. A key prefix.X whose X
// is not a positive decimal integer, or prefix.N.anything, is InvalidArgument,
// as are more than MaxListElements elements.
func (p Params) List(prefix string) ([]string, error) {
	type elem struct {
		idx  int
		vals []string
	}
	var elems []elem
	for k, vs := range p.Values {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, tail, err := index(k, rest)
		if err != nil {
			return nil, err
		}
		if tail != "" {
			return nil, unknownParam(k, "a list element has no members")
		}
		elems = append(elems, elem{idx, vs})
		if len(elems) > MaxListElements {
			return nil, tooMany(prefix)
		}
	}
	if len(elems) == 0 {
		return nil, nil
	}
	sort.Slice(elems, func(i, j int) bool { return elems[i].idx < elems[j].idx })
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		out = append(out, e.vals...)
	}
	return out, nil
}

// Structs returns one Params per element of a list of structures, ordered by
// index: the keys prefix.N.Member… become Member… of the N-th element, so
// Filter.2.Value.1 is List("Value") of the second Params of
// Structs("Filter"). Indexes may have gaps. A bare prefix.N, a malformed
// index, or more than MaxListElements elements is InvalidArgument. Errors
// from an element's own accessors name members relative to the element
// ("Value.x", not "Filter.1.Value.x").
func (p Params) Structs(prefix string) ([]Params, error) {
	byIdx := map[int]url.Values{}
	for k, vs := range p.Values {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, tail, err := index(k, rest)
		if err != nil {
			return nil, err
		}
		if tail == "" {
			return nil, unknownParam(k, "a structure element needs a member name")
		}
		m := byIdx[idx]
		if m == nil {
			if len(byIdx) >= MaxListElements {
				return nil, tooMany(prefix)
			}
			m = url.Values{}
			byIdx[idx] = m
		}
		m[tail] = vs
	}
	if len(byIdx) == 0 {
		return nil, nil
	}
	idxs := make([]int, 0, len(byIdx))
	for i := range byIdx {
		idxs = append(idxs, i)
	}
	sort.Ints(idxs)
	out := make([]Params, len(idxs))
	for i, idx := range idxs {
		out[i] = Params{byIdx[idx]}
	}
	return out, nil
}

// maxIndex bounds list indexes; they only order elements, so any bound
// above MaxListElements serves.
const maxIndex = 1 << 30

// index splits "N" or "N.rest" (the part of key after the list prefix).
func index(key, s string) (idx int, rest string, err error) {
	num, rest, dotted := strings.Cut(s, ".")
	if dotted && rest == "" {
		return 0, "", unknownParam(key, "a member name is empty")
	}
	if num == "" || num[0] == '0' || len(num) > 10 {
		return 0, "", unknownParam(key, "a list index must be a positive integer")
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return 0, "", unknownParam(key, "a list index must be a positive integer")
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n > maxIndex {
		return 0, "", unknownParam(key, "a list index is too large")
	}
	return n, rest, nil
}

func unknownParam(key, why string) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, key,
		"The parameter %s is not recognized: %s.", clip(key), why)
}

func tooMany(prefix string) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, prefix,
		"The request has too many %s elements; the limit is %d.", clip(prefix), MaxListElements)
}

// clip keeps client-supplied text in messages short.
func clip(s string) string { return errdefs.Clip(s, 128) }

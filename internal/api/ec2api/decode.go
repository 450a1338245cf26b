package ec2api

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/awsquery"
)

// Wire limits EC2 enforces before looking at any resource.
const (
	maxIDsPerCall    = 1000  // ids in one InstanceId.N / ResourceId.N list
	maxUserDataBytes = 16384 // user data, before base64
	maxTagKeyLen     = 127
	maxTagValueLen   = 256
	maxClientToken   = 64
	maxFilterValues  = 200
)

var (
	instanceIDRE = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)
	imageIDRE    = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	// resourceIDRE is the shape of any EC2 resource id: prefix-hex.
	resourceIDRE = regexp.MustCompile(`^[a-z]+(-[a-z]+)*-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// missing reports a required parameter that the request lacks.
func missing(name string) error {
	return errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, name, "The request must contain the parameter "+name)
}

// invalidValue reports a parameter value EC2 would refuse.
func invalidValue(format string, args ...any) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", format, args...)
}

// combination reports parameters that cannot be used together.
func combination(format string, args ...any) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResCombination, "", format, args...)
}

// has reports whether the request carries name, even with an empty value.
func has(p awsquery.Params, name string) bool { return p.Has(name) }

// boolParam reads an optional boolean; EC2 accepts "true" and "false".
func boolParam(p awsquery.Params, name string) (bool, error) {
	b, err := optBool(p, name)
	if err != nil || b == nil {
		return false, err
	}
	return *b, nil
}

// optBool reads an optional boolean, nil when absent.
func optBool(p awsquery.Params, name string) (*bool, error) {
	if !has(p, name) {
		return nil, nil
	}
	var b bool
	switch s := p.String(name); strings.ToLower(s) {
	case "true":
		b = true
	case "false":
		b = false
	default:
		return nil, invalidValue("Invalid value '%s' for %s. Expected 'true' or 'false'.", s, name)
	}
	return &b, nil
}

// intParam reads an optional integer; set is false when absent.
func intParam(p awsquery.Params, name string) (v int, set bool, err error) {
	if !has(p, name) {
		return 0, false, nil
	}
	s := p.String(name)
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return 0, true, invalidValue("Invalid value '%s' for %s. Expected an integer.", s, name)
	}
	return int(n), true, nil
}

// maxResults reads MaxResults, which must lie in [lo, hi] when given.
func maxResults(p awsquery.Params, lo, hi int) (int, error) {
	n, set, err := intParam(p, "MaxResults")
	if err != nil || !set {
		return 0, err
	}
	if n < lo {
		return 0, invalidValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than %d.", n, lo)
	}
	if n > hi {
		return 0, invalidValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value less than or equal to %d.", n, hi)
	}
	return n, nil
}

// idList reads Name.1..N, rejecting more than maxIDsPerCall and dropping
// repeats while keeping the order.
func idList(p awsquery.Params, name string, required bool) ([]string, error) {
	ids, err := p.List(name)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		if required {
			return nil, missing(name)
		}
		return nil, nil
	}
	if len(ids) > maxIDsPerCall {
		return nil, invalidValue("The maximum number of %s values in a request is %d.", name, maxIDsPerCall)
	}
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// instanceIDs reads and validates InstanceId.N: every id is checked before any
// is used, and one malformed id fails the whole call.
func instanceIDs(p awsquery.Params, required bool) ([]string, error) {
	ids, err := idList(p, "InstanceId", required)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := checkInstanceID(id); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// singleInstanceID reads the scalar InstanceId some operations take.
func singleInstanceID(p awsquery.Params) (string, error) {
	id := p.String("InstanceId")
	if id == "" {
		return "", missing("InstanceId")
	}
	return id, checkInstanceID(id)
}

// checkInstanceID validates an instance id's shape.
func checkInstanceID(id string) error {
	if !instanceIDRE.MatchString(id) {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResInstance, id, "Invalid id: %q", id)
	}
	return nil
}

// checkImageID validates an image id's shape.
func checkImageID(id string) error {
	if !imageIDRE.MatchString(id) {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResImage, id, "Invalid id: %q (expecting \"ami-...\")", id)
	}
	return nil
}

// checkResourceID validates the shape of an id of any resource type.
func checkResourceID(id string) error {
	if strings.HasPrefix(id, "i-") {
		return checkInstanceID(id)
	}
	if !resourceIDRE.MatchString(id) {
		return errdefs.Newf(errdefs.InvalidArgument, resResourceID, id, "The ID '%s' is not valid", id)
	}
	return nil
}

// filter is one Filter.N as the client sent it.
type filter struct {
	name   string
	values []string
}

// filters reads Filter.N.Name and Filter.N.Value.M.
func filters(p awsquery.Params) ([]filter, error) {
	structs, err := p.Structs("Filter")
	if err != nil {
		return nil, err
	}
	var out []filter
	for _, s := range structs {
		name := s.String("Name")
		if name == "" {
			return nil, errdefs.New(errdefs.InvalidArgument, errdefs.ResFilter, "null", "The filter 'null' is invalid")
		}
		values, err := s.List("Value")
		if err != nil {
			return nil, err
		}
		if len(values) > maxFilterValues {
			return nil, invalidValue("The filter '%s' has too many values; the maximum is %d.", name, maxFilterValues)
		}
		out = append(out, filter{name: name, values: values})
	}
	return out, nil
}

// unknownFilter reports a filter name an operation does not support.
func unknownFilter(name string) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResFilter, name, "The filter '%s' is invalid", name)
}

// decodeBase64 decodes a base64 parameter, accepting padded or unpadded input
// and either alphabet, as EC2 does for user data.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("invalid base64")
}

// userData decodes base64 user data and enforces EC2's 16 KiB limit.
func userData(s string) ([]byte, error) {
	b, err := decodeBase64(s)
	if err != nil {
		return nil, invalidValue("Invalid BASE64 encoding of user data.")
	}
	if len(b) > maxUserDataBytes {
		return nil, invalidValue("User data is limited to %d bytes.", maxUserDataBytes)
	}
	return b, nil
}

// checkTag enforces EC2's wire rules for one tag.
func checkTag(key, value string) error {
	switch {
	case key == "":
		return invalidValue("Tag key must not be empty.")
	case utf8.RuneCountInString(key) > maxTagKeyLen:
		return invalidValue("Tag key exceeds the maximum length of %d characters.", maxTagKeyLen)
	case utf8.RuneCountInString(value) > maxTagValueLen:
		return invalidValue("Tag value exceeds the maximum length of %d characters.", maxTagValueLen)
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return invalidValue("Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

// tags reads the list of Key/Value structures prefix.N.Key, prefix.N.Value.
func tags(p awsquery.Params, prefix string) ([]instance.Tag, error) {
	structs, err := p.Structs(prefix)
	if err != nil {
		return nil, err
	}
	out := make([]instance.Tag, 0, len(structs))
	for _, s := range structs {
		k, v := s.String("Key"), s.String("Value")
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
		out = append(out, instance.Tag{Key: k, Value: v})
	}
	return out, nil
}

// wildcardMatch matches s against an EC2 filter pattern with * and ?; a
// backslash escapes the next character.
func wildcardMatch(pattern, s string) bool {
	p := []rune(pattern)
	r := []rune(s)
	// Iterative matcher with single-star backtracking.
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(r) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '*':
				starP, starS = pi, si
				pi++
				continue
			case c == '?':
				pi++
				si++
				continue
			case c == '\\' && pi+1 < len(p):
				if p[pi+1] == r[si] {
					pi += 2
					si++
					continue
				}
			case c == r[si]:
				pi++
				si++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		pi, si = starP+1, starS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchAny reports whether s matches any of the patterns.
func matchAny(patterns []string, s string) bool {
	for _, pat := range patterns {
		if wildcardMatch(pat, s) {
			return true
		}
	}
	return false
}

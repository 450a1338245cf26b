package ecsapi

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
)

// Wire limits ECS enforces before looking at any resource.
const (
	maxIDsPerCall     = 100 // InstanceId.N, DescribeInstances' InstanceIds
	maxTagsPerCall    = 20  // Tag.N, TagKey.N
	maxTagResourceIDs = 50  // TagResources / UntagResources / ListTagResources ResourceId.N
	maxTagKeyLen      = 128
	maxTagValueLen    = 128
	maxAmount         = 100 // RunInstances: up to 100 instances at a time
	maxPageSize       = 100 // DescribeInstances, DescribeImages
	maxStatusPageSize = 50  // DescribeInstanceStatus
	defaultPageSize   = 10
	maxNameLen        = 128
	maxDescriptionLen = 256
	maxHostNameLen    = 64
	maxUserDataBytes  = 32 * 1024 // raw, before base64
	maxClientToken    = 64
)

// instanceIDRE is the shape of an ECS instance id. Strato's ECS ids are
// i- + 20 lower-case alphanumerics; an id of any other shape names no ECS
// instance (and possibly another API's), so it is not found.
var instanceIDRE = regexp.MustCompile(`^i-[0-9a-z]{20}$`)

// errDryRun ends a read-only dry run that passed authorization.
var errDryRun = errdefs.New(errdefs.DryRun, errdefs.ResNone, "", msgDryRun)

// notFound is InvalidInstanceId.NotFound for id.
func notFound(id string) error {
	return errdefs.New(errdefs.NotFound, errdefs.ResInstance, id, msgNotFound)
}

// badParam is InvalidParameter naming the parameter.
func badParam(name string) error {
	return errdefs.New(errdefs.InvalidArgument, resParam, name, "")
}

// instanceID reads a required single InstanceId.
func instanceID(p acsrpc.Params, name string) (string, error) {
	id := p.Get(name)
	if id == "" {
		return "", acsrpc.Missing(name)
	}
	if !instanceIDRE.MatchString(id) {
		return "", notFound(id)
	}
	return id, nil
}

// instanceIDList reads a required InstanceId.N list (1..100), without
// duplicates, every id ECS-shaped.
func instanceIDList(p acsrpc.Params, prefix string) ([]string, error) {
	ids, err := p.List(prefix, maxIDsPerCall)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, acsrpc.Missing(prefix)
	}
	return checkIDs(ids)
}

// checkIDs drops duplicates and refuses ids that are not ECS-shaped.
func checkIDs(ids []string) ([]string, error) {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !instanceIDRE.MatchString(id) {
			return nil, notFound(id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// jsonIDs reads DescribeInstances' InstanceIds: one JSON array of up to 100
// ids. ok is false when the parameter is absent.
func jsonIDs(p acsrpc.Params, name string) (ids []string, ok bool, err error) {
	if !p.Has(name) {
		return nil, false, nil
	}
	s := p.Get(name)
	if err := json.Unmarshal([]byte(s), &ids); err != nil || len(ids) > maxIDsPerCall {
		return nil, false, badParam(name)
	}
	return ids, true, nil
}

// optBool reads an optional boolean.
func optBool(p acsrpc.Params, name string) (bool, error) {
	v, _, err := p.Bool(name)
	return v, err
}

// intIn reads an optional integer in lo..hi with a default.
func intIn(p acsrpc.Params, name string, lo, hi, def int) (int, error) {
	n, ok, err := p.Int(name)
	if err != nil {
		return 0, badParam(name)
	}
	if !ok {
		return def, nil
	}
	if n < lo || n > hi {
		return 0, badParam(name)
	}
	return n, nil
}

// tags reads Tag.N.Key / Tag.N.Value (1..20) under ECS's rules: a key of
// 1..128 characters that does not start with "aliyun" or "acs:", a value of
// at most 128; neither may contain http:// or https://.
func tags(p acsrpc.Params) ([]instance.Tag, error) {
	groups, err := p.Indexed("Tag", acsrpc.MaxIndex)
	if err != nil {
		return nil, err
	}
	if _, err := p.Indexed("Tag", maxTagsPerCall); err != nil {
		return nil, errdefs.New(errdefs.InvalidArgument, resTagCount, "", "")
	}
	out := make([]instance.Tag, 0, len(groups))
	for _, g := range groups {
		k, v := g["Key"], g["Value"]
		if err := checkTagKey(k); err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(v) > maxTagValueLen || hasURL(v) {
			return nil, errdefs.New(errdefs.InvalidArgument, resTagValue, v, "")
		}
		out = append(out, instance.Tag{Key: k, Value: v})
	}
	return out, nil
}

// checkTagKey applies ECS's tag key rules.
func checkTagKey(k string) error {
	lk := strings.ToLower(k)
	if k == "" || utf8.RuneCountInString(k) > maxTagKeyLen || strings.HasPrefix(lk, "aliyun") ||
		strings.HasPrefix(lk, "acs:") || hasURL(k) {
		return errdefs.New(errdefs.InvalidArgument, resTagKey, k, "")
	}
	return nil
}

func hasURL(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "http://") || strings.Contains(l, "https://")
}

// userData decodes base64 user data of at most 32 KB.
func userData(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, badParam("UserData")
	}
	if len(b) > maxUserDataBytes {
		return nil, errdefs.New(errdefs.InvalidArgument, resUserData, "", "")
	}
	return b, nil
}

// text reads an optional free-text parameter of at most max characters
// that does not start with http:// or https://.
func text(p acsrpc.Params, name string, max int) (string, error) {
	s := p.Get(name)
	if utf8.RuneCountInString(s) > max || strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return "", badParam(name)
	}
	return s, nil
}

// hostNameRE is ECS's Linux host name: 2..64 characters, segments of
// letters, digits and hyphens separated by periods.
var hostNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)

func hostName(p acsrpc.Params) (string, error) {
	s := p.Get("HostName")
	if s == "" {
		return "", nil
	}
	if len(s) < 2 || len(s) > maxHostNameLen || !hostNameRE.MatchString(s) {
		return "", errdefs.New(errdefs.InvalidArgument, resParam, "HostName", "The specified parameter HostName is not valid.")
	}
	return s, nil
}

// pageToken is an opaque offset for the handler's own pagination.
func pageToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ecs:" + strconv.Itoa(off)))
}

func parseToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	s, ok := strings.CutPrefix(string(b), "ecs:")
	n, cerr := strconv.Atoi(s)
	if err != nil || !ok || cerr != nil || n < 0 {
		return 0, errdefs.New(errdefs.InvalidArgument, errdefs.ResPageToken, tok, "")
	}
	return n, nil
}

// page selects off..off+size of n items and returns the bounds and the next token.
func page(n, off, size int) (lo, hi int, next string) {
	lo = min(off, n)
	hi = min(lo+size, n)
	if hi < n {
		next = pageToken(hi)
	}
	return lo, hi, next
}

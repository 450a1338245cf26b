package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"strato/internal/errdefs"
)

// Policy is an IAM-style policy document:
//
//	{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*"],"Resource":"*"}]}
//
// Action and Resource accept a string or a list of strings, with * and ?
// wildcards; an explicit Deny wins over any Allow; nothing allowed is denied.
type Policy struct {
	Version   string      `json:"Version,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one rule of a policy.
type Statement struct {
	Sid      string       `json:"Sid,omitempty"`
	Effect   string       `json:"Effect"` // "Allow" or "Deny"
	Action   StringOrList `json:"Action"`
	Resource StringOrList `json:"Resource,omitempty"` // empty means "*"
}

// StringOrList decodes a JSON string or array of strings.
type StringOrList []string

// Effects of a statement.
const (
	EffectAllow = "Allow"
	EffectDeny  = "Deny"
)

// UnmarshalJSON accepts "s", ["s", …] and null.
func (l *StringOrList) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		*l = nil
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*l = StringOrList{s}
		return nil
	case len(data) > 0 && data[0] == '[':
		var ss []string
		if err := json.Unmarshal(data, &ss); err != nil {
			return fmt.Errorf("expected a string or a list of strings: %w", err)
		}
		*l = ss
		return nil
	}
	return fmt.Errorf("expected a string or a list of strings, got %.32s", data)
}

// The policy elements ParsePolicy understands. Others (Condition, NotAction,
// NotResource, Principal, …) are refused rather than ignored: ignoring a
// Condition would widen an Allow.
var (
	policyKeys    = map[string]bool{"Version": true, "Id": true, "Statement": true}
	statementKeys = map[string]bool{"Sid": true, "Effect": true, "Action": true, "Resource": true}
)

// ParsePolicy decodes and validates a policy document. Statement may be one
// object or a list; Effect must be Allow or Deny; Action must name at least
// one action ("*" or "service:pattern"); unsupported elements are refused.
// Errors are InvalidArgument with a message fit for the caller.
func ParsePolicy(data []byte) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return nil, invalidPolicy("the policy is not a JSON object: %v", err)
	}
	if err := onlyKeys(top, policyKeys, "policy"); err != nil {
		return nil, err
	}
	p := &Policy{}
	if v, ok := top["Version"]; ok {
		if err := json.Unmarshal(v, &p.Version); err != nil {
			return nil, invalidPolicy("Version must be a string")
		}
	}
	raw := bytes.TrimSpace(top["Statement"])
	var stmts []json.RawMessage
	switch {
	case len(raw) > 0 && raw[0] == '{':
		stmts = []json.RawMessage{raw}
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &stmts); err != nil {
			return nil, invalidPolicy("Statement must be an object or a list of objects")
		}
	default:
		return nil, invalidPolicy("the policy needs a Statement")
	}
	for i, sraw := range stmts {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(sraw, &keys); err != nil || keys == nil {
			return nil, invalidPolicy("statement %d is not a JSON object", i+1)
		}
		if err := onlyKeys(keys, statementKeys, fmt.Sprintf("statement %d", i+1)); err != nil {
			return nil, err
		}
		var s Statement
		if err := json.Unmarshal(sraw, &s); err != nil {
			return nil, invalidPolicy("statement %d: %v", i+1, err)
		}
		p.Statement = append(p.Statement, s)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func onlyKeys(m map[string]json.RawMessage, allowed map[string]bool, what string) error {
	var bad []string
	for k := range m {
		if !allowed[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return invalidPolicy("%s: unsupported element %q", what, bad[0])
}

// Validate checks a policy's form; see ParsePolicy.
func (p *Policy) Validate() error {
	switch p.Version {
	case "", "2012-10-17", "2008-10-17":
	default:
		return invalidPolicy("unsupported policy Version %q", p.Version)
	}
	if len(p.Statement) == 0 {
		return invalidPolicy("the policy has no statements")
	}
	for i, s := range p.Statement {
		n := i + 1
		if s.Effect != EffectAllow && s.Effect != EffectDeny {
			return invalidPolicy("statement %d: Effect must be %q or %q, not %q", n, EffectAllow, EffectDeny, s.Effect)
		}
		if len(s.Action) == 0 {
			return invalidPolicy("statement %d: Action must name at least one action", n)
		}
		for _, a := range s.Action {
			if a == "*" {
				continue
			}
			svc, name, ok := strings.Cut(a, ":")
			if !ok || svc == "" || name == "" || strings.ContainsAny(svc, "*?") {
				return invalidPolicy("statement %d: action %q must be \"*\" or of the form service:action", n, a)
			}
		}
		for _, r := range s.Resource {
			if r == "" {
				return invalidPolicy("statement %d: a Resource is empty", n)
			}
		}
	}
	return nil
}

func invalidPolicy(format string, args ...any) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "invalid policy: "+format, args...)
}

// Allows evaluates the policy for action on resource: an explicit Deny
// wins, else any Allow allows, else the request is denied. A nil policy
// allows everything. Actions match case-insensitively, resources
// case-sensitively; both accept * and ? wildcards; an empty statement
// Resource means "*".
func (p *Policy) Allows(action, resource string) bool {
	if p == nil {
		return true
	}
	allowed := false
	for i := range p.Statement {
		s := &p.Statement[i]
		if !s.matches(action, resource) {
			continue
		}
		switch s.Effect {
		case EffectDeny:
			return false
		case EffectAllow:
			allowed = true
		}
	}
	return allowed
}

func (s *Statement) matches(action, resource string) bool {
	hit := false
	for _, a := range s.Action {
		if wildcardMatch(a, action, true) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	if len(s.Resource) == 0 {
		return true
	}
	for _, r := range s.Resource {
		if wildcardMatch(r, resource, false) {
			return true
		}
	}
	return false
}

// wildcardMatch reports whether s matches pattern, where * matches any run
// of characters and ? any one character, ignoring case if fold. It runs in
// O(len(pattern)·len(s)) at worst, without backtracking blow-ups, and does
// not allocate for ASCII input.
func wildcardMatch(pattern, s string, fold bool) bool {
	if isASCII(pattern) && isASCII(s) {
		return match([]byte(pattern), []byte(s), func(a, b byte) bool {
			return a == b || fold && lowerASCII(a) == lowerASCII(b)
		})
	}
	return match([]rune(pattern), []rune(s), func(a, b rune) bool {
		return a == b || fold && unicode.ToLower(a) == unicode.ToLower(b)
	})
}

func match[T byte | rune](p, s []T, eq func(a, b T) bool) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || eq(p[pi], s[si])):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// InstanceARN returns the ARN of an instance, the resource that
// instance-scoped policy statements name.
func InstanceARN(region, account, id string) string {
	return "arn:aws:ec2:" + region + ":" + account + ":instance/" + id
}

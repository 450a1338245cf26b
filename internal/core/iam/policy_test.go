package iam

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

func TestStringOrList(t *testing.T) {
	cases := []struct {
		in      string
		want    StringOrList
		wantErr bool
	}{
		{in: `"ec2:*"`, want: StringOrList{"ec2:*"}},
		{in: `["a","b"]`, want: StringOrList{"a", "b"}},
		{in: `[]`, want: StringOrList{}},
		{in: `null`, want: nil},
		{in: ` "spaced" `, want: StringOrList{"spaced"}},
		{in: `5`, wantErr: true},
		{in: `[1]`, wantErr: true},
		{in: `{"a":1}`, wantErr: true},
		{in: `"unterminated`, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			var got StringOrList
			err := got.UnmarshalJSON([]byte(c.in))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			if diff := cmp.Diff(got, c.want); !c.wantErr && diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    *Policy
		wantErr string // substring of the public message
	}{
		{name: "full",
			in: `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"s1","Effect":"Allow","Action":["ec2:Describe*","ec2:StopInstances"],"Resource":"*"},
			      {"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":["arn:aws:ec2:*:*:instance/i-1","arn:aws:ec2:*:*:instance/i-2"]}]}`,
			want: &Policy{Version: "2012-10-17", Statement: []Statement{
				{Sid: "s1", Effect: "Allow", Action: StringOrList{"ec2:Describe*", "ec2:StopInstances"}, Resource: StringOrList{"*"}},
				{Effect: "Deny", Action: StringOrList{"ec2:TerminateInstances"}, Resource: StringOrList{"arn:aws:ec2:*:*:instance/i-1", "arn:aws:ec2:*:*:instance/i-2"}},
			}}},
		{name: "single statement object, no version, no resource",
			in:   `{"Statement":{"Effect":"Allow","Action":"*"}}`,
			want: &Policy{Statement: []Statement{{Effect: "Allow", Action: StringOrList{"*"}}}}},
		{name: "not json", in: `{`, wantErr: "not a JSON object"},
		{name: "array", in: `[]`, wantErr: "not a JSON object"},
		{name: "null", in: `null`, wantErr: "not a JSON object"},
		{name: "no statement", in: `{"Version":"2012-10-17"}`, wantErr: "needs a Statement"},
		{name: "empty statements", in: `{"Statement":[]}`, wantErr: "no statements"},
		{name: "statement not object", in: `{"Statement":["x"]}`, wantErr: "statement 1 is not a JSON object"},
		{name: "lower-case effect", in: `{"Statement":[{"Effect":"allow","Action":"*"}]}`, wantErr: `Effect must be "Allow" or "Deny", not "allow"`},
		{name: "missing effect", in: `{"Statement":[{"Action":"*"}]}`, wantErr: "Effect must be"},
		{name: "missing action", in: `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, wantErr: "Action must name at least one action"},
		{name: "empty action list", in: `{"Statement":[{"Effect":"Allow","Action":[]}]}`, wantErr: "Action must name at least one action"},
		{name: "action without service", in: `{"Statement":[{"Effect":"Allow","Action":"StopInstances"}]}`, wantErr: "service:action"},
		{name: "wildcard service", in: `{"Statement":[{"Effect":"Allow","Action":"*:StopInstances"}]}`, wantErr: "service:action"},
		{name: "empty action", in: `{"Statement":[{"Effect":"Allow","Action":[""]}]}`, wantErr: "service:action"},
		{name: "action not string", in: `{"Statement":[{"Effect":"Allow","Action":5}]}`, wantErr: "statement 1"},
		{name: "empty resource", in: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":""}]}`, wantErr: "a Resource is empty"},
		{name: "condition", in: `{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`, wantErr: `unsupported element "Condition"`},
		{name: "not action", in: `{"Statement":[{"Effect":"Allow","NotAction":"ec2:Terminate*"}]}`, wantErr: `unsupported element "NotAction"`},
		{name: "principal", in: `{"Statement":[{"Effect":"Allow","Action":"*","Principal":"*"}]}`, wantErr: `unsupported element "Principal"`},
		{name: "unknown top level", in: `{"Statement":[{"Effect":"Allow","Action":"*"}],"Extra":1}`, wantErr: `unsupported element "Extra"`},
		{name: "bad version", in: `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"*"}]}`, wantErr: "unsupported policy Version"},
		{name: "version not string", in: `{"Version":1,"Statement":[{"Effect":"Allow","Action":"*"}]}`, wantErr: "Version must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParsePolicy([]byte(c.in))
			if c.wantErr != "" {
				var e *errdefs.Error
				if !errors.As(err, &e) || e.Kind != errdefs.InvalidArgument || !strings.Contains(e.Public, c.wantErr) {
					t.Fatalf("err = %v, want InvalidArgument containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePolicy: %v", err)
			}
			if diff := cmp.Diff(got, c.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
			// What a store writes back parses to the same policy.
			data, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParsePolicy(data)
			if err != nil {
				t.Fatalf("re-parse %s: %v", data, err)
			}
			if diff := cmp.Diff(again, got); diff != "" {
				t.Errorf("round trip (-got +want):\n%s", diff)
			}
		})
	}
}

func pol(stmts ...Statement) *Policy { return &Policy{Version: "2012-10-17", Statement: stmts} }

func allow(action, resource StringOrList) Statement {
	return Statement{Effect: EffectAllow, Action: action, Resource: resource}
}

func deny(action, resource StringOrList) Statement {
	return Statement{Effect: EffectDeny, Action: action, Resource: resource}
}

func TestAllows(t *testing.T) {
	i1 := InstanceARN("us-east-1", "123456789012", "i-1")
	i2 := InstanceARN("us-east-1", "123456789012", "i-2")
	cases := []struct {
		name     string
		p        *Policy
		action   string
		resource string
		want     bool
	}{
		{"nil policy allows all", nil, "ec2:TerminateInstances", i1, true},
		{"no statements denies", pol(), "ec2:DescribeInstances", "*", false},
		{"exact", pol(allow(StringOrList{"ec2:StopInstances"}, nil)), "ec2:StopInstances", i1, true},
		{"other action", pol(allow(StringOrList{"ec2:StopInstances"}, nil)), "ec2:StartInstances", i1, false},
		{"prefix wildcard", pol(allow(StringOrList{"ec2:Describe*"}, StringOrList{"*"})), "ec2:DescribeInstances", "*", true},
		{"prefix wildcard miss", pol(allow(StringOrList{"ec2:Describe*"}, StringOrList{"*"})), "ec2:StopInstances", "*", false},
		{"service wildcard", pol(allow(StringOrList{"ec2:*"}, nil)), "ec2:RunInstances", "*", true},
		{"service wildcard other service", pol(allow(StringOrList{"ec2:*"}, nil)), "sagemaker:StopNotebookInstance", "*", false},
		{"star", pol(allow(StringOrList{"*"}, nil)), "sagemaker:StopNotebookInstance", "x", true},
		{"action case-insensitive", pol(allow(StringOrList{"EC2:stop*"}, nil)), "ec2:StopInstances", i1, true},
		{"question mark", pol(allow(StringOrList{"ec2:St??tInstances"}, nil)), "ec2:StartInstances", i1, true},
		{"question mark needs one char", pol(allow(StringOrList{"ec2:Stop?Instances"}, nil)), "ec2:StopInstances", i1, false},
		{"resource exact", pol(allow(StringOrList{"ec2:*"}, StringOrList{i1})), "ec2:StopInstances", i1, true},
		{"resource other", pol(allow(StringOrList{"ec2:*"}, StringOrList{i1})), "ec2:StopInstances", i2, false},
		{"resource wildcard", pol(allow(StringOrList{"ec2:*"}, StringOrList{"arn:aws:ec2:*:123456789012:instance/*"})), "ec2:StopInstances", i2, true},
		{"resource case-sensitive", pol(allow(StringOrList{"ec2:*"}, StringOrList{"arn:aws:ec2:*:*:instance/I-1"})), "ec2:StopInstances", i1, false},
		{"resource list", pol(allow(StringOrList{"ec2:*"}, StringOrList{i2, i1})), "ec2:StopInstances", i1, true},
		{"empty resource means star", pol(allow(StringOrList{"ec2:*"}, nil)), "ec2:DescribeInstances", "", true},
		{"arn pattern does not cover star", pol(allow(StringOrList{"ec2:*"}, StringOrList{"arn:aws:ec2:*:*:instance/*"})), "ec2:DescribeInstances", "*", false},
		{"deny wins over allow", pol(allow(StringOrList{"ec2:*"}, nil), deny(StringOrList{"ec2:TerminateInstances"}, nil)), "ec2:TerminateInstances", i1, false},
		{"deny first still wins", pol(deny(StringOrList{"ec2:Terminate*"}, StringOrList{i1}), allow(StringOrList{"*"}, nil)), "ec2:TerminateInstances", i1, false},
		{"deny on other resource", pol(deny(StringOrList{"ec2:Terminate*"}, StringOrList{i1}), allow(StringOrList{"*"}, nil)), "ec2:TerminateInstances", i2, true},
		{"deny only", pol(deny(StringOrList{"ec2:Terminate*"}, nil)), "ec2:StopInstances", i1, false},
		{"unknown effect ignored", pol(Statement{Effect: "allow", Action: StringOrList{"*"}}), "ec2:StopInstances", i1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.Allows(c.action, c.resource); got != c.want {
				t.Errorf("Allows(%q, %q) = %v, want %v", c.action, c.resource, got, c.want)
			}
			err := Principal{AccountID: "123456789012", AccessKeyID: "AKIATEST", Policy: c.p}.Authorize(c.action, c.resource)
			if c.want {
				if err != nil {
					t.Errorf("Authorize: %v", err)
				}
				return
			}
			var e *errdefs.Error
			if !errors.As(err, &e) || e.Kind != errdefs.PermissionDenied || e.Public != "You are not authorized to perform this operation." {
				t.Errorf("Authorize = %#v, want PermissionDenied with EC2's message", err)
			}
		})
	}
}

func TestWildcardMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything", true},
		{"?", "", false},
		{"?", "é", true}, // one character, not one byte
		{"a*", "a", true},
		{"*a", "ba", true},
		{"*a", "ab", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
		{"a**b", "ab", true},
		{"a?c*", "abcdef", true},
		{"abc", "abcd", false},
		{"abcd", "abc", false},
		{"*x*", "abxcd", true},
		{"arn:aws:ec2:*:*:instance/i-*", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", true},
		{strings.Repeat("a*", 20) + "b", strings.Repeat("a", 5000), false},
		{strings.Repeat("é*", 20) + "b", strings.Repeat("é", 5000), false},
		{"caf?*", "café au lait", true},
	}
	for _, c := range cases {
		start := time.Now()
		if got := wildcardMatch(c.pattern, c.s, false); got != c.want {
			t.Errorf("wildcardMatch(%q, %.20q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("wildcardMatch(%.20q, …) took %v", c.pattern, d)
		}
	}
}

func TestWildcardMatchFold(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"EC2:stop*", "ec2:StopInstances", true},
		{"ec2:STOP?nstances", "ec2:StopInstances", true},
		{"ÉC2:*", "éc2:x", true},
		{"ec2:Start*", "ec2:StopInstances", false},
	}
	for _, c := range cases {
		if got := wildcardMatch(c.pattern, c.s, true); got != c.want {
			t.Errorf("wildcardMatch(%q, %q, fold) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestInstanceARN(t *testing.T) {
	if got, want := InstanceARN("eu-west-1", "123456789012", "i-0abc"), "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc"; got != want {
		t.Errorf("InstanceARN = %q, want %q", got, want)
	}
}

func BenchmarkAuthorize(b *testing.B) {
	p := Principal{Policy: pol(
		allow(StringOrList{"ec2:Describe*", "ec2:Start*", "ec2:Stop*"}, StringOrList{"*"}),
		deny(StringOrList{"ec2:StopInstances"}, StringOrList{"arn:aws:ec2:*:*:instance/i-protected*"}),
	)}
	arn := InstanceARN("us-east-1", "123456789012", "i-0123456789abcdef0")
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Authorize("ec2:StopInstances", arn); err != nil {
			b.Fatal(err)
		}
	}
}

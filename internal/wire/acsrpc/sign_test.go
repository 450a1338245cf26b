package acsrpc

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// TestSignDocumentedVector is the example of ECS's API reference ("Request
// signatures", DescribeRegions signed with testid / testsecret).
func TestSignDocumentedVector(t *testing.T) {
	p := Params{
		"Timestamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions",
		"SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
		"Version": "2014-05-26", "SignatureVersion": "1.0",
	}
	const wantSTS = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1" +
		"%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0" +
		"%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	sts := StringToSign("GET", p)
	if sts != wantSTS {
		t.Errorf("string to sign:\n got %s\nwant %s", sts, wantSTS)
	}
	if got, want := Sign("testsecret", sts), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestPercentEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abcXYZ019-_.~", "abcXYZ019-_.~"},
		{"a b", "a%20b"},
		{"a*b", "a%2Ab"},
		{"a+b", "a%2Bb"},
		{"/", "%2F"},
		{"=&", "%3D%26"},
		{"é", "%C3%A9"},
		{"[\"i-1\"]", "%5B%22i-1%22%5D"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PercentEncode(tt.in); got != tt.want {
			t.Errorf("PercentEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// sdkStringToSign is the Go SDK's algorithm as WIRE-NOTES.md describes it:
// url.Values encoding, then + → %20, * → %2A, %7E → ~, then QueryEscape.
func sdkStringToSign(method string, p Params) string {
	v := url.Values{}
	for k, x := range p {
		if k != "Signature" {
			v.Set(k, x)
		}
	}
	s := v.Encode()
	s = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(s)
	return method + "&%2F&" + url.QueryEscape(s)
}

// TestCanonicalMatchesSDK: for awkward values (spaces, *, ~, +, empty,
// JSON arrays, non-ASCII) the canonical string equals the SDK's.
func TestCanonicalMatchesSDK(t *testing.T) {
	p := Params{
		"Action": "DescribeInstances", "SignatureType": "", "InstanceIds": `["i-a","i-b"]`,
		"Tag.1.Key": "team name", "Tag.1.Value": "a*b~c+d", "Description": "prød/üñí", "Empty": "",
		"Signature": "ignored",
	}
	if got, want := StringToSign("POST", p), sdkStringToSign("POST", p); got != want {
		t.Errorf("string to sign:\n got %s\nwant %s", got, want)
	}
	if strings.Contains(CanonicalQuery(p), "Signature=") {
		t.Error("the canonical query contains Signature")
	}
	if !strings.Contains(CanonicalQuery(p), "SignatureType=&") {
		t.Error("the canonical query lacks the empty SignatureType")
	}
}

// signed returns a complete, signed parameter set at now.
func signed(now time.Time, nonce string) Params {
	p := Params{
		"Action": "DescribeRegions", "Version": "2014-05-26", "Format": "JSON", "AccessKeyId": "AKID",
		"SignatureMethod": SignatureMethod, "SignatureVersion": SignatureVersion, "SignatureType": "",
		"SignatureNonce": nonce, "Timestamp": now.UTC().Format(TimeFormat), "RegionId": "us-east-1",
	}
	p["Signature"] = Sign("secret", StringToSign("POST", p))
	return p
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)
	lookup := func(ak string) (string, error) {
		if ak != "AKID" {
			return "", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, ak, "unknown")
		}
		return "secret", nil
	}
	opts := func() VerifyOptions {
		return VerifyOptions{Method: "POST", Now: now, Lookup: lookup, Nonces: NewNonceCache(0)}
	}
	tests := []struct {
		name   string
		params func() Params
		opts   func(*VerifyOptions)
		kind   errdefs.Kind
		res    errdefs.Resource
		id     string
	}{
		{name: "good", params: func() Params { return signed(now, "n1") }},
		{name: "clock 14 min ahead", params: func() Params { return signed(now.Add(14*time.Minute), "n1") }},
		{name: "no access key", params: func() Params { p := signed(now, "n1"); delete(p, "AccessKeyId"); return p },
			kind: errdefs.InvalidArgument, res: ResMissing, id: "AccessKeyId"},
		{name: "no signature", params: func() Params { p := signed(now, "n1"); delete(p, "Signature"); return p },
			kind: errdefs.InvalidArgument, res: ResMissing, id: "Signature"},
		{name: "no nonce", params: func() Params { p := signed(now, ""); return p },
			kind: errdefs.InvalidArgument, res: ResMissing, id: "SignatureNonce"},
		{name: "wrong method", params: func() Params { p := signed(now, "n1"); p["SignatureMethod"] = "HMAC-SHA256"; return p },
			kind: errdefs.Unauthenticated, res: ResSignatureMethod},
		{name: "wrong version", params: func() Params { p := signed(now, "n1"); p["SignatureVersion"] = "2.0"; return p },
			kind: errdefs.InvalidArgument, res: ResInvalid, id: "SignatureVersion"},
		{name: "bad timestamp", params: func() Params { p := signed(now, "n1"); p["Timestamp"] = "2026-11-22 20:30:00"; return p },
			kind: errdefs.InvalidArgument, res: ResTimestampFormat},
		{name: "stale timestamp", params: func() Params { return signed(now.Add(-16*time.Minute), "n1") },
			kind: errdefs.Unauthenticated, res: errdefs.ResRequestTime},
		{name: "future timestamp", params: func() Params { return signed(now.Add(16*time.Minute), "n1") },
			kind: errdefs.Unauthenticated, res: errdefs.ResRequestTime},
		{name: "unknown key", params: func() Params { p := signed(now, "n1"); p["AccessKeyId"] = "NOPE"; return p },
			kind: errdefs.Unauthenticated, res: errdefs.ResAccessKey},
		{name: "tampered parameter", params: func() Params { p := signed(now, "n1"); p["RegionId"] = "cn-hangzhou"; return p },
			kind: errdefs.Unauthenticated, res: errdefs.ResSignature},
		{name: "signed for GET, sent as POST", params: func() Params {
			p := signed(now, "n1")
			p["Signature"] = Sign("secret", StringToSign("GET", p))
			return p
		}, kind: errdefs.Unauthenticated, res: errdefs.ResSignature},
		{name: "any mode skips all but the key", params: func() Params {
			return Params{"AccessKeyId": "whoever", "Signature": "junk"}
		}, opts: func(o *VerifyOptions) { o.SkipSignature = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts()
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := Verify(tt.params(), o)
			if tt.kind == errdefs.Unknown {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			var e *errdefs.Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify = %v, want %v/%s", err, tt.kind, tt.res)
			}
			if got, want := []any{e.Kind, e.Resource}, []any{tt.kind, tt.res}; !cmp.Equal(got, want) {
				t.Errorf("Verify = %v/%s (%s), want %v/%s", e.Kind, e.Resource, e.Public, tt.kind, tt.res)
			}
			if tt.id != "" && e.ID != tt.id {
				t.Errorf("error names %q, want %q", e.ID, tt.id)
			}
		})
	}
}

func TestVerifySignatureMessageCarriesStringToSign(t *testing.T) {
	now := time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)
	p := signed(now, "n1")
	_, err := Verify(p, VerifyOptions{Method: "POST", Now: now, Lookup: func(string) (string, error) { return "other", nil }})
	e := errdefs.As(err)
	want := "Specified signature is not matched with our calculation. server string to sign is:" + StringToSign("POST", p)
	if e.Public != want {
		t.Errorf("message = %q, want %q", e.Public, want)
	}
}

// TestVerifyNonceReuse: a nonce is refused while remembered, is not burned
// by a request that fails verification, and is free again after the window.
func TestVerifyNonceReuse(t *testing.T) {
	now := time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)
	cache := NewNonceCache(0)
	opts := VerifyOptions{Method: "POST", Now: now, Nonces: cache, Lookup: func(string) (string, error) { return "secret", nil }}

	bad := signed(now, "n1")
	bad["Signature"] = "AAAA"
	if _, err := Verify(bad, opts); errdefs.As(err).Resource != errdefs.ResSignature {
		t.Fatalf("bad signature: %v", err)
	}
	if _, err := Verify(signed(now, "n1"), opts); err != nil {
		t.Fatalf("first use after a failed request: %v", err)
	}
	_, err := Verify(signed(now.Add(time.Minute), "n1"), opts)
	if e := errdefs.As(err); e.Resource != ResNonceUsed || e.Public != "Specified signature nonce was used already." {
		t.Errorf("reuse = %v, want SignatureNonceUsed", err)
	}
	other := signed(now, "n1")
	other["AccessKeyId"] = "AKID2"
	other["Signature"] = Sign("secret", StringToSign("POST", other))
	if _, err := Verify(other, opts); err != nil {
		t.Errorf("the same nonce of another key: %v", err)
	}
	opts.Now = now.Add(16 * time.Minute)
	if _, err := Verify(signed(opts.Now, "n1"), opts); err != nil {
		t.Errorf("the nonce after the window: %v", err)
	}
}

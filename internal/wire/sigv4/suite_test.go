package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// The AWS Signature Version 4 test suite (aws-sig-v4-test-suite, 2015-08-30)
// and the IAM ListUsers example of the AWS General Reference. All requests
// are signed by AKIDEXAMPLE with the documented example secret.
const (
	suiteKey    = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	suiteDate   = "20150830T123600Z"
	suiteToken  = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

type hdr struct{ name, value string }

type suiteCase struct {
	name      string
	method    string
	host      string
	path      string // decoded, as the suite's request line shows it
	query     string // raw
	headers   []hdr  // besides Host; repeated names are repeated headers
	body      string
	service   string
	signed    string
	signature string
}

var suiteCases = []suiteCase{
	{name: "get-vanilla", signed: "host;x-amz-date",
		signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "get-vanilla-empty-query-key", query: "Param1=value1", signed: "host;x-amz-date",
		signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
	{name: "get-vanilla-query-order-key", query: "Param1=value2&Param1=Value1", signed: "host;x-amz-date",
		signature: "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
	{name: "get-vanilla-query-order-key-case", query: "Param2=value2&Param1=value1", signed: "host;x-amz-date",
		signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	{name: "get-vanilla-query-order-value", query: "Param1=value2&Param1=value1", signed: "host;x-amz-date",
		signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
	{name: "get-vanilla-query-unreserved",
		query:  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
		signed: "host;x-amz-date", signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
	{name: "get-vanilla-utf8-query", query: "ሴ=bar", signed: "host;x-amz-date",
		signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
	{name: "get-unreserved", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", signed: "host;x-amz-date",
		signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
	{name: "get-utf8", path: "/ሴ", signed: "host;x-amz-date",
		signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
	{name: "get-header-key-duplicate",
		headers: []hdr{{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
		signed:  "host;my-header1;x-amz-date", signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
	{name: "get-header-value-order", headers: []hdr{{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}},
		signed: "host;my-header1;x-amz-date", signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
	{name: "get-header-value-trim", headers: []hdr{{"My-Header1", " value1"}, {"My-Header2", ` "a   b   c"`}},
		signed: "host;my-header1;my-header2;x-amz-date", signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
	{name: "normalize-path/get-relative", path: "/example/..", signed: "host;x-amz-date",
		signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "normalize-path/get-relative-relative", path: "/example1/example2/../..", signed: "host;x-amz-date",
		signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "normalize-path/get-slash", path: "//", signed: "host;x-amz-date",
		signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "normalize-path/get-slash-dot-slash", path: "/./", signed: "host;x-amz-date",
		signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "normalize-path/get-slash-pointless-dot", path: "/./example", signed: "host;x-amz-date",
		signature: "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
	{name: "normalize-path/get-slashes", path: "//example//", signed: "host;x-amz-date",
		signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
	{name: "normalize-path/get-space", path: "/example space/", signed: "host;x-amz-date",
		signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
	{name: "post-vanilla", method: "POST", signed: "host;x-amz-date",
		signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	{name: "post-vanilla-query", method: "POST", query: "Param1=value1", signed: "host;x-amz-date",
		signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
	{name: "post-header-key-sort", method: "POST", headers: []hdr{{"My-Header1", "value1"}},
		signed: "host;my-header1;x-amz-date", signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
	{name: "post-header-value-case", method: "POST", headers: []hdr{{"My-Header1", "VALUE1"}},
		signed: "host;my-header1;x-amz-date", signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
	{name: "post-sts-token/post-sts-header-before", method: "POST", headers: []hdr{{"X-Amz-Security-Token", suiteToken}},
		signed: "host;x-amz-date;x-amz-security-token", signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
	{name: "post-sts-token/post-sts-header-after", method: "POST", headers: []hdr{{"X-Amz-Security-Token", suiteToken}},
		signed: "host;x-amz-date", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	{name: "post-x-www-form-urlencoded", method: "POST", headers: []hdr{{"Content-Type", "application/x-www-form-urlencoded"}},
		body: "Param1=value1", signed: "content-type;host;x-amz-date",
		signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
	{name: "post-x-www-form-urlencoded-parameters", method: "POST", headers: []hdr{{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
		body: "Param1=value1", signed: "content-type;host;x-amz-date",
		signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
	// AWS General Reference, "Signature Version 4 signing process" example.
	{name: "iam-list-users", host: "iam.amazonaws.com", service: "iam", query: "Action=ListUsers&Version=2010-05-08",
		headers: []hdr{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
		signed:  "content-type;host;x-amz-date", signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"},
}

func (c suiteCase) request() (*http.Request, []byte) {
	method, host, service, path := c.method, c.host, c.service, c.path
	if method == "" {
		method = "GET"
	}
	if host == "" {
		host = "example.amazonaws.com"
	}
	if service == "" {
		service = "service"
	}
	if path == "" {
		path = "/"
	}
	r := &http.Request{
		Method:        method,
		URL:           &url.URL{Path: path, RawQuery: c.query},
		Host:          host,
		Header:        http.Header{},
		ContentLength: int64(len(c.body)),
	}
	for _, h := range c.headers {
		r.Header.Add(h.name, h.value)
	}
	r.Header.Set("X-Amz-Date", suiteDate)
	r.Header.Set("Authorization", Algorithm+" Credential="+suiteKey+"/20150830/us-east-1/"+service+
		"/aws4_request, SignedHeaders="+c.signed+", Signature="+c.signature)
	return r, []byte(c.body)
}

func suiteLookup(ak string) (string, error) {
	if ak == suiteKey {
		return suiteSecret, nil
	}
	return "", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, ak, "AWS was not able to validate the provided access credentials")
}

func TestAWSTestSuite(t *testing.T) {
	for _, tc := range suiteCases {
		t.Run(tc.name, func(t *testing.T) {
			r, body := tc.request()
			got, err := Verify(r, body, Options{Lookup: suiteLookup, Now: suiteTime})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			service := tc.service
			if service == "" {
				service = "service"
			}
			want := Result{AccessKeyID: suiteKey, Region: "us-east-1", Service: service, Date: suiteDate}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("Result (-got +want):\n%s", diff)
			}

			// One changed hex digit must fail.
			r, body = tc.request()
			sig := tc.signature
			flipped := "0"
			if sig[0] == '0' {
				flipped = "1"
			}
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), sig, flipped+sig[1:], 1))
			_, err = Verify(r, body, Options{Lookup: suiteLookup, Now: suiteTime})
			wantErr(t, err, errdefs.ResSignature)
		})
	}
}

// TestAWSPresignedExample checks the presigned IAM ListUsers example of the
// AWS General Reference (SignedHeaders content-type;host, 60 s validity).
func TestAWSPresignedExample(t *testing.T) {
	raw := "Action=ListUsers&Version=2010-05-08&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
		"&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fiam%2Faws4_request" +
		"&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=content-type%3Bhost" +
		"&X-Amz-Signature=37ac2f4fde00b0ac9bd9eadeb459b1bbee224158d66e7ae5fcadb70b2d181d02"
	mk := func() *http.Request {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: raw}, Host: "iam.amazonaws.com", Header: http.Header{}}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return r
	}
	got, err := Verify(mk(), nil, Options{Lookup: suiteLookup, Now: suiteTime.Add(30 * time.Second), Service: "iam"})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Result{AccessKeyID: suiteKey, Region: "us-east-1", Service: "iam", Date: suiteDate, Presigned: true}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Result (-got +want):\n%s", diff)
	}
	_, err = Verify(mk(), nil, Options{Lookup: suiteLookup, Now: suiteTime.Add(61 * time.Second)})
	wantErr(t, err, errdefs.ResRequestTime)
	if e := errdefs.As(err); !strings.HasPrefix(e.Public, "Request has expired.") {
		t.Errorf("expired message = %q", e.Public)
	}
}

func wantErr(t *testing.T, err error, res errdefs.Resource) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify succeeded, want %s error", res)
	}
	var e *errdefs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not *errdefs.Error", err, err)
	}
	if e.Kind != errdefs.Unauthenticated || e.Resource != res {
		t.Fatalf("error = (%v, %q) %q, want (unauthenticated, %q)", e.Kind, e.Resource, e.Public, res)
	}
}

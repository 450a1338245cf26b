package apig

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

const (
	testAK      = "HPUATESTKEY000000001"
	testSK      = "test-secret/+0000000000000000000000000"
	testProject = "0123456789abcdef0123456789abcdef"
	stopPath    = "/v1/" + testProject + "/notebooks/nb-0001/stop"
	createBody  = `{"name":"nb","flavor":"modelarts.vm.cpu.2u","image_id":"img-1"}` + "\n"
)

var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func testLookup(ak string) (string, error) {
	if ak != testAK {
		return "", UnknownAccessKey(ak)
	}
	return testSK, nil
}

func testOptions() Options {
	return Options{Lookup: testLookup, Now: func() time.Time { return testNow }}
}

// newRequest is a request shaped like the SDK's, not yet signed.
func newRequest(method, target, body string) (*http.Request, []byte) {
	r := httptest.NewRequest(method, "http://127.0.0.1:8773"+target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	r.Header.Set("X-Project-Id", testProject)
	return r, []byte(body)
}

// signed returns a request signed with Sign at t, after mut has shaped it.
func signed(method, target, body string, t time.Time, mut func(r *http.Request)) (*http.Request, []byte) {
	r, b := newRequest(method, target, body)
	if mut != nil {
		mut(r)
	}
	Sign(r, b, testAK, testSK, t)
	return r, b
}

// signAs signs r with the given SignedHeaders list, which Sign would not
// choose, so that the checks after the signature's own format can be reached.
func signAs(r *http.Request, body []byte, list string) {
	path, _ := canonicalURI(r.URL.EscapedPath())
	query, _ := canonicalQuery(r.URL.RawQuery)
	names := strings.Split(list, ";")
	headers, _ := canonicalHeaders(r, names)
	payload, _, _ := payloadHash(r, body)
	cr := canonicalRequest(r.Method, path, query, headers, list, payload)
	sig := signature(testSK, stringToSign(r.Header.Get(HeaderDate), cr))
	r.Header.Set("Authorization", Algorithm+" Access="+testAK+", SignedHeaders="+list+", Signature="+string(sig))
}

func TestVerifyAccepts(t *testing.T) {
	base := Result{AccessKeyID: testAK, Time: testNow}
	tests := []struct {
		name string
		mk   func() (*http.Request, []byte)
		opts func(o *Options)
		want Result
	}{
		{name: "post without body", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, "", testNow, nil)
		}, want: base},
		{name: "post with json body", mk: func() (*http.Request, []byte) {
			return signed("POST", "/v1/"+testProject+"/notebooks", createBody, testNow, nil)
		}, want: base},
		{name: "get with query", mk: func() (*http.Request, []byte) {
			return signed("GET", "/v1/"+testProject+"/notebooks?limit=10&name=my%20nb&empty&tag=b&tag=a", "", testNow, nil)
		}, want: base},
		{name: "unsigned payload, body not covered", mk: func() (*http.Request, []byte) {
			r, _ := signed("PUT", "/v1/blob", "original", testNow, func(r *http.Request) {
				r.Header.Set("Content-Type", "application/octet-stream")
			})
			return r, []byte("replaced")
		}, want: Result{AccessKeyID: testAK, Time: testNow, UnsignedPayload: true}},
		{name: "claimed body hash", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, createBody, testNow, func(r *http.Request) {
				r.Header.Set(HeaderContentSHA256, sha256Hex(createBody))
			})
		}, want: base},
		{name: "host signed", mk: func() (*http.Request, []byte) {
			r, b := newRequest("POST", stopPath, "")
			r.Header.Set(HeaderDate, testNow.Format(TimeFormat))
			signAs(r, b, "host;x-sdk-date")
			return r, b
		}, want: base},
		{name: "mixed-case signed names", mk: func() (*http.Request, []byte) {
			r, b := newRequest("POST", stopPath, "")
			r.Header.Set(HeaderDate, testNow.Format(TimeFormat))
			signAs(r, b, "X-Project-Id;X-Sdk-Date")
			return r, b
		}, want: base},
		{name: "security token signed", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, "", testNow, func(r *http.Request) {
				r.Header.Set("X-Security-Token", "sts-token")
			})
		}, want: base},
		{name: "unsigned headers may change", mk: func() (*http.Request, []byte) {
			r, b := signed("POST", stopPath, "", testNow, nil)
			r.Header.Set("Content-Type", "text/plain")
			r.Header.Set("Accept-Encoding", "gzip")
			r.Host = "other.example"
			return r, b
		}, want: base},
		{name: "14 min old", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, "", testNow.Add(-14*time.Minute), nil)
		}, want: Result{AccessKeyID: testAK, Time: testNow.Add(-14 * time.Minute)}},
		{name: "15 min ahead", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, "", testNow.Add(15*time.Minute), nil)
		}, want: Result{AccessKeyID: testAK, Time: testNow.Add(15 * time.Minute)}},
		{name: "wider skew", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, "", testNow.Add(-time.Hour), nil)
		}, opts: func(o *Options) { o.MaxSkew = 2 * time.Hour }, want: Result{AccessKeyID: testAK, Time: testNow.Add(-time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.mk()
			o := testOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			got, err := Verify(r, body, o)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Result (-got +want):\n%s", diff)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	good := func() (*http.Request, []byte) { return signed("POST", stopPath, createBody, testNow, nil) }
	withAuth := func(auth string) func() (*http.Request, []byte) {
		return func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Set("Authorization", auth)
			return r, b
		}
	}
	const sig = "Signature=0000000000000000000000000000000000000000000000000000000000000000"
	tests := []struct {
		name    string
		mk      func() (*http.Request, []byte)
		opts    func(o *Options)
		res     errdefs.Resource
		message string // the public message after msgPrefix, when checked; a trailing * matches a prefix
	}{
		{name: "no authorization", mk: func() (*http.Request, []byte) { return newRequest("POST", stopPath, "") },
			res: ResMissingAuth, message: "x-auth-token not found"},
		{name: "token instead of a signature", mk: func() (*http.Request, []byte) {
			r, b := newRequest("POST", stopPath, "")
			r.Header.Set("X-Auth-Token", "MIIT...")
			return r, b
		}, res: ResMissingAuth, message: "token authentication is not supported, sign the request with SDK-HMAC-SHA256"},
		{name: "sm3", mk: withAuth("SDK-HMAC-SM3 Access=" + testAK + ", SignedHeaders=x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "signing algorithm SDK-HMAC-SM3 is not supported, sign the request with SDK-HMAC-SHA256"},
		{name: "derived v11", mk: withAuth("V11-HMAC-SHA256 Credential=" + testAK + "/20261122/cn-north-4/modelarts, SignedHeaders=x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "signing algorithm V11-HMAC-SHA256 is not supported*"},
		{name: "ecdsa", mk: withAuth("SDK-ECDSA-P256-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "signing algorithm SDK-ECDSA-P256-SHA256 is not supported*"},
		{name: "sigv4", mk: withAuth("AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/ec2/aws4_request, SignedHeaders=host, " + sig),
			res: ResIncompleteSignature, message: "unsupported authorization type, sign the request with SDK-HMAC-SHA256"},
		{name: "lower-case algorithm", mk: withAuth("sdk-hmac-sha256 Access=" + testAK + ", SignedHeaders=x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "unsupported authorization type*"},
		{name: "no access", mk: withAuth(Algorithm + " SignedHeaders=x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "invalid authorization header, missing Access"},
		{name: "empty access", mk: withAuth(Algorithm + " Access=, SignedHeaders=x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "invalid authorization header, missing Access"},
		{name: "no signed headers", mk: withAuth(Algorithm + " Access=" + testAK + ", " + sig),
			res: ResIncompleteSignature, message: "invalid authorization header, missing SignedHeaders"},
		{name: "no signature", mk: withAuth(Algorithm + " Access=" + testAK + ", SignedHeaders=x-sdk-date"),
			res: ResIncompleteSignature, message: "invalid authorization header, missing Signature"},
		{name: "algorithm only", mk: withAuth(Algorithm),
			res: ResIncompleteSignature, message: "invalid authorization header, missing Access"},
		{name: "duplicate component", mk: withAuth(Algorithm + " Access=" + testAK + ", Access=OTHER, SignedHeaders=x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "invalid authorization header, duplicate component Access"},
		{name: "component without =", mk: withAuth(Algorithm + " Access=" + testAK + ", SignedHeaders, " + sig),
			res: ResIncompleteSignature, message: `invalid authorization header, component "SignedHeaders" is not of the form key=value`},
		{name: "empty signed name", mk: withAuth(Algorithm + " Access=" + testAK + ", SignedHeaders=user-agent;;x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "invalid authorization header, SignedHeaders contains an empty name"},
		{name: "too many signed names", mk: withAuth(Algorithm + " Access=" + testAK + ", SignedHeaders=" + strings.Repeat("a;", maxSignedHeaders) + "x-sdk-date, " + sig),
			res: ResIncompleteSignature, message: "invalid authorization header, SignedHeaders names more than 128 headers"},
		{name: "no x-sdk-date", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Del(HeaderDate)
			return r, b
		}, res: ResIncompleteSignature, message: "x-sdk-date not found"},
		{name: "date header instead of x-sdk-date", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Del(HeaderDate)
			r.Header.Set("Date", testNow.Format(http.TimeFormat))
			return r, b
		}, res: ResIncompleteSignature, message: "x-sdk-date not found"},
		{name: "malformed x-sdk-date", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Set(HeaderDate, "2026-11-22T10:00:00Z")
			return r, b
		}, res: ResIncompleteSignature, message: `x-sdk-date "2026-11-22T10:00:00Z" is not of the form yyyyMMddTHHmmssZ`},
		{name: "short x-sdk-date", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Set(HeaderDate, "20261122T10000Z")
			return r, b
		}, res: ResIncompleteSignature, message: `x-sdk-date "20261122T10000Z" is not of the form*`},
		{name: "two x-sdk-date", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Add(HeaderDate, "20261122T100001Z")
			return r, b
		}, res: ResIncompleteSignature, message: "more than one x-sdk-date header"},
		{name: "x-sdk-date not signed", mk: func() (*http.Request, []byte) {
			r, b := newRequest("POST", stopPath, "")
			r.Header.Set(HeaderDate, testNow.Format(TimeFormat))
			signAs(r, b, "user-agent;x-project-id")
			return r, b
		}, res: ResIncompleteSignature, message: "x-sdk-date must be a signed header"},
		{name: "signed header absent", mk: func() (*http.Request, []byte) {
			r, b := signed("POST", stopPath, "", testNow, func(r *http.Request) { r.Header.Set("X-Custom", "v") })
			r.Header.Del("X-Custom")
			return r, b
		}, res: ResIncompleteSignature, message: "signed header x-custom not found in the request"},
		{name: "signed header claimed, never sent", mk: func() (*http.Request, []byte) {
			r, b := newRequest("POST", stopPath, "")
			r.Header.Set(HeaderDate, testNow.Format(TimeFormat))
			signAs(r, b, "x-project-id;x-sdk-date")
			auth := strings.Replace(r.Header.Get("Authorization"), "x-project-id;", "x-project-id;x-secret;", 1)
			r.Header.Set("Authorization", auth)
			return r, b
		}, res: ResIncompleteSignature, message: "signed header x-secret not found in the request"},
		{name: "bad query escape", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.URL.RawQuery = "a=%zz"
			return r, b
		}, res: ResIncompleteSignature, message: "the query string is not properly escaped"},
		{name: "path changed to a literal percent", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.URL.RawPath, r.URL.Path = "", "/v1/%zz"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "16 min old", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, createBody, testNow.Add(-16*time.Minute), nil)
		}, res: errdefs.ResRequestTime,
			message: "calc aksk signature fail:signature expired, signature time:20261122T094400Z,server time:20261122T100000Z"},
		{name: "16 min ahead", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, createBody, testNow.Add(16*time.Minute), nil)
		}, res: errdefs.ResRequestTime,
			message: "calc aksk signature fail:signature expired, signature time:20261122T101600Z,server time:20261122T100000Z"},
		{name: "narrow skew", mk: func() (*http.Request, []byte) {
			return signed("POST", stopPath, createBody, testNow.Add(-2*time.Minute), nil)
		}, opts: func(o *Options) { o.MaxSkew = time.Minute }, res: errdefs.ResRequestTime},
		{name: "unknown key", mk: func() (*http.Request, []byte) {
			r, b := newRequest("POST", stopPath, "")
			Sign(r, b, "HPUAUNKNOWN", testSK, testNow)
			return r, b
		}, res: errdefs.ResAccessKey, message: "Get secretKey failed,ak:HPUAUNKNOWN,err:ak not exist"},
		{name: "wrong secret", mk: func() (*http.Request, []byte) {
			r, b := newRequest("POST", stopPath, "")
			Sign(r, b, testAK, "not-the-secret", testNow)
			return r, b
		}, res: errdefs.ResSignature,
			message: "verify aksk signature fail, canonicalRequest:POST|/v1/" + testProject + "/notebooks/nb-0001/stop/||" +
				"user-agent:huaweicloud-usdk-go/3.0|x-project-id:" + testProject + "|x-sdk-date:20261122T100000Z||" +
				"user-agent;x-project-id;x-sdk-date|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{name: "tampered body", mk: func() (*http.Request, []byte) {
			r, _ := good()
			return r, []byte(strings.Replace(createBody, `"nb"`, `"evil"`, 1))
		}, res: errdefs.ResSignature, message: "verify aksk signature fail, canonicalRequest:*"},
		{name: "body dropped", mk: func() (*http.Request, []byte) {
			r, _ := good()
			return r, nil
		}, res: errdefs.ResSignature},
		{name: "tampered query", mk: func() (*http.Request, []byte) {
			r, b := signed("POST", stopPath+"?duration=3600000", "", testNow, nil)
			r.URL.RawQuery = "duration=259200000"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "query added", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.URL.RawQuery = "force=true"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "repeated value dropped", mk: func() (*http.Request, []byte) {
			r, b := signed("GET", "/v1/x?tag=a&tag=b", "", testNow, nil)
			r.URL.RawQuery = "tag=a"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "tampered path", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.URL.Path = strings.Replace(r.URL.Path, "nb-0001", "nb-0002", 1)
			return r, b
		}, res: errdefs.ResSignature},
		{name: "tampered method", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Method = "DELETE"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "tampered signed header", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Set("X-Project-Id", "fedcba9876543210fedcba9876543210")
			return r, b
		}, res: errdefs.ResSignature},
		{name: "signed header value added", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Add("X-Project-Id", "second")
			return r, b
		}, res: errdefs.ResSignature},
		{name: "x-sdk-date changed", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Set(HeaderDate, testNow.Add(time.Second).Format(TimeFormat))
			return r, b
		}, res: errdefs.ResSignature},
		{name: "unsigned payload claimed after signing", mk: func() (*http.Request, []byte) {
			r, _ := good()
			r.Header.Set(HeaderContentSHA256, UnsignedPayload)
			return r, []byte("anything")
		}, res: errdefs.ResSignature},
		{name: "unsigned payload claim removed", mk: func() (*http.Request, []byte) {
			r, b := signed("PUT", "/v1/blob", "raw", testNow, func(r *http.Request) {
				r.Header.Set("Content-Type", "application/octet-stream")
			})
			r.Header.Del(HeaderContentSHA256)
			return r, b
		}, res: ResIncompleteSignature, message: "signed header x-sdk-content-sha256 not found in the request"},
		{name: "claimed body hash is not the body's", mk: func() (*http.Request, []byte) {
			r, b := good()
			r.Header.Set(HeaderContentSHA256, sha256Hex("something else"))
			return r, b
		}, res: errdefs.ResSignature, message: "x-sdk-content-sha256 does not match the body"},
		{name: "upper-case signature", mk: func() (*http.Request, []byte) {
			r, b := good()
			auth := r.Header.Get("Authorization")
			i := strings.LastIndex(auth, "=")
			r.Header.Set("Authorization", auth[:i+1]+strings.ToUpper(auth[i+1:]))
			return r, b
		}, res: errdefs.ResSignature},
		{name: "truncated signature", mk: func() (*http.Request, []byte) {
			r, b := good()
			auth := r.Header.Get("Authorization")
			r.Header.Set("Authorization", auth[:len(auth)-2])
			return r, b
		}, res: errdefs.ResSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.mk()
			o := testOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			res, err := Verify(r, body, o)
			var e *errdefs.Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify = %+v, %v; want an *errdefs.Error about %s", res, err, tt.res)
			}
			if got, want := []any{e.Kind, e.Resource}, []any{errdefs.Unauthenticated, tt.res}; !cmp.Equal(got, want) {
				t.Errorf("Verify = %v/%s (%s), want %v/%s", e.Kind, e.Resource, e.Public, errdefs.Unauthenticated, tt.res)
			}
			if diff := cmp.Diff(res, Result{}); diff != "" {
				t.Errorf("Result of a refused request (-got +want):\n%s", diff)
			}
			if !strings.HasPrefix(e.Public, msgPrefix) {
				t.Errorf("message %q lacks API Gateway's prefix %q", e.Public, msgPrefix)
			}
			if tt.message != "" {
				got := strings.TrimPrefix(e.Public, msgPrefix)
				if p, ok := strings.CutSuffix(tt.message, "*"); ok {
					if !strings.HasPrefix(got, p) {
						t.Errorf("message = %q, want prefix %q", got, p)
					}
				} else if got != tt.message {
					t.Errorf("message:\n got %q\nwant %q", got, tt.message)
				}
			}
			if code, status := Code(err); code != "APIG.0301" || status != http.StatusUnauthorized {
				t.Errorf("Code = %s, %d; want APIG.0301, 401", code, status)
			}
		})
	}
}

// TestVerifyLookupErrorsPassThrough: whatever Lookup returns, Verify returns.
func TestVerifyLookupErrorsPassThrough(t *testing.T) {
	for _, want := range []error{
		UnknownAccessKey(testAK),
		errdefs.New(errdefs.PermissionDenied, errdefs.ResAccessKey, testAK, "the access key is disabled"),
		errors.New("store: database is locked"),
	} {
		t.Run(want.Error(), func(t *testing.T) {
			r, b := signed("POST", stopPath, "", testNow, nil)
			o := testOptions()
			o.Lookup = func(string) (string, error) { return "", want }
			_, err := Verify(r, b, o)
			if err != want {
				t.Errorf("Verify = %#v, want Lookup's %#v unchanged", err, want)
			}
		})
	}
}

func TestVerifyMisconfigured(t *testing.T) {
	r, b := signed("POST", stopPath, "", testNow, nil)
	for name, o := range map[string]Options{
		"no lookup": {Now: func() time.Time { return testNow }},
		"no clock":  {Lookup: testLookup},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Verify(r, b, o)
			if k := errdefs.KindOf(err); k != errdefs.Internal {
				t.Errorf("Verify = %v (kind %v), want an internal error", err, k)
			}
		})
	}
}

// TestRoundTrip: what Sign signs, Verify accepts, for requests of every shape.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name, method, target, contentType, body string
		header                                  map[string]string
	}{
		{name: "stop", method: "POST", target: stopPath, contentType: "application/json"},
		{name: "list", method: "GET", target: "/v1/p/notebooks?limit=10&offset=0&sort_dir=DESC", contentType: "application/json"},
		{name: "no content type", method: "DELETE", target: "/v1/p/notebooks/nb-1"},
		{name: "json body", method: "POST", target: "/v1/p/notebooks", contentType: "application/json;charset=UTF-8", body: createBody},
		{name: "form body unsigned", method: "POST", target: "/v1/p/upload", contentType: "application/x-www-form-urlencoded", body: "a=1&b=2"},
		{name: "escapes everywhere", method: "PUT", target: "/v1/p/a%20b/%C3%A9+@:,;=/?q=%2B%20+&%E2%82%AC=%7E&x", contentType: "application/json", body: "{}"},
		{name: "extra headers", method: "POST", target: stopPath, contentType: "application/json",
			header: map[string]string{"X-Security-Token": "tok", "X-Language": "en-us", "X_Underscore": "not signed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://127.0.0.1:8773"+tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			for k, v := range tt.header {
				r.Header[k] = []string{v}
			}
			r.Header.Set("Content-Length", strconv.Itoa(len(tt.body)))
			Sign(r, []byte(tt.body), testAK, testSK, testNow)
			res, err := Verify(r, []byte(tt.body), testOptions())
			if err != nil {
				t.Fatalf("Verify: %v\nAuthorization: %s", err, r.Header.Get("Authorization"))
			}
			if res.AccessKeyID != testAK || !res.Time.Equal(testNow) {
				t.Errorf("Result = %+v", res)
			}
		})
	}
}

func TestAccessKey(t *testing.T) {
	tests := []struct {
		name, auth, want string
		ok               bool
	}{
		{name: "sdk", auth: Algorithm + " Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=00", want: testAK, ok: true},
		{name: "no spaces after commas", auth: Algorithm + " Access=" + testAK + ",SignedHeaders=x-sdk-date,Signature=00", want: testAK, ok: true},
		{name: "missing", auth: ""},
		{name: "other algorithm", auth: "SDK-HMAC-SM3 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=00"},
		{name: "malformed", auth: Algorithm + " Access=" + testAK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			got, ok := AccessKey(r)
			if got != tt.want || ok != tt.ok {
				t.Errorf("AccessKey = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		code   string
		status int
	}{
		{name: "nil", err: nil, code: "", status: 200},
		{name: "unknown key", err: UnknownAccessKey("AK"), code: "APIG.0301", status: 401},
		{name: "wrapped", err: errors.Join(errors.New("context"), UnknownAccessKey("AK")), code: "APIG.0301", status: 401},
		{name: "any unauthenticated", err: errdefs.New(errdefs.Unauthenticated, "", "", "x"), code: "APIG.0301", status: 401},
		{name: "permission denied", err: errdefs.New(errdefs.PermissionDenied, errdefs.ResAccessKey, "", "x"), code: "APIG.0302", status: 403},
		{name: "internal", err: errdefs.Wrap(errors.New("boom"), "an internal error occurred"), code: "APIG.0201", status: 500},
		{name: "foreign", err: errors.New("boom"), code: "APIG.0201", status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, status := Code(tt.err)
			if code != tt.code || status != tt.status {
				t.Errorf("Code = %q, %d; want %q, %d", code, status, tt.code, tt.status)
			}
		})
	}
}

func TestUnknownAccessKey(t *testing.T) {
	e := UnknownAccessKey("HPUA0000")
	want := &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: errdefs.ResAccessKey, ID: "HPUA0000",
		Public: "Incorrect IAM authentication information: Get secretKey failed,ak:HPUA0000,err:ak not exist"}
	if diff := cmp.Diff(e, want); diff != "" {
		t.Errorf("UnknownAccessKey (-got +want):\n%s", diff)
	}
	if !errors.Is(e, &errdefs.Error{Kind: errdefs.Unauthenticated, Resource: errdefs.ResAccessKey}) {
		t.Error("UnknownAccessKey is not Unauthenticated/access-key for errors.Is")
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// testSigner is a minimal SigV4 signer written from the AWS specification,
// independently of the verifier: it encodes like the Go SDK (double-encoded
// path for non-S3 services, %20 for spaces), signs host, x-amz-date and any
// extra headers, and can presign.
type testSigner struct {
	ak, secret, region, service string
	t                           time.Time
	extra                       []string // more header names to sign
	presign                     bool
	expires                     int
	payload                     string // overrides the payload hash ("" = sha256 of body)
	contentSHA                  bool   // send X-Amz-Content-Sha256
}

func specEscape(s string, slash bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !slash) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func hm(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func (s testSigner) sign(r *http.Request, body []byte) {
	date := s.t.UTC().Format("20060102T150405Z")
	scope := date[:8] + "/" + s.region + "/" + s.service + "/aws4_request"
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if s.payload != "" {
		payload = s.payload
	}
	if s.contentSHA {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	}
	names := append([]string{"host"}, s.extra...)
	if !s.presign {
		r.Header.Set("X-Amz-Date", date)
		names = append(names, "x-amz-date")
	}
	if s.contentSHA {
		names = append(names, "x-amz-content-sha256")
	}
	sort.Strings(names)
	signed := strings.Join(names, ";")

	q := r.URL.Query()
	if s.presign {
		q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
		q.Set("X-Amz-Credential", s.ak+"/"+scope)
		q.Set("X-Amz-Date", date)
		q.Set("X-Amz-Expires", strconv.Itoa(s.expires))
		q.Set("X-Amz-SignedHeaders", signed)
	}
	for k := range q {
		sort.Strings(q[k])
	}
	var keys []string
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var qs []string
	for _, k := range keys {
		for _, v := range q[k] {
			qs = append(qs, specEscape(k, true)+"="+specEscape(v, true))
		}
	}
	canonQuery := strings.Join(qs, "&")

	var ch strings.Builder
	for _, n := range names {
		v := r.Header.Get(n)
		if n == "host" {
			v = r.Host
		}
		ch.WriteString(n + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	canon := strings.Join([]string{r.Method, specEscape(path, false), canonQuery, ch.String(), signed, payload}, "\n")
	ch2 := sha256.Sum256([]byte(canon))
	sts := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(ch2[:])
	k := hm(hm(hm(hm([]byte("AWS4"+s.secret), date[:8]), s.region), s.service), "aws4_request")
	sig := hex.EncodeToString(hm(k, sts))
	if s.presign {
		q.Set("X-Amz-Signature", sig)
		r.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
		return
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s.ak+"/"+scope+", SignedHeaders="+signed+", Signature="+sig)
}

var (
	now    = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	keys   = map[string]string{"AKIAEXAMPLE000000001": "secret-one/+aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "AKIAEXAMPLE000000002": "secret-two"}
	signer = testSigner{ak: "AKIAEXAMPLE000000001", secret: keys["AKIAEXAMPLE000000001"], region: "us-east-1", service: "ec2", t: now}
)

func lookup(ak string) (string, error) {
	if s, ok := keys[ak]; ok {
		return s, nil
	}
	return "", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, ak, "AWS was not able to validate the provided access credentials")
}

func opts() Options {
	return Options{Service: "ec2", Lookup: lookup, Now: now, MaxSkew: 15 * time.Minute}
}

// ec2Request builds the request the Go SDK sends for StopInstances.
func ec2Request(body string) *http.Request {
	r := httptest.NewRequest("POST", "http://127.0.0.1:8773/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0")
	return r
}

const stopBody = "Action=StopInstances&InstanceId.1=i-0123456789abcdef0&Version=2016-11-15"

func TestVerifySigned(t *testing.T) {
	type tc struct {
		name string
		mk   func() (*http.Request, []byte)
		opts func(o *Options)
		want Result
	}
	base := Result{AccessKeyID: signer.ak, Region: "us-east-1", Service: "ec2", Date: "20261122T100000Z"}
	cases := []tc{
		{name: "ec2 form post", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			s := signer
			s.extra = []string{"content-type"}
			s.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, want: base},
		{name: "content sha header", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			s := signer
			s.contentSHA = true
			s.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, want: base},
		{name: "content length signed", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			r.Header.Set("Content-Length", strconv.Itoa(len(stopBody)))
			s := signer
			s.extra = []string{"content-length", "content-type"}
			s.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, want: base},
		{name: "unsigned payload", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			s := signer
			s.contentSHA, s.payload = true, UnsignedPayload
			s.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, want: func() Result { r := base; r.UnsignedPayload = true; return r }()},
		{name: "get with query and odd path", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/a%20b/c%2Fd/?Action=DescribeInstances&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b&Version=2016-11-15", nil)
			signer.sign(r, nil)
			return r, nil
		}, want: base},
		{name: "presigned", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?Action=DescribeRegions&Version=2016-11-15", nil)
			s := signer
			s.presign, s.expires = true, 300
			s.sign(r, nil)
			return r, nil
		}, opts: func(o *Options) { o.Now = now.Add(299 * time.Second) },
			want: func() Result { r := base; r.Presigned = true; return r }()},
		{name: "presigned unsigned payload", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?Action=DescribeRegions&Version=2016-11-15", nil)
			s := signer
			s.presign, s.expires, s.payload = true, 60, UnsignedPayload
			s.sign(r, nil)
			return r, nil
		}, want: func() Result { r := base; r.Presigned = true; return r }()},
		{name: "skew 14m past", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			signer.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, opts: func(o *Options) { o.Now = now.Add(14 * time.Minute) }, want: base},
		{name: "skew 14m future", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			signer.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, opts: func(o *Options) { o.Now = now.Add(-14 * time.Minute) }, want: base},
		{name: "skip time", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			signer.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, opts: func(o *Options) { o.Now, o.SkipTime = time.Time{}, true }, want: base},
		{name: "skip signature", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			s := signer
			s.ak, s.secret = "ANYTHING", "wrong"
			s.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, opts: func(o *Options) { o.SkipSignature, o.Lookup = true, nil },
			want: func() Result { r := base; r.AccessKeyID = "ANYTHING"; return r }()},
		{name: "any service", mk: func() (*http.Request, []byte) {
			r := ec2Request(`{}`)
			s := signer
			s.service = "sagemaker"
			s.sign(r, []byte(`{}`))
			return r, []byte(`{}`)
		}, opts: func(o *Options) { o.Service = "" },
			want: func() Result { r := base; r.Service = "sagemaker"; return r }()},
		{name: "second key", mk: func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			s := signer
			s.ak, s.secret, s.region = "AKIAEXAMPLE000000002", "secret-two", "eu-west-1"
			s.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}, want: func() Result { r := base; r.AccessKeyID, r.Region = "AKIAEXAMPLE000000002", "eu-west-1"; return r }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, body := c.mk()
			o := opts()
			if c.opts != nil {
				c.opts(&o)
			}
			got, err := Verify(r, body, o)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(got, c.want); diff != "" {
				t.Errorf("Result (-got +want):\n%s", diff)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	signed := func(mut func(s *testSigner)) func() (*http.Request, []byte) {
		return func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			s := signer
			s.extra = []string{"content-type"}
			if mut != nil {
				mut(&s)
			}
			s.sign(r, []byte(stopBody))
			return r, []byte(stopBody)
		}
	}
	withAuth := func(auth string) func() (*http.Request, []byte) {
		return func() (*http.Request, []byte) {
			r := ec2Request(stopBody)
			r.Header.Set("X-Amz-Date", "20261122T100000Z")
			r.Header.Set("Authorization", auth)
			return r, []byte(stopBody)
		}
	}
	const good = "Credential=AKIAEXAMPLE000000001/20261122/us-east-1/ec2/aws4_request"
	cases := []struct {
		name    string
		mk      func() (*http.Request, []byte)
		opts    func(o *Options)
		res     errdefs.Resource
		message string // prefix of the public message, when checked
	}{
		{name: "no auth", mk: func() (*http.Request, []byte) { return ec2Request(stopBody), []byte(stopBody) },
			res: ResMissingAuth, message: "The request must contain the parameter AWSAccessKeyId"},
		{name: "body changed", mk: func() (*http.Request, []byte) {
			r, _ := signed(nil)()
			return r, []byte(strings.Replace(stopBody, "StopInstances", "TerminateInstances", 1))
		}, res: errdefs.ResSignature, message: "The request signature we calculated does not match"},
		{name: "body changed with content sha", mk: func() (*http.Request, []byte) {
			r, _ := signed(func(s *testSigner) { s.contentSHA = true })()
			return r, []byte(stopBody + "&Force=true")
		}, res: errdefs.ResSignature, message: "The provided 'x-amz-content-sha256' header does not match"},
		{name: "signed header changed", mk: func() (*http.Request, []byte) {
			r, b := signed(nil)()
			r.Header.Set("Content-Type", "application/json")
			return r, b
		}, res: errdefs.ResSignature},
		{name: "host changed", mk: func() (*http.Request, []byte) {
			r, b := signed(nil)()
			r.Host = "evil.example:8773"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "method changed", mk: func() (*http.Request, []byte) {
			r, b := signed(nil)()
			r.Method = "PUT"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "query added", mk: func() (*http.Request, []byte) {
			r, b := signed(nil)()
			r.URL.RawQuery = "Force=true"
			return r, b
		}, res: errdefs.ResSignature},
		{name: "wrong secret", mk: signed(func(s *testSigner) { s.secret = "not-the-secret" }), res: errdefs.ResSignature},
		{name: "unknown key", mk: signed(func(s *testSigner) { s.ak = "AKIAUNKNOWN000000000" }),
			res: errdefs.ResAccessKey, message: "AWS was not able to validate the provided access credentials"},
		{name: "wrong service", mk: signed(func(s *testSigner) { s.service = "sagemaker" }),
			res: errdefs.ResSignature, message: "Credential should be scoped to correct service: 'ec2'."},
		{name: "skew +16m", mk: signed(nil), opts: func(o *Options) { o.Now = now.Add(16 * time.Minute) },
			res: errdefs.ResRequestTime, message: "Request has expired. Timestamp date is 20261122T100000Z"},
		{name: "skew -16m", mk: signed(nil), opts: func(o *Options) { o.Now = now.Add(-16 * time.Minute) },
			res: errdefs.ResRequestTime, message: "Signature not yet current: 20261122T100000Z is still later than"},
		{name: "custom skew", mk: signed(nil), opts: func(o *Options) { o.Now, o.MaxSkew = now.Add(2*time.Minute), time.Minute },
			res: errdefs.ResRequestTime},
		{name: "presign expired", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?Action=DescribeRegions&Version=2016-11-15", nil)
			s := signer
			s.presign, s.expires = true, 60
			s.sign(r, nil)
			return r, nil
		}, opts: func(o *Options) { o.Now = now.Add(61 * time.Second) },
			res: errdefs.ResRequestTime, message: "Request has expired. Timestamp date is 20261122T100000Z"},
		{name: "presign from the future", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?Action=DescribeRegions&Version=2016-11-15", nil)
			s := signer
			s.presign, s.expires = true, 3600
			s.sign(r, nil)
			return r, nil
		}, opts: func(o *Options) { o.Now = now.Add(-20 * time.Minute) }, res: errdefs.ResRequestTime},
		{name: "presign tampered query", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?Action=DescribeRegions&Version=2016-11-15", nil)
			s := signer
			s.presign, s.expires = true, 60
			s.sign(r, nil)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "DescribeRegions", "DescribeInstances", 1)
			return r, nil
		}, res: errdefs.ResSignature},
		{name: "presign expires too long", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?Action=DescribeRegions", nil)
			s := signer
			s.presign, s.expires = true, 604801
			s.sign(r, nil)
			return r, nil
		}, res: ResIncompleteSignature, message: "X-Amz-Expires must be less than a week"},
		{name: "presign missing signature", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE000000001%2F20261122%2Fus-east-1%2Fec2%2Faws4_request", nil)
			return r, nil
		}, res: ResIncompleteSignature},
		{name: "presign other algorithm", mk: func() (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "http://localhost:8773/?Action=DescribeRegions", nil)
			s := signer
			s.presign, s.expires = true, 60
			s.sign(r, nil)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", 1)
			return r, nil
		}, res: ResIncompleteSignature},
		{name: "header and query auth", mk: func() (*http.Request, []byte) {
			r, b := signed(nil)()
			r.URL.RawQuery = "X-Amz-Signature=abc"
			return r, b
		}, res: ResIncompleteSignature},
		{name: "bad query escape", mk: func() (*http.Request, []byte) {
			r, b := signed(nil)()
			r.URL.RawQuery = "a=%zz"
			return r, b
		}, res: ResIncompleteSignature},
		{name: "sigv2", mk: withAuth("AWS AKIAEXAMPLE000000001:c2lnbmF0dXJl"), res: ResIncompleteSignature, message: "Unsupported authorization type"},
		{name: "missing signature", mk: withAuth("AWS4-HMAC-SHA256 " + good + ", SignedHeaders=host;x-amz-date"),
			res: ResIncompleteSignature, message: "Authorization header requires 'Signature' parameter."},
		{name: "missing credential", mk: withAuth("AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=00"),
			res: ResIncompleteSignature, message: "Authorization header requires 'Credential' parameter."},
		{name: "missing signed headers", mk: withAuth("AWS4-HMAC-SHA256 " + good + ", Signature=00"),
			res: ResIncompleteSignature, message: "Authorization header requires 'SignedHeaders' parameter."},
		{name: "empty", mk: withAuth("AWS4-HMAC-SHA256"), res: ResIncompleteSignature},
		{name: "garbage component", mk: withAuth("AWS4-HMAC-SHA256 " + good + ", bogus, SignedHeaders=host, Signature=00"), res: ResIncompleteSignature},
		{name: "duplicate component", mk: withAuth("AWS4-HMAC-SHA256 " + good + ", " + good + ", SignedHeaders=host, Signature=00"), res: ResIncompleteSignature},
		{name: "short credential", mk: withAuth("AWS4-HMAC-SHA256 Credential=AKIA/20261122/us-east-1, SignedHeaders=host, Signature=00"), res: ResIncompleteSignature},
		{name: "bad terminator", mk: withAuth("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE000000001/20261122/us-east-1/ec2/aws5_request, SignedHeaders=host, Signature=00"),
			res: ResIncompleteSignature, message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "bad scope date", mk: withAuth("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE000000001/2026-11-22/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00"), res: ResIncompleteSignature},
		{name: "scope date mismatch", mk: withAuth("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE000000001/20261121/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00"),
			res: errdefs.ResSignature, message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122', from '20261122T100000Z'."},
		{name: "host not signed", mk: withAuth("AWS4-HMAC-SHA256 " + good + ", SignedHeaders=x-amz-date, Signature=00"), res: ResIncompleteSignature},
		{name: "empty signed header", mk: withAuth("AWS4-HMAC-SHA256 " + good + ", SignedHeaders=host;;x-amz-date, Signature=00"), res: ResIncompleteSignature},
		{name: "no date", mk: func() (*http.Request, []byte) {
			r, b := withAuth("AWS4-HMAC-SHA256 " + good + ", SignedHeaders=host, Signature=00")()
			r.Header.Del("X-Amz-Date")
			return r, b
		}, res: ResIncompleteSignature, message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{name: "bad date", mk: func() (*http.Request, []byte) {
			r, b := withAuth("AWS4-HMAC-SHA256 " + good + ", SignedHeaders=host, Signature=00")()
			r.Header.Set("X-Amz-Date", "2026-11-22T10:00:00Z")
			return r, b
		}, res: ResIncompleteSignature, message: "Date must be in ISO-8601 'basic format'."},
		{name: "streaming payload", mk: signed(func(s *testSigner) { s.contentSHA, s.payload = true, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" }), res: ResIncompleteSignature},
		{name: "non-hex signature", mk: withAuth("AWS4-HMAC-SHA256 " + good + ", SignedHeaders=host;x-amz-date, Signature=zz"), res: errdefs.ResSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, body := c.mk()
			o := opts()
			if c.opts != nil {
				c.opts(&o)
			}
			_, err := Verify(r, body, o)
			wantErr(t, err, c.res)
			if e := errdefs.As(err); c.message != "" && !strings.HasPrefix(e.Public, c.message) {
				t.Errorf("message = %q, want prefix %q", e.Public, c.message)
			}
		})
	}
}

func TestVerifyDateHeader(t *testing.T) {
	// A signer may use the Date header instead of X-Amz-Date.
	r := ec2Request(stopBody)
	signer.sign(r, []byte(stopBody))
	auth := r.Header.Get("Authorization")
	r.Header.Del("X-Amz-Date")
	r.Header.Set("Date", now.Format(http.TimeFormat))
	r.Header.Set("Authorization", strings.Replace(auth, "host;x-amz-date", "date;host", 1))
	// The signature no longer matches (date header differs), but the request
	// is well formed and reaches the signature check.
	_, err := Verify(r, []byte(stopBody), opts())
	wantErr(t, err, errdefs.ResSignature)
}

func TestVerifyInternalErrors(t *testing.T) {
	r := ec2Request(stopBody)
	signer.sign(r, []byte(stopBody))
	o := opts()
	o.Now = time.Time{}
	if _, err := Verify(r, []byte(stopBody), o); errdefs.KindOf(err) != errdefs.Internal {
		t.Errorf("zero Now: err = %v, want Internal", err)
	}
	o = opts()
	o.Lookup = func(string) (string, error) { return "", fmt.Errorf("database is locked") }
	_, err := Verify(r, []byte(stopBody), o)
	if e := errdefs.As(err); e == nil || e.Kind != errdefs.Internal || strings.Contains(e.Public, "locked") {
		t.Errorf("store failure: err = %#v, want Internal with a generic message", e)
	}
	o.Lookup = nil
	if _, err := Verify(r, []byte(stopBody), o); errdefs.KindOf(err) != errdefs.Internal {
		t.Errorf("nil Lookup: err = %v, want Internal", err)
	}
}

func TestCredential(t *testing.T) {
	cases := []struct {
		name         string
		mk           func() *http.Request
		ak, reg, svc string
		ok           bool
	}{
		{name: "header", mk: func() *http.Request {
			r := ec2Request(stopBody)
			signer.sign(r, []byte(stopBody))
			return r
		}, ak: signer.ak, reg: "us-east-1", svc: "ec2", ok: true},
		{name: "presigned", mk: func() *http.Request {
			r := httptest.NewRequest("GET", "http://localhost/?Action=X", nil)
			s := signer
			s.presign, s.expires, s.service, s.region = true, 60, "sagemaker", "eu-central-1"
			s.sign(r, nil)
			return r
		}, ak: signer.ak, reg: "eu-central-1", svc: "sagemaker", ok: true},
		{name: "none", mk: func() *http.Request { return ec2Request(stopBody) }},
		{name: "other scheme", mk: func() *http.Request {
			r := ec2Request(stopBody)
			r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x, Signature=y")
			return r
		}},
		{name: "malformed credential", mk: func() *http.Request {
			r := ec2Request(stopBody)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20261122, SignedHeaders=host, Signature=00")
			return r
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ak, reg, svc, ok := Credential(c.mk())
			got := []any{ak, reg, svc, ok}
			want := []any{c.ak, c.reg, c.svc, c.ok}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("Credential (-got +want):\n%s", diff)
			}
		})
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "//": "/", "/./": "/", "/a/..": "/", "/a/b/../..": "/",
		"//example//": "/example/", "/./example": "/example", "/a/./b/../c/": "/a/c/",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	r := ec2Request(stopBody)
	s := signer
	s.extra = []string{"content-type"}
	s.sign(r, []byte(stopBody))
	body := []byte(stopBody)
	o := opts()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(r, body, o); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("POST", "/", "", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE000000001/20261122/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261122T100000Z", "", []byte(stopBody))
	f.Add("GET", "/a/../b//c", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20261122%2Fr%2Fec2%2Faws4_request&X-Amz-Date=20261122T100000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=9", "", "", "", []byte(nil))
	f.Add("GET", "/", "a=%zz", "AWS4-HMAC-SHA256 Credential=////", "x", "STREAMING-x", []byte("x"))
	f.Add("POST", "/", "", "AWS4-HMAC-SHA256 ,,,=,Credential=,Signature==,SignedHeaders=;", "99999999T999999Z", "UNSIGNED-PAYLOAD", []byte{})
	f.Fuzz(func(t *testing.T, method, path, query, auth, date, contentSHA string, body []byte) {
		r := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: query}, Host: "localhost", Header: http.Header{}, ContentLength: -1}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		if contentSHA != "" {
			r.Header.Set("X-Amz-Content-Sha256", contentSHA)
		}
		for _, o := range []Options{opts(), {SkipSignature: true, SkipTime: true}, {Lookup: lookup, SkipTime: true}} {
			res, err := Verify(r, body, o)
			if err == nil && o.Lookup != nil && !o.SkipSignature {
				// Only a real signature by a known key may pass.
				if _, ok := keys[res.AccessKeyID]; !ok {
					t.Fatalf("verified unknown key %q", res.AccessKeyID)
				}
			}
			if err != nil && errdefs.As(err).Kind != errdefs.Unauthenticated {
				t.Fatalf("unexpected error kind: %v", err)
			}
		}
		Credential(r)
	})
}

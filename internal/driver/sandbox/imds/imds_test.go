package imds_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/driver/sandbox/imds"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const mac = "02:ab:cd:ef:01:23"

func testMeta() map[string]string {
	return map[string]string{
		"instance-id":                 "i-0123456789abcdef0",
		"ami-id":                      "ami-0abcdef1234567890",
		"instance-type":               "t3.micro",
		"local-ipv4":                  "172.31.4.7",
		"placement/availability-zone": "us-west-2b",
		"placement/region":            "us-west-2",
		"network/interfaces/macs/" + mac + "/local-ipv4s": "172.31.4.7",
		"network/interfaces/macs/" + mac + "/mac":         mac,
	}
}

// newHandler returns a handler on a fake clock.
func newHandler(t *testing.T, required bool, userData []byte) (http.Handler, *clock.Fake) {
	t.Helper()
	c := clock.NewFake(t0)
	return imds.New(testMeta(), userData, imds.Identity{AccountID: "123456789012"}, imds.Options{Clock: c, TokensRequired: required}), c
}

type response struct {
	Status      int
	Body        string
	ContentType string
	Header      http.Header
}

func do(h http.Handler, method, path string, header map[string]string) response {
	req := httptest.NewRequest(method, "http://169.254.169.254"+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: string(body), ContentType: res.Header.Get("Content-Type"), Header: res.Header}
}

// token gets a session token with the given TTL, failing the test otherwise.
func token(t *testing.T, h http.Handler, ttl string) string {
	t.Helper()
	r := do(h, http.MethodPut, "/latest/api/token", map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": ttl})
	if r.Status != http.StatusOK || r.Body == "" {
		t.Fatalf("PUT token (ttl %s) = %d %q", ttl, r.Status, r.Body)
	}
	return r.Body
}

func TestTokenRequest(t *testing.T) {
	h, _ := newHandler(t, false, nil)
	ttlHeader := "X-aws-ec2-metadata-token-ttl-seconds"
	tests := []struct {
		name       string
		method     string
		header     map[string]string
		wantStatus int
		wantTTL    string // echoed header on success
	}{
		{"shortest TTL", http.MethodPut, map[string]string{ttlHeader: "1"}, 200, "1"},
		{"typical TTL", http.MethodPut, map[string]string{ttlHeader: "300"}, 200, "300"},
		{"longest TTL", http.MethodPut, map[string]string{ttlHeader: "21600"}, 200, "21600"},
		{"missing TTL", http.MethodPut, nil, 400, ""},
		{"zero TTL", http.MethodPut, map[string]string{ttlHeader: "0"}, 400, ""},
		{"TTL too long", http.MethodPut, map[string]string{ttlHeader: "21601"}, 400, ""},
		{"negative TTL", http.MethodPut, map[string]string{ttlHeader: "-5"}, 400, ""},
		{"fractional TTL", http.MethodPut, map[string]string{ttlHeader: "1.5"}, 400, ""},
		{"words for TTL", http.MethodPut, map[string]string{ttlHeader: "sixty"}, 400, ""},
		{"huge TTL", http.MethodPut, map[string]string{ttlHeader: "99999999999999999999"}, 400, ""},
		{"through a proxy", http.MethodPut, map[string]string{ttlHeader: "60", "X-Forwarded-For": "203.0.113.9"}, 403, ""},
		{"GET is not allowed", http.MethodGet, map[string]string{ttlHeader: "60"}, 405, ""},
		{"POST is not allowed", http.MethodPost, map[string]string{ttlHeader: "60"}, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(h, tt.method, "/latest/api/token", tt.header)
			if r.Status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", r.Status, tt.wantStatus, r.Body)
			}
			if tt.wantStatus != 200 {
				if r.Header.Get(imds.TokenTTLHeader) != "" {
					t.Errorf("refusal carries a TTL header %q", r.Header.Get(imds.TokenTTLHeader))
				}
				return
			}
			if got := r.Header.Get(imds.TokenTTLHeader); got != tt.wantTTL {
				t.Errorf("TTL header = %q, want %q", got, tt.wantTTL)
			}
			if r.ContentType != "text/plain" || r.Body == "" || strings.ContainsAny(r.Body, " \r\n") {
				t.Errorf("token response %q (%s), want a non-empty text/plain token usable as a header", r.Body, r.ContentType)
			}
			// Each request gets a fresh token.
			if other := token(t, h, tt.wantTTL); other == r.Body {
				t.Error("two token requests returned the same token")
			}
		})
	}
}

func TestTokenUse(t *testing.T) {
	tests := []struct {
		name     string
		required bool
		// tok returns the token header to send (absent when ok is false).
		tok        func(t *testing.T, h http.Handler, c *clock.Fake) (string, bool)
		wantStatus int
	}{
		{"v1 allowed when optional", false, noToken, 200},
		{"v1 refused when required", true, noToken, 401},
		{"valid token when optional", false, fresh("60"), 200},
		{"valid token when required", true, fresh("60"), 200},
		{"token just before expiry", true, func(t *testing.T, h http.Handler, c *clock.Fake) (string, bool) {
			tok := token(t, h, "60")
			c.Advance(60*time.Second - time.Millisecond)
			return tok, true
		}, 200},
		{"expired token", true, func(t *testing.T, h http.Handler, c *clock.Fake) (string, bool) {
			tok := token(t, h, "60")
			c.Advance(60 * time.Second)
			return tok, true
		}, 401},
		{"expired token when optional", false, func(t *testing.T, h http.Handler, c *clock.Fake) (string, bool) {
			tok := token(t, h, "1")
			c.Advance(2 * time.Second)
			return tok, true
		}, 401},
		{"garbage token", false, literal("not-a-token"), 401},
		{"empty token", false, literal(""), 401},
		{"tampered token", true, func(t *testing.T, h http.Handler, c *clock.Fake) (string, bool) {
			tok := []byte(token(t, h, "60"))
			// Flip one character of the signed expiry.
			if tok[3] == 'A' {
				tok[3] = 'B'
			} else {
				tok[3] = 'A'
			}
			return string(tok), true
		}, 401},
		{"token of another instance", true, func(t *testing.T, _ http.Handler, c *clock.Fake) (string, bool) {
			other := imds.New(testMeta(), nil, imds.Identity{}, imds.Options{Clock: c})
			return token(t, other, "60"), true
		}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, c := newHandler(t, tt.required, nil)
			tok, send := tt.tok(t, h, c)
			hdr := map[string]string{}
			if send {
				hdr["X-aws-ec2-metadata-token"] = tok
			}
			r := do(h, http.MethodGet, "/latest/meta-data/instance-id", hdr)
			if r.Status != tt.wantStatus {
				t.Fatalf("GET instance-id = %d %q, want %d", r.Status, r.Body, tt.wantStatus)
			}
			if tt.wantStatus == 200 && r.Body != "i-0123456789abcdef0" {
				t.Errorf("body = %q, want the instance id", r.Body)
			}
			if tt.wantStatus == 401 && !strings.Contains(r.Body, "<title>401 - Unauthorized</title>") {
				t.Errorf("401 body = %q, want EC2's error page", r.Body)
			}
		})
	}
}

func noToken(*testing.T, http.Handler, *clock.Fake) (string, bool) { return "", false }

func fresh(ttl string) func(*testing.T, http.Handler, *clock.Fake) (string, bool) {
	return func(t *testing.T, h http.Handler, _ *clock.Fake) (string, bool) { return token(t, h, ttl), true }
}

func literal(s string) func(*testing.T, http.Handler, *clock.Fake) (string, bool) {
	return func(*testing.T, http.Handler, *clock.Fake) (string, bool) { return s, true }
}

func TestPaths(t *testing.T) {
	userData := []byte("#!/bin/sh\necho hello\x00\xff")
	h, _ := newHandler(t, false, userData)
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string // checked when not empty
		wantType           string
	}{
		{"versions", "GET", "/", 200, strings.Join(imds.Versions(), "\n"), "text/plain"},
		{"categories", "GET", "/latest/", 200, "dynamic\nmeta-data\nuser-data", "text/plain"},
		{"categories without slash", "GET", "/latest", 200, "dynamic\nmeta-data\nuser-data", "text/plain"},
		{"meta-data root", "GET", "/latest/meta-data/", 200,
			"ami-id\ninstance-id\ninstance-type\nlocal-ipv4\nnetwork/\nplacement/", "text/plain"},
		{"meta-data root without slash", "GET", "/latest/meta-data", 200,
			"ami-id\ninstance-id\ninstance-type\nlocal-ipv4\nnetwork/\nplacement/", "text/plain"},
		{"leaf", "GET", "/latest/meta-data/instance-id", 200, "i-0123456789abcdef0", "text/plain"},
		{"directory", "GET", "/latest/meta-data/placement/", 200, "availability-zone\nregion", "text/plain"},
		{"directory without slash", "GET", "/latest/meta-data/placement", 200, "availability-zone\nregion", "text/plain"},
		{"nested leaf", "GET", "/latest/meta-data/placement/availability-zone", 200, "us-west-2b", "text/plain"},
		{"macs", "GET", "/latest/meta-data/network/interfaces/macs/", 200, mac + "/", "text/plain"},
		{"mac entries", "GET", "/latest/meta-data/network/interfaces/macs/" + mac + "/", 200, "local-ipv4s\nmac", "text/plain"},
		{"dated version", "GET", "/2009-04-04/meta-data/instance-id", 200, "i-0123456789abcdef0", "text/plain"},
		{"user data", "GET", "/latest/user-data", 200, string(userData), "application/octet-stream"},
		{"dynamic", "GET", "/latest/dynamic/", 200, "instance-identity/", "text/plain"},
		{"identity directory", "GET", "/latest/dynamic/instance-identity/", 200, "document", "text/plain"},
		{"HEAD of a leaf", "HEAD", "/latest/meta-data/instance-id", 200, "", "text/plain"},
		{"unknown key", "GET", "/latest/meta-data/nope", 404, "<title>404 - Not Found</title>", "text/html"},
		{"below a leaf", "GET", "/latest/meta-data/instance-id/more", 404, "", "text/html"},
		{"unknown version", "GET", "/1999-01-01/meta-data/", 404, "", "text/html"},
		{"unknown category", "GET", "/latest/other", 404, "", "text/html"},
		{"unknown dynamic", "GET", "/latest/dynamic/fws/", 404, "", "text/html"},
		{"below user data", "GET", "/latest/user-data/x", 404, "", "text/html"},
		{"POST", "POST", "/latest/meta-data/instance-id", 405, "<title>405 - Method Not Allowed</title>", "text/html"},
		{"PUT elsewhere", "PUT", "/latest/meta-data/instance-id", 405, "", "text/html"},
		{"DELETE", "DELETE", "/", 405, "", "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(h, tt.method, tt.path, nil)
			if r.Status != tt.wantStatus {
				t.Fatalf("%s %s = %d %q, want %d", tt.method, tt.path, r.Status, r.Body, tt.wantStatus)
			}
			if r.ContentType != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", r.ContentType, tt.wantType)
			}
			switch {
			case tt.method == "HEAD":
				if r.Body != "" || r.Header.Get("Content-Length") != "19" {
					t.Errorf("HEAD: body %q, Content-Length %q; want no body and the GET's length", r.Body, r.Header.Get("Content-Length"))
				}
			case tt.wantStatus == 200 && r.Body != tt.wantBody:
				t.Errorf("body = %q, want %q", r.Body, tt.wantBody)
			case tt.wantStatus != 200 && !strings.Contains(r.Body, tt.wantBody):
				t.Errorf("body = %q, want it to contain %q", r.Body, tt.wantBody)
			}
			if tt.wantStatus == 405 && r.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

func TestUserDataAbsent(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{{"nil", nil}, {"empty", []byte{}}} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, false, tt.data)
			if r := do(h, "GET", "/latest/user-data", nil); r.Status != 404 || !strings.Contains(r.Body, "404 - Not Found") {
				t.Errorf("user-data = %d %q, want EC2's 404", r.Status, r.Body)
			}
			if r := do(h, "GET", "/latest/", nil); r.Body != "dynamic\nmeta-data" {
				t.Errorf("/latest/ = %q, want no user-data entry", r.Body)
			}
		})
	}
}

func TestUserDataIsCopied(t *testing.T) {
	data := []byte("original")
	h := imds.New(nil, data, imds.Identity{}, imds.Options{})
	copy(data, "mutated!")
	if r := do(h, "GET", "/latest/user-data", nil); r.Body != "original" {
		t.Errorf("user-data = %q after the caller changed its slice, want %q", r.Body, "original")
	}
}

func TestIdentityDocument(t *testing.T) {
	tests := []struct {
		name     string
		meta     map[string]string
		identity imds.Identity
		want     map[string]any
	}{
		{
			name: "filled from metadata",
			meta: testMeta(),
			identity: imds.Identity{
				AccountID:    "123456789012",
				Architecture: "x86_64",
				PendingTime:  time.Date(2026, 2, 28, 23, 59, 58, 123, time.FixedZone("X", 3600)),
			},
			want: map[string]any{
				"accountId": "123456789012", "architecture": "x86_64", "availabilityZone": "us-west-2b",
				"billingProducts": nil, "devpayProductCodes": nil, "marketplaceProductCodes": nil,
				"imageId": "ami-0abcdef1234567890", "instanceId": "i-0123456789abcdef0", "instanceType": "t3.micro",
				"kernelId": nil, "pendingTime": "2026-02-28T22:59:58Z", "privateIp": "172.31.4.7", "ramdiskId": nil,
				"region": "us-west-2", "version": "2017-09-30",
			},
		},
		{
			name: "identity wins over metadata; region from zone",
			meta: map[string]string{"instance-id": "i-meta", "placement/availability-zone": "eu-central-1c"},
			identity: imds.Identity{
				AccountID: "000000000001", Architecture: "arm64", InstanceID: "i-identity",
				ImageID: "ami-1", InstanceType: "m7g.large", KernelID: "aki-1", RamdiskID: "ari-1",
				PrivateIP:       netip.MustParseAddr("10.1.2.3"),
				BillingProducts: []string{"bp-6ba54002"}, MarketplaceProductCodes: []string{"abc"},
				DevpayProductCodes: []string{},
			},
			want: map[string]any{
				"accountId": "000000000001", "architecture": "arm64", "availabilityZone": "eu-central-1c",
				"billingProducts": []any{"bp-6ba54002"}, "devpayProductCodes": []any{}, "marketplaceProductCodes": []any{"abc"},
				"imageId": "ami-1", "instanceId": "i-identity", "instanceType": "m7g.large",
				"kernelId": "aki-1", "pendingTime": "2026-03-01T12:00:00Z", "privateIp": "10.1.2.3", "ramdiskId": "ari-1",
				"region": "eu-central-1", "version": "2017-09-30",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := imds.New(tt.meta, nil, tt.identity, imds.Options{Clock: clock.NewFake(t0)})
			r := do(h, "GET", "/latest/dynamic/instance-identity/document", nil)
			if r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
				t.Fatalf("document is not JSON: %v\n%s", err, r.Body)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("identity document (-got +want):\n%s", diff)
			}
		})
	}
}

func TestMetadataTree(t *testing.T) {
	h := imds.New(map[string]string{
		"a":        "leaf that is also a directory",
		"a/b":      "under a",
		"/c//d/":   "",
		"iam/":     "",
		"":         "no path",
		"e/f/g/h":  "deep",
		"services": "x",
	}, nil, imds.Identity{}, imds.Options{})
	tests := []struct{ path, want string }{
		{"/latest/meta-data/", "a/\nc/\ne/\niam/\nservices"},
		{"/latest/meta-data/a/", "b"},
		{"/latest/meta-data/a/b", "under a"},
		{"/latest/meta-data/c/", "d/"},
		{"/latest/meta-data/iam/", ""},
		{"/latest/meta-data/e/f/", "g/"},
		{"/latest/meta-data/e/f/g/h", "deep"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := do(h, "GET", tt.path, nil)
			if r.Status != 200 || r.Body != tt.want {
				t.Errorf("GET %s = %d %q, want 200 %q", tt.path, r.Status, r.Body, tt.want)
			}
		})
	}
}

func TestTokenWorksOnEveryPath(t *testing.T) {
	h, _ := newHandler(t, true, []byte("ud"))
	tok := token(t, h, "21600")
	for _, p := range []string{"/", "/latest/", "/latest/meta-data/", "/latest/user-data", "/latest/dynamic/instance-identity/document"} {
		if r := do(h, "GET", p, nil); r.Status != 401 {
			t.Errorf("GET %s without token = %d, want 401", p, r.Status)
		}
		if r := do(h, "GET", p, map[string]string{"X-aws-ec2-metadata-token": tok}); r.Status != 200 {
			t.Errorf("GET %s with token = %d, want 200", p, r.Status)
		}
	}
}

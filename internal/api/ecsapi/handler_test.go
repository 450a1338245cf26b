package ecsapi

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"strato/internal/core/iam"
	"strato/internal/wire/acsrpc"
)

// TestRequestFlowErrors covers what fails before an operation runs: the
// protocol, the gateway's parameters and the signature rules.
func TestRequestFlowErrors(t *testing.T) {
	r := newRig(t)
	describe := map[string]string{"Action": "DescribeRegions"}
	tests := []struct {
		name       string
		req        func() *http.Request
		wantCode   string
		wantStatus int
		wantMsg    string // a prefix
	}{
		{"missing action", func() *http.Request {
			p := r.signParams("POST", map[string]string{})
			return request(p, false)
		}, "MissingAction", 400, "Action is mandatory for this action."},
		{"unknown action", func() *http.Request {
			return request(r.signParams("POST", map[string]string{"Action": "DescribeVpcs"}), false)
		}, "InvalidApi.NotFound", 404, "Specified api is not found"},
		{"missing version", func() *http.Request {
			p := r.signParams("POST", describe)
			delete(p, "Version")
			return request(p, false)
		}, "MissingVersion", 400, "Version is mandatory for this action."},
		{"unknown version", func() *http.Request {
			return request(r.signParams("POST", map[string]string{"Action": "DescribeRegions", "Version": "2016-03-14"}), false)
		}, "InvalidVersion", 400, "Specified parameter Version is not valid."},
		{"bad format", func() *http.Request {
			return request(r.signParams("POST", map[string]string{"Action": "DescribeRegions", "Format": "YAML"}), false)
		}, "InvalidParameter.Format", 400, "Specified parameter format is not valid."},
		{"missing access key", func() *http.Request {
			p := r.signParams("POST", describe)
			delete(p, "AccessKeyId")
			return request(p, false)
		}, "MissingAccessKeyId", 400, "AccessKeyId is mandatory for this action."},
		{"missing signature", func() *http.Request {
			p := r.signParams("POST", describe)
			delete(p, "Signature")
			return request(p, false)
		}, "MissingSignature", 400, ""},
		{"unknown access key", func() *http.Request {
			p := r.signParams("POST", map[string]string{"Action": "DescribeRegions", "AccessKeyId": "LTAINOPE"})
			return request(p, false)
		}, "InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."},
		{"wrong signature", func() *http.Request {
			return request(r.signParams("POST", map[string]string{"Action": "DescribeRegions", "Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}), false)
		}, "SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D"},
		{"signed as GET, sent as POST", func() *http.Request {
			return request(r.signParams("GET", describe), false)
		}, "SignatureDoesNotMatch", 400, ""},
		{"a parameter changed after signing", func() *http.Request {
			p := r.signParams("POST", describe)
			p["RegionId"] = "cn-hangzhou"
			return request(p, true)
		}, "SignatureDoesNotMatch", 400, ""},
		{"stale timestamp", func() *http.Request {
			p := r.signParams("POST", map[string]string{"Action": "DescribeRegions",
				"Timestamp": testNow.Add(-16 * time.Minute).Format(acsrpc.TimeFormat)})
			return request(p, false)
		}, "InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."},
		{"malformed timestamp", func() *http.Request {
			return request(r.signParams("POST", map[string]string{"Action": "DescribeRegions", "Timestamp": "yesterday"}), false)
		}, "InvalidTimeStamp.Format", 400, ""},
		{"wrong signature method", func() *http.Request {
			return request(r.signParams("POST", map[string]string{"Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA256"}), false)
		}, "InvalidSignatureMethod", 400, ""},
		{"parameter given twice", func() *http.Request {
			p := r.signParams("POST", describe)
			req := request(p, false)
			req.URL.RawQuery += "&RegionId=us-east-1"
			return req
		}, "InvalidParameter", 400, `The specified parameter "RegionId" is not valid.`},
		{"method not allowed", func() *http.Request {
			return httptest.NewRequest(http.MethodPut, "http://127.0.0.1:8773/?"+encode(r.signParams("PUT", describe)), nil)
		}, "UnsupportedHTTPMethod", 400, ""},
		{"bad dry run", func() *http.Request {
			return request(r.signParams("POST", map[string]string{"Action": "DescribeRegions", "DryRun": "maybe"}), false)
		}, "InvalidParameter", 400, ""},
		{"policy denies", func() *http.Request {
			p := r.signParams("POST", map[string]string{"Action": "StopInstance", "InstanceId": "i-aaaaaaaaaaaaaaaaaaaa", "AccessKeyId": limitedKey})
			return request(p, false)
		}, "Forbidden.RAM", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, m := r.send(tt.req())
			if code != tt.wantStatus || m["Code"] != tt.wantCode {
				t.Fatalf("got %d %v (%v), want %d %s", code, m["Code"], m["Message"], tt.wantStatus, tt.wantCode)
			}
			if msg, _ := m["Message"].(string); !strings.HasPrefix(msg, tt.wantMsg) {
				t.Errorf("message %q, want prefix %q", msg, tt.wantMsg)
			}
			if m["HostId"] != "127.0.0.1:8773" {
				t.Errorf("HostId = %v", m["HostId"])
			}
		})
	}
}

// TestNonceReuse: the same signed request twice is a replay.
func TestNonceReuse(t *testing.T) {
	r := newRig(t)
	p := r.signParams("POST", map[string]string{"Action": "DescribeRegions"})
	if code, m := r.send(request(p, false)); code != 200 {
		t.Fatalf("first request: %d %v", code, m)
	}
	code, m := r.send(request(p, true)) // the same parameters, now as a form
	if code != 400 || m["Code"] != "SignatureNonceUsed" || m["Message"] != "Specified signature nonce was used already." {
		t.Errorf("replay = %d %v", code, m)
	}
}

// TestQueryFormAndGet: the same call signed per the spec succeeds with the
// parameters in the query (the Go SDK), in a form body, split between the
// two, and as a GET.
func TestQueryFormAndGet(t *testing.T) {
	r := newRig(t)
	kv := map[string]string{"Action": "DescribeZones", "Verbose": "true"}
	split := func() *http.Request {
		p := r.signParams("POST", kv)
		q, b := acsrpc.Params{}, acsrpc.Params{}
		for k, v := range p {
			if strings.HasPrefix(k, "Signature") || k == "Action" {
				q[k] = v
			} else {
				b[k] = v
			}
		}
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8773/?"+encode(q), strings.NewReader(encode(b)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		return req
	}
	for name, req := range map[string]func() *http.Request{
		"query": func() *http.Request { return request(r.signParams("POST", kv), false) },
		"form":  func() *http.Request { return request(r.signParams("POST", kv), true) },
		"split": split,
		"get": func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8773/?"+encode(r.signParams("GET", kv)), nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			code, m := r.send(req())
			if code != 200 {
				t.Fatalf("status %d: %v", code, m)
			}
			zones := m["Zones"].(map[string]any)["Zone"].([]any)
			if len(zones) != 3 {
				t.Errorf("zones = %v", zones)
			}
		})
	}
}

// TestAnyMode: with --auth=any neither signature nor time is checked.
func TestAnyMode(t *testing.T) {
	r := newRig(t)
	r.h.auth = &fakeAuth{any: true, keys: map[string]iam.Principal{}}
	p := acsrpc.Params{"Action": "DescribeRegions", "Version": APIVersion, "AccessKeyId": "anything", "Signature": "junk",
		"Timestamp": "2001-01-01T00:00:00Z"}
	if code, m := r.send(request(p, false)); code != 200 {
		t.Fatalf("any mode: %d %v", code, m)
	}
}

// TestXMLFormat: success and error documents in XML.
func TestXMLFormat(t *testing.T) {
	r := newRig(t)
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, request(r.signParams("POST", map[string]string{"Action": "DescribeRegions", "Format": "XML"}), false))
	var ok struct {
		XMLName   xml.Name
		RequestId string
		Regions   struct {
			Region []struct{ RegionId, RegionEndpoint string }
		}
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &ok); err != nil || w.Code != 200 {
		t.Fatalf("%d %v\n%s", w.Code, err, w.Body)
	}
	if ok.XMLName.Local != "DescribeRegionsResponse" || ok.RequestId == "" || len(ok.Regions.Region) < 2 ||
		w.Header().Get("Content-Type") != acsrpc.ContentTypeXML {
		t.Errorf("XML answer = %+v (%s)", ok, w.Header().Get("Content-Type"))
	}
	w = httptest.NewRecorder()
	r.h.ServeHTTP(w, request(r.signParams("POST", map[string]string{"Action": "StopInstance", "Format": "xml",
		"InstanceId": "i-0000000000000000nope"}), false))
	var e struct {
		XMLName                                     xml.Name
		RequestId, HostId, Code, Message, Recommend string
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("%v\n%s", err, w.Body)
	}
	if w.Code != 404 || e.XMLName.Local != "Error" || e.Code != "InvalidInstanceId.NotFound" || e.RequestId == "" || e.HostId == "" {
		t.Errorf("XML error = %d %+v", w.Code, e)
	}
}

func TestMatch(t *testing.T) {
	h := New(Config{Region: testRegion})
	tests := []struct {
		name string
		req  func() *http.Request
		want bool
	}{
		{"SDK query", func() *http.Request {
			return httptest.NewRequest("POST", "/?Action=DescribeRegions&Version=2014-05-26&SignatureMethod=HMAC-SHA1", nil)
		}, true},
		{"x-acs-version header", func() *http.Request {
			r := httptest.NewRequest("POST", "/", nil)
			r.Header.Set("x-acs-version", "2014-05-26")
			return r
		}, true},
		{"form body", func() *http.Request {
			r := httptest.NewRequest("POST", "/", strings.NewReader("Action=StopInstance&SignatureVersion=1.0&AccessKeyId=x"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, true},
		{"EC2 SigV4", func() *http.Request {
			r := httptest.NewRequest("POST", "/", strings.NewReader("Action=DescribeInstances&Version=2016-11-15"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00")
			return r
		}, false},
		{"EC2 SigV2 query", func() *http.Request {
			return httptest.NewRequest("GET", "/?Action=DescribeInstances&Version=2016-11-15&AWSAccessKeyId=AK&SignatureMethod=HmacSHA256&SignatureVersion=2", nil)
		}, false},
		{"SageMaker", func() *http.Request {
			r := httptest.NewRequest("POST", "/", strings.NewReader(`{"SignatureVersion=1.0"}`))
			r.Header.Set("X-Amz-Target", "SageMaker.ListNotebookInstances")
			return r
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req()
			if got := h.Match(req); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
	// The body Match read is still there for the handler.
	req := httptest.NewRequest("POST", "/", strings.NewReader("Action=StopInstance&SignatureVersion=1.0"))
	h.Match(req)
	body, err := io.ReadAll(req.Body)
	if err != nil || string(body) != "Action=StopInstance&SignatureVersion=1.0" {
		t.Errorf("body after Match = %q, %v", body, err)
	}
}

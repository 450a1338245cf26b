package apig

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The vectors below were produced by the huaweicloud-sdk-go-v3 v0.1.207
// signer: a throwaway program outside this module signed each request (the
// "sdk" ones through the ModelArts v1 client, the "builder" ones through
// request.HttpRequestBuilder and BasicCredentials.ProcessAuthRequest, the
// same signing path) with vecAK / vecSK, X-Sdk-Date pinned to vecDate, sent
// it to an httptest server, and printed what arrived. Headers are as the
// server saw them.
const (
	vecAK      = "HPUAEXAMPLEAK0000001"
	vecSK      = "exampleSecretKey0000000000000000000000/+"
	vecProject = "0123456789abcdef0123456789abcdef"
	vecDate    = "20261122T194324Z"
	vecUA      = "huaweicloud-usdk-go/3.0; os/Debian_GNU/Linux#12_(bookworm)#amd64 go/go1.26.8; app/cb40c8c3-6afc-47cc-9bad-8a4504faa30b"
)

var vecTime = time.Date(2026, 11, 22, 19, 43, 24, 0, time.UTC)

type vector struct {
	name     string
	method   string
	uri      string
	header   [][2]string
	body     string
	unsigned bool // signed with UNSIGNED-PAYLOAD
}

func sdkAuth(signed, sig string) [2]string {
	return [2]string{"Authorization", Algorithm + " Access=" + vecAK + ", SignedHeaders=" + signed + ", Signature=" + sig}
}

var vectors = []vector{
	{
		name:   "sdk StartNotebook: POST with query, no body",
		method: "POST",
		uri:    "/v1/" + vecProject + "/notebooks/nb-0001/start?duration=3600000&type=timing",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-date", "134b4b9d94267951222eb776592df7c9c4658ef126d3ed836d3a35f1acc3585e"),
			{"Content-Length", "0"},
			{"Content-Type", "application/json"},
			{"User-Agent", vecUA},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
	},
	{
		name:   "sdk StopNotebook",
		method: "POST",
		uri:    "/v1/" + vecProject + "/notebooks/nb-0001/stop",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-date", "c0bbbdcfb6a83f14688dd853574f8ea100ff61f97f10a07120a150b4e8b3394c"),
			{"Content-Length", "0"},
			{"Content-Type", "application/json"},
			{"User-Agent", vecUA},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
	},
	{
		name:   "sdk ListNotebooks: GET, space in a query value",
		method: "GET",
		uri:    "/v1/" + vecProject + "/notebooks?limit=10&name=my%20nb",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-date", "f86776efded3d7189a1c2e90601464a6252ee6e8671a7e99b3a8a9cb5cb9961d"),
			{"Content-Type", "application/json"},
			{"User-Agent", vecUA},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
	},
	{
		name:   "sdk CreateNotebook: POST with a JSON body",
		method: "POST",
		uri:    "/v1/" + vecProject + "/notebooks",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-date", "618862c3fe122f64ab9a4e17ff971e980926a80417ad684f6af402c634d437d2"),
			{"Content-Length", "108"},
			{"Content-Type", "application/json;charset=UTF-8"},
			{"User-Agent", vecUA},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
		body: `{"description":"a <b> & c","flavor":"modelarts.vm.cpu.2u","image_id":"img-1","name":"nb-one","volume":null}` + "\n",
	},
	{
		name:   "builder GET: empty value, repeated keys, awkward characters",
		method: "GET",
		uri:    "/v1/" + vecProject + "/things?Zed=1&a_b=true&empty&q=x%2By%2Az~%C3%A9%3D%26%2F&tag=b&tag=a&tag=a%20b",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-date", "652e152a93f88d2bafaab8dc1491e6beb8ba3537e45f2033d7dcb36d63f6151f"),
			{"User-Agent", "huaweicloud-usdk-go/3.0"},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
	},
	{
		name:   "builder GET: sorted by decoded name and value, trailing slash",
		method: "GET",
		// Parameters é=1, ~=2 and a=["~", "é", " ", "%"].
		uri: "/v1/" + vecProject + "/things/?a=~&a=%C3%A9&a=%20&a=%25&~=2&%C3%A9=1",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-date", "c8cd121c6f5038792d3024c1956d61c6265900fb7d4ef351904f80f10ce440ad"),
			{"User-Agent", "huaweicloud-usdk-go/3.0"},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
	},
	{
		name:   "builder DELETE: path segment needing escapes",
		method: "DELETE",
		// The path parameter was "a b+c@d:e(f)~g,é%41".
		uri: "/v1/" + vecProject + "/things/a%20b+c@d:e%28f%29~g,%C3%A9%2541",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-date", "7ade232ab3d804a803e9233d2b2d3ebc42dacab4e9c3ead597b10396fecb0745"),
			{"User-Agent", "huaweicloud-usdk-go/3.0"},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
	},
	{
		name:   "builder PUT: UNSIGNED-PAYLOAD for a non-JSON body",
		method: "PUT",
		uri:    "/v1/" + vecProject + "/blob",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-project-id;x-sdk-content-sha256;x-sdk-date", "75fc72d0a235d8c81adbc617c2536d5596e458145853226ff10ea029c669487e"),
			{"Content-Length", "9"},
			{"Content-Type", "application/octet-stream"},
			{"User-Agent", "huaweicloud-usdk-go/3.0"},
			{"X-Project-Id", vecProject},
			{"X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD"},
			{"X-Sdk-Date", vecDate},
		},
		body:     "raw\x00bytes",
		unsigned: true,
	},
	{
		name:   "builder POST: JSON body, a custom header with inner spaces",
		method: "POST",
		uri:    "/v1/" + vecProject + "/things",
		header: [][2]string{
			{"Accept-Encoding", "gzip"},
			sdkAuth("user-agent;x-custom;x-project-id;x-sdk-date", "4f483db4a1a668b22b69da22a4bc9ed89bc65a6304299a9ecaf5cfe29df5c8db"),
			{"Content-Length", "19"},
			{"Content-Type", "application/json;charset=UTF-8"},
			{"User-Agent", "huaweicloud-usdk-go/3.0"},
			{"X-Custom", "two  spaces"}, // sent as "  two  spaces  "
			{"X-Project-Id", vecProject},
			{"X-Sdk-Date", vecDate},
		},
		body: `{"n":1,"name":"x"}` + "\n",
	},
}

// request builds v as a server receives it.
func (v vector) request() (*http.Request, []byte) {
	r := httptest.NewRequest(v.method, "http://127.0.0.1:44871"+v.uri, strings.NewReader(v.body))
	for _, h := range v.header {
		r.Header.Add(h[0], h[1])
	}
	return r, []byte(v.body)
}

func vecOptions() Options {
	return Options{
		Lookup: func(ak string) (string, error) {
			if ak != vecAK {
				return "", UnknownAccessKey(ak)
			}
			return vecSK, nil
		},
		Now: func() time.Time { return vecTime.Add(3 * time.Second) },
	}
}

func TestVerifySDKVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			r, body := v.request()
			got, err := Verify(r, body, vecOptions())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Result{AccessKeyID: vecAK, Time: vecTime, UnsignedPayload: v.unsigned}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("Result (-got +want):\n%s", diff)
			}
		})
	}
}

// TestSignMatchesSDK: Sign, given the headers the SDK had when it signed
// (not those the transport adds), writes the SDK's Authorization.
func TestSignMatchesSDK(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			r, body := v.request()
			want := r.Header.Get("Authorization")
			for _, h := range []string{"Accept-Encoding", "Content-Length", "Authorization", HeaderDate, HeaderContentSHA256} {
				r.Header.Del(h)
			}
			Sign(r, body, vecAK, vecSK, vecTime)
			if got := r.Header.Get("Authorization"); got != want {
				t.Errorf("Authorization:\n got %s\nwant %s", got, want)
			}
			if got := r.Header.Get(HeaderDate); got != vecDate {
				t.Errorf("X-Sdk-Date = %q, want %q", got, vecDate)
			}
			wantSHA := ""
			if v.unsigned {
				wantSHA = UnsignedPayload
			}
			if got := r.Header.Get(HeaderContentSHA256); got != wantSHA {
				t.Errorf("X-Sdk-Content-Sha256 = %q, want %q", got, wantSHA)
			}
		})
	}
}

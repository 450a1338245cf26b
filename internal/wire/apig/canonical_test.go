package apig

import (
	"net/http/httptest"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"AZaz09-_.~", "AZaz09-_.~"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"*", "%2A"},
		{"/", "%2F"},
		{"=&?#%", "%3D%26%3F%23%25"},
		{"é", "%C3%A9"},
		{"\x00\xff", "%00%FF"},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{name: "root", in: "/", want: "/"},
		{name: "empty", in: "", want: "/"},
		{name: "trailing slash added", in: "/v1/p/notebooks", want: "/v1/p/notebooks/"},
		{name: "trailing slash kept", in: "/v1/p/notebooks/", want: "/v1/p/notebooks/"},
		{name: "segments decoded and re-encoded", in: "/a%20b+c@d:e%28f%29~g,%C3%A9%2541", want: "/a%20b%2Bc%40d%3Ae%28f%29~g%2C%C3%A9%2541/"},
		{name: "lower-case escapes", in: "/%c3%a9", want: "/%C3%A9/"},
		{name: "escaped slash stays in its segment", in: "/a%2Fb/c", want: "/a%2Fb/c/"},
		{name: "empty segments kept", in: "//a//", want: "//a//"},
		{name: "dot segments kept", in: "/a/../b", want: "/a/../b/"},
		{name: "bad escape", in: "/a%zzb", want: "/a%25zzb/", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalURI(tt.in)
			if got != tt.want || (err != nil) != tt.bad {
				t.Errorf("canonicalURI(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.bad)
			}
		})
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{name: "none", in: "", want: ""},
		{name: "sorted by key", in: "type=timing&duration=3600000", want: "duration=3600000&type=timing"},
		{name: "empty value signed as key=", in: "b=1&a&c=", want: "a=&b=1&c="},
		{name: "repeated keys sorted by value", in: "tag=b&tag=a&tag=a%20b", want: "tag=a&tag=a%20b&tag=b"},
		{name: "plus is a space", in: "name=my+nb", want: "name=my%20nb"},
		{name: "re-encoded", in: "q=x%2By%2Az~%C3%A9%3D%26%2F", want: "q=x%2By%2Az~%C3%A9%3D%26%2F"},
		{name: "sorted before encoding", in: "a=~&a=%C3%A9&a=%20&a=%25&~=2&%C3%A9=1", want: "a=%20&a=%25&a=~&a=%C3%A9&~=2&%C3%A9=1"},
		{name: "empty pairs skipped", in: "&&a=1&", want: "a=1"},
		{name: "only the first = splits", in: "a=b=c", want: "a=b%3Dc"},
		{name: "case-sensitive keys", in: "b=1&B=2&a=3", want: "B=2&a=3&b=1"},
		{name: "bad escape", in: "a=%zz&b=1", want: "a=%25zz&b=1", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalQuery(tt.in)
			if got != tt.want || (err != nil) != tt.bad {
				t.Errorf("canonicalQuery(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.bad)
			}
		})
	}
}

func TestCanonicalHeaders(t *testing.T) {
	r := httptest.NewRequest("GET", "http://example.test:8773/", nil)
	r.Header.Set("X-Sdk-Date", " 20261122T194324Z ")
	r.Header.Add("X-Multi", "b")
	r.Header.Add("X-Multi", " a ")
	r.Header.Set("X-Spaces", "two  spaces")
	r.Header.Set("X-Empty", "")
	tests := []struct {
		name    string
		names   []string
		want    string
		missing string
	}{
		{name: "trimmed", names: []string{"x-sdk-date"}, want: "x-sdk-date:20261122T194324Z\n"},
		{name: "repeated values sorted", names: []string{"x-multi"}, want: "x-multi:a\nx-multi:b\n"},
		{name: "inner spaces kept", names: []string{"x-spaces"}, want: "x-spaces:two  spaces\n"},
		{name: "empty value", names: []string{"x-empty"}, want: "x-empty:\n"},
		{name: "host from the request", names: []string{"host", "x-sdk-date"}, want: "host:example.test:8773\nx-sdk-date:20261122T194324Z\n"},
		{name: "list order, names as sent", names: []string{"X-Spaces", "x-empty"}, want: "X-Spaces:two  spaces\nx-empty:\n"},
		{name: "missing", names: []string{"x-sdk-date", "x-absent"}, missing: "x-absent"},
		{name: "none", names: nil, want: "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, missing := canonicalHeaders(r, tt.names)
			if got != tt.want || missing != tt.missing {
				t.Errorf("canonicalHeaders(%q) = %q, missing %q; want %q, missing %q", tt.names, got, missing, tt.want, tt.missing)
			}
		})
	}
}

// TestCanonicalRequestDocumented is API Gateway's own example: the canonical
// request its error log prints for "GET /app1" signed with host;x-sdk-date
// and an empty body (API Request Signing Guide, "Common Errors Related to IAM
// Authentication Information").
func TestCanonicalRequestDocumented(t *testing.T) {
	r := httptest.NewRequest("GET", "http://test.com/app1", nil)
	r.Header.Set("X-Sdk-Date", "20190126T033427Z")
	path, _ := canonicalURI(r.URL.EscapedPath())
	query, _ := canonicalQuery(r.URL.RawQuery)
	headers, _ := canonicalHeaders(r, []string{"host", "x-sdk-date"})
	payload, _, _ := payloadHash(r, nil)
	got := canonicalRequest(r.Method, path, query, headers, "host;x-sdk-date", payload)
	const want = "GET\n/app1/\n\nhost:test.com\nx-sdk-date:20190126T033427Z\n\nhost;x-sdk-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got != want {
		t.Errorf("canonical request:\n got %q\nwant %q", got, want)
	}
}

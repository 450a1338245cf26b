package ec2api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
)

// Test credentials and the fixed time every test request is signed at.
const (
	testAccount = "123456789012"
	testKey     = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion  = "us-east-1"
	testReqID   = "11111111-2222-4333-8444-555555555555"
)

var testNow = time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)

// fakeAuth is a fixed key table.
type fakeAuth struct {
	any  bool
	keys map[string]iam.Principal
}

func (f *fakeAuth) Lookup(_ context.Context, ak string) (iam.Principal, string, error) {
	p, ok := f.keys[ak]
	if !ok {
		if f.any {
			return iam.Principal{AccountID: testAccount, AccessKeyID: ak}, "", nil
		}
		return iam.Principal{}, "", errdefs.New(errdefs.Unauthenticated, errdefs.ResAccessKey, ak, "unknown access key")
	}
	return p, testSecret, nil
}

func (f *fakeAuth) AnyMode() bool { return f.any }

// coreCall records one call the handler made to the core.
type coreCall struct {
	Method  string
	Account string
	IDs     []string
	DryRun  bool
	Run     *instance.RunRequest
	Query   *instance.Query
	Stop    *instance.StopRequest
	Attrs   *instance.Attributes
	Tags    []instance.Tag
	TagRefs []instance.TagRef
	Filters []instance.TagFilter
	Max     int
	Token   string
	Volumes *instance.VolumeQuery
}

// fakeCore records calls and answers with canned values. Like the real core,
// it answers a dry run with a DryRun error.
type fakeCore struct {
	mu      sync.Mutex
	calls   []coreCall
	err     error
	insts   []*instance.Instance
	changes []instance.StateChange
	console instance.ConsoleOutput
	tagList []instance.TagDescription
	vols    []*instance.VolumeInfo
	next    string
}

var _ instanceCore = (*fakeCore)(nil)

func (f *fakeCore) record(c coreCall) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if f.err != nil {
		return f.err
	}
	if c.DryRun {
		return errdefs.New(errdefs.DryRun, errdefs.ResNone, "", "dry run")
	}
	return nil
}

func (f *fakeCore) Run(_ context.Context, account string, req instance.RunRequest) (*instance.Reservation, error) {
	if err := f.record(coreCall{Method: "Run", Account: account, Run: &req, DryRun: req.DryRun}); err != nil {
		return nil, err
	}
	res := &instance.Reservation{ID: "r-0123456789abcdef0", AccountID: account}
	res.Instances = f.insts
	return res, nil
}

func (f *fakeCore) Describe(_ context.Context, account string, q instance.Query) ([]*instance.Instance, string, error) {
	if err := f.record(coreCall{Method: "Describe", Account: account, Query: &q}); err != nil {
		return nil, "", err
	}
	return f.insts, f.next, nil
}

func (f *fakeCore) Get(_ context.Context, account, id string) (*instance.Instance, error) {
	if err := f.record(coreCall{Method: "Get", Account: account, IDs: []string{id}}); err != nil {
		return nil, err
	}
	if len(f.insts) == 0 {
		return nil, errdefs.New(errdefs.NotFound, errdefs.ResInstance, id, "")
	}
	return f.insts[0], nil
}

func (f *fakeCore) Start(_ context.Context, account string, ids []string, dryRun bool) ([]instance.StateChange, error) {
	if err := f.record(coreCall{Method: "Start", Account: account, IDs: ids, DryRun: dryRun}); err != nil {
		return nil, err
	}
	return f.changes, nil
}

func (f *fakeCore) Stop(_ context.Context, account string, ids []string, req instance.StopRequest) ([]instance.StateChange, error) {
	if err := f.record(coreCall{Method: "Stop", Account: account, IDs: ids, Stop: &req, DryRun: req.DryRun}); err != nil {
		return nil, err
	}
	return f.changes, nil
}

func (f *fakeCore) Reboot(_ context.Context, account string, ids []string, dryRun bool) error {
	return f.record(coreCall{Method: "Reboot", Account: account, IDs: ids, DryRun: dryRun})
}

func (f *fakeCore) Terminate(_ context.Context, account string, ids []string, dryRun bool) ([]instance.StateChange, error) {
	if err := f.record(coreCall{Method: "Terminate", Account: account, IDs: ids, DryRun: dryRun}); err != nil {
		return nil, err
	}
	return f.changes, nil
}

func (f *fakeCore) Modify(_ context.Context, account, id string, a instance.Attributes, dryRun bool) error {
	return f.record(coreCall{Method: "Modify", Account: account, IDs: []string{id}, Attrs: &a, DryRun: dryRun})
}

func (f *fakeCore) CreateTags(_ context.Context, account string, ids []string, tags []instance.Tag, dryRun bool) error {
	return f.record(coreCall{Method: "CreateTags", Account: account, IDs: ids, Tags: tags, DryRun: dryRun})
}

func (f *fakeCore) DeleteTags(_ context.Context, account string, ids []string, refs []instance.TagRef, dryRun bool) error {
	return f.record(coreCall{Method: "DeleteTags", Account: account, IDs: ids, TagRefs: refs, DryRun: dryRun})
}

func (f *fakeCore) DescribeTags(_ context.Context, account string, fs []instance.TagFilter, max int, token string) ([]instance.TagDescription, string, error) {
	if err := f.record(coreCall{Method: "DescribeTags", Account: account, Filters: fs, Max: max, Token: token}); err != nil {
		return nil, "", err
	}
	return f.tagList, f.next, nil
}

func (f *fakeCore) ConsoleOutput(_ context.Context, account, id string) (instance.ConsoleOutput, error) {
	if err := f.record(coreCall{Method: "ConsoleOutput", Account: account, IDs: []string{id}}); err != nil {
		return instance.ConsoleOutput{}, err
	}
	return f.console, nil
}

func (f *fakeCore) DescribeVolumes(_ context.Context, account string, q instance.VolumeQuery) ([]*instance.VolumeInfo, string, error) {
	if err := f.record(coreCall{Method: "DescribeVolumes", Account: account, Volumes: &q}); err != nil {
		return nil, "", err
	}
	return f.vols, f.next, nil
}

// lastCall returns the last recorded core call, or nil.
func (f *fakeCore) lastCall() *coreCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return nil
	}
	c := f.calls[len(f.calls)-1]
	return &c
}

// newTestHandler returns a handler on core with one full-rights key.
func newTestHandler(t testing.TB, core instanceCore) *Handler {
	t.Helper()
	h := New(Config{Catalog: catalog.New(testRegion), Clock: clock.NewFake(testNow), Region: testRegion})
	h.core = core
	h.auth = &fakeAuth{keys: map[string]iam.Principal{testKey: {AccountID: testAccount, AccessKeyID: testKey}}}
	return h
}

// formBody renders an ordered list of key, value pairs as a form body.
func formBody(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// signedRequest builds a POST / with body, SigV4-signed with the test key
// for service ec2 at testNow, the way the SDKs send EC2 calls.
func signedRequest(t testing.TB, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8773/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set(RequestIDHeader, testReqID)
	sign(r, []byte(body), testKey, testSecret, testRegion, "ec2", testNow)
	return r
}

// sign adds a SigV4 Authorization header over host, content-type and x-amz-date.
func sign(r *http.Request, body []byte, key, secret, region, service string, now time.Time) {
	amzDate := now.UTC().Format("20060102T150405Z")
	day := amzDate[:8]
	r.Header.Set("X-Amz-Date", amzDate)
	payload := sha256.Sum256(body)
	canon := strings.Join([]string{
		r.Method, "/", canonicalQuery(r.URL.Query()),
		"content-type:" + r.Header.Get("Content-Type"),
		"host:" + r.Host,
		"x-amz-date:" + amzDate,
		"",
		"content-type;host;x-amz-date",
		hex.EncodeToString(payload[:]),
	}, "\n")
	scope := day + "/" + region + "/" + service + "/aws4_request"
	ch := sha256.Sum256([]byte(canon))
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(ch[:])
	mac := func(k []byte, s string) []byte {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), day)
	k = mac(k, region)
	k = mac(k, service)
	k = mac(k, "aws4_request")
	sig := hex.EncodeToString(mac(k, sts))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/"+scope+
		", SignedHeaders=content-type;host;x-amz-date, Signature="+sig)
}

// canonicalQuery sorts and RFC 3986-encodes query parameters for SigV4.
func canonicalQuery(q url.Values) string {
	enc := func(s string) string {
		return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
	}
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, enc(k)+"="+enc(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// do sends a signed form to h and returns the recorded response.
func do(t testing.TB, h http.Handler, kv ...string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedRequest(t, formBody(kv...)))
	return w
}

// ec2Error is EC2's error document.
type ec2Error struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

// parseError decodes an error response, failing the test when it is not one.
func parseError(t testing.TB, w *httptest.ResponseRecorder) ec2Error {
	t.Helper()
	var e ec2Error
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("response is not an EC2 error (status %d): %v\n%s", w.Code, err, w.Body.String())
	}
	return e
}

// node is a generic XML element, for comparing documents structurally.
type node struct {
	Name     string
	Text     string
	Children []*node
}

// parseTree parses an XML document into nodes, ignoring namespaces and
// whitespace-only text.
func parseTree(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tok.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				if s := strings.TrimSpace(string(tok)); s != "" {
					stack[len(stack)-1].Text += s
				}
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// String renders a node compactly, one element per line, for diffs.
func (n *node) String() string {
	var b strings.Builder
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + n.Name)
		if n.Text != "" {
			b.WriteString(" = " + n.Text)
		}
		b.WriteByte('\n')
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// find returns the first descendant at the slash-separated path below n.
func (n *node) find(path string) *node {
	cur := n
	for _, part := range strings.Split(path, "/") {
		var next *node
		for _, c := range cur.Children {
			if c.Name == part {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

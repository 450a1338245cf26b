package adminapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/store/memstore"
)

// readAllImporter reads the whole archive, as the real one does (so that
// the body's checks run), and "unpacks" it to /images/NAME.
type readAllImporter struct {
	mu      sync.Mutex
	removed []string
}

func (*readAllImporter) Import(ctx context.Context, name string, r io.Reader) (catalog.ImportedRootFS, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return catalog.ImportedRootFS{}, err
	}
	sum := sha256.Sum256(b)
	return catalog.ImportedRootFS{Dir: "/images/" + name, Digest: hex.EncodeToString(sum[:]), Bytes: int64(len(b))}, nil
}

func (f *readAllImporter) Remove(ctx context.Context, dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, dir)
	return nil
}

// imageRig is an admin handler with images in a memstore.
type imageRig struct {
	h         *Handler
	clk       *clock.Fake
	key       iam.Key // the default account's
	other     iam.Key // another account's
	noImports iam.Key // the default account's, without strato:ImportImage
}

func newImageRig(t *testing.T, cfg Config) *imageRig {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC))
	st := memstore.New(memstore.WithClock(clk))
	ids := iam.NewService(st, clk, iam.Options{})
	acct, key, err := ids.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ids.CreateAccount(ctx, "team-b")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ids.CreateKey(ctx, other.ID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := iam.ParsePolicy([]byte(`{"Statement":[{"Effect":"Allow","Action":"strato:DescribeImages","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	limited, err := ids.CreateKey(ctx, acct.ID, "", pol)
	if err != nil {
		t.Fatal(err)
	}
	cfg.IAM, cfg.Clock, cfg.Region = ids, clk, "us-east-1"
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.New("us-east-1", catalog.WithImages(st, &readAllImporter{}), catalog.WithClock(clk))
	}
	return &imageRig{h: New(cfg), clk: clk, key: key, other: otherKey, noImports: limited}
}

// upload is how a request's body is sent and signed.
type upload struct {
	body      string
	signedFor string // the body whose hash is signed ("" = body)
	noHash    bool   // sign the hash without sending X-Amz-Content-Sha256
	chunked   bool   // no Content-Length
}

// send signs and serves a request; for uploads the body's hash goes into
// X-Amz-Content-Sha256, as `strato image import` sends it.
func (r *imageRig) send(t *testing.T, key iam.Key, method, path string, q url.Values, up *upload) (int, map[string]any) {
	t.Helper()
	u := "http://strato.test" + Prefix + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	hashed := ""
	if up != nil {
		body = strings.NewReader(up.body)
		hashed = up.body
		if up.signedFor != "" {
			hashed = up.signedFor
		}
	}
	req := httptest.NewRequest(method, u, body)
	sum := sha256.Sum256([]byte(hashed))
	hash := hex.EncodeToString(sum[:])
	if up != nil && !up.noHash {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	if up != nil && up.chunked {
		req.ContentLength = -1
	}
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, Service, "us-east-1", r.clk.Now()); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	var out map[string]any
	if err := json.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode(&out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, u, w.Code, w.Body)
	}
	return w.Code, out
}

func name(n string) url.Values { return url.Values{"name": {n}} }

// imageNames lists the names of GET /images.
func (r *imageRig) imageNames(t *testing.T, key iam.Key) []string {
	t.Helper()
	code, out := r.send(t, key, http.MethodGet, "images", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("GET images: %d %v", code, out)
	}
	var names []string
	for _, im := range out["images"].([]any) {
		names = append(names, im.(map[string]any)["name"].(string))
	}
	return names
}

func TestImageRoutes(t *testing.T) {
	// The general body limit is far below the images': uploads have their own.
	r := newImageRig(t, Config{MaxBodyBytes: 16, MaxImageBytes: 1000})
	archive := strings.Repeat("tar!", 100)

	code, out := r.send(t, r.key, http.MethodPost, "images", name("web (v1)"), &upload{body: archive})
	if code != http.StatusOK {
		t.Fatalf("import: %d %v", code, out)
	}
	id, _ := out["imageId"].(string)
	if !regexp.MustCompile(`^ami-[0-9a-f]{17}$`).MatchString(id) {
		t.Errorf("imageId %q is not ami- and 17 hex digits", id)
	}
	sum := sha256.Sum256([]byte(archive))
	want := map[string]any{"imageId": id, "name": "web (v1)", "state": "available", "ownerId": r.key.AccountID,
		"creationDate": "2026-11-22T20:30:00Z", "digest": hex.EncodeToString(sum[:]), "sizeBytes": float64(len(archive)),
		"architecture": out["architecture"], "rootDeviceName": "/dev/xvda", "rootSizeGiB": float64(1)}
	if d := cmp.Diff(out, want); d != "" {
		t.Errorf("import answer (-got +want):\n%s", d)
	}
	if d := cmp.Diff(r.imageNames(t, r.key), []string{"web (v1)"}); d != "" {
		t.Errorf("own images (-got +want):\n%s", d)
	}
	if got := r.imageNames(t, r.other); len(got) != 0 {
		t.Errorf("another account sees %v", got)
	}

	tests := []struct {
		name   string
		key    iam.Key
		method string
		path   string
		q      url.Values
		up     *upload
		status int
		code   string
		msg    string
	}{
		{"duplicate name", r.key, "POST", "images", name("web (v1)"), &upload{body: archive},
			409, "InvalidAMIName.Duplicate", "AMI name web (v1) is already in use by AMI " + id},
		{"same name, other account", r.other, "POST", "images", name("web (v1)"), &upload{body: archive}, 200, "", ""},
		{"malformed name", r.key, "POST", "images", name("a*b"), &upload{body: archive},
			400, "InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long"},
		{"no name", r.key, "POST", "images", nil, &upload{body: archive}, 400, "InvalidArgument", "name is missing"},
		{"unknown parameter", r.key, "POST", "images", url.Values{"name": {"abc"}, "x": {"1"}}, &upload{body: archive},
			400, "InvalidArgument", `unknown parameter "x"`},
		{"body not what was signed", r.key, "POST", "images", name("tampered"), &upload{body: archive, signedFor: "other"},
			403, "SignatureDoesNotMatch", "x-amz-content-sha256"},
		{"no signed hash", r.key, "POST", "images", name("unhashed"), &upload{body: archive, noHash: true},
			401, "Unauthenticated", "x-amz-content-sha256"},
		{"body over the image limit", r.key, "POST", "images", name("too big"), &upload{body: strings.Repeat("x", 1001)},
			400, "LimitExceeded", "larger than 1000 bytes"},
		{"chunked body over the image limit", r.key, "POST", "images", name("too big"), &upload{body: strings.Repeat("x", 1001), chunked: true},
			400, "LimitExceeded", "larger than 1000 bytes"},
		{"no import right", r.noImports, "POST", "images", name("denied"), &upload{body: archive}, 403, "AccessDenied", ""},
		{"deregister another account's", r.other, "DELETE", "images/" + id, nil, nil, 404, "InvalidAMIID.NotFound", ""},
		{"deregister a built-in", r.key, "DELETE", "images/" + catalog.ImageBusybox, nil, nil, 403, "AccessDenied", "built-in"},
		{"deregister unknown", r.key, "DELETE", "images/ami-0123456789abcdef0", nil, nil, 404, "InvalidAMIID.NotFound", ""},
		{"deregister", r.key, "DELETE", "images/" + id, nil, nil, 200, "", ""},
		{"deregister again", r.key, "DELETE", "images/" + id, nil, nil, 404, "InvalidAMIID.NotFound", ""},
		{"name free again", r.key, "POST", "images", name("web (v1)"), &upload{body: archive}, 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := r.send(t, tc.key, tc.method, tc.path, tc.q, tc.up)
			gotCode, msg := errCode(out), ""
			if e, ok := out["error"].(map[string]any); ok {
				msg, _ = e["message"].(string)
			}
			if code != tc.status || gotCode != tc.code || !strings.Contains(msg, tc.msg) {
				t.Errorf("%s %s: %d %q %q, want %d %q containing %q", tc.method, tc.path, code, gotCode, msg, tc.status, tc.code, tc.msg)
			}
		})
	}
	if d := cmp.Diff(r.imageNames(t, r.key), []string{"web (v1)"}); d != "" {
		t.Errorf("own images at the end (-got +want):\n%s", d)
	}
}

func TestImageRoutesWithoutCatalog(t *testing.T) {
	r := newImageRig(t, Config{})
	r.h.cfg.Catalog = nil
	for _, tc := range []struct {
		name   string
		method string
		path   string
		up     *upload
	}{
		{"import", "POST", "images", &upload{body: "x"}},
		{"list", "GET", "images", nil},
		{"deregister", "DELETE", "images/ami-0123456789abcdef0", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := r.send(t, r.key, tc.method, tc.path, name("web"), tc.up)
			if tc.method != "POST" {
				code, out = r.send(t, r.key, tc.method, tc.path, nil, tc.up)
			}
			if code != http.StatusBadRequest || errCode(out) != "Unsupported" {
				t.Errorf("%d %v, want 400 Unsupported", code, out)
			}
		})
	}
}

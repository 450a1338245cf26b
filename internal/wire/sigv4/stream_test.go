package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// TestVerifyStreamedPayload: an upload signs its body's hash in
// X-Amz-Content-Sha256, and Verify checks the signature without the body.
func TestVerifyStreamedPayload(t *testing.T) {
	body := []byte("a large image archive")
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	s := signer
	s.service = "strato"
	tests := []struct {
		name   string
		signer testSigner
		tamper func(h string) string // changes the header after signing
		res    errdefs.Resource      // ResNone: accepted
	}{
		{"signed hash", withPayload(s, hash, true), nil, errdefs.ResNone},
		{"no hash header", withPayload(s, "", false), nil, ResIncompleteSignature},
		{"unsigned payload", withPayload(s, UnsignedPayload, true), nil, ResIncompleteSignature},
		{"not hex", withPayload(s, strings.Repeat("z", 64), true), nil, ResIncompleteSignature},
		{"upper-case hex", withPayload(s, strings.ToUpper(hash), true), nil, ResIncompleteSignature},
		{"hash changed after signing", withPayload(s, hash, true),
			func(string) string { return strings.Repeat("0", 64) }, errdefs.ResSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://127.0.0.1:8773/strato/v1/images?name=web", nil)
			tc.signer.sign(r, body)
			if tc.tamper != nil {
				r.Header.Set("X-Amz-Content-Sha256", tc.tamper(r.Header.Get("X-Amz-Content-Sha256")))
			}
			o := opts()
			o.Service, o.StreamedPayload = "strato", true
			res, err := Verify(r, nil, o)
			if tc.res != errdefs.ResNone {
				wantErr(t, err, tc.res)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Result{AccessKeyID: s.ak, Region: "us-east-1", Service: "strato", Date: "20261122T100000Z", PayloadHash: hash}
			if d := cmp.Diff(res, want); d != "" {
				t.Errorf("Result (-got +want):\n%s", d)
			}
		})
	}
}

func withPayload(s testSigner, payload string, header bool) testSigner {
	s.payload, s.contentSHA = payload, header
	return s
}

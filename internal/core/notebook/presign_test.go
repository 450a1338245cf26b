package notebook_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

const urlPrefix = "https://strato.example:8773/strato/notebooks/"

// presign returns the token of a presigned URL of acct's notebook name.
func (r *rig) presign(name string, session time.Duration) string {
	r.t.Helper()
	u, err := r.svc.PresignedURL(ctx, acct, name, session)
	if err != nil {
		r.t.Fatalf("PresignedURL(%s): %v", name, err)
	}
	if !strings.HasPrefix(u, urlPrefix) {
		r.t.Fatalf("URL %q does not start with %q", u, urlPrefix)
	}
	tok := strings.TrimPrefix(u, urlPrefix)
	if tok == "" || strings.ContainsAny(tok, "/?#%+ ") {
		r.t.Fatalf("token %q is not one clean path segment", tok)
	}
	return tok
}

func TestPresignedURL(t *testing.T) {
	r := newRig(t)
	r.inService("nb")
	tok := r.presign("NB", 0)

	nb, runtimeURL, expires, err := r.svc.OpenSession(ctx, tok)
	if err != nil {
		t.Fatalf("OpenSession: %v", err)
	}
	if d := cmp.Diff([]any{nb.ARN, runtimeURL, expires}, []any{arnOf("nb"), "http://127.0.0.1:9000/nb", r.clk.Now().Add(12 * time.Hour)}); d != "" {
		t.Errorf("OpenSession (-got +want):\n%s", d)
	}

	// The URL opens sessions for 5 minutes; a session token lasts the session.
	sess, err := r.svc.SessionToken(tok)
	if err != nil {
		t.Fatalf("SessionToken: %v", err)
	}
	r.clk.Advance(5 * time.Minute)
	_, _, _, err = r.svc.OpenSession(ctx, tok)
	wantErr(t, err, errdefs.Unauthenticated, "The notebook URL has expired.")
	_, err = r.svc.SessionToken(tok)
	wantErr(t, err, errdefs.Unauthenticated, "The notebook URL has expired.")
	if _, _, exp, err := r.svc.OpenSession(ctx, sess); err != nil || !exp.Equal(expires) {
		t.Errorf("OpenSession(session token) = %v, %v; want expiry %v", exp, err, expires)
	}
	r.clk.Advance(12*time.Hour - 5*time.Minute - time.Nanosecond)
	if _, _, _, err := r.svc.OpenSession(ctx, sess); err != nil {
		t.Errorf("OpenSession just before the end: %v", err)
	}
	r.clk.Advance(time.Nanosecond)
	_, _, _, err = r.svc.OpenSession(ctx, sess)
	wantErr(t, err, errdefs.Unauthenticated, "The notebook URL has expired.")
	if _, err := r.svc.SessionToken(sess); err == nil {
		t.Error("a session token was exchanged for another")
	}
}

func TestPresignedSessionLength(t *testing.T) {
	r := newRig(t)
	r.inService("nb")
	tok := r.presign("nb", 30*time.Minute)
	_, _, expires, err := r.svc.OpenSession(ctx, tok)
	if err != nil || !expires.Equal(r.clk.Now().Add(30*time.Minute)) {
		t.Errorf("OpenSession = %v, %v; want the session to end in 30 minutes", expires, err)
	}
}

// TestPresignedURLAnyStatus: like SageMaker, the URL is issued whatever the
// status; it opens nothing until the notebook is InService.
func TestPresignedURLAnyStatus(t *testing.T) {
	r := newRig(t)
	r.stopped("nb")
	tok := r.presign("nb", 0)
	_, _, _, err := r.svc.OpenSession(ctx, tok)
	wantErr(t, err, errdefs.IncorrectState, "The notebook instance nb is Stopped, not InService.")
	if err := r.svc.StartNotebook(ctx, acct, "nb"); err != nil {
		t.Fatal(err)
	}
	r.waitStatus("nb", notebook.InService)
	if _, _, _, err := r.svc.OpenSession(ctx, tok); err != nil {
		t.Errorf("OpenSession once InService: %v", err)
	}
	// A server that does not answer opens nothing either.
	r.rt.set("nb", notebook.RuntimeState{Phase: notebook.Booting})
	_, _, _, err = r.svc.OpenSession(ctx, tok)
	wantErr(t, err, errdefs.IncorrectState, "The notebook server of nb is not answering.")
}

func TestOpenSessionRefusals(t *testing.T) {
	r := newRig(t)
	r.inService("nb")
	tok := r.presign("nb", 0)
	payload, sig, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("token payload: %v", err)
	}
	forge := func(k string, v any) string {
		c := map[string]any{}
		for kk, vv := range claims {
			c[kk] = vv
		}
		c[k] = v
		b, _ := json.Marshal(c)
		return base64.RawURLEncoding.EncodeToString(b) + "." + sig
	}
	otherKey := newRig(t, func(c *notebook.Config) { c.SigningKey = []byte("other key") })
	otherKey.inService("nb")
	tests := []struct {
		name  string
		token string
		kind  errdefs.Kind
		msg   string
	}{
		{"empty", "", errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"garbage", "not-a-token", errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"another account", forge("a", other), errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"another notebook", forge("n", "other"), errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"a later expiry", forge("e", float64(time.Now().Add(1000*time.Hour).UnixNano())), errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"a session token made up", forge("k", "session"), errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"a flipped signature bit", payload + "." + flip(sig), errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"no signature", payload, errdefs.Unauthenticated, "The notebook URL is not valid."},
		{"a page token", func() string {
			for i := range 3 {
				r.create("page-" + string(rune('a'+i)))
			}
			_, pt, _ := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{MaxResults: 1})
			return pt
		}(), errdefs.Unauthenticated, "The notebook URL is not valid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := r.svc.OpenSession(ctx, tt.token)
			wantErr(t, err, tt.kind, tt.msg)
			if e := errdefs.As(err); e.Resource != notebook.ResSession {
				t.Errorf("resource %q, want %q", e.Resource, notebook.ResSession)
			}
		})
	}
	t.Run("a token signed with another key", func(t *testing.T) {
		_, _, _, err := otherKey.svc.OpenSession(ctx, tok)
		wantErr(t, err, errdefs.Unauthenticated, "The notebook URL is not valid.")
	})
	t.Run("a notebook deleted and created again", func(t *testing.T) {
		r.rt.takeCalls()
		if err := r.svc.StopNotebook(ctx, acct, "nb"); err != nil {
			t.Fatal(err)
		}
		r.waitStatus("nb", notebook.Stopped)
		if err := r.svc.DeleteNotebook(ctx, acct, "nb"); err != nil {
			t.Fatal(err)
		}
		r.waitGone("nb")
		_, _, _, err := r.svc.OpenSession(ctx, tok)
		wantErr(t, err, errdefs.NotFound, "The notebook instance does not exist.")
		r.clk.Advance(time.Second)
		r.inService("nb")
		_, _, _, err = r.svc.OpenSession(ctx, tok)
		wantErr(t, err, errdefs.NotFound, "The notebook instance does not exist.")
	})
}

// flip changes the first character of a base64url string.
func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestPresignedURLErrors(t *testing.T) {
	r := newRig(t)
	_, err := r.svc.PresignedURL(ctx, acct, "nope", 0)
	wantErr(t, err, errdefs.NotFound, "RecordNotFound")
}

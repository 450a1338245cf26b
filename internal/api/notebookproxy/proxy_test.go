package notebookproxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"strato/internal/core/notebook"
)

// fakeSessions issues one token per notebook.
type fakeSessions struct {
	tokens map[string]*notebook.Notebook
	server string
}

// SessionToken keeps the token: the fake's tokens never expire.
func (f *fakeSessions) SessionToken(token string) (string, error) {
	if _, ok := f.tokens[token]; !ok {
		return "", errors.New("bad token")
	}
	return token, nil
}

func (f *fakeSessions) OpenSession(ctx context.Context, token string) (*notebook.Notebook, string, time.Time, error) {
	nb, ok := f.tokens[token]
	if !ok {
		return nil, "", time.Time{}, errors.New("bad token")
	}
	return nb, f.server, time.Now().Add(time.Hour), nil
}

func TestPresignedURLOpensAProxiedSession(t *testing.T) {
	var gotAuth, gotPath, gotCookie string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath, gotCookie = r.Header.Get("Authorization"), r.URL.Path, r.Header.Get("Cookie")
		io.WriteString(w, "jupyter says hi")
	}))
	defer upstream.Close()
	u := strings.Replace(upstream.URL, "http://", "http://:servertoken@", 1)
	nbA := &notebook.Notebook{Name: "Lab-One", AccountID: "111122223333"}
	nbB := &notebook.Notebook{Name: "other", AccountID: "111122223333"}
	sessions := &fakeSessions{tokens: map[string]*notebook.Notebook{"tokA": nbA, "tokB": nbB}, server: u}
	front := httptest.NewServer(New(sessions, nil))
	defer front.Close()

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(front.URL + Prefix + "tokA")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "jupyter says hi" {
		t.Fatalf("presigned URL: %d %q", resp.StatusCode, body)
	}
	if want := BasePath(&notebook.Notebook{AccountID: "111122223333", Name: "Lab-One"}) + "tree"; gotPath != want {
		t.Errorf("server saw path %q, want %q", gotPath, want)
	}
	if gotAuth != "token servertoken" {
		t.Errorf("server saw Authorization %q, want the server's token", gotAuth)
	}
	if gotCookie != "" {
		t.Errorf("the session cookie leaked to the server: %q", gotCookie)
	}

	// The session covers this notebook only.
	for _, tc := range []struct {
		name   string
		client *http.Client
		path   string
		want   int
	}{
		{"api call in the session", c, BasePath(&notebook.Notebook{AccountID: "111122223333", Name: "Lab-One"}) + "api/contents", 200},
		{"no session", &http.Client{}, BasePath(&notebook.Notebook{AccountID: "111122223333", Name: "Lab-One"}) + "api/contents", 403},
		{"another notebook", c, BasePath(&notebook.Notebook{AccountID: "111122223333", Name: "other"}) + "api/contents", 403},
		{"bad token", &http.Client{}, Prefix + "forged", 403},
		{"nothing", c, Prefix, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.client.Get(front.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
		})
	}
}

func TestUnreachableServerIsBadGateway(t *testing.T) {
	nb := &notebook.Notebook{Name: "nb", AccountID: "111122223333"}
	sessions := &fakeSessions{tokens: map[string]*notebook.Notebook{"tok": nb}, server: "http://:x@127.0.0.1:1"}
	front := httptest.NewServer(New(sessions, nil))
	defer front.Close()
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(front.URL + Prefix + "tok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
}

func TestProbe(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/base/api/status" || r.Header.Get("Authorization") != "token good" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		io.WriteString(w, `{"started":"now"}`)
	}))
	defer upstream.Close()
	with := func(tok string) string { return strings.Replace(upstream.URL, "http://", "http://:"+tok+"@", 1) }
	if err := Probe(context.Background(), with("good"), "/base/"); err != nil {
		t.Errorf("ready server: %v", err)
	}
	if err := Probe(context.Background(), with("bad"), "/base/"); err == nil {
		t.Error("a server refusing the token counted as ready")
	}
	if err := Probe(context.Background(), "http://:x@127.0.0.1:1", "/base/"); err == nil {
		t.Error("no server counted as ready")
	}
}

package notebookproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"strato/internal/core/notebook"
	"strato/internal/core/pki"
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

// serverURL is the URL of a notebook server as the runtime makes it:
// HTTPS, the server's token, the pin of its certificate.
func serverURL(upstream *httptest.Server, token string) string {
	return "https://:" + token + "@" + upstream.Listener.Addr().String() + "#pin-sha256=" + pki.PinOf(upstream.Certificate())
}

// otherPin is the pin of a certificate no test server has (httptest's
// servers share one).
func otherPin(t *testing.T) string {
	t.Helper()
	cert, _, err := pki.SelfSigned([]byte(strings.Repeat("k", 32)), []string{"localhost"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pin, err := pki.Pin(cert)
	if err != nil {
		t.Fatal(err)
	}
	return pin
}

func TestPresignedURLOpensAProxiedSession(t *testing.T) {
	var gotAuth, gotPath, gotCookie string
	upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath, gotCookie = r.Header.Get("Authorization"), r.URL.Path, r.Header.Get("Cookie")
		io.WriteString(w, "jupyter says hi")
	}))
	defer upstream.Close()
	u := serverURL(upstream, "servertoken")
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
	impostor := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "not the notebook's server")
	}))
	defer impostor.Close()
	pin := otherPin(t)
	for name, server := range map[string]string{
		"nothing listens":    "https://:x@127.0.0.1:1#pin-sha256=" + pin,
		"another key":        "https://:x@" + impostor.Listener.Addr().String() + "#pin-sha256=" + pin,
		"no pin in the URL":  "https://:x@" + impostor.Listener.Addr().String(),
		"plain HTTP, no pin": "http://:x@" + impostor.Listener.Addr().String(),
	} {
		t.Run(name, func(t *testing.T) {
			nb := &notebook.Notebook{Name: "nb", AccountID: "111122223333"}
			sessions := &fakeSessions{tokens: map[string]*notebook.Notebook{"tok": nb}, server: server}
			front := httptest.NewServer(New(sessions, nil))
			defer front.Close()
			jar, _ := cookiejar.New(nil)
			resp, err := (&http.Client{Jar: jar}).Get(front.URL + Prefix + "tok")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway || strings.Contains(string(body), "not the notebook") {
				t.Errorf("status %d %q, want 502", resp.StatusCode, body)
			}
		})
	}
}

// A websocket (a kernel's channels) passes through the proxy to the
// HTTPS server: the upgrade is answered with 101 and bytes flow both ways.
func TestWebsocketUpgradePassesThrough(t *testing.T) {
	upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" || r.Header.Get("Authorization") != "token st" {
			http.Error(w, "no upgrade", http.StatusBadRequest)
			return
		}
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo " + line)
		rw.Flush()
	}))
	defer upstream.Close()
	nb := &notebook.Notebook{Name: "nb", AccountID: "111122223333"}
	front := httptest.NewServer(New(&fakeSessions{tokens: map[string]*notebook.Notebook{"tok": nb}, server: serverURL(upstream, "st")}, nil))
	defer front.Close()

	conn, err := net.Dial("tcp", front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	path := BasePath(&notebook.Notebook{AccountID: "111122223333", Name: "nb"}) + "api/kernels/k1/channels"
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: strato\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nCookie: %s=tok\r\n\r\n",
		path, cookieName(BasePath(&notebook.Notebook{AccountID: "111122223333", Name: "nb"})))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade answered %s", resp.Status)
	}
	io.WriteString(conn, "ping\n")
	if line, _ := br.ReadString('\n'); line != "echo ping\n" {
		t.Errorf("through the upgraded connection: %q", line)
	}
}

func TestProbe(t *testing.T) {
	upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/base/api/status" || r.Header.Get("Authorization") != "token good" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		io.WriteString(w, `{"started":"now"}`)
	}))
	defer upstream.Close()
	with := func(tok string) string { return serverURL(upstream, tok) }
	if err := Probe(context.Background(), with("good"), "/base/"); err != nil {
		t.Errorf("ready server: %v", err)
	}
	if err := Probe(context.Background(), with("bad"), "/base/"); err == nil {
		t.Error("a server refusing the token counted as ready")
	}
	if err := Probe(context.Background(), "https://:x@127.0.0.1:1#pin-sha256="+pki.PinOf(upstream.Certificate()), "/base/"); err == nil {
		t.Error("no server counted as ready")
	}
	wrongPin := strings.Replace(with("good"), pki.PinOf(upstream.Certificate()), otherPin(t), 1)
	if err := Probe(context.Background(), wrongPin, "/base/"); err == nil {
		t.Error("a server with another certificate counted as ready")
	}
}

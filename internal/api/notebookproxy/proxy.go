// Package notebookproxy serves notebook instances' Jupyter servers to
// browsers and clients holding a presigned URL, as SageMaker's
// CreatePresignedNotebookInstanceUrl does: the URL's token opens a session
// (a cookie scoped to the notebook's path, expiring with the token), and
// every request under the notebook's path is proxied to its server, with
// the server's own token added on the way, so the server is reachable only
// through Strato. Servers speak HTTPS with a certificate the server URL
// pins (notebookrt.ServerURL); a server that shows another is not served.
package notebookproxy

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"strato/internal/core/notebook"
	"strato/internal/core/notebookrt"
	"strato/internal/core/pki"
)

// Prefix is where notebooks are served: PREFIX<token> opens a session,
// PREFIX<account>/<name>/… is a notebook's server.
const Prefix = notebook.SessionPath

// Sessions checks presigned tokens.
type Sessions interface {
	// OpenSession returns the notebook a token was issued for, the URL of
	// its server (the server's own token as the URL's password), and when
	// the session ends. It fails unless the notebook is InService and the
	// token is valid and unexpired.
	OpenSession(ctx context.Context, token string) (nb *notebook.Notebook, serverURL string, expires time.Time, err error)
	// SessionToken turns a presigned URL's token (which opens sessions
	// only for a few minutes after it is issued) into the token of the
	// session it opens, valid as long as the session.
	SessionToken(token string) (string, error)
}

// Handler is the proxy.
type Handler struct {
	sessions Sessions
	log      *slog.Logger
	now      func() time.Time
	pinned   pinnedTransports
}

// New returns the proxy.
func New(s Sessions, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{sessions: s, log: log, now: time.Now}
}

// Match claims requests under Prefix.
func Match(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, Prefix) }

// BasePath is where the notebook's server is served (its base URL).
func BasePath(nb *notebook.Notebook) string { return notebookrt.BasePath(nb) }

// cookieName is per notebook path, so sessions of several notebooks coexist.
func cookieName(base string) string {
	sum := sha256.Sum256([]byte(base))
	return "strato-notebook-" + hex.EncodeToString(sum[:6])
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	parts := strings.SplitN(rest, "/", 3)
	switch {
	case len(parts) == 1 && parts[0] != "":
		h.open(w, r, parts[0])
	case len(parts) >= 2 && parts[0] != "" && parts[1] != "":
		h.proxy(w, r, parts[0], parts[1])
	default:
		http.NotFound(w, r)
	}
}

// open turns a presigned token into a session cookie and sends the browser
// to the notebook's tree.
func (h *Handler) open(w http.ResponseWriter, r *http.Request, token string) {
	if q := r.URL.Query().Get("authToken"); q != "" {
		token = q
	}
	nb, _, expires, err := h.sessions.OpenSession(r.Context(), token)
	if err != nil {
		h.deny(w, r, err)
		return
	}
	session, err := h.sessions.SessionToken(token)
	if err != nil {
		h.deny(w, r, err)
		return
	}
	base := BasePath(nb)
	http.SetCookie(w, &http.Cookie{Name: cookieName(base), Value: session, Path: base, Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, base+"tree", http.StatusFound)
}

// proxy forwards a request of a session to the notebook's server.
func (h *Handler) proxy(w http.ResponseWriter, r *http.Request, account, pathKey string) {
	base := Prefix + account + "/" + pathKey + "/"
	c, err := r.Cookie(cookieName(base))
	if err != nil {
		http.Error(w, "no session for this notebook instance: open its presigned URL first", http.StatusForbidden)
		return
	}
	nb, server, _, err := h.sessions.OpenSession(r.Context(), c.Value)
	if err != nil {
		h.deny(w, r, err)
		return
	}
	if nb.AccountID != account || nb.PathKey() != pathKey {
		http.Error(w, "this session is for another notebook instance", http.StatusForbidden)
		return
	}
	target, serverToken, pin, err := notebookrt.ParseServerURL(server)
	if err != nil {
		h.log.Warn("notebook proxy", "notebook", nb.Name, "err", err)
		http.Error(w, "the notebook instance's server is unavailable", http.StatusBadGateway)
		return
	}
	rp := &httputil.ReverseProxy{
		Transport: h.pinned.get(pin),
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = pr.In.URL.Path // the server runs under the same base URL
			pr.Out.URL.RawPath = pr.In.URL.RawPath
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Del("Cookie") // the session is Strato's, not the server's
			if serverToken != "" {
				pr.Out.Header.Set("Authorization", "token "+serverToken)
			}
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			h.log.Warn("notebook proxy", "notebook", nb.Name, "err", err)
			http.Error(w, "the notebook instance's server did not answer", http.StatusBadGateway)
		},
	}
	rp.ServeHTTP(w, r)
}

// deny answers a refused session.
func (h *Handler) deny(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Info("notebook session refused", "path", r.URL.Path, "err", err)
	http.Error(w, "the presigned URL is invalid or has expired", http.StatusForbidden)
}

// Probe reports whether the notebook server at serverURL (a
// notebookrt.ServerURL) answers under base, over HTTPS with the pinned
// certificate: its API's status is 200.
func Probe(ctx context.Context, serverURL, base string) error {
	target, token, pin, err := notebookrt.ParseServerURL(serverURL)
	if err != nil {
		return err
	}
	target.Path = base + "api/status"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "token "+token)
	tr := pinnedTransport(pin)
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Timeout: 2 * time.Second, Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("notebook server answered %s", resp.Status)
	}
	return nil
}

// pinnedTransports keeps one transport per pinned certificate, so that a
// notebook's requests reuse their connections.
type pinnedTransports struct{ m sync.Map } // pin → *http.Transport

func (p *pinnedTransports) get(pin string) *http.Transport {
	if tr, ok := p.m.Load(pin); ok {
		return tr.(*http.Transport)
	}
	tr, _ := p.m.LoadOrStore(pin, pinnedTransport(pin))
	return tr.(*http.Transport)
}

// pinnedTransport speaks HTTPS to a server whose certificate's public key
// has the SHA-256 pin (pki.Pin), whatever its names or issuer: the server
// is known by its key, not by a name a CA vouches for.
func pinnedTransport(pin string) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.ForceAttemptHTTP2 = false
	tr.MaxIdleConnsPerHost = 8
	tr.IdleConnTimeout = time.Minute
	tr.TLSClientConfig = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // VerifyConnection checks the pin instead
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || pki.PinOf(cs.PeerCertificates[0]) != pin {
				return fmt.Errorf("the notebook server's certificate is not the one pinned")
			}
			return nil
		},
	}
	return tr
}

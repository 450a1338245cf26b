package imds

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// errorPage is EC2's body for an error status.
func errorPage(code int) string {
	title := fmt.Sprintf("%d - %s", code, http.StatusText(code))
	return `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
	"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>` + title + `</title>
 </head>
 <body>
  <h1>` + title + `</h1>
 </body>
</html>
`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	parts := splitPath(r.URL.Path)

	if len(parts) == 3 && version(parts[0]) && parts[1] == "api" && parts[2] == "token" {
		h.serveToken(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, r, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if !h.authorized(w, r) {
		return
	}

	if len(parts) == 0 {
		h.text(w, r, strings.Join(versions, "\n"))
		return
	}
	if !version(parts[0]) {
		h.fail(w, r, http.StatusNotFound, "unknown version")
		return
	}
	rest := parts[1:]
	if len(rest) == 0 {
		cats := "dynamic\nmeta-data"
		if h.userData != nil {
			cats += "\nuser-data"
		}
		h.text(w, r, cats)
		return
	}
	switch rest[0] {
	case "meta-data":
		n := h.meta.lookup(rest[1:])
		switch {
		case n == nil:
			h.fail(w, r, http.StatusNotFound, "no such metadata")
		case n.isDir():
			h.text(w, r, n.listing())
		case n.dynamic != nil:
			h.text(w, r, n.dynamic(h.clock.Now()))
		default:
			h.text(w, r, n.value)
		}
	case "user-data":
		if len(rest) != 1 || h.userData == nil {
			h.fail(w, r, http.StatusNotFound, "no user data")
			return
		}
		h.write(w, r, "application/octet-stream", h.userData)
	case "dynamic":
		switch strings.Join(rest[1:], "/") {
		case "":
			h.text(w, r, "instance-identity/")
		case "instance-identity":
			h.text(w, r, "document")
		case "instance-identity/document":
			h.write(w, r, "text/plain", h.document)
		default:
			h.fail(w, r, http.StatusNotFound, "no such dynamic data")
		}
	default:
		h.fail(w, r, http.StatusNotFound, "unknown category")
	}
}

// serveToken answers PUT /latest/api/token.
func (h *handler) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT")
		h.fail(w, r, http.StatusMethodNotAllowed, "token requests must be PUT")
		return
	}
	if _, proxied := r.Header["X-Forwarded-For"]; proxied {
		h.fail(w, r, http.StatusForbidden, "token request came through a proxy")
		return
	}
	ttl, ok := parseTTL(r.Header.Get(TokenTTLHeader))
	if !ok {
		h.fail(w, r, http.StatusBadRequest, "missing or invalid token TTL")
		return
	}
	tok := h.tokens.mint(h.clock.Now().Add(ttl))
	w.Header().Set(TokenTTLHeader, strconv.Itoa(int(ttl.Seconds())))
	h.text(w, r, tok)
}

// authorized checks the session token of a GET, answering 401 when the
// request may not proceed.
func (h *handler) authorized(w http.ResponseWriter, r *http.Request) bool {
	vals, present := r.Header[TokenHeader]
	if !present {
		if h.required {
			h.fail(w, r, http.StatusUnauthorized, "session token required")
			return false
		}
		return true
	}
	if len(vals) != 1 || !h.tokens.valid(vals[0], h.clock.Now()) {
		h.fail(w, r, http.StatusUnauthorized, "invalid or expired session token")
		return false
	}
	return true
}

func (h *handler) text(w http.ResponseWriter, r *http.Request, s string) {
	h.write(w, r, "text/plain", []byte(s))
}

func (h *handler) write(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// fail answers with an error status and EC2's error page, and logs why.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, code int, why string) {
	h.log.Debug("imds: refused request", "method", r.Method, "path", r.URL.Path, "status", code, "reason", why)
	body := errorPage(code)
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}

package adminapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"time"

	"strato/internal/core/iam"
	"strato/internal/errdefs"
)

// DefaultMaxImageBytes bounds an image upload when Config.MaxImageBytes is
// 0: an 8 GiB image and room for its archive's headers.
const DefaultMaxImageBytes = 10 << 30

// resBody names the request body in errors.
const resBody errdefs.Resource = "body"

// openUpload authenticates an upload route's request before its body is
// read, and replaces the body with a reader that enforces MaxImageBytes and
// fails at its end unless the body hashes to what the signature covers
// (X-Amz-Content-Sha256). An upload may outlast the server's read timeout,
// which is lifted for this request once its caller is known and allowed
// action.
func (h *Handler) openUpload(w http.ResponseWriter, r *http.Request, action string) (iam.Principal, error) {
	p, res, err := h.authenticate(r, nil, true)
	if err != nil {
		return iam.Principal{}, err
	}
	if err := p.Authorize(action, "*"); err != nil {
		return iam.Principal{}, err
	}
	limit := h.cfg.MaxImageBytes
	if r.ContentLength > limit {
		return iam.Principal{}, errBodyTooLarge(limit)
	}
	if err := http.NewResponseController(w).SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return iam.Principal{}, errdefs.Wrap(err, "an internal error occurred")
	}
	r.Body = &uploadBody{r: http.MaxBytesReader(w, r.Body, limit), h: sha256.New(), want: res.PayloadHash, limit: limit}
	return p, nil
}

func errBodyTooLarge(limit int64) error {
	return errdefs.Newf(errdefs.LimitExceeded, resBody, "", "request body larger than %d bytes", limit)
}

// uploadBody hashes an upload as it is read and checks the hash at its end.
type uploadBody struct {
	r     io.ReadCloser
	h     hash.Hash
	want  string
	limit int64
}

func (b *uploadBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.h.Write(p[:n])
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return n, errBodyTooLarge(b.limit)
	case errors.Is(err, io.EOF) && hex.EncodeToString(b.h.Sum(nil)) != b.want:
		return n, errdefs.New(errdefs.Unauthenticated, errdefs.ResSignature, "",
			"The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return n, err
}

func (b *uploadBody) Close() error { return b.r.Close() }

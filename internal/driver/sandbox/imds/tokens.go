package imds

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Token layout before base64url: version (1 byte), expiry in Unix
// nanoseconds (8), random nonce (8), HMAC-SHA256 of the preceding bytes (32).
const (
	tokenVersion = 1
	tokenBody    = 1 + 8 + 8
	tokenLen     = tokenBody + sha256.Size
)

// tokens mints and checks session tokens with one random key.
type tokens struct {
	key [32]byte
}

func newTokens() *tokens {
	t := &tokens{}
	rand.Read(t.key[:]) // never fails (crypto/rand panics instead)
	return t
}

// mint returns a token valid until expires.
func (t *tokens) mint(expires time.Time) string {
	b := make([]byte, tokenBody, tokenLen)
	b[0] = tokenVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(expires.UnixNano()))
	rand.Read(b[9:17])
	return base64.RawURLEncoding.EncodeToString(t.sign(b))
}

// valid reports whether tok was minted with this key and has not expired
// at now.
func (t *tokens) valid(tok string, now time.Time) bool {
	if len(tok) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != tokenLen || b[0] != tokenVersion {
		return false
	}
	want := t.sign(b[:tokenBody:tokenBody])
	if !hmac.Equal(b, want) {
		return false
	}
	expires := int64(binary.BigEndian.Uint64(b[1:9]))
	return now.UnixNano() < expires
}

// sign appends the MAC of body to body.
func (t *tokens) sign(body []byte) []byte {
	m := hmac.New(sha256.New, t.key[:])
	m.Write(body)
	return m.Sum(body)
}

package sigv4

import "net/http"

// VerifyAs verifies r as Verify does and returns who signed it, as lookup
// says: lookup returns the principal and secret of an access key (or an
// error). With opts.SkipSignature (test rigs that accept every key), the
// secret is not needed, but the key is still looked up for its principal.
// opts.Lookup is set by VerifyAs.
func VerifyAs[P any](r *http.Request, body []byte, opts Options, lookup func(accessKeyID string) (P, string, error)) (P, Result, error) {
	var (
		principal P
		looked    bool
	)
	opts.Lookup = func(accessKeyID string) (string, error) {
		p, secret, err := lookup(accessKeyID)
		if err != nil {
			return "", err
		}
		principal, looked = p, true
		return secret, nil
	}
	res, err := Verify(r, body, opts)
	if err != nil {
		var zero P
		return zero, res, err
	}
	if !looked {
		if principal, _, err = lookup(res.AccessKeyID); err != nil {
			var zero P
			return zero, res, err
		}
	}
	return principal, res, nil
}

package sigv4

import (
	"errors"
	"testing"
)

// VerifyAs returns the principal of the key that signed the request: from
// the lookup that supplied the secret, or, when signatures are skipped, from
// a lookup of the key the request names; an unknown key fails either way.
func TestVerifyAs(t *testing.T) {
	who := func(ak string) (string, string, error) {
		secret, err := lookup(ak)
		return "principal of " + ak, secret, err
	}
	r := ec2Request(stopBody)
	signer.sign(r, []byte(stopBody))
	o := opts()
	o.Lookup = nil
	p, res, err := VerifyAs(r, []byte(stopBody), o, who)
	if err != nil || p != "principal of "+signer.ak || res.AccessKeyID != signer.ak {
		t.Errorf("signed request: %q, %+v, %v", p, res, err)
	}

	skip := opts()
	skip.SkipSignature, skip.SkipTime = true, true
	r = ec2Request(stopBody)
	signer.sign(r, []byte(stopBody))
	r.Header.Set("Authorization", r.Header.Get("Authorization")+"0") // a broken signature is not checked
	if p, _, err := VerifyAs(r, []byte(stopBody), skip, who); err != nil || p != "principal of "+signer.ak {
		t.Errorf("signature skipped: %q, %v", p, err)
	}

	unknown := testSigner{ak: "AKIAUNKNOWN000000000", secret: "x", region: "us-east-1", service: "ec2", t: now}
	r = ec2Request(stopBody)
	unknown.sign(r, []byte(stopBody))
	for _, o := range []Options{opts(), skip} {
		if _, _, err := VerifyAs(r, []byte(stopBody), o, who); err == nil {
			t.Errorf("unknown key accepted (skip signature %v)", o.SkipSignature)
		}
	}
	failing := func(string) (string, string, error) { return "", "", errors.New("store down") }
	r = ec2Request(stopBody)
	signer.sign(r, []byte(stopBody))
	if _, _, err := VerifyAs(r, []byte(stopBody), skip, failing); err == nil {
		t.Error("a failing lookup was not reported")
	}
}

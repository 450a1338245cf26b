package pki_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"strato/internal/core/pki"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(certPEM)
	if b == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A certificate the CA issued verifies for its names (and only those)
// against the CA alone, also after the CA was stored and read back.
func TestIssueVerifiesAgainstCA(t *testing.T) {
	ca, err := pki.NewCA("Strato test CA", now)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := pki.ParseCA(ca.CertPEM(), ca.KeyPEM())
	if err != nil {
		t.Fatalf("ParseCA of a new CA: %v", err)
	}
	names := []string{"api.sagemaker.us-east-1.amazonaws.com", "ec2.us-east-1.amazonaws.com"}
	certPEM, keyPEM, err := kept.Issue(names, []netip.Addr{netip.MustParseAddr("169.254.169.254")}, now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("the issued certificate and key do not pair: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	cert := parse(t, certPEM)
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"api.sagemaker.us-east-1.amazonaws.com", true},
		{"ec2.us-east-1.amazonaws.com", true},
		{"169.254.169.254", true},
		{"sts.us-east-1.amazonaws.com", false},
	} {
		_, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: tc.name, CurrentTime: now.Add(time.Minute)})
		if (err == nil) != tc.ok {
			t.Errorf("verify for %s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	// Another CA's guests do not trust it.
	other, _ := pki.NewCA("other", now)
	otherRoots := x509.NewCertPool()
	otherRoots.AppendCertsFromPEM(other.CertPEM())
	if _, err := cert.Verify(x509.VerifyOptions{Roots: otherRoots, DNSName: names[0], CurrentTime: now}); err == nil {
		t.Error("a certificate verified against a CA that did not issue it")
	}
	// A guest whose clock lags a little still accepts it; it expires.
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: names[0], CurrentTime: now.Add(-30 * time.Minute)}); err != nil {
		t.Errorf("a certificate issued now is not valid half an hour earlier: %v", err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: names[0], CurrentTime: now.Add(25 * time.Hour)}); err == nil {
		t.Error("a certificate for a day verified after it")
	}
}

func TestParseCARefusesMismatch(t *testing.T) {
	a, _ := pki.NewCA("a", now)
	b, _ := pki.NewCA("b", now)
	if _, err := pki.ParseCA(a.CertPEM(), b.KeyPEM()); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("ParseCA with another CA's key: %v", err)
	}
	if _, err := pki.ParseCA([]byte("junk"), a.KeyPEM()); err == nil {
		t.Error("ParseCA of junk succeeded")
	}
}

// The same seed gives the same certificate, so the daemon can pin a
// notebook server's certificate without storing it; another seed gives
// another key, and a client pinning the first refuses it.
func TestSelfSignedIsDerivedAndPinnable(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	c1, k1, err := pki.SelfSigned(seed, []string{"localhost"}, now, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c2, k2, _ := pki.SelfSigned(seed, []string{"localhost"}, now, 365*24*time.Hour)
	if !bytes.Equal(c1, c2) || !bytes.Equal(k1, k2) {
		t.Fatal("the same seed gave another certificate")
	}
	c3, _, _ := pki.SelfSigned(bytes.Repeat([]byte{8}, 32), []string{"localhost"}, now, 365*24*time.Hour)
	p1, _ := pki.Pin(c1)
	p3, _ := pki.Pin(c3)
	if p1 == p3 || len(p1) != 64 {
		t.Fatalf("pins %q and %q", p1, p3)
	}
	if _, _, err := pki.SelfSigned([]byte("short"), []string{"localhost"}, now, time.Hour); err == nil {
		t.Error("a short seed was accepted")
	}

	// A TLS server with the certificate, a client pinning it.
	pair, err := tls.X509KeyPair(c1, k1)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	dial := func(pin string) error {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if pki.PinOf(cs.PeerCertificates[0]) != pin {
					return net.UnknownNetworkError("pin mismatch")
				}
				return nil
			}})
		if c != nil {
			c.Close()
		}
		return err
	}
	if err := dial(p1); err != nil {
		t.Errorf("pinned handshake: %v", err)
	}
	if err := dial(p3); err == nil {
		t.Error("a handshake with the wrong pin succeeded")
	}
}

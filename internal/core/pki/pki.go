// Package pki makes the certificates Strato hands its guests: a
// certificate authority the daemon makes once and keeps, the server
// certificates it issues (the AWS endpoint names a notebook guest calls,
// served by the driver's TLS forward), and self-signed certificates derived
// from a secret, which the daemon pins instead of trusting a CA (a notebook
// server's HTTPS).
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"time"
)

// CAValidity is how long a new CA is valid.
const CAValidity = 20 * 365 * 24 * time.Hour

// clockSkew backdates certificates, so that a guest whose clock lags a
// little still accepts them.
const clockSkew = time.Hour

// CA is a certificate authority.
type CA struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

// NewCA makes a CA named name, valid for CAValidity from now.
func NewCA(name string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Strato"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(CAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := encodePair(der, key)
	if err != nil {
		return nil, err
	}
	return ParseCA(certPEM, keyPEM)
}

// ParseCA reads a CA from what CertPEM and KeyPEM returned.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("CA certificate: not a CA")
	}
	b, _ := pem.Decode(keyPEM)
	if b == nil {
		return nil, errors.New("CA key: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("CA key: cannot sign")
	}
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		return nil, errors.New("CA key does not match its certificate")
	}
	return &CA{cert: cert, key: key, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// CertPEM is the CA's certificate: what guests trust.
func (ca *CA) CertPEM() []byte { return ca.certPEM }

// KeyPEM is the CA's private key (PKCS #8); keep it secret.
func (ca *CA) KeyPEM() []byte { return ca.keyPEM }

// Issue makes a server certificate for the DNS names and addresses,
// valid from now for validity, with a fresh ECDSA P-256 key.
func (ca *CA) Issue(dnsNames []string, addrs []netip.Addr, now time.Time, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	if len(dnsNames) == 0 && len(addrs) == 0 {
		return nil, nil, errors.New("a certificate needs a name or an address")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, err
	}
	tmpl := serverTemplate(serial, dnsNames, addrs, now, validity)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, nil, err
	}
	return encodePair(der, key)
}

// SelfSigned derives a self-signed server certificate for dnsNames from
// seed (at least 32 bytes of secret): the same seed, names and notBefore
// give the same certificate and key, so that whoever holds the seed can
// pin the certificate (Pin) without storing it. It is valid for validity
// from notBefore; the key is Ed25519.
func SelfSigned(seed []byte, dnsNames []string, notBefore time.Time, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	if len(seed) < 32 {
		return nil, nil, errors.New("the seed of a certificate needs at least 32 bytes")
	}
	keySeed := sha256.Sum256(append([]byte("key\x00"), seed...))
	key := ed25519.NewKeyFromSeed(keySeed[:])
	serialSum := sha256.Sum256(append([]byte("serial\x00"), seed...))
	serial := new(big.Int).SetBytes(serialSum[:16])
	tmpl := serverTemplate(serial, dnsNames, nil, notBefore.Add(clockSkew), validity)
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key) // Ed25519 signs without randomness
	if err != nil {
		return nil, nil, err
	}
	return encodePair(der, key)
}

// Pin is the hex SHA-256 of a certificate's public key (its
// SubjectPublicKeyInfo), as a client pins a server; certPEM's first
// certificate counts.
func Pin(certPEM []byte) (string, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return "", err
	}
	return PinOf(cert), nil
}

// PinOf is Pin of a parsed certificate.
func PinOf(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(sum[:])
}

func serverTemplate(serial *big.Int, dnsNames []string, addrs []netip.Addr, now time.Time, validity time.Duration) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(validity),
		DNSNames:              dnsNames,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if len(dnsNames) > 0 {
		tmpl.Subject.CommonName = dnsNames[0]
	}
	for _, a := range addrs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, a.AsSlice())
	}
	return tmpl
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func encode(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func parseCert(certPEM []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode(certPEM)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// encodePair encodes a certificate (DER) and its private key as PEM.
func encodePair(certDER []byte, key any) (certPEM, keyPEM []byte, err error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return encode("CERTIFICATE", certDER), encode("PRIVATE KEY", keyDER), nil
}

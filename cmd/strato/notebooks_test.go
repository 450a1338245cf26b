package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"testing"
	"time"

	"strato/internal/core/notebookrt"
	"strato/internal/store/sqlite"
)

// The guest CA is made once and kept: a daemon started again on the same
// data issues certificates that guests booted before still trust, for
// AWS's endpoint names of the region.
func TestGuestCAIsKept(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "strato.db")
	now := time.Now()
	open := func() *sqlite.Store {
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	first, err := persistentCA(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = open()
	defer st.Close()
	again, err := persistentCA(ctx, st, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.CertPEM(), again.CertPEM()) {
		t.Fatal("a restart made a new guest CA")
	}
	tlsCert, err := guestAPITLS(again, "eu-west-1", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(first.CertPEM())
	b, _ := pem.Decode(tlsCert.CertPEM)
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range notebookrt.ServiceHostnames("eu-west-1") {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

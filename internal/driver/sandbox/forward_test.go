package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"strato/internal/driver"
)

// A guest whose spec names an API endpoint reaches it, a server on the
// host's loopback standing in for the daemon, at the fixed guest address
// its STRATO_API_URL holds, both ways (a request body goes up, the answer
// comes down, the Host header is the guest's); a guest without the
// endpoint cannot connect there.
func TestGuestReachesAPIEndpoint(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		hosts []string
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		switch r.URL.Path {
		case "/healthz":
			io.WriteString(w, "healthy\n")
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			io.WriteString(w, r.Method+" "+string(b)+"\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()
	_, port, _ := net.SplitHostPort(api.Listener.Addr().String())

	d := newTestDriver(t, newDataDir(t), nil)
	if got := d.Capabilities().GuestAPIURL; got != "http://169.254.169.254:8773" {
		t.Errorf("Capabilities().GuestAPIURL = %q", got)
	}
	spec := guestSpec("i-api", KindBusybox, `echo "url=$STRATO_API_URL"
echo "health=$(wget -q -O - http://169.254.169.254:8773/healthz)"
echo "echo=$(wget -q -O - --post-data 'stop me' "$STRATO_API_URL/echo")"
echo done
`)
	// An unspecified address means the host's loopback.
	spec.APIEndpoint = "0.0.0.0:" + port
	startGuest(t, d, spec)
	out := waitConsole(t, d, spec.ID, "done")
	for _, want := range []string{"url=" + GuestAPIURL + "\n", "health=healthy\n", "echo=POST stop me\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in the guest's console:\n%s", want, out)
		}
	}
	mu.Lock()
	if len(hosts) == 0 || hosts[0] != "169.254.169.254:8773" {
		t.Errorf("the endpoint saw Host headers %q, want the guest's 169.254.169.254:8773", hosts)
	}
	mu.Unlock()

	other := guestSpec("i-no-api", KindBusybox, `wget -q -T 5 -O - http://169.254.169.254:8773/healthz || echo unreachable
echo "url=$STRATO_API_URL"
echo done
`)
	startGuest(t, d, other)
	out = waitConsole(t, d, other.ID, "done")
	if !strings.Contains(out, "unreachable\n") || !strings.Contains(out, "url=\n") {
		t.Errorf("a guest without an API endpoint reached one:\n%s", out)
	}
}

// A guest whose spec also sets APITLS reaches the endpoint over TLS by the
// certificate's name, mapped to the guest address, trusting only the
// certificate's issuer: the guest's TLS ends at the driver and the
// endpoint gets the plain request with the guest's Host header.
func TestGuestReachesAPIEndpointOverTLS(t *testing.T) {
	t.Parallel()
	hosts := make(chan string, 4)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hosts <- r.Host
		io.WriteString(w, "plain "+r.Method+" "+r.URL.Path+"\n")
	}))
	defer api.Close()
	_, port, _ := net.SplitHostPort(api.Listener.Addr().String())

	caPEM, certPEM, keyPEM := testCertificate(t, "api.example.test")
	d := newTestDriver(t, newDataDir(t), nil)
	if got := d.Capabilities().GuestAPITLSAddr; got != "169.254.169.254:443" {
		t.Errorf("Capabilities().GuestAPITLSAddr = %q", got)
	}
	spec := guestSpec("i-api-tls", KindShell, `r=$(curl -sS --cacert /opt/ca.pem --resolve api.example.test:443:169.254.169.254 https://api.example.test/ping 2>&1)
echo "trusted=$r"
curl -sS --resolve api.example.test:443:169.254.169.254 https://api.example.test/ping >/dev/null 2>&1 && echo untrusted=ok || echo untrusted=refused
echo done
`)
	spec.APIEndpoint = "127.0.0.1:" + port
	spec.APITLS = &driver.TLSCert{CertPEM: certPEM, KeyPEM: keyPEM}
	spec.Files = []driver.File{{Path: "/opt/ca.pem", Data: caPEM}}
	startGuest(t, d, spec)
	out := waitConsole(t, d, spec.ID, "done")
	for _, want := range []string{"trusted=plain GET /ping\n", "untrusted=refused\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in the guest's console:\n%s", want, out)
		}
	}
	select {
	case h := <-hosts:
		if h != "api.example.test" {
			t.Errorf("the endpoint saw Host %q, want api.example.test", h)
		}
	default:
		t.Error("the endpoint saw no request")
	}
}

// testCertificate returns a CA and a certificate for name it issued, PEM.
func testCertificate(t *testing.T, name string) (caPEM, certPEM, keyPEM []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

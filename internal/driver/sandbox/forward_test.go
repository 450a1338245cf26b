package sandbox

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
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

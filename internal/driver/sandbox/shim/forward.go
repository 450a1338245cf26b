package shim

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Limits of the API forward.
const (
	maxForwardConns  = 128              // open connections of one guest at once
	forwardDial      = 5 * time.Second  // to reach the endpoint
	forwardHandshake = 10 * time.Second // a guest's TLS handshake
)

// forwarder relays TCP connections accepted inside a guest's network
// namespace to an address in the host's: the shim's goroutines run in the
// host's namespace, so dialing from them reaches the host's loopback. It is
// a plain byte relay; whatever the endpoint speaks (HTTP, TLS) passes
// through unchanged, Host header and signatures included. On a TLS
// listener (TLSForwardConfig) the guest's TLS ends here and the relay
// carries the plain stream.
type forwarder struct {
	ln     net.Listener
	target string
	log    *slog.Logger
	slots  chan struct{}

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func newForwarder(ln net.Listener, target string, log *slog.Logger) *forwarder {
	return &forwarder{ln: ln, target: target, log: log,
		slots: make(chan struct{}, maxForwardConns), conns: make(map[net.Conn]struct{})}
}

// serve accepts until the listener is closed.
func (f *forwarder) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			f.log.Warn("API forward: accept", "err", err)
			time.Sleep(50 * time.Millisecond) // out of descriptors, say: let some close
			continue
		}
		select {
		case f.slots <- struct{}{}:
			go f.relay(c)
		default:
			f.log.Warn("API forward: too many connections from the guest; refusing one")
			c.Close()
		}
	}
}

// relay copies both ways between the guest's connection c and a new one to
// the target, passing half-closes on, until both directions are done.
func (f *forwarder) relay(c net.Conn) {
	defer func() { <-f.slots }()
	if !f.track(c) {
		return
	}
	defer f.untrack(c)
	if tc, ok := c.(*tls.Conn); ok {
		// Finish the handshake before reaching out to the endpoint, so a
		// guest that does not trust the certificate costs no connection.
		ctx, cancel := context.WithTimeout(context.Background(), forwardHandshake)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			f.log.Debug("API forward: TLS handshake", "err", err)
			return
		}
	}
	up, err := net.DialTimeout("tcp", f.target, forwardDial)
	if err != nil {
		f.log.Warn("API forward: cannot reach the endpoint", "endpoint", f.target, "err", err)
		return
	}
	if !f.track(up) {
		return
	}
	defer f.untrack(up)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(up, c)
		closeWrite(up)
	}()
	_, _ = io.Copy(c, up)
	closeWrite(c)
	<-done
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

// TLSForwardConfig is the server side of the TLS forward: TLS 1.2 or
// newer, with cert.
func TLSForwardConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// track registers c for close; false (with c closed) once closed.
func (f *forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		c.Close()
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	c.Close()
}

// close stops accepting and cuts every open connection.
func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	f.ln.Close()
	for c := range f.conns {
		c.Close()
	}
}

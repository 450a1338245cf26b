package shim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"strato/internal/driver/sandbox/netconf"
)

// metadataAddr is where guests find the instance metadata service.
const metadataAddr = "169.254.169.254:80"

// attachNetwork wires the guest of init pid to the bridge and starts the
// API forward and the metadata service in its network namespace. Without
// a network config the guest keeps only its loopback interface.
func (s *server) attachNetwork(pid int) error {
	n := s.cfg.Network
	if n == nil {
		return nil // the init brings lo up
	}
	addr, err := netip.ParsePrefix(n.Addr)
	if err != nil {
		return err
	}
	gw, err := netip.ParseAddr(n.Gateway)
	if err != nil {
		return err
	}
	mac, err := net.ParseMAC(n.MAC)
	if err != nil {
		return err
	}
	if err := netconf.Attach(pid, netconf.Attachment{Bridge: n.Bridge, HostIf: n.HostIf, Addr: addr, Gateway: gw, MAC: mac}); err != nil {
		return err
	}
	if s.cfg.APIEndpoint != "" {
		ln, err := netconf.ListenInNetns(pid, APIForwardAddr)
		if err != nil {
			return fmt.Errorf("API forward: %w", err)
		}
		fw := newForwarder(ln, s.cfg.APIEndpoint, s.log)
		s.mu.Lock()
		s.forward = append(s.forward, fw)
		s.mu.Unlock()
		go fw.serve()
	}
	if s.cfg.APIEndpoint != "" && s.cfg.APITLS != nil {
		cert, err := tls.X509KeyPair(s.cfg.APITLS.CertPEM, s.cfg.APITLS.KeyPEM)
		if err != nil {
			return fmt.Errorf("TLS API forward: %w", err)
		}
		ln, err := netconf.ListenInNetns(pid, APITLSForwardAddr)
		if err != nil {
			return fmt.Errorf("TLS API forward: %w", err)
		}
		fw := newForwarder(tls.NewListener(ln, TLSForwardConfig(cert)), s.cfg.APIEndpoint, s.log)
		s.mu.Lock()
		s.forward = append(s.forward, fw)
		s.mu.Unlock()
		go fw.serve()
	}
	if s.cfg.Metadata == nil {
		return nil
	}
	ln, err := netconf.ListenInNetns(pid, metadataAddr)
	if err != nil {
		return fmt.Errorf("metadata service: %w", err)
	}
	srv := &http.Server{
		Handler:           s.metadataHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	s.mu.Lock()
	s.meta = srv
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("metadata service stopped", "err", err)
		}
	}()
	return nil
}

// stopServices closes the metadata service and the API forward of the
// ended boot.
func (s *server) stopServices() {
	s.mu.Lock()
	srv, fws := s.meta, s.forward
	s.meta, s.forward = nil, nil
	s.mu.Unlock()
	for _, fw := range fws {
		fw.close()
	}
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}

// detach removes the host end of the guest's interface.
func detach(hostIf string) error { return netconf.Detach(hostIf) }

package netconf_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/vishvananda/netlink"

	"strato/internal/driver/sandbox/netconf"
	"strato/internal/errdefs"
)

// bridgeState is what a user sees of a bridge with `ip addr show`.
type bridgeState struct {
	IsBridge bool
	Up       bool
	MAC      string
	Addrs    []netip.Prefix
}

func lookBridge(t *testing.T, name string) (bridgeState, bool) {
	t.Helper()
	l, err := netlink.LinkByName(name)
	if err != nil {
		if _, ok := err.(netlink.LinkNotFoundError); ok {
			return bridgeState{}, false
		}
		t.Fatal(err)
	}
	_, isBridge := l.(*netlink.Bridge)
	st := bridgeState{IsBridge: isBridge, Up: l.Attrs().Flags&net.FlagUp != 0, MAC: l.Attrs().HardwareAddr.String()}
	addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		p, _ := prefixOf(a.IPNet)
		st.Addrs = append(st.Addrs, p)
	}
	return st, true
}

func TestEnsureBridgeConcurrentCallersAllSucceed(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	b := n.bridge()

	// Two other processes (daemons) and several goroutines race to create
	// the same bridge.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+b.Name+" "+b.Gateway.String())
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("other process: %v: %s", err, out)
			}
		}()
	}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := netconf.EnsureBridge(b); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent EnsureBridge: %v", err)
	}

	st, ok := lookBridge(t, b.Name)
	if !ok {
		t.Fatalf("bridge %s does not exist", b.Name)
	}
	if !st.IsBridge || !st.Up {
		t.Errorf("%s: bridge=%v up=%v, want an up bridge", b.Name, st.IsBridge, st.Up)
	}
	if len(st.Addrs) != 1 || st.Addrs[0] != b.Gateway {
		t.Errorf("%s addresses = %v, want exactly [%s]", b.Name, st.Addrs, b.Gateway)
	}
}

func TestEnsureBridgeIsIdempotentAndKeepsOtherAddresses(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	b := n.bridge()
	ensureBridge(t, n)
	first, _ := lookBridge(t, b.Name)

	// An operator adds a second address; a daemon restart must keep it.
	l, err := netlink.LinkByName(b.Name)
	if err != nil {
		t.Fatal(err)
	}
	extra := n.host(250)
	if err := netlink.AddrAdd(l, &netlink.Addr{IPNet: &net.IPNet{IP: extra.Addr().AsSlice(), Mask: net.CIDRMask(24, 32)}}); err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetDown(l); err != nil {
		t.Fatal(err)
	}
	ensureBridge(t, n)

	st, _ := lookBridge(t, b.Name)
	if !st.Up {
		t.Error("EnsureBridge left the bridge down")
	}
	want := map[netip.Prefix]bool{b.Gateway: true, extra: true}
	if len(st.Addrs) != 2 || !want[st.Addrs[0]] || !want[st.Addrs[1]] {
		t.Errorf("addresses after second EnsureBridge = %v, want %s and %s once each", st.Addrs, b.Gateway, extra)
	}
	if st.MAC != first.MAC {
		t.Errorf("bridge MAC changed from %s to %s", first.MAC, st.MAC)
	}
}

func TestEnsureBridgeRefusesNonBridge(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	// A veth that happens to have the bridge's name.
	other := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: n.Bridge}, PeerName: n.Bridge + "p"}
	if err := netlink.LinkAdd(other); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netlink.LinkDel(other) })

	if err := netconf.EnsureBridge(n.bridge()); errdefs.KindOf(err) != errdefs.AlreadyExists {
		t.Errorf("EnsureBridge over a veth = %v, want AlreadyExists", err)
	}
	if err := netconf.RemoveBridge(n.Bridge); errdefs.KindOf(err) != errdefs.AlreadyExists {
		t.Errorf("RemoveBridge of a veth = %v, want AlreadyExists", err)
	}
	st, ok := lookBridge(t, n.Bridge)
	if !ok || st.IsBridge || len(st.Addrs) != 0 {
		t.Errorf("the veth was changed: exists=%v %+v", ok, st)
	}
}

func TestRemoveBridgeIsIdempotent(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	ensureBridge(t, n)
	for i := range 2 {
		if err := netconf.RemoveBridge(n.Bridge); err != nil {
			t.Fatalf("RemoveBridge #%d: %v", i+1, err)
		}
		if _, ok := lookBridge(t, n.Bridge); ok {
			t.Fatalf("bridge %s still exists after RemoveBridge", n.Bridge)
		}
	}
}

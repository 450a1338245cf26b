package netconf_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"testing"

	"github.com/vishvananda/netlink"

	"strato/internal/driver/sandbox/netconf"
	"strato/internal/errdefs"
)

// guestView is what `ip addr` and `ip route` show inside a guest.
type guestView struct {
	Eth0      bool
	Eth0Up    bool
	MAC       string
	MTU       int
	Addrs     []netip.Prefix
	LoUp      bool
	LoAddrs   []netip.Prefix
	DefaultGw netip.Addr
}

func lookGuest(t *testing.T, pid int) guestView {
	t.Helper()
	h := guestHandle(t, pid)
	var v guestView
	lo, err := h.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	v.LoUp = lo.Attrs().Flags&net.FlagUp != 0
	v.LoAddrs = addrsOf(t, h, lo)
	eth, err := h.LinkByName("eth0")
	if err != nil {
		return v
	}
	v.Eth0 = true
	v.Eth0Up = eth.Attrs().Flags&net.FlagUp != 0
	v.MAC = eth.Attrs().HardwareAddr.String()
	v.MTU = eth.Attrs().MTU
	v.Addrs = addrsOf(t, h, eth)
	routes, err := h.RouteList(eth, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() {
			v.DefaultGw, _ = netip.AddrFromSlice(r.Gw.To4())
		}
	}
	return v
}

func addrsOf(t *testing.T, h *netlink.Handle, l netlink.Link) []netip.Prefix {
	t.Helper()
	addrs, err := h.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Prefix
	for _, a := range addrs {
		p, _ := prefixOf(a.IPNet)
		out = append(out, p)
	}
	return out
}

// hostVeth reports whether the host end exists and on which bridge it is.
func hostVeth(t *testing.T, name string) (exists, up bool, master string) {
	t.Helper()
	l, err := netlink.LinkByName(name)
	if err != nil {
		return false, false, ""
	}
	if idx := l.Attrs().MasterIndex; idx != 0 {
		m, err := netlink.LinkByIndex(idx)
		if err == nil {
			master = m.Attrs().Name
		}
	}
	return true, l.Attrs().Flags&net.FlagUp != 0, master
}

func TestAttachConfiguresGuestAndIsReachable(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	ensureBridge(t, n)
	brBefore, _ := lookBridge(t, n.Bridge)
	pid := newGuest(t)
	a := attach(t, n, pid, "i-reach", 7)

	t.Run("guest configuration", func(t *testing.T) {
		v := lookGuest(t, pid)
		if !v.Eth0 || !v.Eth0Up {
			t.Fatalf("guest eth0 exists=%v up=%v, want an up eth0", v.Eth0, v.Eth0Up)
		}
		if v.MAC != a.MAC.String() {
			t.Errorf("guest MAC = %s, want %s", v.MAC, a.MAC)
		}
		if len(v.Addrs) != 1 || v.Addrs[0] != a.Addr {
			t.Errorf("guest eth0 addresses = %v, want [%s]", v.Addrs, a.Addr)
		}
		if v.DefaultGw != a.Gateway {
			t.Errorf("guest default route via %v, want %s", v.DefaultGw, a.Gateway)
		}
		if !v.LoUp || !containsPrefix(v.LoAddrs, netip.MustParsePrefix("169.254.169.254/32")) {
			t.Errorf("guest lo up=%v addresses=%v, want up with 169.254.169.254/32", v.LoUp, v.LoAddrs)
		}
		exists, up, master := hostVeth(t, a.HostIf)
		if !exists || !up || master != n.Bridge {
			t.Errorf("host veth %s exists=%v up=%v master=%q, want up on %s", a.HostIf, exists, up, master, n.Bridge)
		}
		if brAfter, _ := lookBridge(t, n.Bridge); brAfter.MAC != brBefore.MAC {
			t.Errorf("attaching changed the bridge's MAC from %s to %s", brBefore.MAC, brAfter.MAC)
		}
	})

	t.Run("guest server reachable from host over the bridge", func(t *testing.T) {
		ln, err := netconf.ListenInNetns(pid, netip.AddrPortFrom(a.Addr.Addr(), 8080).String())
		if err != nil {
			t.Fatal(err)
		}
		serveGreeting(t, ln, "guest")
		got, err := dialFromHost(ln.Addr().String())
		if err != nil {
			t.Fatalf("dial %s from the host: %v", ln.Addr(), err)
		}
		if want := "guest from " + n.host(1).Addr().String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("metadata address served inside the guest only", func(t *testing.T) {
		ln, err := netconf.ListenInNetns(pid, "169.254.169.254:80")
		if err != nil {
			t.Fatal(err)
		}
		serveGreeting(t, ln, "imds")
		got, err := dialFromGuest(pid, "169.254.169.254:80")
		if err != nil {
			t.Fatalf("dial 169.254.169.254:80 inside the guest: %v", err)
		}
		if want := "imds from 169.254.169.254"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		// The listener lives in the guest: the guest's address on port 80
		// has nothing listening, seen from the host.
		if _, err := dialFromHost(netip.AddrPortFrom(a.Addr.Addr(), 80).String()); err == nil {
			t.Error("the guest's port 80 answered from the host; the listener should be on the guest's 169.254.169.254 only")
		}
	})

	t.Run("two guests on one bridge reach each other", func(t *testing.T) {
		pid2 := newGuest(t)
		b := attach(t, n, pid2, "i-other", 8)
		ln, err := netconf.ListenInNetns(pid2, netip.AddrPortFrom(b.Addr.Addr(), 9000).String())
		if err != nil {
			t.Fatal(err)
		}
		serveGreeting(t, ln, "second")
		got, err := dialFromGuest(pid, ln.Addr().String())
		if err != nil {
			t.Fatalf("dial second guest from first: %v", err)
		}
		if want := "second from " + a.Addr.Addr().String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestAttachRerunReplacesStaleVeth(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	ensureBridge(t, n)
	pid := newGuest(t)
	id := "i-stale"
	hostIf := netconf.HostIfName(n.Bridge, id)

	// A crashed shim left a veth of the same name behind, not on the bridge.
	stalePeer := "svstale" + fmt.Sprint(pid%100000)
	stale := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: hostIf}, PeerName: stalePeer}
	if err := netlink.LinkAdd(stale); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netconf.Detach(hostIf) })

	a := attach(t, n, pid, id, 9)
	if exists, up, master := hostVeth(t, hostIf); !exists || !up || master != n.Bridge {
		t.Errorf("after Attach %s exists=%v up=%v master=%q, want up on %s", hostIf, exists, up, master, n.Bridge)
	}
	if _, err := netlink.LinkByName(stalePeer); err == nil {
		t.Errorf("the stale peer %s is still on the host", stalePeer)
	}

	// The shim crashes again with the guest alive and attaches once more.
	if err := netconf.Attach(pid, a); err != nil {
		t.Fatalf("second Attach on a live guest: %v", err)
	}
	ln, err := netconf.ListenInNetns(pid, netip.AddrPortFrom(a.Addr.Addr(), 8080).String())
	if err != nil {
		t.Fatal(err)
	}
	serveGreeting(t, ln, "again")
	if _, err := dialFromHost(ln.Addr().String()); err != nil {
		t.Errorf("guest unreachable after re-attaching: %v", err)
	}
}

func TestAttachFailureLeavesNothing(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	ensureBridge(t, n)

	tests := []struct {
		name     string
		setup    func(t *testing.T, pid int) // may prepare the guest
		edit     func(a *netconf.Attachment, pid *int)
		wantKind errdefs.Kind // 0: any error
	}{
		{
			name: "gateway outside the guest's network",
			edit: func(a *netconf.Attachment, _ *int) { a.Gateway = netip.MustParseAddr("192.0.2.254") },
		},
		{
			name:     "missing bridge",
			edit:     func(a *netconf.Attachment, _ *int) { a.Bridge = "sttnobridge" },
			wantKind: errdefs.NotFound,
		},
		{
			name: "process gone",
			edit: func(_ *netconf.Attachment, pid *int) { *pid = deadPid(t) },
		},
		{
			name: "guest already has an eth0",
			setup: func(t *testing.T, pid int) {
				h := guestHandle(t, pid)
				if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}}); err != nil {
					t.Fatal(err)
				}
			},
			wantKind: errdefs.AlreadyExists,
		},
		{
			name: "MTU too large",
			edit: func(a *netconf.Attachment, _ *int) { a.MTU = 1 << 20 },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid := newGuest(t)
			if tt.setup != nil {
				tt.setup(t, pid)
			}
			before := lookGuest(t, pid)
			id := fmt.Sprintf("i-fail-%d", i)
			a := netconf.Attachment{
				Bridge: n.Bridge, HostIf: netconf.HostIfName(n.Bridge, id),
				Addr: n.host(byte(20 + i)), Gateway: n.host(1).Addr(), MAC: netconf.MACFor(id),
			}
			target := pid
			if tt.edit != nil {
				tt.edit(&a, &target)
			}
			err := netconf.Attach(target, a)
			if err == nil {
				netconf.Detach(a.HostIf)
				t.Fatal("Attach succeeded, want an error")
			}
			if tt.wantKind != 0 && errdefs.KindOf(err) != tt.wantKind {
				t.Errorf("Attach error kind = %v (%v), want %v", errdefs.KindOf(err), err, tt.wantKind)
			}
			if exists, _, _ := hostVeth(t, a.HostIf); exists {
				t.Errorf("host veth %s left behind", a.HostIf)
			}
			after := lookGuest(t, pid)
			if after.Eth0 != before.Eth0 || len(after.Addrs) != 0 {
				t.Errorf("guest changed: before %+v, after %+v", before, after)
			}
		})
	}
}

func TestDetach(t *testing.T) {
	requireRoot(t)
	n := newNet(t)
	ensureBridge(t, n)
	pid := newGuest(t)
	a := attach(t, n, pid, "i-detach", 10)

	for i := range 2 {
		if err := netconf.Detach(a.HostIf); err != nil {
			t.Fatalf("Detach #%d: %v", i+1, err)
		}
	}
	if exists, _, _ := hostVeth(t, a.HostIf); exists {
		t.Errorf("host veth %s still exists", a.HostIf)
	}
	if v := lookGuest(t, pid); v.Eth0 {
		t.Error("guest still has eth0 after Detach")
	}

	t.Run("refuses a non-veth", func(t *testing.T) {
		if err := netconf.Detach(n.Bridge); err == nil {
			t.Error("Detach deleted a bridge")
		}
		if exists, _, _ := hostVeth(t, n.Bridge); !exists {
			t.Error("the bridge is gone")
		}
	})
}

func TestListenInNetns(t *testing.T) {
	requireRoot(t)
	pid := newGuest(t)

	// A port taken on the host is free in the guest, and taken there once
	// the guest listens on it: the listener lives in the guest's namespace.
	host, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	guest, err := netconf.ListenInNetns(pid, host.Addr().String())
	if err != nil {
		t.Fatalf("listen in the guest on the port the host uses: %v", err)
	}
	defer guest.Close()
	if ln, err := netconf.ListenInNetns(pid, host.Addr().String()); err == nil {
		ln.Close()
		t.Error("a second listener on the same guest port succeeded")
	}

	if _, err := netconf.ListenInNetns(deadPid(t), "127.0.0.1:0"); err == nil {
		t.Error("ListenInNetns on a dead process succeeded")
	}

	// Many round trips into the namespace leave no thread of this process
	// behind in it.
	for i := range 20 {
		ln, err := netconf.ListenInNetns(pid, "127.0.0.1:0")
		if err != nil {
			t.Fatalf("ListenInNetns #%d: %v", i, err)
		}
		ln.Close()
	}
	if bad := threadsOutsideHostNetns(t); len(bad) > 0 {
		t.Errorf("threads left in another network namespace: %v", bad)
	}
}

func containsPrefix(ps []netip.Prefix, p netip.Prefix) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// deadPid returns the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// threadsOutsideHostNetns lists this process's threads whose network
// namespace differs from the process's own.
func threadsOutsideHostNetns(t *testing.T) []string {
	t.Helper()
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, task := range tasks {
		ns, err := os.Readlink("/proc/self/task/" + task.Name() + "/ns/net")
		if err != nil {
			continue // the thread exited meanwhile
		}
		if ns != self {
			out = append(out, task.Name()+" in "+ns)
		}
	}
	return out
}

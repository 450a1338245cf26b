package netconf_test

// Shared helpers for the tests against the real kernel. Every test makes its
// own bridge, network and namespaces with names and subnets derived from the
// process id, checks the subnet is not in use on the host, and removes all it
// made in t.Cleanup, so test runs of several packages can share a host.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"strato/internal/driver/sandbox/netconf"
)

// helperEnv makes the test binary act as a second daemon that calls
// EnsureBridge once (see TestMain).
const helperEnv = "STRATO_NETCONF_HELPER_ENSURE"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		name, gw, _ := strings.Cut(spec, " ")
		err := netconf.EnsureBridge(netconf.Bridge{Name: name, Gateway: netip.MustParsePrefix(gw)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating bridges, veths and network namespaces needs root")
	}
}

var (
	allocMu sync.Mutex
	allocN  int
)

// testNet is a bridge name and a /24 network that no one on the host uses.
type testNet struct {
	Bridge string
	Net    netip.Prefix // 10.213.N.0/24 or 10.214.N.0/24
}

// host returns the network's address number i with the network length.
func (n testNet) host(i byte) netip.Prefix {
	a := n.Net.Addr().As4()
	a[3] = i
	return netip.PrefixFrom(netip.AddrFrom4(a), n.Net.Bits())
}

// bridge is the netconf.Bridge with gateway .1.
func (n testNet) bridge() netconf.Bridge {
	return netconf.Bridge{Name: n.Bridge, Gateway: n.host(1)}
}

// newNet reserves a bridge name and a free /24 for this test, and removes the
// bridge at the end.
func newNet(t *testing.T) testNet {
	t.Helper()
	allocMu.Lock()
	allocN++
	n := allocN
	allocMu.Unlock()
	name := fmt.Sprintf("stt%x-%d", os.Getpid()&0xfffff, n)
	used := usedPrefixes(t)
	start := (os.Getpid()*7 + n*13) % 500
	for i := range 500 {
		k := (start + i) % 500
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(213 + k/250), byte(k % 250), 0}), 24)
		if !overlaps(p, used) {
			tn := testNet{Bridge: name, Net: p}
			t.Cleanup(func() {
				if err := netconf.RemoveBridge(name); err != nil {
					t.Errorf("cleanup: %v", err)
				}
			})
			return tn
		}
	}
	t.Fatal("no free 10.213-214.x.0/24 network on this host")
	return testNet{}
}

// usedPrefixes lists the networks of every route and address on the host.
func usedPrefixes(t *testing.T) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: syscall.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		if p, ok := prefixOf(r.Dst); ok && p.Bits() > 0 {
			out = append(out, p)
		}
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if p, ok := prefixOf(a.IPNet); ok {
			out = append(out, p.Masked())
		}
	}
	return out
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones), true
}

func overlaps(p netip.Prefix, used []netip.Prefix) bool {
	for _, u := range used {
		if u.Overlaps(p) {
			return true
		}
	}
	return false
}

// newGuest starts a process in a new network namespace (it has only lo,
// down) and kills it at the end. It returns the pid.
func newGuest(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	// No Pdeathsig: it fires when the forking thread exits, and this package
	// deliberately discards threads.
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start a process in a new network namespace: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd.Process.Pid
}

// ensureBridge creates the test network's bridge.
func ensureBridge(t *testing.T, n testNet) {
	t.Helper()
	if err := netconf.EnsureBridge(n.bridge()); err != nil {
		t.Fatalf("EnsureBridge(%+v): %v", n.bridge(), err)
	}
}

// attach plugs guest pid into the test network at address .host and
// detaches at the end.
func attach(t *testing.T, n testNet, pid int, id string, host byte) netconf.Attachment {
	t.Helper()
	a := netconf.Attachment{
		Bridge:  n.Bridge,
		HostIf:  netconf.HostIfName(n.Bridge, id),
		Addr:    n.host(host),
		Gateway: n.host(1).Addr(),
		MAC:     netconf.MACFor(id),
	}
	if err := netconf.Attach(pid, a); err != nil {
		t.Fatalf("Attach(%d, %+v): %v", pid, a, err)
	}
	t.Cleanup(func() {
		if err := netconf.Detach(a.HostIf); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return a
}

// guestHandle opens netlink inside pid's namespace, for looking at it.
func guestHandle(t *testing.T, pid int) *netlink.Handle {
	t.Helper()
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	var h *netlink.Handle
	// netlink switches a thread into ns to make the socket; do that on a
	// locked thread that dies with its goroutine, so it is never reused.
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		var err error
		h, err = netlink.NewHandleAt(ns)
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// serveGreeting accepts connections on ln and answers each with a line
// naming the remote address it saw, until ln is closed at the end.
func serveGreeting(t *testing.T, ln net.Listener, greeting string) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "%s from %s\n", greeting, c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap())
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
}

// readGreeting reads the one line a greeting server sends.
func readGreeting(c net.Conn) (string, error) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// dialFromHost connects from the host's namespace.
func dialFromHost(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 20*time.Second)
	if err != nil {
		return "", err
	}
	return readGreeting(c)
}

// dialFromGuest connects from inside pid's namespace.
func dialFromGuest(pid int, addr string) (string, error) {
	var c net.Conn
	err := netconf.InNetns(pid, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, 20*time.Second)
		return err
	})
	if err != nil {
		return "", err
	}
	return readGreeting(c)
}

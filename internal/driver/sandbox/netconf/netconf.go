// Package netconf builds the host side of the sandboxed instances' private
// network and plugs each instance into it.
//
// The host keeps one Linux bridge per network (EnsureBridge), with the
// network's gateway address on it. Each instance gets a veth pair (Attach):
// the host end, named by HostIfName, is a port of the bridge; the peer is
// created directly inside the instance's network namespace as eth0, with a
// stable MAC (MACFor), the instance's address and a default route via the
// gateway. The instance's loopback also carries 169.254.169.254/32, where the
// shim serves the metadata service from a listener it opens inside the
// namespace (ListenInNetns). EnableNAT optionally gives the network outbound
// access through the host with an nftables masquerade rule.
//
// Everything is addressed by name, and names are derived from the bridge and
// the instance, so several daemons (and test runs) can share one host, each
// with its own bridge and network. Netlink is used throughout; no command-line
// tools are needed.
//
// Work inside another network namespace runs on a dedicated, locked OS
// thread. If that thread cannot be returned to its original namespace it is
// never unlocked, so the Go runtime destroys it instead of reusing it: no
// goroutine of the caller ever runs in a foreign namespace.
package netconf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"strato/internal/errdefs"
)

// MaxIfNameLen is the longest interface name Linux accepts (IFNAMSIZ-1).
const MaxIfNameLen = 15

// GuestIfName is the name of the instance's interface inside its namespace.
const GuestIfName = "eth0"

// MetadataIP is the link-local address of the instance metadata service.
// Attach puts it on the guest's loopback.
const MetadataIP = "169.254.169.254"

// HostIfName derives the host-side veth name of an instance on a bridge:
// "sv" followed by 13 hex digits of a hash of both names. It is 15 bytes
// long, stable across restarts, and differs between bridges, so daemons that
// share a host never pick the same name for their instances.
func HostIfName(bridge, instanceID string) string {
	sum := sha256.Sum256([]byte(bridge + "\x00" + instanceID))
	return "sv" + hex.EncodeToString(sum[:7])[:MaxIfNameLen-2]
}

// MACFor derives a stable MAC address from an instance id, in the style of
// EC2: the first octet is 02 (locally administered, unicast) and the other
// five come from a hash of the id.
func MACFor(instanceID string) net.HardwareAddr {
	sum := sha256.Sum256([]byte(instanceID))
	mac := make(net.HardwareAddr, 6)
	mac[0] = 0x02
	copy(mac[1:], sum[:5])
	return mac
}

// bridgeMAC is the fixed address given to a bridge at creation. A bridge
// whose address was never set takes the lowest address of its ports, and so
// changes it as instances come and go; guests would then hold stale ARP
// entries for their gateway.
func bridgeMAC(name string) net.HardwareAddr {
	return MACFor("bridge\x00" + name)
}

// validIfName reports whether the kernel would accept name for an interface.
func validIfName(name string) error {
	switch {
	case name == "":
		return invalid("interface name is empty")
	case len(name) > MaxIfNameLen:
		return invalid("interface name %q is longer than %d bytes", name, MaxIfNameLen)
	case name == "." || name == "..":
		return invalid("interface name %q is reserved", name)
	case strings.ContainsAny(name, "/: \t\n\r\v\f"):
		return invalid("interface name %q contains '/', ':' or white space", name)
	}
	return nil
}

// validPrefix checks an interface address with its network length.
func validPrefix(what string, p netip.Prefix) error {
	if !p.IsValid() {
		return invalid("%s is not set", what)
	}
	if p.Addr().Zone() != "" || p.Addr().Is4In6() {
		return invalid("%s %s must be a plain IPv4 or IPv6 address", what, p)
	}
	if p.Bits() >= p.Addr().BitLen()-1 {
		return invalid("%s %s leaves no room for other hosts", what, p)
	}
	if p.Addr() == p.Masked().Addr() {
		return invalid("%s %s is the network address", what, p)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", format, args...)
}

// ipNet converts an interface address to the form netlink takes.
func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// errorf wraps a cause with the package's context.
func errorf(format string, args ...any) error {
	return fmt.Errorf("netconf: "+format, args...)
}

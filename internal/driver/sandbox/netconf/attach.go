package netconf

import (
	"errors"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"strato/internal/errdefs"
)

// Attachment describes how one instance is plugged into a bridge.
type Attachment struct {
	// Bridge is the name of an existing bridge (see EnsureBridge).
	Bridge string
	// HostIf is the name of the host-side veth; use HostIfName.
	HostIf string
	// Addr is the guest's address with the network's length, e.g.
	// 172.31.4.7/16.
	Addr netip.Prefix
	// Gateway is the guest's default route; it must be inside Addr's
	// network (normally the bridge's Gateway address).
	Gateway netip.Addr
	// MAC is the guest interface's address; use MACFor.
	MAC net.HardwareAddr
	// MTU of both ends of the pair; 0 takes the bridge's.
	MTU int
}

func (a Attachment) validate() error {
	if err := validIfName(a.Bridge); err != nil {
		return err
	}
	if err := validIfName(a.HostIf); err != nil {
		return err
	}
	if a.HostIf == a.Bridge {
		return invalid("host interface and bridge are both called %s", a.Bridge)
	}
	if err := validPrefix("guest address", a.Addr); err != nil {
		return err
	}
	if !a.Gateway.IsValid() {
		return invalid("gateway is not set")
	}
	if a.Gateway.Is4() != a.Addr.Addr().Is4() {
		return invalid("gateway %s and guest address %s are of different families", a.Gateway, a.Addr)
	}
	if a.Gateway == a.Addr.Addr() {
		return invalid("gateway %s is the guest's own address", a.Gateway)
	}
	if len(a.MAC) != 6 || a.MAC[0]&1 != 0 || isZero(a.MAC) {
		return invalid("MAC %q is not a unicast Ethernet address", a.MAC.String())
	}
	if a.MTU < 0 {
		return invalid("MTU %d is negative", a.MTU)
	}
	return nil
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// Attach plugs the process pid's network namespace into a bridge.
//
// It creates a veth pair whose host end (a.HostIf) is a port of the bridge
// and up, and whose peer is created directly inside the namespace as eth0
// with a.MAC. In the namespace it brings lo and eth0 up, gives eth0 a.Addr,
// adds the default route via a.Gateway (which the kernel refuses unless it
// is inside a.Addr's network) and puts 169.254.169.254/32 on lo, where the
// metadata service listens (see ListenInNetns).
//
// Attach may be re-run after a crash: a host veth that already has the name
// a.HostIf is deleted first, together with its peer. When Attach fails it
// leaves no veth behind.
func Attach(pid int, a Attachment) (err error) {
	if err := a.validate(); err != nil {
		return err
	}
	if pid <= 0 {
		return invalid("pid %d is not a process id", pid)
	}
	br, err := bridgeByName(a.Bridge)
	if err != nil {
		return err
	}
	mtu := a.MTU
	if mtu == 0 {
		mtu = br.Attrs().MTU
	}
	target, err := nsOfPid(pid)
	if err != nil {
		return err
	}
	defer target.Close()
	guest, err := handleAt(target)
	if err != nil {
		return errorf("open netlink in network namespace of pid %d: %w", pid, err)
	}
	defer guest.Close()

	if err := removeVeth(a.HostIf); err != nil {
		return errorf("remove stale %s: %w", a.HostIf, err)
	}
	if _, err := guest.LinkByName(GuestIfName); err == nil {
		return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResParameter, GuestIfName,
			"the network namespace of pid %d already has an interface %s", pid, GuestIfName)
	} else if !isNotFound(err) {
		return errorf("look up %s in network namespace of pid %d: %w", GuestIfName, pid, err)
	}

	attrs := netlink.NewLinkAttrs()
	attrs.Name = a.HostIf
	attrs.MTU = mtu
	veth := &netlink.Veth{
		LinkAttrs:        attrs,
		PeerName:         GuestIfName,
		PeerHardwareAddr: a.MAC,
		PeerNamespace:    netlink.NsFd(target),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		return errorf("create veth %s for pid %d: %w", a.HostIf, pid, err)
	}
	defer func() {
		if err != nil {
			// Deleting the host end also deletes the peer in the guest.
			if derr := removeVeth(a.HostIf); derr != nil {
				err = errors.Join(err, errorf("undo: %w", derr))
			}
		}
	}()

	host, err := netlink.LinkByName(a.HostIf)
	if err != nil {
		return errorf("look up new veth %s: %w", a.HostIf, err)
	}
	if err := netlink.LinkSetMaster(host, br); err != nil {
		return errorf("add %s to bridge %s: %w", a.HostIf, a.Bridge, err)
	}
	if err := netlink.LinkSetUp(host); err != nil {
		return errorf("set %s up: %w", a.HostIf, err)
	}
	if err := configureGuest(guest, a); err != nil {
		return errorf("configure network namespace of pid %d: %w", pid, err)
	}
	return nil
}

// configureGuest sets up lo and eth0 inside the guest's namespace.
func configureGuest(h *netlink.Handle, a Attachment) error {
	lo, err := h.LinkByName("lo")
	if err != nil {
		return errorf("look up lo: %w", err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return errorf("set lo up: %w", err)
	}
	imds := &netlink.Addr{IPNet: ipNet(netip.MustParsePrefix(MetadataIP + "/32"))}
	if err := h.AddrReplace(lo, imds); err != nil {
		return errorf("add %s to lo: %w", MetadataIP, err)
	}
	eth, err := h.LinkByName(GuestIfName)
	if err != nil {
		return errorf("look up %s: %w", GuestIfName, err)
	}
	if err := h.AddrReplace(eth, &netlink.Addr{IPNet: ipNet(a.Addr)}); err != nil {
		return errorf("add %s to %s: %w", a.Addr, GuestIfName, err)
	}
	if err := h.LinkSetUp(eth); err != nil {
		return errorf("set %s up: %w", GuestIfName, err)
	}
	route := &netlink.Route{
		LinkIndex: eth.Attrs().Index,
		Gw:        a.Gateway.AsSlice(),
		Dst:       defaultDst(a.Gateway),
	}
	if err := h.RouteReplace(route); err != nil {
		return errorf("add default route via %s: %w", a.Gateway, err)
	}
	return nil
}

// defaultDst is the default route's destination for gw's family.
func defaultDst(gw netip.Addr) *net.IPNet {
	if gw.Is4() {
		return &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}
	}
	return &net.IPNet{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}
}

// Detach deletes an instance's host-side veth; its peer in the guest goes
// with it. A missing interface is not an error; an interface of that name
// that is not a veth is refused.
func Detach(hostIf string) error {
	if err := validIfName(hostIf); err != nil {
		return err
	}
	if err := removeVeth(hostIf); err != nil {
		return errorf("detach %s: %w", hostIf, err)
	}
	return nil
}

// removeVeth deletes the veth called name if there is one.
func removeVeth(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	if _, ok := l.(*netlink.Veth); !ok {
		return errdefs.Newf(errdefs.AlreadyExists, errdefs.ResParameter, name,
			"interface %s is a %s, not a veth", name, l.Type())
	}
	if err := netlink.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) && !isNotFound(err) {
		return err
	}
	return nil
}

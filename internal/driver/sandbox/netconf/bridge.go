package netconf

import (
	"errors"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"strato/internal/errdefs"
)

// Bridge is the host side of the instances' private network.
type Bridge struct {
	// Name is the bridge's interface name, e.g. "strato0" (at most 15 bytes).
	Name string
	// Gateway is the bridge's own address with the network's length, e.g.
	// 172.31.0.1/16. Instances use it as their default route.
	Gateway netip.Prefix
}

// Network returns the network the bridge serves, e.g. 172.31.0.0/16.
func (b Bridge) Network() netip.Prefix { return b.Gateway.Masked() }

func (b Bridge) validate() error {
	if err := validIfName(b.Name); err != nil {
		return err
	}
	return validPrefix("bridge gateway", b.Gateway)
}

// EnsureBridge creates the bridge if it is missing, gives it the Gateway
// address if it lacks it (other addresses are kept) and sets it up. It is
// idempotent and safe against concurrent calls, from this or other
// processes, for the same bridge: all of them succeed. A non-bridge
// interface with the same name is an AlreadyExists error and is left alone.
func EnsureBridge(b Bridge) error {
	if err := b.validate(); err != nil {
		return err
	}
	br, err := ensureBridgeLink(b.Name)
	if err != nil {
		return err
	}
	addr := &netlink.Addr{IPNet: ipNet(b.Gateway)}
	if err := netlink.AddrAdd(br, addr); err != nil && !errors.Is(err, unix.EEXIST) {
		return errorf("add %s to bridge %s: %w", b.Gateway, b.Name, err)
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return errorf("set bridge %s up: %w", b.Name, err)
	}
	return nil
}

// ensureBridgeLink returns the bridge called name, creating it if needed.
func ensureBridgeLink(name string) (netlink.Link, error) {
	for range 3 {
		l, err := bridgeByName(name)
		if err == nil {
			return l, nil
		}
		if !isNotFound(err) {
			return nil, err
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		attrs.HardwareAddr = bridgeMAC(name)
		err = netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs})
		switch {
		case err == nil, errors.Is(err, unix.EEXIST):
			// Created here or by a concurrent caller; look it up again.
		default:
			return nil, errorf("create bridge %s: %w", name, err)
		}
	}
	// Created and deleted again under our feet each time: someone else is
	// removing it.
	return nil, errorf("bridge %s keeps disappearing", name)
}

// bridgeByName finds a link that must be a bridge.
func bridgeByName(name string) (netlink.Link, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		if isNotFound(err) {
			return nil, errNotFound("bridge", name)
		}
		return nil, errorf("look up %s: %w", name, err)
	}
	if _, ok := l.(*netlink.Bridge); !ok {
		return nil, errdefs.Newf(errdefs.AlreadyExists, errdefs.ResParameter, name,
			"interface %s exists and is a %s, not a bridge", name, l.Type())
	}
	return l, nil
}

// RemoveBridge deletes the bridge called name. A missing bridge is not an
// error; an interface of that name that is not a bridge is refused.
// Instances' host-side veths on it are not deleted, only detached.
func RemoveBridge(name string) error {
	if err := validIfName(name); err != nil {
		return err
	}
	l, err := bridgeByName(name)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	if err := netlink.LinkDel(l); err != nil && !isGone(err) {
		return errorf("delete bridge %s: %w", name, err)
	}
	return nil
}

func errNotFound(what, name string) error {
	return errdefs.Newf(errdefs.NotFound, errdefs.ResParameter, name, "%s %s not found", what, name)
}

// isNotFound reports a missing link, from netlink or from this package.
func isNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, unix.ENODEV)
}

// isGone reports an error from deleting a link that was deleted meanwhile.
func isGone(err error) bool {
	return errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENOENT) || isNotFound(err)
}

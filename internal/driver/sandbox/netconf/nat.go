package netconf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// ipForwardPath is the host's IPv4 forwarding switch.
const ipForwardPath = "/proc/sys/net/ipv4/ip_forward"

// NATTableName is the name of the nftables table (family ip) that holds the
// outbound NAT rule of a bridge. Each bridge has its own table, so daemons
// sharing a host neither see nor disturb each other's rules.
func NATTableName(bridge string) string { return "strato-nat-" + bridge }

// EnableNAT gives the bridge's network outbound access through the host:
// it installs, in a table of its own (NATTableName), one nftables rule that
// masquerades packets from the bridge's network leaving by any interface
// other than the bridge, and turns on IPv4 forwarding.
//
// The rule matches only traffic sourced from the bridge's network, so the
// host's own connections are untouched. Forwarding is a host-wide switch; it
// is turned on if needed and never turned off (other bridges may rely on
// it). EnableNAT does not isolate networks from one another: a host that
// needs that must filter forwarded traffic itself.
//
// It is idempotent: a repeated call replaces the table atomically, so there
// is always exactly one rule. When the host does not allow NAT (no nftables
// NAT in the kernel, no permission, read-only forwarding switch) it returns
// false and the reason, leaving nothing installed; err is for invalid input
// and unexpected failures.
func EnableNAT(b Bridge) (enabled bool, reason string, err error) {
	if err := b.validate(); err != nil {
		return false, "", err
	}
	if !b.Gateway.Addr().Is4() {
		return false, "outbound NAT is implemented for IPv4 networks only", nil
	}
	if reason, err := installNAT(b); err != nil || reason != "" {
		return false, reason, err
	}
	if reason, err := enableForwarding(); err != nil || reason != "" {
		if derr := DisableNAT(b.Name); derr != nil {
			err = errors.Join(err, derr)
		}
		return false, reason, err
	}
	return true, "", nil
}

// DisableNAT removes the bridge's NAT table. A missing table is not an
// error. IPv4 forwarding is left as it is.
func DisableNAT(bridge string) error {
	if err := validIfName(bridge); err != nil {
		return err
	}
	c, err := nftables.New()
	if err != nil {
		return errorf("open nftables: %w", err)
	}
	t := &nftables.Table{Name: NATTableName(bridge), Family: nftables.TableFamilyIPv4}
	c.AddTable(t) // so that deleting cannot fail for a missing table
	c.DelTable(t)
	if err := c.Flush(); err != nil {
		if _, unavailable := nftUnavailable(err); unavailable {
			return nil // no nftables: nothing can have been installed
		}
		return errorf("delete nftables table %s: %w", t.Name, err)
	}
	return nil
}

// installNAT replaces the bridge's table with one holding the masquerade
// rule, in one atomic batch.
func installNAT(b Bridge) (reason string, err error) {
	c, err := nftables.New()
	if err != nil {
		return "", errorf("open nftables: %w", err)
	}
	t := &nftables.Table{Name: NATTableName(b.Name), Family: nftables.TableFamilyIPv4}
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	ch := c.AddChain(&nftables.Chain{
		Name:     "postrouting",
		Table:    t,
		Type:     nftables.ChainTypeNAT,
		Hooknum:  nftables.ChainHookPostrouting,
		Priority: nftables.ChainPriorityNATSource,
	})
	c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: masqueradeExprs(b)})
	if err := c.Flush(); err != nil {
		if why, unavailable := nftUnavailable(err); unavailable {
			return why, nil
		}
		return "", errorf("install nftables table %s: %w", t.Name, err)
	}
	return "", nil
}

// masqueradeExprs is: ip saddr <network> oifname != "<bridge>" masquerade.
func masqueradeExprs(b Bridge) []expr.Any {
	network := b.Network()
	mask := make([]byte, 4)
	for i := range network.Bits() {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	ifname := make([]byte, unix.IFNAMSIZ)
	copy(ifname, b.Name)
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: network.Addr().AsSlice()},
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: ifname},
		&expr.Masq{},
	}
}

// nftUnavailable tells errors that mean "this host does not allow it" from
// others, with the reason to report.
func nftUnavailable(err error) (string, bool) {
	switch {
	case errors.Is(err, unix.EPROTONOSUPPORT), errors.Is(err, unix.EAFNOSUPPORT):
		return fmt.Sprintf("the kernel has no nftables support (%v)", err), true
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Sprintf("the kernel lacks nftables NAT or masquerade support (%v)", err), true
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Sprintf("changing nftables is not permitted here; it needs CAP_NET_ADMIN in the host's network namespace (%v)", err), true
	}
	return "", false
}

// enableForwarding turns IPv4 forwarding on unless it is on already.
func enableForwarding() (reason string, err error) {
	cur, err := os.ReadFile(ipForwardPath)
	if err != nil {
		return fmt.Sprintf("cannot read %s (%v)", ipForwardPath, err), nil
	}
	if strings.TrimSpace(string(cur)) == "1" {
		return "", nil
	}
	if err := os.WriteFile(ipForwardPath, []byte("1\n"), 0o644); err != nil {
		if errors.Is(err, unix.EROFS) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			return fmt.Sprintf("cannot turn on IPv4 forwarding (%v)", err), nil
		}
		return "", errorf("turn on IPv4 forwarding: %w", err)
	}
	after, err := os.ReadFile(ipForwardPath)
	if err != nil || !bytes.Equal(bytes.TrimSpace(after), []byte("1")) {
		return "IPv4 forwarding did not stay on after being set", nil
	}
	return "", nil
}

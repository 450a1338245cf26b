package netconf_test

import (
	"fmt"
	"net/netip"
	"regexp"
	"testing"

	"strato/internal/driver/sandbox/netconf"
	"strato/internal/errdefs"
)

func TestHostIfName(t *testing.T) {
	valid := regexp.MustCompile(`^sv[0-9a-f]{13}$`)
	tests := []struct {
		name, bridge, id string
	}{
		{"typical", "strato0", "i-0123456789abcdef0"},
		{"empty id", "strato0", ""},
		{"long bridge and id", "abcdefghijklmno", "i-" + string(make([]byte, 300))},
		{"unicode", "br0", "インスタンス"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := netconf.HostIfName(tt.bridge, tt.id)
			if len(got) > netconf.MaxIfNameLen || !valid.MatchString(got) {
				t.Errorf("HostIfName(%q, %q) = %q, want sv + 13 hex digits (≤ 15 bytes)", tt.bridge, tt.id, got)
			}
			if again := netconf.HostIfName(tt.bridge, tt.id); again != got {
				t.Errorf("HostIfName is not stable: %q then %q", got, again)
			}
		})
	}

	t.Run("bridge is part of the name", func(t *testing.T) {
		if a, b := netconf.HostIfName("br-a", "i-1"), netconf.HostIfName("br-b", "i-1"); a == b {
			t.Errorf("same instance on two bridges got the same name %q", a)
		}
		// The separator keeps ("ab","c") and ("a","bc") apart.
		if a, b := netconf.HostIfName("ab", "c"), netconf.HostIfName("a", "bc"); a == b {
			t.Errorf("ambiguous concatenation: both %q", a)
		}
	})
	t.Run("no collisions among many instances", func(t *testing.T) {
		seen := map[string]string{}
		for i := range 50000 {
			id := fmt.Sprintf("i-%017x", i)
			n := netconf.HostIfName("strato0", id)
			if prev, ok := seen[n]; ok {
				t.Fatalf("%s and %s both map to %s", prev, id, n)
			}
			seen[n] = id
		}
	})
}

func TestMACFor(t *testing.T) {
	ids := []string{"i-0123456789abcdef0", "i-0123456789abcdef1", "", "nb-x"}
	seen := map[string]string{}
	for _, id := range ids {
		mac := netconf.MACFor(id)
		if len(mac) != 6 || mac[0] != 0x02 {
			t.Errorf("MACFor(%q) = %s, want 6 octets starting 02 (local, unicast)", id, mac)
		}
		if again := netconf.MACFor(id); again.String() != mac.String() {
			t.Errorf("MACFor(%q) not stable: %s then %s", id, mac, again)
		}
		if prev, ok := seen[mac.String()]; ok {
			t.Errorf("%q and %q share MAC %s", prev, id, mac)
		}
		seen[mac.String()] = id
	}
}

// Bad input is refused before anything touches the kernel, so these cases
// need no root.
func TestInvalidInputIsRefused(t *testing.T) {
	good := netconf.Attachment{
		Bridge:  "strato0",
		HostIf:  netconf.HostIfName("strato0", "i-1"),
		Addr:    netip.MustParsePrefix("172.31.4.7/16"),
		Gateway: netip.MustParseAddr("172.31.0.1"),
		MAC:     netconf.MACFor("i-1"),
	}
	attachCases := []struct {
		name string
		edit func(*netconf.Attachment)
	}{
		{"bridge name too long", func(a *netconf.Attachment) { a.Bridge = "a-very-long-bridge" }},
		{"host name with slash", func(a *netconf.Attachment) { a.HostIf = "sv/1" }},
		{"host name is bridge", func(a *netconf.Attachment) { a.HostIf = a.Bridge }},
		{"no address", func(a *netconf.Attachment) { a.Addr = netip.Prefix{} }},
		{"network address", func(a *netconf.Attachment) { a.Addr = netip.MustParsePrefix("172.31.0.0/16") }},
		{"host route", func(a *netconf.Attachment) { a.Addr = netip.MustParsePrefix("172.31.4.7/32") }},
		{"no gateway", func(a *netconf.Attachment) { a.Gateway = netip.Addr{} }},
		{"gateway of other family", func(a *netconf.Attachment) { a.Gateway = netip.MustParseAddr("fd00::1") }},
		{"gateway is guest", func(a *netconf.Attachment) { a.Gateway = a.Addr.Addr() }},
		{"no MAC", func(a *netconf.Attachment) { a.MAC = nil }},
		{"multicast MAC", func(a *netconf.Attachment) { a.MAC = []byte{1, 0, 0x5e, 0, 0, 1} }},
		{"negative MTU", func(a *netconf.Attachment) { a.MTU = -1 }},
	}
	for _, tt := range attachCases {
		t.Run("Attach/"+tt.name, func(t *testing.T) {
			a := good
			a.MAC = append([]byte(nil), good.MAC...)
			tt.edit(&a)
			if err := netconf.Attach(1, a); errdefs.KindOf(err) != errdefs.InvalidArgument {
				t.Errorf("Attach = %v, want an InvalidArgument error", err)
			}
		})
	}
	t.Run("Attach/bad pid", func(t *testing.T) {
		if err := netconf.Attach(0, good); errdefs.KindOf(err) != errdefs.InvalidArgument {
			t.Errorf("Attach(0) = %v, want an InvalidArgument error", err)
		}
	})
	bridgeCases := []struct {
		name string
		b    netconf.Bridge
	}{
		{"empty name", netconf.Bridge{Gateway: netip.MustParsePrefix("10.0.0.1/24")}},
		{"name too long", netconf.Bridge{Name: "sixteen-bytes-xx", Gateway: netip.MustParsePrefix("10.0.0.1/24")}},
		{"no gateway", netconf.Bridge{Name: "br0"}},
		{"gateway is network", netconf.Bridge{Name: "br0", Gateway: netip.MustParsePrefix("10.0.0.0/24")}},
	}
	for _, tt := range bridgeCases {
		t.Run("EnsureBridge/"+tt.name, func(t *testing.T) {
			if err := netconf.EnsureBridge(tt.b); errdefs.KindOf(err) != errdefs.InvalidArgument {
				t.Errorf("EnsureBridge = %v, want an InvalidArgument error", err)
			}
			if _, _, err := netconf.EnableNAT(tt.b); errdefs.KindOf(err) != errdefs.InvalidArgument {
				t.Errorf("EnableNAT = %v, want an InvalidArgument error", err)
			}
		})
	}
	for _, name := range []string{"", "x/y", "sixteen-bytes-xx"} {
		if err := netconf.Detach(name); errdefs.KindOf(err) != errdefs.InvalidArgument {
			t.Errorf("Detach(%q) = %v, want an InvalidArgument error", name, err)
		}
		if err := netconf.RemoveBridge(name); errdefs.KindOf(err) != errdefs.InvalidArgument {
			t.Errorf("RemoveBridge(%q) = %v, want an InvalidArgument error", name, err)
		}
	}
}

package netconf_test

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/nftables"

	"strato/internal/driver/sandbox/netconf"
)

// natRules counts the rules in the bridge's NAT table; -1 when there is no
// such table.
func natRules(t *testing.T, bridge string) int {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return -1 // no nftables at all
	}
	for _, tb := range tables {
		if tb.Name != netconf.NATTableName(bridge) {
			continue
		}
		chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ch := range chains {
			if ch.Table.Name != tb.Name {
				continue
			}
			rules, err := c.GetRules(tb, ch)
			if err != nil {
				t.Fatal(err)
			}
			n += len(rules)
		}
		return n
	}
	return -1
}

// TestEnableNAT proves that the guest's connections to a network beyond
// the host are masqueraded: a server in an "upstream" namespace, on a second
// bridge reachable only through the host, sees them coming from the host's
// address on that bridge. All traffic stays in namespaces the test made.
func TestEnableNAT(t *testing.T) {
	requireRoot(t)
	inner := newNet(t)
	upstream := newNet(t)
	ensureBridge(t, inner)
	ensureBridge(t, upstream)
	b := inner.bridge()
	t.Cleanup(func() {
		if err := netconf.DisableNAT(b.Name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	enabled, reason, err := netconf.EnableNAT(b)
	if err != nil {
		t.Fatalf("EnableNAT: %v", err)
	}
	if !enabled {
		if reason == "" {
			t.Fatal("EnableNAT reported NAT unavailable without a reason")
		}
		if n := natRules(t, b.Name); n != -1 {
			t.Errorf("NAT unavailable (%s) but table %s was left with %d rules", reason, netconf.NATTableName(b.Name), n)
		}
		t.Skipf("NAT is unavailable on this host: %s", reason)
	}
	if reason != "" {
		t.Errorf("EnableNAT succeeded with a reason %q", reason)
	}
	if fwd, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); err != nil || strings.TrimSpace(string(fwd)) != "1" {
		t.Errorf("EnableNAT claimed success but ip_forward = %q (%v)", fwd, err)
	}

	t.Run("idempotent", func(t *testing.T) {
		for range 2 {
			if ok, why, err := netconf.EnableNAT(b); !ok || err != nil {
				t.Fatalf("EnableNAT again = %v, %q, %v", ok, why, err)
			}
		}
		if n := natRules(t, b.Name); n != 1 {
			t.Errorf("NAT table has %d rules after repeated EnableNAT, want 1", n)
		}
	})

	t.Run("guest traffic leaves masqueraded", func(t *testing.T) {
		guest := newGuest(t)
		ga := attach(t, inner, guest, "i-nat-guest", 5)
		server := newGuest(t)
		sa := attach(t, upstream, server, "i-nat-upstream", 2)

		ln, err := netconf.ListenInNetns(server, netip.AddrPortFrom(sa.Addr.Addr(), 7070).String())
		if err != nil {
			t.Fatal(err)
		}
		serveGreeting(t, ln, "upstream")
		got, err := dialFromGuest(guest, ln.Addr().String())
		if err != nil {
			t.Fatalf("guest %s cannot reach upstream %s through the host: %v", ga.Addr, ln.Addr(), err)
		}
		// Without NAT the upstream would see the guest's own address.
		if want := "upstream from " + upstream.host(1).Addr().String(); got != want {
			t.Errorf("upstream saw %q, want %q (the host's address there)", got, want)
		}
	})

	t.Run("disable removes the rule", func(t *testing.T) {
		for range 2 {
			if err := netconf.DisableNAT(b.Name); err != nil {
				t.Fatalf("DisableNAT: %v", err)
			}
		}
		if n := natRules(t, b.Name); n != -1 {
			t.Errorf("table %s still exists with %d rules", netconf.NATTableName(b.Name), n)
		}
	})
}

func TestEnableNATRefusesIPv6(t *testing.T) {
	ok, reason, err := netconf.EnableNAT(netconf.Bridge{Name: "strato6", Gateway: netip.MustParsePrefix("fd00:5::1/64")})
	if ok || err != nil || reason == "" {
		t.Errorf("EnableNAT(IPv6) = %v, %q, %v; want false with a reason", ok, reason, err)
	}
}

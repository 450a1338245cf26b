package imds

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// StandardInput are the facts about an instance that EC2's usual metadata
// keys are made of. Empty fields leave their keys out.
type StandardInput struct {
	InstanceID   string
	ImageID      string
	InstanceType string
	// AvailabilityZone, e.g. "us-east-1a". Region defaults to the zone
	// without its trailing letter.
	AvailabilityZone string
	Region           string
	// PrivateIP is the instance's address on its network.
	PrivateIP netip.Addr
	// Subnet is the instance's network, served as subnet-ipv4-cidr-block of
	// its interface when set.
	Subnet netip.Prefix
	// PublicIP, when valid, adds public-ipv4 and public-hostname.
	PublicIP netip.Addr
	// MAC of the instance's interface.
	MAC net.HardwareAddr
	// DeviceNumber of the interface; the primary one is 0.
	DeviceNumber int
	// LocalHostname defaults to EC2's form "ip-172-31-4-7.<region>.compute.internal"
	// ("ip-….ec2.internal" in us-east-1).
	LocalHostname string
	// PublicHostname defaults to EC2's form "ec2-203-0-113-9.<region>.compute.amazonaws.com"
	// ("ec2-….compute-1.amazonaws.com" in us-east-1); only served with a PublicIP.
	PublicHostname string
	ReservationID  string
	LaunchIndex    int
	SecurityGroups []string // names, served one per line
	// ServicesDomain defaults to "amazonaws.com".
	ServicesDomain string
}

// Standard builds the metadata map for New with EC2's usual keys:
// ami-id, ami-launch-index, hostname, instance-id, instance-type,
// local-hostname, local-ipv4, mac, public-hostname and public-ipv4 (only
// with a public IP), placement/availability-zone, placement/region,
// reservation-id, security-groups, services/domain, services/partition and,
// for the interface, network/interfaces/macs/<mac>/{device-number,
// local-hostname, local-ipv4s, mac, public-ipv4s, subnet-ipv4-cidr-block}.
// Callers may add or override keys in the returned map.
func Standard(in StandardInput) map[string]string {
	m := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	region := in.Region
	if region == "" {
		region = regionOf(in.AvailabilityZone)
	}
	set("ami-id", in.ImageID)
	m["ami-launch-index"] = strconv.Itoa(in.LaunchIndex)
	set("instance-id", in.InstanceID)
	set("instance-type", in.InstanceType)
	set("placement/availability-zone", in.AvailabilityZone)
	set("placement/region", region)
	set("reservation-id", in.ReservationID)
	set("security-groups", strings.Join(in.SecurityGroups, "\n"))
	domain := in.ServicesDomain
	if domain == "" {
		domain = "amazonaws.com"
	}
	m["services/domain"] = domain
	m["services/partition"] = "aws"

	local := in.LocalHostname
	if in.PrivateIP.IsValid() {
		m["local-ipv4"] = in.PrivateIP.String()
		if local == "" {
			local = "ip-" + dashed(in.PrivateIP) + "." + internalDomain(region)
		}
	}
	set("local-hostname", local)
	set("hostname", local)

	public := ""
	if in.PublicIP.IsValid() {
		m["public-ipv4"] = in.PublicIP.String()
		public = in.PublicHostname
		if public == "" {
			public = "ec2-" + dashed(in.PublicIP) + "." + publicDomain(region, domain)
		}
		m["public-hostname"] = public
	}

	if len(in.MAC) > 0 {
		mac := in.MAC.String()
		m["mac"] = mac
		p := "network/interfaces/macs/" + mac + "/"
		m[p+"mac"] = mac
		m[p+"device-number"] = strconv.Itoa(in.DeviceNumber)
		set(p+"local-hostname", local)
		if in.PrivateIP.IsValid() {
			m[p+"local-ipv4s"] = in.PrivateIP.String()
		}
		if in.PublicIP.IsValid() {
			m[p+"public-ipv4s"] = in.PublicIP.String()
			m[p+"public-hostname"] = public
		}
		if in.Subnet.IsValid() {
			m[p+"subnet-ipv4-cidr-block"] = in.Subnet.Masked().String()
		}
	}
	return m
}

// dashed writes an address with dashes, as in EC2's host names.
func dashed(a netip.Addr) string {
	return strings.NewReplacer(".", "-", ":", "-").Replace(a.String())
}

func internalDomain(region string) string {
	switch region {
	case "":
		return "compute.internal"
	case "us-east-1":
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

func publicDomain(region, domain string) string {
	switch region {
	case "":
		return "compute." + domain
	case "us-east-1":
		return "compute-1." + domain
	}
	return region + ".compute." + domain
}

package instance

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// newID returns prefix + "-" + 17 lower-case hex digits, EC2's long id form.
func newID(prefix string) string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}

// PrivateDNSName is the private host name for ip in region, as EC2 names it:
// ip-172-31-1-2.ec2.internal in us-east-1, ip-….REGION.compute.internal elsewhere.
func PrivateDNSName(region, ip string) string {
	if ip == "" {
		return ""
	}
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

// PublicDNSName is the public host name for ip in region, as EC2 names it.
func PublicDNSName(region, ip string) string {
	if ip == "" {
		return ""
	}
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + region + ".compute.amazonaws.com"
}

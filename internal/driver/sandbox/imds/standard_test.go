package imds_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/driver/sandbox/imds"
)

func TestStandard(t *testing.T) {
	hw, _ := net.ParseMAC("02:AB:CD:EF:01:23")
	base := imds.StandardInput{
		InstanceID:       "i-0123456789abcdef0",
		ImageID:          "ami-0abcdef1234567890",
		InstanceType:     "t3.micro",
		AvailabilityZone: "us-west-2b",
		PrivateIP:        netip.MustParseAddr("172.31.4.7"),
		Subnet:           netip.MustParsePrefix("172.31.4.7/16"),
		MAC:              hw,
		ReservationID:    "r-0fedcba9876543210",
		SecurityGroups:   []string{"default", "web"},
	}
	private := map[string]string{
		"ami-id":                      "ami-0abcdef1234567890",
		"ami-launch-index":            "0",
		"hostname":                    "ip-172-31-4-7.us-west-2.compute.internal",
		"instance-id":                 "i-0123456789abcdef0",
		"instance-type":               "t3.micro",
		"local-hostname":              "ip-172-31-4-7.us-west-2.compute.internal",
		"local-ipv4":                  "172.31.4.7",
		"mac":                         "02:ab:cd:ef:01:23",
		"placement/availability-zone": "us-west-2b",
		"placement/region":            "us-west-2",
		"reservation-id":              "r-0fedcba9876543210",
		"security-groups":             "default\nweb",
		"services/domain":             "amazonaws.com",
		"services/partition":          "aws",
		"network/interfaces/macs/02:ab:cd:ef:01:23/device-number":          "0",
		"network/interfaces/macs/02:ab:cd:ef:01:23/local-hostname":         "ip-172-31-4-7.us-west-2.compute.internal",
		"network/interfaces/macs/02:ab:cd:ef:01:23/local-ipv4s":            "172.31.4.7",
		"network/interfaces/macs/02:ab:cd:ef:01:23/mac":                    "02:ab:cd:ef:01:23",
		"network/interfaces/macs/02:ab:cd:ef:01:23/subnet-ipv4-cidr-block": "172.31.0.0/16",
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name string
		edit func(*imds.StandardInput)
		want map[string]string
	}{
		{"private only", func(*imds.StandardInput) {}, private},
		{"with public IP", func(in *imds.StandardInput) { in.PublicIP = netip.MustParseAddr("203.0.113.9") },
			with(private,
				"public-ipv4", "203.0.113.9",
				"public-hostname", "ec2-203-0-113-9.us-west-2.compute.amazonaws.com",
				"network/interfaces/macs/02:ab:cd:ef:01:23/public-ipv4s", "203.0.113.9",
				"network/interfaces/macs/02:ab:cd:ef:01:23/public-hostname", "ec2-203-0-113-9.us-west-2.compute.amazonaws.com")},
		{"us-east-1 names", func(in *imds.StandardInput) {
			in.AvailabilityZone = "us-east-1a"
			in.PublicIP = netip.MustParseAddr("198.51.100.1")
		}, with(private,
			"placement/availability-zone", "us-east-1a",
			"placement/region", "us-east-1",
			"hostname", "ip-172-31-4-7.ec2.internal",
			"local-hostname", "ip-172-31-4-7.ec2.internal",
			"network/interfaces/macs/02:ab:cd:ef:01:23/local-hostname", "ip-172-31-4-7.ec2.internal",
			"public-ipv4", "198.51.100.1",
			"public-hostname", "ec2-198-51-100-1.compute-1.amazonaws.com",
			"network/interfaces/macs/02:ab:cd:ef:01:23/public-ipv4s", "198.51.100.1",
			"network/interfaces/macs/02:ab:cd:ef:01:23/public-hostname", "ec2-198-51-100-1.compute-1.amazonaws.com")},
		{"explicit names and numbers", func(in *imds.StandardInput) {
			in.LocalHostname = "web-1.internal.example"
			in.Region = "strato-1"
			in.ServicesDomain = "example.com"
			in.LaunchIndex = 2
			in.DeviceNumber = 1
		}, with(private,
			"placement/region", "strato-1",
			"hostname", "web-1.internal.example",
			"local-hostname", "web-1.internal.example",
			"network/interfaces/macs/02:ab:cd:ef:01:23/local-hostname", "web-1.internal.example",
			"ami-launch-index", "2",
			"network/interfaces/macs/02:ab:cd:ef:01:23/device-number", "1",
			"services/domain", "example.com")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.edit(&in)
			if diff := cmp.Diff(imds.Standard(in), tt.want); diff != "" {
				t.Errorf("Standard (-got +want):\n%s", diff)
			}
		})
	}
}

// The map Standard builds serves a metadata tree that lists the interface
// under its MAC, as clients that walk network/interfaces/macs/ expect.
func TestStandardServes(t *testing.T) {
	hw, _ := net.ParseMAC("02:00:00:00:00:07")
	h := imds.New(imds.Standard(imds.StandardInput{
		InstanceID: "i-1", PrivateIP: netip.MustParseAddr("10.0.0.7"), MAC: hw, AvailabilityZone: "us-west-2a",
	}), nil, imds.Identity{}, imds.Options{})
	for path, want := range map[string]string{
		"/latest/meta-data/network/interfaces/macs/":                              "02:00:00:00:00:07/",
		"/latest/meta-data/network/interfaces/macs/02:00:00:00:00:07/local-ipv4s": "10.0.0.7",
		"/latest/meta-data/placement/":                                            "availability-zone\nregion",
		"/latest/meta-data/services/":                                             "domain\npartition",
	} {
		if r := do(h, "GET", path, nil); r.Status != 200 || r.Body != want {
			t.Errorf("GET %s = %d %q, want %q", path, r.Status, r.Body, want)
		}
	}
}

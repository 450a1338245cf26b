// Package catalog describes what can be launched: instance types, images,
// regions and availability zones.
package catalog

import (
	"slices"
	"strings"
	"time"
)

// InstanceType is one entry of the instance type catalog.
type InstanceType struct {
	Name      string
	VCPUs     int
	MemoryMiB int64
	// InstanceStorageGiB is the local (instance store) disk, 0 when none.
	InstanceStorageGiB int
	// HibernationSupported: instances of this type may be launched with hibernation.
	HibernationSupported bool
	Architecture         string // "x86_64"
	CurrentGeneration    bool
	BurstablePerformance bool
}

// Family returns the part before the dot: "t3" for "t3.micro".
func (t InstanceType) Family() string {
	f, _, _ := strings.Cut(t.Name, ".")
	return f
}

// Image is a bootable image.
type Image struct {
	ID          string
	Name        string
	Description string
	// Kind is the driver's boot recipe (driver.Image.Kind).
	Kind               string
	RootDeviceType     string // "ebs" or "instance-store"
	RootDeviceName     string
	RootSizeGiB        int
	Platform           string // "" for Linux/UNIX, "windows"
	Architecture       string
	OwnerID            string
	OwnerAlias         string
	Public             bool
	CreationDate       time.Time
	VirtualizationType string
	Hypervisor         string
}

// Zone is an availability zone.
type Zone struct {
	Name   string
	ID     string
	Region string
}

// Region is a region this endpoint answers for.
type Region struct {
	Name     string
	Endpoint string
}

// Catalog holds the built-in catalog; it is read-only after New.
type Catalog struct {
	region string
	types  []InstanceType
	images []Image
}

// Built-in image ids.
const (
	ImageShell              = "ami-0000000000000000a" // runs user data with /bin/sh; EBS-backed
	ImageShellInstanceStore = "ami-0000000000000000b" // the same, instance-store-backed
	ImageShellWindows       = "ami-0000000000000000c" // the same guest, platform "windows" (metered as Windows)
)

// OwnerAlias of built-in images.
const builtinOwner = "amazon"

// New returns the catalog for region.
func New(region string) *Catalog {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &Catalog{
		region: region,
		types:  builtinTypes(),
		images: []Image{
			{ID: ImageShell, Name: "strato-shell", Description: "Runs the instance's user data as a shell script on the host's /bin/sh, with the root volume as working directory; idles when there is none.",
				Kind: "shell", RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: 8, Architecture: "x86_64",
				OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "xen"},
			{ID: ImageShellInstanceStore, Name: "strato-shell-instance-store", Description: "strato-shell booted from instance store: it cannot be stopped, only rebooted or terminated.",
				Kind: "shell", RootDeviceType: "instance-store", RootDeviceName: "/dev/sda1", RootSizeGiB: 8, Architecture: "x86_64",
				OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "xen"},
			{ID: ImageShellWindows, Name: "strato-shell-windows", Description: "Platform windows for metering and billing only (a full instance hour per start): it runs the same /bin/sh guest as strato-shell, not Windows.",
				Kind: "shell", RootDeviceType: "ebs", RootDeviceName: "/dev/sda1", RootSizeGiB: 30, Platform: "windows", Architecture: "x86_64",
				OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "xen"},
		},
	}
}

func builtinTypes() []InstanceType {
	t := func(name string, vcpu int, memMiB int64, store int, hib, burst bool) InstanceType {
		return InstanceType{Name: name, VCPUs: vcpu, MemoryMiB: memMiB, InstanceStorageGiB: store,
			HibernationSupported: hib, Architecture: "x86_64", CurrentGeneration: true, BurstablePerformance: burst}
	}
	m1 := t("m1.small", 1, 1740, 160, false, false) // EC2's default type when none is given
	m1.CurrentGeneration = false
	return []InstanceType{
		m1,
		t("t2.micro", 1, 1024, 0, true, true),
		t("t3.nano", 2, 512, 0, true, true),
		t("t3.micro", 2, 1024, 0, true, true),
		t("t3.small", 2, 2048, 0, true, true),
		t("t3.medium", 2, 4096, 0, true, true),
		t("t3.large", 2, 8192, 0, true, true),
		t("m5.large", 2, 8192, 0, true, false),
		t("m5.xlarge", 4, 16384, 0, true, false),
		t("m5d.large", 2, 8192, 75, false, false),
		t("c5.large", 2, 4096, 0, true, false),
		t("c5d.large", 2, 4096, 50, false, false),
		t("r5.large", 2, 16384, 0, true, false),
		t("i3.large", 2, 15616, 475, false, false),
	}
}

// Region returns the region the catalog serves.
func (c *Catalog) Region() string { return c.region }

// InstanceTypes returns every type, sorted by name.
func (c *Catalog) InstanceTypes() []InstanceType {
	out := slices.Clone(c.types)
	slices.SortFunc(out, func(a, b InstanceType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// InstanceType looks a type up by name.
func (c *Catalog) InstanceType(name string) (InstanceType, bool) {
	for _, t := range c.types {
		if t.Name == name {
			return t, true
		}
	}
	return InstanceType{}, false
}

// Images returns every image.
func (c *Catalog) Images() []Image { return slices.Clone(c.images) }

// Image looks an image up by id.
func (c *Catalog) Image(id string) (Image, bool) {
	for _, im := range c.images {
		if im.ID == id {
			return im, true
		}
	}
	return Image{}, false
}

// Regions lists the regions; every one is served by this endpoint.
func (c *Catalog) Regions(endpointHost string) []Region {
	names := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"}
	if !slices.Contains(names, c.region) {
		names = append(names, c.region)
	}
	slices.Sort(names)
	out := make([]Region, 0, len(names))
	for _, n := range names {
		out = append(out, Region{Name: n, Endpoint: endpointHost})
	}
	return out
}

// Zones lists the availability zones of the catalog's region.
func (c *Catalog) Zones() []Zone {
	prefix := zonePrefix(c.region)
	var out []Zone
	for i, s := range []string{"a", "b", "c"} {
		out = append(out, Zone{Name: c.region + s, ID: prefix + "-az" + string(rune('1'+i)), Region: c.region})
	}
	return out
}

// Zone reports whether name is a zone of the region.
func (c *Catalog) Zone(name string) (Zone, bool) {
	for _, z := range c.Zones() {
		if z.Name == name {
			return z, true
		}
	}
	return Zone{}, false
}

// zonePrefix gives an AWS-style zone id prefix: us-east-1 → use1.
func zonePrefix(region string) string {
	parts := strings.Split(region, "-")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == len(parts)-1:
			b.WriteString(p)
		case i == 0:
			b.WriteString(p)
		default:
			b.WriteByte(p[0])
		}
	}
	return b.String()
}

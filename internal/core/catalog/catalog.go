// Package catalog describes what can be launched: instance types, images,
// regions and availability zones.
package catalog

import (
	"slices"
	"strings"
	"time"

	"strato/internal/clock"
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

// Image is a bootable image: a built-in one, or one an account imported
// (images.go).
type Image struct {
	ID          string
	Name        string
	Description string
	// Kind is the driver's boot recipe (driver.Image.Kind): KindShell,
	// KindBusybox or KindRootFS.
	Kind string
	// RootFS is the root filesystem of a KindRootFS image (driver.Image.RootFS).
	RootFS string
	// Digest is the SHA-256 (hex) of the archive an imported image came from.
	Digest string
	// SizeBytes is the total size of an imported image's files.
	SizeBytes int64
	// State is ImageAvailable, or ImageDeregistered for an imported image
	// its owner took back: it cannot be launched or described any more, but
	// the instances launched from it still boot from it.
	State              string
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

// Catalog holds the built-in catalog, which is read-only after New, and,
// when configured WithImages, the accounts' imported images.
type Catalog struct {
	region string
	types  []InstanceType
	images []Image
	// store and importer serve imported images (nil: built-ins only).
	store    ImageStore
	importer Importer
	clock    clock.Clock
}

// Option configures New.
type Option func(*Catalog)

// WithImages serves the images recorded in st besides the built-in ones,
// and imports new ones with imp (nil: importing is Unsupported).
func WithImages(st ImageStore, imp Importer) Option {
	return func(c *Catalog) { c.store, c.importer = st, imp }
}

// WithClock sets the clock that dates imported images (default: the wall
// clock).
func WithClock(clk clock.Clock) Option {
	return func(c *Catalog) { c.clock = clk }
}

// Built-in image ids.
const (
	ImageShell              = "ami-0000000000000000a" // runs user data with /bin/sh; EBS-backed
	ImageShellInstanceStore = "ami-0000000000000000b" // the same, instance-store-backed
	ImageShellWindows       = "ami-0000000000000000c" // the same guest, platform "windows" (metered as Windows)
	ImageBusybox            = "ami-0000000000000000d" // a busybox root filesystem the driver builds at first use
)

// OwnerAlias of built-in images.
const builtinOwner = "amazon"

// Descriptions of the built-in images. The shell images are the host
// image: the guest sees the host's own filesystem.
const (
	shellDescription = "The host image: the guest runs on the host's filesystem, read-only under the sandbox driver " +
		"with the instance's volumes mounted (the process driver runs it in the root volume's directory), " +
		"and runs the instance's user data as a /bin/sh script; it idles when there is none."
	busyboxDescription = "A small Linux root filesystem made of Debian's busybox-static (busybox's shell and applets, " +
		"a minimal /etc with root and nobody), built by the driver at first use. Drivers that run guests on the " +
		"host's filesystem cannot boot it."
)

// New returns the catalog for region.
func New(region string, opts ...Option) *Catalog {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &Catalog{
		region: region,
		types:  builtinTypes(),
		clock:  clock.Real{},
		images: []Image{
			{ID: ImageShell, Name: "strato-shell", Description: shellDescription,
				Kind: KindShell, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: 8, Architecture: "x86_64",
				OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "xen"},
			{ID: ImageShellInstanceStore, Name: "strato-shell-instance-store", Description: "strato-shell booted from instance store: it cannot be stopped, only rebooted or terminated.",
				Kind: KindShell, RootDeviceType: "instance-store", RootDeviceName: "/dev/sda1", RootSizeGiB: 8, Architecture: "x86_64",
				OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "xen"},
			{ID: ImageShellWindows, Name: "strato-shell-windows", Description: "Platform windows for metering and billing only (a full instance hour per start): it is the same host image as strato-shell, not Windows.",
				Kind: KindShell, RootDeviceType: "ebs", RootDeviceName: "/dev/sda1", RootSizeGiB: 30, Platform: "windows", Architecture: "x86_64",
				OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "xen"},
			{ID: ImageBusybox, Name: "strato-busybox", Description: busyboxDescription,
				Kind: KindBusybox, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: 1, Architecture: "x86_64",
				OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "xen"},
		},
	}
	for i := range c.images {
		c.images[i].State = ImageAvailable
	}
	for _, o := range opts {
		o(c)
	}
	return c
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

// Images returns the built-in images; ImagesFor adds an account's own.
func (c *Catalog) Images() []Image { return slices.Clone(c.images) }

// Image looks a built-in image up by id; ImageFor also finds an account's
// own.
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

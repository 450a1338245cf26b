package catalog

import (
	"slices"
	"strings"
	"time"
)

// SageMaker's ML instance types are the types a notebook instance runs as:
// "ml." and an EC2 type name, with that EC2 type's vCPUs and memory as AWS
// publishes them. They live in their own list, as ECS's do: EC2 cannot
// launch them and its DescribeInstanceTypes never shows them. The list holds
// the general-purpose, compute- and memory-optimised families of SageMaker's
// notebook instance types without local disks or accelerators; the
// notebook types it lacks (GPU and Inferentia/Trainium families, the "d"
// families with instance store) are refused at launch until added here.

// SageMakerImageNotebook is the built-in notebook image: the host image,
// on which the project's setup installs Debian's Jupyter packages. Only
// SageMaker's instances see it; its id is distinct from every other
// built-in image's.
const SageMakerImageNotebook = "ami-0000000000000000e"

// sageMakerSizes maps the sizes of the Nitro families (m6i, c6i, r6i, m7i,
// c7i, r7i) to their vCPUs, which are the same in every such family.
var sageMakerSizes = map[string]int{
	"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32,
	"12xlarge": 48, "16xlarge": 64, "24xlarge": 96, "32xlarge": 128, "48xlarge": 192,
}

// sageMakerTypes is the built-in ML type list (memory in MiB).
func sageMakerTypes() []InstanceType {
	const gib = 1024
	// t: a type whose memory is memGiB (halves allowed: the c4 family).
	t := func(name string, vcpu int, memGiB float64, current, burst bool) InstanceType {
		return InstanceType{Name: name, VCPUs: vcpu, MemoryMiB: int64(memGiB * gib), Architecture: "x86_64",
			CurrentGeneration: current, BurstablePerformance: burst}
	}
	out := []InstanceType{
		// Burstable: 2 vCPUs and 4 GiB (medium) up to 8 vCPUs and 32 GiB.
		t("ml.t2.medium", 2, 4, false, true),
		t("ml.t2.large", 2, 8, false, true),
		t("ml.t2.xlarge", 4, 16, false, true),
		t("ml.t2.2xlarge", 8, 32, false, true),
		t("ml.t3.medium", 2, 4, true, true),
		t("ml.t3.large", 2, 8, true, true),
		t("ml.t3.xlarge", 4, 16, true, true),
		t("ml.t3.2xlarge", 8, 32, true, true),
		// General purpose, 4 GiB per vCPU.
		t("ml.m4.xlarge", 4, 16, false, false),
		t("ml.m4.2xlarge", 8, 32, false, false),
		t("ml.m4.4xlarge", 16, 64, false, false),
		t("ml.m4.10xlarge", 40, 160, false, false),
		t("ml.m4.16xlarge", 64, 256, false, false),
		t("ml.m5.xlarge", 4, 16, true, false),
		t("ml.m5.2xlarge", 8, 32, true, false),
		t("ml.m5.4xlarge", 16, 64, true, false),
		t("ml.m5.12xlarge", 48, 192, true, false),
		t("ml.m5.24xlarge", 96, 384, true, false),
		// Compute optimised: 1.875 GiB per vCPU (c4), 2 GiB (c5).
		t("ml.c4.xlarge", 4, 7.5, false, false),
		t("ml.c4.2xlarge", 8, 15, false, false),
		t("ml.c4.4xlarge", 16, 30, false, false),
		t("ml.c4.8xlarge", 36, 60, false, false),
		t("ml.c5.xlarge", 4, 8, true, false),
		t("ml.c5.2xlarge", 8, 16, true, false),
		t("ml.c5.4xlarge", 16, 32, true, false),
		t("ml.c5.9xlarge", 36, 72, true, false),
		t("ml.c5.18xlarge", 72, 144, true, false),
		// Memory optimised, 8 GiB per vCPU.
		t("ml.r5.large", 2, 16, true, false),
		t("ml.r5.xlarge", 4, 32, true, false),
		t("ml.r5.2xlarge", 8, 64, true, false),
		t("ml.r5.4xlarge", 16, 128, true, false),
		t("ml.r5.8xlarge", 32, 256, true, false),
		t("ml.r5.12xlarge", 48, 384, true, false),
		t("ml.r5.16xlarge", 64, 512, true, false),
		t("ml.r5.24xlarge", 96, 768, true, false),
	}
	// The Nitro families: vCPUs by size, memory per vCPU by family.
	for _, f := range []struct {
		family string
		perCPU float64 // GiB per vCPU
		sizes  []string
	}{
		{"m6i", 4, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"}},
		{"c6i", 2, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"}},
		{"r6i", 8, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"}},
		{"m7i", 4, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"}},
		{"c7i", 2, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"}},
		{"r7i", 8, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"}},
	} {
		for _, size := range f.sizes {
			n := sageMakerSizes[size]
			out = append(out, t("ml."+f.family+"."+size, n, f.perCPU*float64(n), true, false))
		}
	}
	return out
}

// SageMakerInstanceTypes returns every ML instance type, sorted by name.
func (c *Catalog) SageMakerInstanceTypes() []InstanceType {
	out := sageMakerTypes()
	slices.SortFunc(out, func(a, b InstanceType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// SageMakerInstanceType looks an ML instance type up by name.
func (c *Catalog) SageMakerInstanceType(name string) (InstanceType, bool) {
	if !strings.HasPrefix(name, "ml.") {
		return InstanceType{}, false
	}
	for _, t := range sageMakerTypes() {
		if t.Name == name {
			return t, true
		}
	}
	return InstanceType{}, false
}

// SageMakerImages returns the built-in images of SageMaker's instances.
func (c *Catalog) SageMakerImages() []Image {
	return []Image{{
		ID: SageMakerImageNotebook, Name: "strato-notebook",
		Description: "The notebook image: the host image (the guest runs on the host's filesystem, read-only under " +
			"the sandbox driver with the instance's volumes mounted) with Debian's Jupyter packages installed; " +
			"it runs the instance's user data as a /bin/sh script.",
		Kind: KindShell, State: ImageAvailable, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: 8,
		Architecture: "x86_64", OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true,
		CreationDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), VirtualizationType: "hvm", Hypervisor: "xen",
	}}
}

// SageMakerImage looks a built-in image of SageMaker's instances up by id.
func (c *Catalog) SageMakerImage(id string) (Image, bool) {
	for _, im := range c.SageMakerImages() {
		if im.ID == id {
			return im, true
		}
	}
	return Image{}, false
}

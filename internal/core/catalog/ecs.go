package catalog

import (
	"slices"
	"strings"
	"time"
)

// ECSInstanceType is one entry of the Alibaba Cloud ECS instance type
// catalog. ECS types live in their own list: EC2's DescribeInstanceTypes
// never shows them and EC2 cannot launch them.
type ECSInstanceType struct {
	InstanceType
	// Family is ECS's instance family, e.g. "ecs.g6" for "ecs.g6.large".
	Family string
	// Generation is ECS's generation, e.g. "ecs-4".
	Generation string
	// FamilyLevel is "EntryLevel" (burstable) or "EnterpriseLevel".
	FamilyLevel string
	// LocalStorageCategory names the local disk kind ("local_ssd_pro"), ""
	// when the type has none.
	LocalStorageCategory string
	// StopNeedsConfirm marks the I1 family (local disks): a stop must carry
	// ConfirmStop=true, and it wipes the local disk (seed 003).
	StopNeedsConfirm bool
}

// ECSImageShell is the built-in ECS image: the same shell guest as
// ImageShell, booted from a cloud disk.
const ECSImageShell = "strato_shell_x64_20G_alibase_20260101.vhd"

// ECSOwnerAlias is the owner alias of ECS's public images.
const ECSOwnerAlias = "system"

// ECSRegion is an Alibaba Cloud region with its display name.
type ECSRegion struct {
	ID        string
	LocalName string
}

// ecsTypes is the built-in ECS type list (memory in MiB).
func ecsTypes() []ECSInstanceType {
	t := func(name, family string, vcpu int, memMiB int64, level string) ECSInstanceType {
		return ECSInstanceType{
			InstanceType: InstanceType{Name: name, VCPUs: vcpu, MemoryMiB: memMiB, Architecture: "x86_64",
				CurrentGeneration: true, BurstablePerformance: level == "EntryLevel"},
			Family: family, Generation: "ecs-4", FamilyLevel: level,
		}
	}
	i1 := t("ecs.i1.xlarge", "ecs.i1", 4, 16384, "EnterpriseLevel")
	i1.Generation = "ecs-2"
	i1.InstanceStorageGiB = 104
	i1.LocalStorageCategory = "local_ssd_pro"
	i1.StopNeedsConfirm = true
	return []ECSInstanceType{
		t("ecs.t5-lc1m1.small", "ecs.t5", 1, 1024, "EntryLevel"),
		t("ecs.c6.large", "ecs.c6", 2, 4096, "EnterpriseLevel"),
		t("ecs.g6.large", "ecs.g6", 2, 8192, "EnterpriseLevel"),
		t("ecs.g6.xlarge", "ecs.g6", 4, 16384, "EnterpriseLevel"),
		i1,
	}
}

// ECSInstanceTypes returns every ECS type, sorted by name.
func (c *Catalog) ECSInstanceTypes() []ECSInstanceType {
	out := ecsTypes()
	slices.SortFunc(out, func(a, b ECSInstanceType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ECSInstanceType looks an ECS type up by name.
func (c *Catalog) ECSInstanceType(name string) (ECSInstanceType, bool) {
	for _, t := range ecsTypes() {
		if t.Name == name {
			return t, true
		}
	}
	return ECSInstanceType{}, false
}

// ECSImages returns the built-in ECS images.
func (c *Catalog) ECSImages() []Image {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []Image{{
		ID: ECSImageShell, Name: "strato_shell_x64_20G_alibase_20260101",
		Description: "The host image: the guest runs on the host's filesystem, read-only under the sandbox driver " +
			"with the instance's disks mounted (the process driver runs it in the system disk's directory), " +
			"and runs the instance's user data as a /bin/sh script; it idles when there is none.",
		Kind: KindShell, State: ImageAvailable, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: 20, Architecture: "x86_64",
		OwnerAlias: ECSOwnerAlias, Public: true, CreationDate: created, VirtualizationType: "hvm", Hypervisor: "kvm",
	}}
}

// ECSImage looks an ECS image up by id.
func (c *Catalog) ECSImage(id string) (Image, bool) {
	for _, im := range c.ECSImages() {
		if im.ID == id {
			return im, true
		}
	}
	return Image{}, false
}

// ECSRegions lists Alibaba Cloud regions, the served one included; every
// one is answered by this endpoint, as EC2's Regions are.
func (c *Catalog) ECSRegions() []ECSRegion {
	out := []ECSRegion{
		{"cn-hangzhou", "China (Hangzhou)"},
		{"cn-shanghai", "China (Shanghai)"},
		{"cn-beijing", "China (Beijing)"},
		{"ap-southeast-1", "Singapore"},
		{"eu-central-1", "Germany (Frankfurt)"},
		{"us-east-1", "US (Virginia)"},
		{"us-west-1", "US (Silicon Valley)"},
	}
	if !slices.ContainsFunc(out, func(r ECSRegion) bool { return r.ID == c.region }) {
		out = append(out, ECSRegion{ID: c.region, LocalName: c.region})
	}
	return out
}

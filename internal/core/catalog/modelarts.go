package catalog

import (
	"slices"
	"strings"
	"time"
)

// Huawei Cloud ModelArts's notebook flavors are the types a ModelArts
// notebook runs as, named as ModelArts names them ("modelarts.vm.cpu.2u":
// a VM with 2 vCPUs). Like SageMaker's ML types they live in their own
// list: neither EC2 nor ECS can launch them. The list holds the CPU
// flavors; the GPU and Ascend flavors are refused until this host can run
// them.

// ModelArtsImageNotebook is the built-in image of ModelArts notebooks, with
// a UUID as ModelArts image ids are: like SageMakerImageNotebook it is the
// host image with Debian's Jupyter packages.
const ModelArtsImageNotebook = "5e5a3d1f-5c1e-4f4a-9d3e-7a1b2c3d4e5f"

// ModelArtsImageName is the name of ModelArtsImageNotebook.
const ModelArtsImageName = "strato-notebook-python3"

// modelArtsFlavors is the built-in flavor list (memory in MiB).
func modelArtsFlavors() []InstanceType {
	const gib = 1024
	t := func(name string, vcpu int, memGiB int64) InstanceType {
		return InstanceType{Name: name, VCPUs: vcpu, MemoryMiB: memGiB * gib, Architecture: "x86_64", CurrentGeneration: true}
	}
	return []InstanceType{
		t("modelarts.vm.cpu.2u", 2, 8),
		t("modelarts.vm.cpu.4u", 4, 16),
		t("modelarts.vm.cpu.8u", 8, 32),
	}
}

// ModelArtsFlavors returns every notebook flavor, sorted by name.
func (c *Catalog) ModelArtsFlavors() []InstanceType {
	out := modelArtsFlavors()
	slices.SortFunc(out, func(a, b InstanceType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ModelArtsFlavor looks a notebook flavor up by name.
func (c *Catalog) ModelArtsFlavor(name string) (InstanceType, bool) {
	for _, t := range modelArtsFlavors() {
		if t.Name == name {
			return t, true
		}
	}
	return InstanceType{}, false
}

// ModelArtsImages returns the built-in images of ModelArts notebooks.
func (c *Catalog) ModelArtsImages() []Image {
	return []Image{{
		ID: ModelArtsImageNotebook, Name: ModelArtsImageName,
		Description: "The notebook image: the host image (read-only under the sandbox driver, with the " +
			"notebook's work volume mounted) with Debian's Jupyter packages installed.",
		Kind: KindShell, State: ImageAvailable, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda", RootSizeGiB: 8,
		Architecture: "x86_64", OwnerID: "000000000000", OwnerAlias: builtinOwner, Public: true,
		CreationDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), VirtualizationType: "hvm", Hypervisor: "kvm",
	}}
}

// ModelArtsImage looks a built-in image of ModelArts notebooks up by id.
func (c *Catalog) ModelArtsImage(id string) (Image, bool) {
	for _, im := range c.ModelArtsImages() {
		if im.ID == id {
			return im, true
		}
	}
	return Image{}, false
}

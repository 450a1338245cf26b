package catalog_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
)

func TestModelArtsFlavors(t *testing.T) {
	c := catalog.New("cn-north-4")
	ft, ok := c.ModelArtsFlavor("modelarts.vm.cpu.2u")
	if !ok {
		t.Fatal("modelarts.vm.cpu.2u is missing")
	}
	if ft.VCPUs != 2 || ft.MemoryMiB != 8*1024 {
		t.Errorf("modelarts.vm.cpu.2u = %d vCPUs, %d MiB; want 2, 8192", ft.VCPUs, ft.MemoryMiB)
	}
	for _, name := range []string{"ml.t3.medium", "t3.micro", "ecs.g6.large", "modelarts.vm.gpu.p100", ""} {
		if _, ok := c.ModelArtsFlavor(name); ok {
			t.Errorf("ModelArts's flavors include %q", name)
		}
	}
	for _, f := range c.ModelArtsFlavors() {
		if _, ok := c.InstanceType(f.Name); ok {
			t.Errorf("EC2 can launch the ModelArts flavor %s", f.Name)
		}
		if _, ok := c.SageMakerInstanceType(f.Name); ok {
			t.Errorf("SageMaker can launch the ModelArts flavor %s", f.Name)
		}
	}
}

func TestModelArtsImage(t *testing.T) {
	c := catalog.New("cn-north-4")
	im, ok := c.ModelArtsImage(catalog.ModelArtsImageNotebook)
	if !ok {
		t.Fatal("the notebook image is missing")
	}
	if d := cmp.Diff([]string{im.Kind, im.State, im.Name}, []string{catalog.KindShell, catalog.ImageAvailable, catalog.ModelArtsImageName}); d != "" {
		t.Errorf("notebook image (-got +want):\n%s", d)
	}
	if _, ok := c.SageMakerImage(catalog.ModelArtsImageNotebook); ok {
		t.Error("SageMaker's catalog shows ModelArts's image")
	}
	seen := map[string]bool{}
	for _, im := range slices.Concat(c.Images(), c.ECSImages(), c.SageMakerImages(), c.ModelArtsImages()) {
		if seen[im.ID] {
			t.Errorf("built-in image id %s is used twice", im.ID)
		}
		seen[im.ID] = true
	}
}

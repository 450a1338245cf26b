package catalog_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/notebook"
)

func TestSageMakerInstanceTypes(t *testing.T) {
	c := catalog.New("us-east-1")
	tests := []struct {
		name   string
		vcpus  int
		memMiB int64
		burst  bool
	}{
		{"ml.t2.medium", 2, 4096, true},
		{"ml.t3.medium", 2, 4096, true},
		{"ml.t3.2xlarge", 8, 32768, true},
		{"ml.m4.10xlarge", 40, 163840, false},
		{"ml.m5.xlarge", 4, 16384, false},
		{"ml.m5.24xlarge", 96, 393216, false},
		{"ml.c4.xlarge", 4, 7680, false},
		{"ml.c4.8xlarge", 36, 61440, false},
		{"ml.c5.9xlarge", 36, 73728, false},
		{"ml.c5.18xlarge", 72, 147456, false},
		{"ml.r5.large", 2, 16384, false},
		{"ml.r5.24xlarge", 96, 786432, false},
		{"ml.c6i.32xlarge", 128, 262144, false},
		{"ml.r7i.48xlarge", 192, 1572864, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, ok := c.SageMakerInstanceType(tt.name)
			if !ok {
				t.Fatalf("%s is missing", tt.name)
			}
			got := []any{it.VCPUs, it.MemoryMiB, it.BurstablePerformance, it.HibernationSupported, it.InstanceStorageGiB}
			want := []any{tt.vcpus, tt.memMiB, tt.burst, false, 0}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("%s (-got +want):\n%s", tt.name, d)
			}
			if _, ok := c.InstanceType(tt.name); ok {
				t.Errorf("EC2's catalog knows the ML type %s", tt.name)
			}
			if _, ok := c.ECSInstanceType(tt.name); ok {
				t.Errorf("ECS's catalog knows the ML type %s", tt.name)
			}
		})
	}
	t.Run("EC2 names are not ML types", func(t *testing.T) {
		for _, name := range []string{"t3.medium", "m5.xlarge", "ml.", "ml.t3", "ml.g4dn.xlarge"} {
			if _, ok := c.SageMakerInstanceType(name); ok {
				t.Errorf("SageMakerInstanceType(%q) found a type", name)
			}
		}
	})
	t.Run("sorted and unique", func(t *testing.T) {
		types := c.SageMakerInstanceTypes()
		names := make([]string, len(types))
		for i, it := range types {
			names[i] = it.Name
		}
		if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Errorf("types are not sorted and unique: %v", names)
		}
	})
}

// TestSageMakerTypesMatchNotebookTypes: every ML type is one a notebook may
// have, and every family the catalog has is there in all the sizes
// SageMaker offers notebooks — the required families included.
func TestSageMakerTypesMatchNotebookTypes(t *testing.T) {
	c := catalog.New("us-east-1")
	family := func(name string) string { // "ml.m5.xlarge" → "ml.m5"
		return name[:strings.LastIndexByte(name, '.')]
	}
	have := map[string]bool{}
	families := map[string]bool{"ml.t2": true, "ml.t3": true, "ml.m5": true, "ml.c5": true, "ml.r5": true}
	for _, it := range c.SageMakerInstanceTypes() {
		have[it.Name] = true
		families[family(it.Name)] = true
		if !slices.Contains(notebook.InstanceTypes, it.Name) {
			t.Errorf("%s is not a notebook instance type", it.Name)
		}
	}
	for _, name := range notebook.InstanceTypes {
		if families[family(name)] && !have[name] {
			t.Errorf("%s is missing from its family", name)
		}
	}
}

func TestSageMakerImage(t *testing.T) {
	c := catalog.New("us-east-1")
	im, ok := c.SageMakerImage(catalog.SageMakerImageNotebook)
	if !ok {
		t.Fatal("the notebook image is missing")
	}
	got := []string{im.Kind, im.RootDeviceType, im.State, im.Platform}
	if d := cmp.Diff(got, []string{catalog.KindShell, "ebs", catalog.ImageAvailable, ""}); d != "" {
		t.Errorf("notebook image (-got +want):\n%s", d)
	}
	if _, ok := c.Image(catalog.SageMakerImageNotebook); ok {
		t.Error("EC2's catalog shows the notebook image")
	}
	if _, ok := c.ECSImage(catalog.SageMakerImageNotebook); ok {
		t.Error("ECS's catalog shows the notebook image")
	}
	if _, ok := c.SageMakerImage(catalog.ImageShell); ok {
		t.Error("SageMaker's catalog shows EC2's image")
	}
	seen := map[string]bool{}
	for _, im := range slices.Concat(c.Images(), c.ECSImages(), c.SageMakerImages()) {
		if seen[im.ID] {
			t.Errorf("built-in image id %s is used twice", im.ID)
		}
		seen[im.ID] = true
	}
}

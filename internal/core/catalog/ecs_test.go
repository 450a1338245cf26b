package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestECSCatalog(t *testing.T) {
	c := New("us-east-1")
	tests := []struct {
		name        string
		family      string
		vcpus       int
		memMiB      int64
		localGiB    int
		needConfirm bool
	}{
		{"ecs.g6.large", "ecs.g6", 2, 8192, 0, false},
		{"ecs.c6.large", "ecs.c6", 2, 4096, 0, false},
		{"ecs.t5-lc1m1.small", "ecs.t5", 1, 1024, 0, false},
		{"ecs.i1.xlarge", "ecs.i1", 4, 16384, 104, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, ok := c.ECSInstanceType(tt.name)
			if !ok {
				t.Fatalf("%s is missing", tt.name)
			}
			got := []any{it.Family, it.VCPUs, it.MemoryMiB, it.InstanceStorageGiB, it.StopNeedsConfirm}
			want := []any{tt.family, tt.vcpus, tt.memMiB, tt.localGiB, tt.needConfirm}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("%s (-got +want):\n%s", tt.name, d)
			}
			if _, ok := c.InstanceType(tt.name); ok {
				t.Errorf("EC2's catalog knows the ECS type %s", tt.name)
			}
		})
	}
	types := c.ECSInstanceTypes()
	for i := 1; i < len(types); i++ {
		if types[i-1].Name >= types[i].Name {
			t.Fatalf("ECS types not sorted: %s, %s", types[i-1].Name, types[i].Name)
		}
	}
	for _, it := range c.InstanceTypes() {
		if _, ok := c.ECSInstanceType(it.Name); ok {
			t.Errorf("ECS's catalog knows the EC2 type %s", it.Name)
		}
	}
	im, ok := c.ECSImage(ECSImageShell)
	if !ok || im.Kind != "shell" || im.RootDeviceType != "ebs" || im.OwnerAlias != ECSOwnerAlias {
		t.Errorf("ECS shell image = %+v, %v", im, ok)
	}
	if _, ok := c.Image(ECSImageShell); ok {
		t.Error("EC2's catalog knows the ECS image")
	}
	if _, ok := c.ECSImage(ImageShell); ok {
		t.Error("ECS's catalog knows the EC2 image")
	}
	var ids []string
	for _, r := range New("mars-1").ECSRegions() {
		ids = append(ids, r.ID)
	}
	if ids[len(ids)-1] != "mars-1" {
		t.Errorf("the served region is not listed: %v", ids)
	}
}

package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCatalog(t *testing.T) {
	c := New("eu-west-1")
	im, ok := c.Image(ImageShell)
	if !ok || im.RootDeviceType != "ebs" || im.Kind != "shell" {
		t.Errorf("shell image = %+v", im)
	}
	if im, _ := c.Image(ImageShellInstanceStore); im.RootDeviceType != "instance-store" {
		t.Errorf("instance-store image = %+v", im)
	}
	bb, ok := c.Image(ImageBusybox)
	if got := []any{ok, bb.Name, bb.Kind, bb.RootDeviceType, bb.RootDeviceName, bb.RootSizeGiB, bb.State}; !cmp.Equal(got,
		[]any{true, "strato-busybox", KindBusybox, "ebs", "/dev/xvda", 1, ImageAvailable}) {
		t.Errorf("busybox image = %+v", bb)
	}
	if _, ok := c.InstanceType("m1.small"); !ok {
		t.Error("m1.small, EC2's default type, is missing")
	}
	if it, _ := c.InstanceType("m5d.large"); it.InstanceStorageGiB == 0 || it.HibernationSupported {
		t.Errorf("m5d.large = %+v: has instance storage, no hibernation", it)
	}
	types := c.InstanceTypes()
	for i := 1; i < len(types); i++ {
		if types[i-1].Name >= types[i].Name {
			t.Fatalf("types not sorted: %s, %s", types[i-1].Name, types[i].Name)
		}
	}
	zones := c.Zones()
	if len(zones) != 3 || zones[0].Name != "eu-west-1a" || zones[0].ID != "euw1-az1" {
		t.Errorf("zones = %+v", zones)
	}
	if _, ok := c.Zone("us-east-1a"); ok {
		t.Error("a zone of another region was accepted")
	}
	found := false
	for _, r := range c.Regions("127.0.0.1:8773") {
		found = found || r.Name == "eu-west-1"
	}
	if !found {
		t.Error("the catalog's own region is not listed")
	}
}

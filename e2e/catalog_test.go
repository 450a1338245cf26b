package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestCatalog: DescribeImages, DescribeInstanceTypes, DescribeRegions and
// DescribeAvailabilityZones return the built-in catalog.
func TestCatalog(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	t.Run("images", func(t *testing.T) {
		t.Parallel()
		all, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{})
		if err != nil {
			t.Fatalf("DescribeImages: %v", err)
		}
		root := map[string]types.DeviceType{}
		for _, im := range all.Images {
			root[aws.ToString(im.ImageId)] = im.RootDeviceType
		}
		for id, want := range map[string]types.DeviceType{imageEBS: types.DeviceTypeEbs, imageInstanceStore: types.DeviceTypeInstanceStore} {
			got, ok := root[id]
			if !ok {
				t.Errorf("DescribeImages lacks %s (has %v)", id, root)
			} else if got != want {
				t.Errorf("%s: RootDeviceType %q, want %q", id, got, want)
			}
		}

		one, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{imageEBS}})
		if err != nil {
			t.Fatalf("DescribeImages %s: %v", imageEBS, err)
		}
		if len(one.Images) != 1 {
			t.Fatalf("DescribeImages %s: %d images, want 1", imageEBS, len(one.Images))
		}
		im := one.Images[0]
		if im.State != types.ImageStateAvailable {
			t.Errorf("%s: State %q, want available", imageEBS, im.State)
		}
		if aws.ToString(im.Name) == "" || aws.ToString(im.RootDeviceName) == "" || im.Architecture != types.ArchitectureValuesX8664 {
			t.Errorf("%s: Name %q RootDeviceName %q Architecture %q; want all set (x86_64)", imageEBS, aws.ToString(im.Name), aws.ToString(im.RootDeviceName), im.Architecture)
		}

		_, err = c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}})
		wantAPIError(t, err, "InvalidAMIID.NotFound", 400)
	})

	t.Run("instance types", func(t *testing.T) {
		t.Parallel()
		var all []types.InstanceTypeInfo
		p := ec2.NewDescribeInstanceTypesPaginator(c, &ec2.DescribeInstanceTypesInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("DescribeInstanceTypes: %v", err)
			}
			all = append(all, page.InstanceTypes...)
		}
		byName := map[types.InstanceType]types.InstanceTypeInfo{}
		for _, it := range all {
			byName[it.InstanceType] = it
		}
		for _, name := range []types.InstanceType{types.InstanceTypeT3Micro, types.InstanceTypeM5Large, types.InstanceTypeM5dLarge} {
			it, ok := byName[name]
			if !ok {
				t.Errorf("DescribeInstanceTypes lacks %s", name)
				continue
			}
			if it.VCpuInfo == nil || aws.ToInt32(it.VCpuInfo.DefaultVCpus) < 1 {
				t.Errorf("%s: VCpuInfo %+v", name, it.VCpuInfo)
			}
			if it.MemoryInfo == nil || aws.ToInt64(it.MemoryInfo.SizeInMiB) < 512 {
				t.Errorf("%s: MemoryInfo %+v", name, it.MemoryInfo)
			}
		}
		if it := byName[types.InstanceTypeM5dLarge]; !aws.ToBool(it.InstanceStorageSupported) || it.InstanceStorageInfo == nil || aws.ToInt64(it.InstanceStorageInfo.TotalSizeInGB) <= 0 {
			t.Errorf("m5d.large: InstanceStorageSupported %v, InstanceStorageInfo %+v; it has instance store", aws.ToBool(it.InstanceStorageSupported), it.InstanceStorageInfo)
		}
		if it := byName[types.InstanceTypeT3Micro]; aws.ToBool(it.InstanceStorageSupported) {
			t.Error("t3.micro claims instance store")
		}
		if it := byName[types.InstanceTypeT3Micro]; !aws.ToBool(it.HibernationSupported) {
			t.Error("t3.micro: HibernationSupported false, want true")
		}

		one, err := c.DescribeInstanceTypes(t.Context(), &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{types.InstanceTypeM5Large}})
		if err != nil {
			t.Fatalf("DescribeInstanceTypes m5.large: %v", err)
		}
		if len(one.InstanceTypes) != 1 || one.InstanceTypes[0].InstanceType != types.InstanceTypeM5Large {
			t.Errorf("DescribeInstanceTypes m5.large returned %d types", len(one.InstanceTypes))
		}
	})

	t.Run("regions", func(t *testing.T) {
		t.Parallel()
		out, err := c.DescribeRegions(t.Context(), &ec2.DescribeRegionsInput{})
		if err != nil {
			t.Fatalf("DescribeRegions: %v", err)
		}
		found := false
		for _, r := range out.Regions {
			if aws.ToString(r.RegionName) == s.Region {
				found = true
				if aws.ToString(r.Endpoint) == "" {
					t.Errorf("region %s has no Endpoint", s.Region)
				}
			}
		}
		if !found {
			t.Errorf("DescribeRegions lacks the server's region %s", s.Region)
		}
	})

	t.Run("availability zones", func(t *testing.T) {
		t.Parallel()
		out, err := c.DescribeAvailabilityZones(t.Context(), &ec2.DescribeAvailabilityZonesInput{})
		if err != nil {
			t.Fatalf("DescribeAvailabilityZones: %v", err)
		}
		if len(out.AvailabilityZones) == 0 {
			t.Fatal("DescribeAvailabilityZones returned no zones")
		}
		for _, z := range out.AvailabilityZones {
			name := aws.ToString(z.ZoneName)
			if !strings.HasPrefix(name, s.Region) || aws.ToString(z.RegionName) != s.Region || aws.ToString(z.ZoneId) == "" {
				t.Errorf("zone %q (region %q, id %q): want a zone of %s with an id", name, aws.ToString(z.RegionName), aws.ToString(z.ZoneId), s.Region)
			}
			if z.State != types.AvailabilityZoneStateAvailable {
				t.Errorf("zone %s: State %q, want available", name, z.State)
			}
		}
		// An instance placed in the second zone says so.
		zone := aws.ToString(out.AvailabilityZones[len(out.AvailabilityZones)-1].ZoneName)
		in := launch(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest), Placement: &types.Placement{AvailabilityZone: aws.String(zone)}})
		if in.Placement == nil || aws.ToString(in.Placement.AvailabilityZone) != zone {
			t.Errorf("RunInstances in %s: Placement %+v", zone, in.Placement)
		}
	})
}

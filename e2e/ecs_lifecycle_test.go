package e2e

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// ecsGuest prints a line at boot and on SIGTERM, as the ECS tests read
// them back through GetInstanceConsoleOutput.
const ecsGuest = `echo "ecs-boot $(echo x >> boots; wc -l < boots | tr -d ' ')"
trap 'echo "term-received"; exit 0' TERM
while :; do sleep 0.2; done
`

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestECSLifecycle drives every lifecycle action through the official SDK.
func TestECSLifecycle(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)

	ids := ecsRunning(t, c, "ecs.g6.large", 2, func(r *ecs.RunInstancesRequest) {
		r.InstanceName, r.Description, r.UserData = "web", "the web tier", b64(ecsGuest)
		r.Tag = &[]ecs.RunInstancesTag{{Key: "team", Value: "blue"}}
	})
	for _, id := range ids {
		if !regexp.MustCompile(`^i-[0-9a-z]{20}$`).MatchString(id) {
			t.Errorf("instance id %q is not i- + 20 lower-case alphanumerics", id)
		}
	}
	in := ecsDescribe(t, c, ids[0])
	if in.Status != "Running" || in.StoppedMode != "Not-applicable" || in.InstanceName != "web" || in.Description != "the web tier" ||
		in.InstanceType != "ecs.g6.large" || in.InstanceTypeFamily != "ecs.g6" || in.Cpu != 2 || in.Memory != 8192 ||
		in.ZoneId != s.Region+"a" || in.RegionId != s.Region || in.ImageId != ecsImage || in.InstanceNetworkType != "vpc" {
		t.Errorf("DescribeInstances = %+v", in)
	}
	if len(in.VpcAttributes.PrivateIpAddress.IpAddress) != 1 || len(in.PublicIpAddress.IpAddress) != 1 {
		t.Errorf("addresses: private %v public %v", in.VpcAttributes.PrivateIpAddress.IpAddress, in.PublicIpAddress.IpAddress)
	}
	if len(in.Tags.Tag) != 1 || in.Tags.Tag[0].TagKey != "team" || in.Tags.Tag[0].TagValue != "blue" {
		t.Errorf("tags = %+v", in.Tags.Tag)
	}
	ecsWaitConsole(t, c, ids[0], 10*time.Second, "ecs-boot 1")

	attr := ecs.CreateDescribeInstanceAttributeRequest()
	attr.InstanceId = ids[0]
	a, err := c.DescribeInstanceAttribute(attr)
	if err != nil || a.InstanceId != ids[0] || a.Status != "Running" || a.IoOptimized != "optimized" || a.RequestId == "" {
		t.Errorf("DescribeInstanceAttribute = %+v, %v", a, err)
	}
	mod := ecs.CreateModifyInstanceAttributeRequest()
	mod.InstanceId, mod.InstanceName = ids[0], "web-renamed"
	if _, err := c.ModifyInstanceAttribute(mod); err != nil {
		t.Fatalf("ModifyInstanceAttribute: %v", err)
	}
	if got := ecsDescribe(t, c, ids[0]).InstanceName; got != "web-renamed" {
		t.Errorf("name after modify = %q", got)
	}

	// A graceful stop signals the guest; a start boots it again.
	ecsStop(t, c, ids[0], nil)
	ecsWait(t, c, ids[0], "Stopped")
	if got := ecsDescribe(t, c, ids[0]); got.StoppedMode != "StopCharging" || len(got.PublicIpAddress.IpAddress) != 0 {
		t.Errorf("stopped: StoppedMode %q public %v", got.StoppedMode, got.PublicIpAddress.IpAddress)
	}
	if err := ecsStart(t, c, ids[0]); err != nil {
		t.Fatalf("StartInstance: %v", err)
	}
	ecsWait(t, c, ids[0], "Running")
	ecsWaitConsole(t, c, ids[0], 10*time.Second, "term-received", "ecs-boot 2")

	reboot := ecs.CreateRebootInstanceRequest()
	reboot.InstanceId = ids[0]
	if _, err := c.RebootInstance(reboot); err != nil {
		t.Fatalf("RebootInstance: %v", err)
	}
	ecsWaitConsole(t, c, ids[0], 10*time.Second, "ecs-boot 3")

	// Batches.
	stops := ecs.CreateStopInstancesRequest()
	stops.InstanceId = &ids
	sresp, err := c.StopInstances(stops)
	if err != nil {
		t.Fatalf("StopInstances: %v", err)
	}
	for i, r := range sresp.InstanceResponses.InstanceResponse {
		if r.Code != "200" || r.Message != "success" || r.InstanceId != ids[i] || r.PreviousStatus != "Running" || r.CurrentStatus != "Stopping" {
			t.Errorf("StopInstances response %d = %+v", i, r)
		}
	}
	for _, id := range ids {
		ecsWait(t, c, id, "Stopped")
	}
	starts := ecs.CreateStartInstancesRequest()
	starts.InstanceId = &ids
	stresp, err := c.StartInstances(starts)
	if err != nil || len(stresp.InstanceResponses.InstanceResponse) != 2 || stresp.InstanceResponses.InstanceResponse[0].CurrentStatus != "Starting" {
		t.Fatalf("StartInstances = %+v, %v", stresp, err)
	}
	for _, id := range ids {
		ecsWait(t, c, id, "Running")
	}

	// Release: a stopped one plainly, a running one with Force.
	ecsStop(t, c, ids[1], nil)
	ecsWait(t, c, ids[1], "Stopped")
	del := ecs.CreateDeleteInstanceRequest()
	del.InstanceId = ids[1]
	if _, err := c.DeleteInstance(del); err != nil {
		t.Fatalf("DeleteInstance: %v", err)
	}
	dels := ecs.CreateDeleteInstancesRequest()
	dels.InstanceId, dels.Force = &[]string{ids[0]}, requests.NewBoolean(true)
	if _, err := c.DeleteInstances(dels); err != nil {
		t.Fatalf("DeleteInstances Force: %v", err)
	}
	all, err := c.DescribeInstances(ecs.CreateDescribeInstancesRequest())
	if err != nil || all.TotalCount != 0 || len(all.Instances.Instance) != 0 {
		t.Errorf("after release DescribeInstances = %d instances, %v", all.TotalCount, err)
	}
}

// TestECSCreateInstance: CreateInstance makes a Stopped instance, as ECS does.
func TestECSCreateInstance(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	req := ecs.CreateCreateInstanceRequest()
	req.ImageId, req.InstanceType, req.HostName, req.UserData = ecsImage, "ecs.t5-lc1m1.small", "api-1", b64(ecsGuest)
	resp, err := c.CreateInstance(req)
	if err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	id := resp.InstanceId
	if in := ecsDescribe(t, c, id); in.Status != "Stopped" || in.HostName != "api-1" || in.CreditSpecification != "Standard" {
		t.Errorf("created instance = status %q host %q credit %q", in.Status, in.HostName, in.CreditSpecification)
	}
	if err := ecsStart(t, c, id); err != nil {
		t.Fatalf("StartInstance: %v", err)
	}
	ecsWait(t, c, id, "Running")
	ecsWaitConsole(t, c, id, 10*time.Second, "ecs-boot 1")
}

func TestECSTags(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	ids := ecsRun(t, c, "ecs.c6.large", 2, nil)
	tag := ecs.CreateTagResourcesRequest()
	tag.ResourceType, tag.ResourceId = "instance", &ids
	tag.Tag = &[]ecs.TagResourcesTag{{Key: "env", Value: "prod"}, {Key: "owner", Value: "ops"}}
	if _, err := c.TagResources(tag); err != nil {
		t.Fatalf("TagResources: %v", err)
	}
	untag := ecs.CreateUntagResourcesRequest()
	untag.ResourceType, untag.ResourceId, untag.TagKey = "instance", &[]string{ids[1]}, &[]string{"owner"}
	if _, err := c.UntagResources(untag); err != nil {
		t.Fatalf("UntagResources: %v", err)
	}
	list := ecs.CreateListTagResourcesRequest()
	list.ResourceType = "instance"
	list.Tag = &[]ecs.ListTagResourcesTag{{Key: "env", Value: "prod"}}
	lr, err := c.ListTagResources(list)
	if err != nil {
		t.Fatalf("ListTagResources: %v", err)
	}
	var got []string
	for _, tr := range lr.TagResources.TagResource {
		got = append(got, tr.ResourceId+" "+tr.ResourceType+" "+tr.TagKey+"="+tr.TagValue)
	}
	want := []string{ids[0] + " instance env=prod", ids[0] + " instance owner=ops", ids[1] + " instance env=prod"}
	if !slices.Equal(got, want) {
		t.Errorf("ListTagResources = %v, want %v", got, want)
	}
	d := ecs.CreateDescribeInstancesRequest()
	d.Tag = &[]ecs.DescribeInstancesTag{{Key: "owner", Value: "ops"}}
	dr, err := c.DescribeInstances(d)
	if err != nil || len(dr.Instances.Instance) != 1 || dr.Instances.Instance[0].InstanceId != ids[0] {
		t.Errorf("DescribeInstances by tag = %+v, %v", dr.Instances.Instance, err)
	}
}

func TestECSCatalog(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	im, err := c.DescribeImages(ecs.CreateDescribeImagesRequest())
	if err != nil || len(im.Images.Image) != 1 || im.Images.Image[0].ImageId != ecsImage || im.Images.Image[0].OSType != "linux" ||
		im.Images.Image[0].ImageOwnerAlias != "system" || im.TotalCount != 1 {
		t.Errorf("DescribeImages = %+v, %v", im, err)
	}
	rg, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
	found := false
	for _, r := range rg.Regions.Region {
		found = found || r.RegionId == s.Region && r.RegionEndpoint == s.Addr
	}
	if err != nil || !found {
		t.Errorf("DescribeRegions = %+v, %v", rg.Regions.Region, err)
	}
	z, err := c.DescribeZones(ecs.CreateDescribeZonesRequest())
	if err != nil || len(z.Zones.Zone) != 3 || z.Zones.Zone[0].ZoneId != s.Region+"a" ||
		!slices.Contains(z.Zones.Zone[0].AvailableInstanceTypes.InstanceTypes, "ecs.i1.xlarge") {
		t.Errorf("DescribeZones = %+v, %v", z.Zones.Zone, err)
	}
	tr := ecs.CreateDescribeInstanceTypesRequest()
	tr.InstanceTypes = &[]string{"ecs.i1.xlarge"}
	ty, err := c.DescribeInstanceTypes(tr)
	if err != nil || len(ty.InstanceTypes.InstanceType) != 1 {
		t.Fatalf("DescribeInstanceTypes = %+v, %v", ty, err)
	}
	if it := ty.InstanceTypes.InstanceType[0]; it.CpuCoreCount != 4 || it.MemorySize != 16 || it.LocalStorageCapacity != 104 ||
		it.InstanceTypeFamily != "ecs.i1" {
		t.Errorf("ecs.i1.xlarge = %+v", it)
	}
}

func TestECSDescribePaging(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	ids := ecsRun(t, c, "ecs.c6.large", 5, nil)
	req := ecs.CreateDescribeInstancesRequest()
	req.PageNumber, req.PageSize = requests.NewInteger(2), requests.NewInteger(2)
	page, err := c.DescribeInstances(req)
	if err != nil || page.TotalCount != 5 || page.PageNumber != 2 || page.PageSize != 2 || len(page.Instances.Instance) != 2 ||
		page.Instances.Instance[0].InstanceId != ids[2] {
		t.Errorf("page 2 = %+v, %v", page, err)
	}
	var got []string
	token := ""
	for range 10 {
		r := ecs.CreateDescribeInstancesRequest()
		r.MaxResults, r.NextToken = requests.NewInteger(2), token
		resp, err := c.DescribeInstances(r)
		if err != nil {
			t.Fatalf("DescribeInstances with NextToken: %v", err)
		}
		for _, in := range resp.Instances.Instance {
			got = append(got, in.InstanceId)
		}
		if token = resp.NextToken; token == "" {
			break
		}
	}
	if !slices.Equal(got, ids) {
		t.Errorf("token pages = %v, want %v", got, ids)
	}
}

// TestECSAndEC2AreSeparate: each API sees only its own instances.
func TestECSAndEC2AreSeparate(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	ecsID := ecsRun(t, c, "ecs.c6.large", 1, nil)[0]
	ec2ID := launchRunning(t, s.Client(t), nil)
	out, err := s.Client(t).DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			n++
			if *in.InstanceId == ecsID {
				t.Errorf("EC2 shows the ECS instance %s", ecsID)
			}
		}
	}
	if n != 1 {
		t.Errorf("EC2 shows %d instances, want 1", n)
	}
	all, err := c.DescribeInstances(ecs.CreateDescribeInstancesRequest())
	if err != nil || all.TotalCount != 1 || all.Instances.Instance[0].InstanceId != ecsID {
		t.Errorf("ECS shows %+v, %v", all.Instances.Instance, err)
	}
	stop := ecs.CreateStopInstanceRequest()
	stop.InstanceId = ec2ID
	_, err = c.StopInstance(stop)
	wantECSError(t, err, "InvalidInstanceId.NotFound", 404)
}

package e2e

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// volumeView is what a test compares of a types.Volume.
type volumeView struct {
	ID, State, Type, Zone string
	Size, Iops            int32
	Tags                  map[string]string
	Attachments           []attachmentView
}

type attachmentView struct {
	VolumeID, InstanceID, Device, State string
	DeleteOnTermination                 bool
}

func viewVolume(v types.Volume) volumeView {
	out := volumeView{ID: aws.ToString(v.VolumeId), State: string(v.State), Type: string(v.VolumeType),
		Zone: aws.ToString(v.AvailabilityZone), Size: aws.ToInt32(v.Size), Iops: aws.ToInt32(v.Iops)}
	for _, t := range v.Tags {
		if out.Tags == nil {
			out.Tags = map[string]string{}
		}
		out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for _, a := range v.Attachments {
		out.Attachments = append(out.Attachments, attachmentView{VolumeID: aws.ToString(a.VolumeId),
			InstanceID: aws.ToString(a.InstanceId), Device: aws.ToString(a.Device), State: string(a.State),
			DeleteOnTermination: aws.ToBool(a.DeleteOnTermination)})
	}
	return out
}

// volumes calls DescribeVolumes and returns the views ordered by id.
func volumes(t *testing.T, c *ec2.Client, in *ec2.DescribeVolumesInput) []volumeView {
	t.Helper()
	out, err := c.DescribeVolumes(t.Context(), in)
	if err != nil {
		t.Fatalf("DescribeVolumes: %v", err)
	}
	var vs []volumeView
	for _, v := range out.Volumes {
		vs = append(vs, viewVolume(v))
	}
	slices.SortFunc(vs, func(a, b volumeView) int { return strings.Compare(a.ID, b.ID) })
	return vs
}

// same fails t unless got and want are deeply equal.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// rootVolume returns the id of the instance's root volume as
// DescribeInstances reports it.
func rootVolume(t *testing.T, c *ec2.Client, id string) string {
	t.Helper()
	in := describe(t, c, id)
	for _, m := range in.BlockDeviceMappings {
		if aws.ToString(m.DeviceName) == aws.ToString(in.RootDeviceName) && m.Ebs != nil {
			return aws.ToString(m.Ebs.VolumeId)
		}
	}
	t.Fatalf("%s has no root EBS volume: %+v", id, in.BlockDeviceMappings)
	return ""
}

// TestDescribeVolumesAfterTerminate: a root volume launched with
// DeleteOnTermination false outlives its instance as an available volume,
// also after the instance record is purged and the daemon restarts; the
// default root volume goes with its instance.
func TestDescribeVolumesAfterTerminate(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{Args: []string{"--terminated-retention", "2s"}})
	c := s.Client(t)

	kept := launchRunning(t, c, &ec2.RunInstancesInput{
		BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{
			DeleteOnTermination: aws.Bool(false), VolumeType: types.VolumeTypeGp2, VolumeSize: aws.Int32(10)}}},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVolume,
			Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("kept")}}}},
	})
	gone := launchRunning(t, c, nil)
	keptVol, goneVol := rootVolume(t, c, kept), rootVolume(t, c, gone)

	inUse := ec2.NewVolumeInUseWaiter(c, func(o *ec2.VolumeInUseWaiterOptions) { o.MinDelay, o.MaxDelay = waitMin, waitMax })
	if err := inUse.Wait(t.Context(), &ec2.DescribeVolumesInput{VolumeIds: []string{keptVol, goneVol}}, waitFor); err != nil {
		t.Fatalf("VolumeInUse waiter: %v", err)
	}
	byInstance := &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{kept, gone}}}}
	want := []volumeView{
		{ID: keptVol, State: "in-use", Type: "gp2", Zone: "us-east-1a", Size: 10, Iops: 100, Tags: map[string]string{"Name": "kept"},
			Attachments: []attachmentView{{VolumeID: keptVol, InstanceID: kept, Device: "/dev/xvda", State: "attached"}}},
		{ID: goneVol, State: "in-use", Type: "gp3", Zone: "us-east-1a", Size: 8, Iops: 3000,
			Attachments: []attachmentView{{VolumeID: goneVol, InstanceID: gone, Device: "/dev/xvda", State: "attached", DeleteOnTermination: true}}},
	}
	slices.SortFunc(want, func(a, b volumeView) int { return strings.Compare(a.ID, b.ID) })
	same(t, "volumes of the running instances", volumes(t, c, byInstance), want)

	terminate(t, c, kept)
	terminate(t, c, gone)
	available := ec2.NewVolumeAvailableWaiter(c, func(o *ec2.VolumeAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = waitMin, waitMax })
	if err := available.Wait(t.Context(), &ec2.DescribeVolumesInput{VolumeIds: []string{keptVol}}, waitFor); err != nil {
		t.Fatalf("VolumeAvailable waiter for %s: %v", keptVol, err)
	}
	deleted := ec2.NewVolumeDeletedWaiter(c, func(o *ec2.VolumeDeletedWaiterOptions) { o.MinDelay, o.MaxDelay = waitMin, waitMax })
	if err := deleted.Wait(t.Context(), &ec2.DescribeVolumesInput{VolumeIds: []string{goneVol}}, waitFor); err != nil {
		t.Fatalf("VolumeDeleted waiter for %s: %v", goneVol, err)
	}
	_, err := c.DescribeVolumes(t.Context(), &ec2.DescribeVolumesInput{VolumeIds: []string{goneVol}})
	if ae := wantAPIError(t, err, "InvalidVolume.NotFound", 400); ae.ErrorMessage() != "The volume '"+goneVol+"' does not exist." {
		t.Errorf("message %q", ae.ErrorMessage())
	}

	wantKept := []volumeView{{ID: keptVol, State: "available", Type: "gp2", Zone: "us-east-1a", Size: 10, Iops: 100,
		Tags: map[string]string{"Name": "kept"}}}
	same(t, "kept volume after terminate", volumes(t, c, &ec2.DescribeVolumesInput{VolumeIds: []string{keptVol}}), wantKept)
	same(t, "volumes attached to the terminated instances", volumes(t, c, byInstance), []volumeView(nil))

	// The retention (2s) passes and the loop purges the instance records.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{kept}})
		if apiErrorCode(err) == "InvalidInstanceID.NotFound" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still described 30s after termination with --terminated-retention 2s (err %v)", kept, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	same(t, "kept volume after the purge of its instance", volumes(t, c, &ec2.DescribeVolumesInput{VolumeIds: []string{keptVol}}), wantKept)

	s.Restart(t, false)
	c = s.Client(t)
	status := &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("status"), Values: []string{"available"}}}}
	same(t, "available volumes after a restart", volumes(t, c, status), wantKept)
}

// TestDescribeVolumesPaginates pages through six volumes five at a time
// with the SDK's paginator, and checks the request rules EC2 enforces.
func TestDescribeVolumesPaginates(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	out, err := c.RunInstances(t.Context(), withLaunchDefaults(&ec2.RunInstancesInput{
		MinCount: aws.Int32(6), MaxCount: aws.Int32(6), UserData: userData(idleGuest)}))
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	var want []string
	for _, in := range out.Instances {
		for _, m := range in.BlockDeviceMappings {
			want = append(want, aws.ToString(m.Ebs.VolumeId))
		}
	}
	slices.Sort(want)
	if len(want) != 6 {
		t.Fatalf("RunInstances reported %d volumes, want 6", len(want))
	}

	var got []string
	var sizes []int
	p := ec2.NewDescribeVolumesPaginator(c, &ec2.DescribeVolumesInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("DescribeVolumes page %d: %v", len(sizes)+1, err)
		}
		sizes = append(sizes, len(page.Volumes))
		for _, v := range page.Volumes {
			got = append(got, aws.ToString(v.VolumeId))
		}
	}
	same(t, "page sizes", sizes, []int{5, 1})
	slices.Sort(got)
	same(t, "volumes over all pages", got, want)

	tests := []struct {
		name string
		in   *ec2.DescribeVolumesInput
		code string
		msg  string
	}{
		{"ids with MaxResults", &ec2.DescribeVolumesInput{VolumeIds: want[:1], MaxResults: aws.Int32(5)},
			"InvalidParameterCombination", "The parameter volumeSet cannot be used with the parameter maxResults"},
		{"MaxResults below 5", &ec2.DescribeVolumesInput{MaxResults: aws.Int32(4)},
			"InvalidParameterValue", "Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5."},
		{"malformed id", &ec2.DescribeVolumesInput{VolumeIds: []string{"vol-nope"}},
			"InvalidVolumeID.Malformed", `Invalid id: "vol-nope"`},
		{"unknown filter", &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("color"), Values: []string{"red"}}}},
			"InvalidParameterValue", "The filter 'color' is invalid"},
		{"bad token", &ec2.DescribeVolumesInput{NextToken: aws.String("garbage")},
			"InvalidPaginationToken", "Invalid pagination token: garbage"},
		{"dry run", &ec2.DescribeVolumesInput{DryRun: aws.Bool(true)},
			"DryRunOperation", "Request would have succeeded, but DryRun flag is set."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DescribeVolumes(t.Context(), tt.in)
			if ae := wantAPIError(t, err, tt.code, 0); ae.ErrorMessage() != tt.msg {
				t.Errorf("message %q, want %q", ae.ErrorMessage(), tt.msg)
			}
		})
	}
}

// TestECSDescribeDisksVolumes lists the system disks of ECS instances with
// the Alibaba SDK: by instance, by DiskIds, page by page.
func TestECSDescribeDisksVolumes(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	ids := ecsRun(t, c, "ecs.g6.large", 3, nil)

	byInstance := ecs.CreateDescribeDisksRequest()
	byInstance.InstanceId = ids[0]
	resp, err := c.DescribeDisks(byInstance)
	if err != nil {
		t.Fatalf("DescribeDisks: %v", err)
	}
	if resp.TotalCount != 1 || len(resp.Disks.Disk) != 1 {
		t.Fatalf("DescribeDisks InstanceId=%s: %+v", ids[0], resp.Disks)
	}
	d := resp.Disks.Disk[0]
	same(t, "disk of "+ids[0], []string{d.InstanceId, d.Type, d.Category, d.Device, d.Status},
		[]string{ids[0], "system", "cloud_essd", "/dev/xvda", "In_use"})
	if d.Size != 20 || !d.DeleteWithInstance || len(d.Attachments.Attachment) != 1 {
		t.Errorf("disk %s: size %d, DeleteWithInstance %v, attachments %+v", d.DiskId, d.Size, d.DeleteWithInstance, d.Attachments)
	}

	byID := ecs.CreateDescribeDisksRequest()
	byID.DiskIds = `["` + d.DiskId + `"]`
	if resp, err := c.DescribeDisks(byID); err != nil || len(resp.Disks.Disk) != 1 || resp.Disks.Disk[0].InstanceId != ids[0] {
		t.Errorf("DescribeDisks DiskIds=%s: %+v, %v", byID.DiskIds, resp, err)
	}

	var seen []string
	for page := 1; page <= 3; page++ {
		req := ecs.CreateDescribeDisksRequest()
		req.PageNumber, req.PageSize = requests.NewInteger(page), requests.NewInteger(2)
		resp, err := c.DescribeDisks(req)
		if err != nil {
			t.Fatalf("DescribeDisks page %d: %v", page, err)
		}
		if resp.TotalCount != 3 {
			t.Errorf("page %d: TotalCount %d, want 3", page, resp.TotalCount)
		}
		for _, d := range resp.Disks.Disk {
			seen = append(seen, d.InstanceId)
		}
	}
	slices.Sort(seen)
	want := slices.Sorted(slices.Values(ids))
	same(t, "instances of the disks over all pages", seen, want)

	bad := ecs.CreateDescribeDisksRequest()
	bad.Status = "Sleeping"
	_, err = c.DescribeDisks(bad)
	wantECSError(t, err, "InvalidParameter", 400)
}

package ec2api

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
)

const (
	vid1 = "vol-0123456789abcdef0"
	vid2 = "vol-0123456789abcdef1"
	vidS = "vol-1a2b3c4d" // the short, pre-2016 form
)

func TestDescribeVolumesDecode(t *testing.T) {
	many := []string{}
	for i := 1; i <= maxIDsPerCall+1; i++ {
		many = append(many, "VolumeId."+strconv.Itoa(i), fmt.Sprintf("vol-%08x", i))
	}
	call := func(q instance.VolumeQuery) *coreCall {
		return &coreCall{Method: "DescribeVolumes", Account: testAccount, Volumes: &q}
	}
	runOpCases(t, "DescribeVolumes", []opCase{
		{name: "everything", form: nil, want: call(instance.VolumeQuery{Filters: []instance.VolumeFilter{}})},
		{name: "ids in index order, repeats dropped", form: []string{"VolumeId.2", vidS, "VolumeId.1", vid1, "VolumeId.3", vid1},
			want: call(instance.VolumeQuery{IDs: []string{vid1, vidS}, Filters: []instance.VolumeFilter{}})},
		{name: "filters", form: []string{
			"Filter.1.Name", "attachment.instance-id", "Filter.1.Value.1", iid1, "Filter.1.Value.2", iid2,
			"Filter.2.Name", "status", "Filter.2.Value.1", "in-use",
			"Filter.3.Name", "tag:Name", "Filter.3.Value.1", "web*",
			"Filter.4.Name", "availability-zone-id", "Filter.4.Value.1", "use1-az2",
			"Filter.5.Name", "attachment.delete-on-termination", "Filter.5.Value.1", "false",
			"Filter.6.Name", "volume-type", "Filter.6.Value.1", "gp3",
			"Filter.7.Name", "size", "Filter.7.Value.1", "8",
			"Filter.8.Name", "create-time", "Filter.8.Value.1", "2026-11-22T*",
			"Filter.9.Name", "availability-zone-id", "Filter.9.Value.1", "euw1-az1",
		},
			want: call(instance.VolumeQuery{Filters: []instance.VolumeFilter{
				{Field: instance.VolumeFieldAttachInstance, Values: []string{iid1, iid2}},
				{Field: instance.VolumeFieldState, Values: []string{"in-use"}},
				{Field: instance.VolumeFieldTag, Key: "Name", Values: []string{"web*"}},
				{Field: instance.VolumeFieldZone, Values: []string{"us-east-1b"}},
				{Field: instance.VolumeFieldAttachDeleteOnTermination, Values: []string{"false"}},
				{Field: instance.VolumeFieldType, Values: []string{"gp3"}},
				{Field: instance.VolumeFieldSize, Values: []string{"8"}},
				{Field: instance.VolumeFieldCreateTime, Values: []string{"2026-11-22T*"}},
				{Field: instance.VolumeFieldZone, Values: []string{}},
			}})},
		{name: "page", form: []string{"MaxResults", "5", "NextToken", "tok"},
			want: call(instance.VolumeQuery{Filters: []instance.VolumeFilter{}, MaxResults: 5, NextToken: "tok"})},
		{name: "more than 500 is served as 500", form: []string{"MaxResults", "1000"},
			want: call(instance.VolumeQuery{Filters: []instance.VolumeFilter{}, MaxResults: 500})},
		{name: "dry run ends after authorization", form: []string{"DryRun", "true"},
			wantCode: "DryRunOperation", wantStatus: 412, wantMsg: "Request would have succeeded, but DryRun flag is set."},
		{name: "malformed id", form: []string{"VolumeId.1", "volume-1"},
			wantCode: "InvalidVolumeID.Malformed", wantStatus: 400, wantMsg: `Invalid id: "volume-1" (expecting "vol-...")`},
		{name: "malformed id with the prefix", form: []string{"VolumeId.1", "vol-xyz"},
			wantCode: "InvalidVolumeID.Malformed", wantStatus: 400, wantMsg: `Invalid id: "vol-xyz"`},
		{name: "an instance id is no volume id", form: []string{"VolumeId.1", vid1, "VolumeId.2", iid1},
			wantCode: "InvalidVolumeID.Malformed", wantStatus: 400, wantMsg: `Invalid id: "` + iid1 + `" (expecting "vol-...")`},
		{name: "too many ids", form: many, wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "ids with MaxResults", form: []string{"VolumeId.1", vid1, "MaxResults", "5"},
			wantCode: "InvalidParameterCombination", wantStatus: 400, wantMsg: "The parameter volumeSet cannot be used with the parameter maxResults"},
		{name: "MaxResults below 5", form: []string{"MaxResults", "4"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5."},
		{name: "MaxResults not a number", form: []string{"MaxResults", "many"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "unknown filter", form: []string{"Filter.1.Name", "instance-state-name", "Filter.1.Value.1", "running"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "The filter 'instance-state-name' is invalid"},
		{name: "filter without values", form: []string{"Filter.1.Name", "status"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "The filter 'status' must have at least one value."},
		{name: "filter without name", form: []string{"Filter.1.Value.1", "x"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "The filter 'null' is invalid"},
	})
}

func TestRunInstancesVolumeTypeDecode(t *testing.T) {
	base := []string{"ImageId", catalog.ImageShell, "MinCount", "1", "MaxCount", "1", "BlockDeviceMapping.1.DeviceName", "/dev/xvda"}
	with := func(kv ...string) []string { return append(append([]string{}, base...), kv...) }
	run := func(r instance.RunRequest) *coreCall {
		r.ImageID, r.MinCount, r.MaxCount = catalog.ImageShell, 1, 1
		return &coreCall{Method: "Run", Account: testAccount, Run: &r}
	}
	runOpCases(t, "RunInstances", []opCase{
		{name: "gp2", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "gp2"),
			want: run(instance.RunRequest{RootVolumeType: "gp2"})},
		{name: "gp3 with iops and throughput", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "gp3",
			"BlockDeviceMapping.1.Ebs.Iops", "6000", "BlockDeviceMapping.1.Ebs.Throughput", "500"),
			want: run(instance.RunRequest{RootVolumeType: "gp3", RootIops: 6000, RootThroughput: 500})},
		{name: "no type: gp3 takes iops", form: with("BlockDeviceMapping.1.Ebs.Iops", "3000"),
			want: run(instance.RunRequest{RootIops: 3000})},
		{name: "io2 with iops", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "io2", "BlockDeviceMapping.1.Ebs.Iops", "256000"),
			want: run(instance.RunRequest{RootVolumeType: "io2", RootIops: 256000})},
		{name: "st1 of 125 GiB", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "st1", "BlockDeviceMapping.1.Ebs.VolumeSize", "125"),
			want: run(instance.RunRequest{RootVolumeType: "st1", RootVolumeSizeGiB: 125})},
		{name: "unknown type", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "gp9"),
			wantCode: "InvalidParameterValue", wantStatus: 400,
			wantMsg: "Value (gp9) for parameter volumeType is invalid. Valid values are standard, io1, io2, gp2, sc1, st1 and gp3."},
		{name: "io1 without iops", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "io1"),
			wantCode: "InvalidParameterCombination", wantStatus: 400, wantMsg: "The parameter iops must be specified for io1 volumes."},
		{name: "iops on gp2", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "gp2", "BlockDeviceMapping.1.Ebs.Iops", "300"),
			wantCode: "InvalidParameterCombination", wantStatus: 400, wantMsg: "The parameter iops is not supported for gp2 volumes."},
		{name: "iops on standard", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "standard", "BlockDeviceMapping.1.Ebs.Iops", "300"),
			wantCode: "InvalidParameterCombination", wantStatus: 400, wantMsg: "The parameter iops is not supported for standard volumes."},
		{name: "throughput on io2", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "io2", "BlockDeviceMapping.1.Ebs.Iops", "1000",
			"BlockDeviceMapping.1.Ebs.Throughput", "200"),
			wantCode: "InvalidParameterCombination", wantStatus: 400, wantMsg: "throughput can only be specified for volumeType gp3."},
		{name: "gp3 iops below the minimum", form: with("BlockDeviceMapping.1.Ebs.Iops", "2999"),
			wantCode: "InvalidParameterValue", wantStatus: 400,
			wantMsg: "Value (2999) for parameter iops is invalid. The iops of gp3 volumes must be between 3000 and 80000."},
		{name: "io1 iops above the maximum", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "io1", "BlockDeviceMapping.1.Ebs.Iops", "64001"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "gp3 throughput above the maximum", form: with("BlockDeviceMapping.1.Ebs.Throughput", "2001"),
			wantCode: "InvalidParameterValue", wantStatus: 400,
			wantMsg: "Value (2001) for parameter throughput is invalid. The throughput of gp3 volumes must be between 125 and 2000 MiB/s."},
		{name: "gp3 throughput below the minimum", form: with("BlockDeviceMapping.1.Ebs.Throughput", "124"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "st1 of the image's 8 GiB", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "st1"),
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "Volume of 8GiB is too small for volume type st1; minimum is 125GiB."},
		{name: "io2 of 2 GiB", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "io2", "BlockDeviceMapping.1.Ebs.Iops", "100",
			"BlockDeviceMapping.1.Ebs.VolumeSize", "2"),
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "Volume of 2GiB is too small for volume type io2; minimum is 4GiB."},
		{name: "standard of 2000 GiB", form: with("BlockDeviceMapping.1.Ebs.VolumeType", "standard", "BlockDeviceMapping.1.Ebs.VolumeSize", "2000"),
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "Volume of 2000GiB is too large for volume type standard; maximum is 1024GiB."},
		{name: "iops not a number", form: with("BlockDeviceMapping.1.Ebs.Iops", "fast"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
	})
}

func TestEBSPerformance(t *testing.T) {
	tests := []struct {
		name             string
		v                instance.VolumeInfo
		iops, throughput int
	}{
		{"gp3 defaults", instance.VolumeInfo{Type: "gp3", SizeGiB: 8}, 3000, 125},
		{"gp3 provisioned", instance.VolumeInfo{Type: "gp3", SizeGiB: 8, Iops: 6000, Throughput: 500}, 6000, 500},
		{"gp2 small: the 100 floor", instance.VolumeInfo{Type: "gp2", SizeGiB: 8}, 100, 0},
		{"gp2: 3 per GiB", instance.VolumeInfo{Type: "gp2", SizeGiB: 100}, 300, 0},
		{"gp2 large: the 16000 cap", instance.VolumeInfo{Type: "gp2", SizeGiB: 16000}, 16000, 0},
		{"io2 provisioned", instance.VolumeInfo{Type: "io2", SizeGiB: 8, Iops: 5000}, 5000, 0},
		{"st1: none", instance.VolumeInfo{Type: "st1", SizeGiB: 500}, 0, 0},
		{"standard: none", instance.VolumeInfo{Type: "standard", SizeGiB: 8}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iops, thr := ebsPerformance(&tt.v)
			if d := cmp.Diff([]int{iops, thr}, []int{tt.iops, tt.throughput}); d != "" {
				t.Errorf("iops, throughput (-got +want):\n%s", d)
			}
		})
	}
}

// goldenVolumes is what the DescribeVolumes golden file renders: an
// attached, tagged gp3 volume and an available io2 one, with a next page.
func goldenVolumes() []*instance.VolumeInfo {
	return []*instance.VolumeInfo{
		{ID: vid1, AccountID: testAccount, AvailabilityZone: "us-east-1a", SizeGiB: 8, Type: "gp3",
			CreatedAt: testNow, State: instance.VolumeInUse, Tags: []instance.Tag{{Key: "Name", Value: "root & data"}},
			Attachments: []instance.VolumeAttachment{{InstanceID: iid1, Device: "/dev/xvda", State: instance.AttachmentAttached,
				AttachTime: testNow.Add(1500 * time.Millisecond), DeleteOnTermination: true}}},
		{ID: vid2, AccountID: testAccount, AvailabilityZone: "us-east-1b", SizeGiB: 20, Type: "io2", Iops: 5000,
			CreatedAt: testNow, State: instance.VolumeAvailable},
	}
}

func TestDescribeVolumesGolden(t *testing.T) {
	h := newTestHandler(t, &fakeCore{vols: goldenVolumes(), next: "page-2"})
	w := do(t, h, "Action", "DescribeVolumes", "Version", APIVersion)
	if w.Code != 200 {
		t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
	}
	got := w.Body.Bytes()
	tree, err := parseTree(got)
	if err != nil {
		t.Fatalf("response is not well-formed XML: %v\n%s", err, got)
	}
	path := filepath.Join("testdata", "DescribeVolumes.xml")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	wantTree, err := parseTree(want)
	if err != nil {
		t.Fatalf("golden %s: %v", path, err)
	}
	if d := cmp.Diff(tree.String(), wantTree.String()); d != "" {
		t.Errorf("%s (-got +want):\n%s", path, d)
	}
}

// botocoreParseVolumes feeds a response body to botocore's EC2 parser with
// the real service model and prints what the SDK hands a caller.
const botocoreParseVolumes = `
import json, sys
import botocore.session
from botocore.parsers import create_parser
model = botocore.session.get_session().get_service_model('ec2')
shape = model.operation_model('DescribeVolumes').output_shape
body = open(sys.argv[1], 'rb').read()
parsed = create_parser('ec2').parse({'body': body, 'headers': {}, 'status_code': 200}, shape)
parsed.pop('ResponseMetadata', None)
print(json.dumps(parsed, default=str, sort_keys=True))
`

// TestDescribeVolumesBotocore checks the golden answer as botocore reads
// it: every member lands in the model's field with the model's type. It
// runs only where python3 can import botocore.
func TestDescribeVolumesBotocore(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	if out, err := exec.Command(py, "-c", "import botocore").CombinedOutput(); err != nil {
		t.Skipf("botocore not importable: %v: %s", err, out)
	}
	out, err := exec.Command(py, "-c", botocoreParseVolumes, filepath.Join("testdata", "DescribeVolumes.xml")).Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	want := map[string]any{
		"NextToken": "page-2",
		"Volumes": []any{
			map[string]any{
				"VolumeId": vid1, "Size": 8.0, "SnapshotId": "", "AvailabilityZone": "us-east-1a", "AvailabilityZoneId": "use1-az1",
				"State": "in-use", "CreateTime": "2026-11-22 20:30:00+00:00",
				"Attachments": []any{map[string]any{
					"VolumeId": vid1, "InstanceId": iid1, "Device": "/dev/xvda", "State": "attached",
					"AttachTime": "2026-11-22 20:30:01.500000+00:00", "DeleteOnTermination": true,
				}},
				"Tags":       []any{map[string]any{"Key": "Name", "Value": "root & data"}},
				"VolumeType": "gp3", "Iops": 3000.0, "Throughput": 125.0, "Encrypted": false, "MultiAttachEnabled": false,
			},
			map[string]any{
				"VolumeId": vid2, "Size": 20.0, "SnapshotId": "", "AvailabilityZone": "us-east-1b", "AvailabilityZoneId": "use1-az2",
				"State": "available", "CreateTime": "2026-11-22 20:30:00+00:00", "Attachments": []any{},
				"VolumeType": "io2", "Iops": 5000.0, "Encrypted": false, "MultiAttachEnabled": false,
			},
		},
	}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("DescribeVolumes as botocore parses it (-got +want):\n%s", d)
	}
}

// TestCoreVolumes drives DescribeVolumes over the real engine: a root
// volume launched to be kept outlives its instance, the other goes with it.
func TestCoreVolumes(t *testing.T) {
	r := newCoreRig(t)
	kept := r.run("BlockDeviceMapping.1.DeviceName", "/dev/xvda", "BlockDeviceMapping.1.Ebs.DeleteOnTermination", "false",
		"BlockDeviceMapping.1.Ebs.VolumeType", "gp2", "BlockDeviceMapping.1.Ebs.VolumeSize", "100",
		"TagSpecification.1.ResourceType", "volume", "TagSpecification.1.Tag.1.Key", "Name", "TagSpecification.1.Tag.1.Value", "data")
	gone := r.run()
	r.await(kept, "running")
	r.await(gone, "running")

	byInstance := func(ids ...string) []string {
		form := []string{"Action", "DescribeVolumes", "Filter.1.Name", "attachment.instance-id"}
		for i, id := range ids {
			form = append(form, fmt.Sprintf("Filter.1.Value.%d", i+1), id)
		}
		return volumeSummaries(r.ok(form...))
	}
	keptVol := r.ok("Action", "DescribeVolumes", "Filter.1.Name", "attachment.instance-id", "Filter.1.Value.1", kept).
		find("volumeSet/item/volumeId").Text
	goneVol := r.ok("Action", "DescribeVolumes", "Filter.1.Name", "attachment.instance-id", "Filter.1.Value.1", gone).
		find("volumeSet/item/volumeId").Text
	want := []string{
		keptVol + " in-use gp2 100 iops=300 tag:Name=data att:" + kept + ",/dev/xvda,attached,false",
		goneVol + " in-use gp3 8 iops=3000 att:" + gone + ",/dev/xvda,attached,true",
	}
	if keptVol > goneVol {
		want[0], want[1] = want[1], want[0]
	}
	if d := cmp.Diff(byInstance(kept, gone), want); d != "" {
		t.Errorf("volumes while both run (-got +want):\n%s", d)
	}

	r.ok("Action", "TerminateInstances", "InstanceId.1", kept, "InstanceId.2", gone)
	r.await(kept, "terminated")
	r.await(gone, "terminated")
	if d := cmp.Diff(volumeSummaries(r.ok("Action", "DescribeVolumes", "VolumeId.1", keptVol)),
		[]string{keptVol + " available gp2 100 iops=300 tag:Name=data"}); d != "" {
		t.Errorf("kept volume after terminate (-got +want):\n%s", d)
	}
	if d := cmp.Diff(byInstance(kept, gone), []string(nil)); d != "" {
		t.Errorf("attachment filter after terminate (-got +want):\n%s", d)
	}
	msg := r.fails("InvalidVolume.NotFound", 400, "Action", "DescribeVolumes", "VolumeId.1", goneVol)
	if want := "The volume '" + goneVol + "' does not exist."; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	r.fails("InvalidVolume.NotFound", 400, "Action", "DescribeVolumes", "VolumeId.1", keptVol, "VolumeId.2", goneVol)
	r.fails("InvalidPaginationToken", 400, "Action", "DescribeVolumes", "NextToken", "not-a-token")

	// After the retention the loop purges the instance record; the volume stays.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := r.svc.Get(context.Background(), testAccount, kept); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("terminated instance never purged")
		}
		r.clk.Advance(time.Hour)
		time.Sleep(2 * time.Millisecond)
	}
	if d := cmp.Diff(volumeSummaries(r.ok("Action", "DescribeVolumes", "Filter.1.Name", "status", "Filter.1.Value.1", "available")),
		[]string{keptVol + " available gp2 100 iops=300 tag:Name=data"}); d != "" {
		t.Errorf("available volumes (-got +want):\n%s", d)
	}
}

// volumeSummaries renders each volume of a DescribeVolumes answer on one
// line: id, status, type, size, iops, tags and attachments.
func volumeSummaries(tree *node) []string {
	set := tree.find("volumeSet")
	if set == nil {
		return nil
	}
	var out []string
	for _, v := range set.Children {
		text := func(n *node, p string) string {
			if c := n.find(p); c != nil {
				return c.Text
			}
			return ""
		}
		s := fmt.Sprintf("%s %s %s %s", text(v, "volumeId"), text(v, "status"), text(v, "volumeType"), text(v, "size"))
		if iops := text(v, "iops"); iops != "" {
			s += " iops=" + iops
		}
		if tags := v.find("tagSet"); tags != nil {
			for _, tg := range tags.Children {
				s += " tag:" + text(tg, "key") + "=" + text(tg, "value")
			}
		}
		for _, a := range v.find("attachmentSet").Children {
			s += " att:" + text(a, "instanceId") + "," + text(a, "device") + "," + text(a, "status") + "," + text(a, "deleteOnTermination")
		}
		out = append(out, s)
	}
	return out
}

package ec2api

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testInstance is a running, tagged, EBS-backed instance with a public IP.
func testInstance() *instance.Instance {
	return &instance.Instance{
		ID: iid1, AccountID: testAccount, ReservationID: "r-0123456789abcdef0",
		ImageID: catalog.ImageShell, InstanceType: "t3.micro", AvailabilityZone: "us-east-1a",
		KeyName: "my-key", UserData: []byte("echo hi"),
		State: instance.Running, StateTransitionReason: "",
		CreatedAt: testNow, LaunchTime: testNow.Add(1500 * time.Millisecond),
		PrivateIP: "172.31.1.2", PublicIP: "198.18.0.5", Region: testRegion,
		RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		Volumes: []instance.Volume{
			{ID: "vol-0123456789abcdef0", DeviceName: "/dev/xvda", SizeGiB: 8, DeleteOnTermination: true, AttachTime: testNow},
		},
		ShutdownBehavior: "stop", DisableAPIStop: true, HibernationConfigured: true,
		ClientToken: "token-1",
		Tags:        []instance.Tag{{Key: "Name", Value: "web"}, {Key: "team", Value: "a&b"}},
	}
}

// stoppedSpotInstance is a stopped spot instance in another region, with a
// state reason and an instance-store scratch disk.
func stoppedSpotInstance() *instance.Instance {
	return &instance.Instance{
		ID: iid2, AccountID: testAccount, ReservationID: "r-0123456789abcdef1", LaunchIndex: 1,
		ImageID: catalog.ImageShell, InstanceType: "m5d.large", AvailabilityZone: "eu-west-1b",
		State:                 instance.Stopped,
		StateTransitionReason: "User initiated (2026-11-22 20:31:00 GMT)",
		StateReason:           &instance.ReasonUserShutdown,
		CreatedAt:             testNow, LaunchTime: testNow,
		PrivateIP: "172.31.9.9", Region: "eu-west-1",
		RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		Volumes: []instance.Volume{
			{ID: "vol-0123456789abcdef1", DeviceName: "/dev/xvda", SizeGiB: 8, DeleteOnTermination: false, AttachTime: testNow},
			{ID: "ephemeral0", DeviceName: "/dev/nvme1n1", SizeGiB: 75, Scratch: true, AttachTime: testNow},
		},
		ShutdownBehavior: "stop", Spot: true, SpotType: "persistent",
	}
}

// goldenCase is one request answered from a canned core.
type goldenCase struct {
	name string
	core *fakeCore
	form []string
}

func TestResponsesGolden(t *testing.T) {
	seedChange := []instance.StateChange{{InstanceID: "i-1234567890abcdef0", Previous: instance.Running, Current: instance.Stopping}}
	cases := []goldenCase{
		// Seed 001's sample response, element for element.
		{"StopInstances", &fakeCore{changes: seedChange}, []string{"Action", "StopInstances", "InstanceId.1", "i-1234567890abcdef0"}},
		{"StartInstances", &fakeCore{changes: []instance.StateChange{{InstanceID: iid1, Previous: instance.Stopped, Current: instance.Pending}}},
			[]string{"Action", "StartInstances", "InstanceId.1", iid1}},
		{"TerminateInstances", &fakeCore{changes: []instance.StateChange{
			{InstanceID: iid1, Previous: instance.Running, Current: instance.ShuttingDown},
			{InstanceID: iid2, Previous: instance.Terminated, Current: instance.Terminated}}},
			[]string{"Action", "TerminateInstances", "InstanceId.1", iid1, "InstanceId.2", iid2}},
		{"RebootInstances", &fakeCore{}, []string{"Action", "RebootInstances", "InstanceId.1", iid1}},
		{"CreateTags", &fakeCore{}, []string{"Action", "CreateTags", "ResourceId.1", iid1, "Tag.1.Key", "a"}},
		{"DeleteTags", &fakeCore{}, []string{"Action", "DeleteTags", "ResourceId.1", iid1}},
		{"ModifyInstanceAttribute", &fakeCore{}, []string{"Action", "ModifyInstanceAttribute", "InstanceId", iid1, "DisableApiStop.Value", "false"}},
		{"RunInstances", &fakeCore{insts: []*instance.Instance{testInstance()}},
			[]string{"Action", "RunInstances", "ImageId", catalog.ImageShell, "MinCount", "1", "MaxCount", "1"}},
		{"DescribeInstances", &fakeCore{insts: []*instance.Instance{testInstance(), stoppedSpotInstance()}, next: "page-2"},
			[]string{"Action", "DescribeInstances"}},
		{"DescribeInstancesEmpty", &fakeCore{}, []string{"Action", "DescribeInstances"}},
		{"DescribeInstanceStatus", &fakeCore{insts: []*instance.Instance{testInstance(), stoppedSpotInstance()}},
			[]string{"Action", "DescribeInstanceStatus", "IncludeAllInstances", "true"}},
		{"DescribeTags", &fakeCore{tagList: []instance.TagDescription{
			{ResourceID: iid1, ResourceType: "instance", Key: "Name", Value: "web"},
			{ResourceID: "vol-0123456789abcdef0", ResourceType: "volume", Key: "team", Value: ""}}},
			[]string{"Action", "DescribeTags"}},
		{"DescribeInstanceAttributeUserData", &fakeCore{insts: []*instance.Instance{testInstance()}},
			[]string{"Action", "DescribeInstanceAttribute", "InstanceId", iid1, "Attribute", "userData"}},
		{"DescribeInstanceAttributeDisableApiStop", &fakeCore{insts: []*instance.Instance{testInstance()}},
			[]string{"Action", "DescribeInstanceAttribute", "InstanceId", iid1, "Attribute", "disableApiStop"}},
		{"DescribeInstanceAttributeShutdown", &fakeCore{insts: []*instance.Instance{testInstance()}},
			[]string{"Action", "DescribeInstanceAttribute", "InstanceId", iid1, "Attribute", "instanceInitiatedShutdownBehavior"}},
		{"DescribeInstanceAttributeBlockDevices", &fakeCore{insts: []*instance.Instance{testInstance()}},
			[]string{"Action", "DescribeInstanceAttribute", "InstanceId", iid1, "Attribute", "blockDeviceMapping"}},
		{"GetConsoleOutput", &fakeCore{console: instance.ConsoleOutput{InstanceID: iid1, Output: []byte("boot ok\n"), Timestamp: testNow}},
			[]string{"Action", "GetConsoleOutput", "InstanceId", iid1}},
		{"DescribeImages", &fakeCore{}, []string{"Action", "DescribeImages", "Owner.1", "amazon"}},
		{"DescribeInstanceTypes", &fakeCore{}, []string{"Action", "DescribeInstanceTypes", "InstanceType.1", "t3.micro", "InstanceType.2", "m5d.large"}},
		{"DescribeRegions", &fakeCore{}, []string{"Action", "DescribeRegions", "RegionName.1", "us-east-1", "RegionName.2", "eu-west-1"}},
		{"DescribeAvailabilityZones", &fakeCore{}, []string{"Action", "DescribeAvailabilityZones"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, tc.core)
			w := do(t, h, append(tc.form, "Version", APIVersion)...)
			if w.Code != 200 {
				t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/xml;charset=UTF-8" {
				t.Errorf("Content-Type %q", ct)
			}
			got := w.Body.Bytes()
			tree, err := parseTree(got)
			if err != nil {
				t.Fatalf("response is not well-formed XML: %v\n%s", err, got)
			}
			if want := tc.form[1] + "Response"; tree.Name != want {
				t.Errorf("root %q, want %q", tree.Name, want)
			}
			path := filepath.Join("testdata", tc.name+".xml")
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
		})
	}
}

// TestStopInstancesMatchesSeed checks the StopInstances answer against the
// sample response of the API reference (seed 001) structurally.
func TestStopInstancesMatchesSeed(t *testing.T) {
	const seed = `<StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>` + testReqID + `</requestId>
  <instancesSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <currentState><code>64</code><name>stopping</name></currentState>
      <previousState><code>16</code><name>running</name></previousState>
    </item>
  </instancesSet>
</StopInstancesResponse>`
	core := &fakeCore{changes: []instance.StateChange{{InstanceID: "i-1234567890abcdef0", Previous: instance.Running, Current: instance.Stopping}}}
	w := do(t, newTestHandler(t, core), "Action", "StopInstances", "InstanceId.1", "i-1234567890abcdef0", "Version", APIVersion)
	got, err := parseTree(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := parseTree([]byte(seed))
	if d := cmp.Diff(got.String(), want.String()); d != "" {
		t.Errorf("StopInstances response (-got +want):\n%s", d)
	}
}

func TestDescribeInstancesFields(t *testing.T) {
	core := &fakeCore{insts: []*instance.Instance{testInstance(), stoppedSpotInstance()}}
	w := do(t, newTestHandler(t, core), "Action", "DescribeInstances", "Version", APIVersion)
	tree, err := parseTree(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	rs := tree.find("reservationSet")
	if rs == nil || len(rs.Children) != 2 {
		t.Fatalf("want two reservations:\n%s", tree)
	}
	text := func(n *node, path string) string {
		if c := n.find(path); c != nil {
			return c.Text
		}
		return "<absent>"
	}
	run := rs.Children[0].find("instancesSet/item")
	stopped := rs.Children[1].find("instancesSet/item")
	tests := []struct {
		n    *node
		path string
		want string
	}{
		{rs.Children[0], "reservationId", "r-0123456789abcdef0"},
		{rs.Children[0], "ownerId", testAccount},
		{run, "instanceState/code", "16"},
		{run, "instanceState/name", "running"},
		{run, "privateDnsName", "ip-172-31-1-2.ec2.internal"},
		{run, "dnsName", "ec2-198-18-0-5.compute-1.amazonaws.com"},
		{run, "launchTime", "2026-11-22T20:30:01.500Z"},
		{run, "placement/availabilityZone", "us-east-1a"},
		{run, "placement/tenancy", "default"},
		{run, "monitoring/state", "disabled"},
		{run, "ipAddress", "198.18.0.5"},
		{run, "blockDeviceMapping/item/ebs/status", "attached"},
		{run, "blockDeviceMapping/item/ebs/deleteOnTermination", "true"},
		{run, "blockDeviceMapping/item/ebs/attachTime", "2026-11-22T20:30:00.000Z"},
		{run, "tagSet/item/key", "Name"},
		{run, "hibernationOptions/configured", "true"},
		{run, "platformDetails", "Linux/UNIX"},
		{run, "architecture", "x86_64"},
		{run, "instanceLifecycle", "<absent>"},
		{run, "stateReason", "<absent>"},
		{stopped, "instanceState/code", "80"},
		{stopped, "privateDnsName", "ip-172-31-9-9.eu-west-1.compute.internal"},
		{stopped, "dnsName", ""},
		{stopped, "ipAddress", "<absent>"},
		{stopped, "reason", "User initiated (2026-11-22 20:31:00 GMT)"},
		{stopped, "stateReason/code", "Client.UserInitiatedShutdown"},
		{stopped, "instanceLifecycle", "spot"},
		{stopped, "amiLaunchIndex", "1"},
		{stopped, "tagSet", "<absent>"},
		{stopped, "blockDeviceMapping/item/ebs/volumeId", "vol-0123456789abcdef1"},
	}
	for _, tt := range tests {
		if got := text(tt.n, tt.path); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.path, got, tt.want)
		}
	}
	if n := len(stopped.find("blockDeviceMapping").Children); n != 1 {
		t.Errorf("stopped instance lists %d block devices, want 1 (scratch disks are not EBS)", n)
	}
}

func TestDNSNames(t *testing.T) {
	tests := []struct{ region, ip, private, public string }{
		{"us-east-1", "172.31.1.2", "ip-172-31-1-2.ec2.internal", "ec2-172-31-1-2.compute-1.amazonaws.com"},
		{"eu-west-1", "10.0.0.1", "ip-10-0-0-1.eu-west-1.compute.internal", "ec2-10-0-0-1.eu-west-1.compute.amazonaws.com"},
		{"us-east-1", "", "", ""},
	}
	for _, tt := range tests {
		got := []string{privateDNSName(tt.region, tt.ip), publicDNSName(tt.region, tt.ip)}
		if d := cmp.Diff(got, []string{tt.private, tt.public}); d != "" {
			t.Errorf("%s %s (-got +want):\n%s", tt.region, tt.ip, d)
		}
	}
}

package ec2api

import (
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
)

const (
	iid1 = "i-0123456789abcdef0"
	iid2 = "i-0123456789abcdef1"
	iidS = "i-12345678" // the short, pre-2016 form
)

func ptr[T any](v T) *T { return &v }

// opCase is one request and what the handler must make of it: either the
// core call it decodes to, or the error it answers without calling the core.
type opCase struct {
	name       string
	form       []string // key, value pairs after Action and Version
	want       *coreCall
	wantCode   string
	wantStatus int
	wantMsg    string
}

// runOpCases sends each case's form for action and checks the outcome.
func runOpCases(t *testing.T, action string, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			core := &fakeCore{}
			h := newTestHandler(t, core)
			form := append([]string{"Action", action}, tc.form...)
			form = append(form, "Version", APIVersion) // the Go SDK puts Version last
			w := do(t, h, form...)
			got := core.lastCall()
			if tc.wantCode == "" {
				if w.Code != 200 {
					t.Fatalf("status %d, want 200:\n%s", w.Code, w.Body.String())
				}
			} else {
				e := parseError(t, w)
				if e.Code != tc.wantCode || w.Code != tc.wantStatus {
					t.Fatalf("got %d %s (%s), want %d %s", w.Code, e.Code, e.Message, tc.wantStatus, tc.wantCode)
				}
				if tc.wantMsg != "" && e.Message != tc.wantMsg {
					t.Errorf("message %q, want %q", e.Message, tc.wantMsg)
				}
				if e.RequestID != testReqID {
					t.Errorf("RequestID %q, want %q", e.RequestID, testReqID)
				}
			}
			if tc.want == nil {
				if got != nil {
					t.Errorf("core was called: %+v", *got)
				}
				return
			}
			if got == nil {
				t.Fatalf("core was not called")
			}
			if d := cmp.Diff(got, tc.want); d != "" {
				t.Errorf("core call (-got +want):\n%s", d)
			}
		})
	}
}

func TestStopInstancesDecode(t *testing.T) {
	many := []string{}
	for i := 1; i <= maxIDsPerCall+1; i++ {
		many = append(many, "InstanceId."+strconv.Itoa(i), "i-"+strconv.FormatInt(int64(0x10000000+i), 16))
	}
	runOpCases(t, "StopInstances", []opCase{
		{name: "one id", form: []string{"InstanceId.1", iid1},
			want: &coreCall{Method: "Stop", Account: testAccount, IDs: []string{iid1}, Stop: &instance.StopRequest{}}},
		{name: "ids in index order, repeats dropped", form: []string{"InstanceId.2", iidS, "InstanceId.1", iid1, "InstanceId.3", iid1},
			want: &coreCall{Method: "Stop", Account: testAccount, IDs: []string{iid1, iidS}, Stop: &instance.StopRequest{}}},
		{name: "force", form: []string{"InstanceId.1", iid1, "Force", "true"},
			want: &coreCall{Method: "Stop", Account: testAccount, IDs: []string{iid1}, Stop: &instance.StopRequest{Force: true}}},
		{name: "skip os shutdown forces", form: []string{"InstanceId.1", iid1, "SkipOsShutdown", "true"},
			want: &coreCall{Method: "Stop", Account: testAccount, IDs: []string{iid1}, Stop: &instance.StopRequest{Force: true}}},
		{name: "hibernate", form: []string{"InstanceId.1", iid1, "Hibernate", "TRUE", "Force", "false"},
			want: &coreCall{Method: "Stop", Account: testAccount, IDs: []string{iid1}, Stop: &instance.StopRequest{Hibernate: true}}},
		{name: "dry run reaches the core and answers 412", form: []string{"InstanceId.1", iid1, "DryRun", "true"},
			want:     &coreCall{Method: "Stop", Account: testAccount, IDs: []string{iid1}, DryRun: true, Stop: &instance.StopRequest{DryRun: true}},
			wantCode: "DryRunOperation", wantStatus: 412, wantMsg: "Request would have succeeded, but DryRun flag is set."},
		{name: "malformed id", form: []string{"InstanceId.1", "ma1"},
			wantCode: "InvalidInstanceID.Malformed", wantStatus: 400, wantMsg: `Invalid id: "ma1"`},
		{name: "upper-case hex is malformed", form: []string{"InstanceId.1", "i-0123456789ABCDEF0"},
			wantCode: "InvalidInstanceID.Malformed", wantStatus: 400},
		{name: "one malformed id fails the batch", form: []string{"InstanceId.1", iid1, "InstanceId.2", "i-123"},
			wantCode: "InvalidInstanceID.Malformed", wantStatus: 400, wantMsg: `Invalid id: "i-123"`},
		{name: "missing ids", form: nil,
			wantCode: "MissingParameter", wantStatus: 400, wantMsg: "The request must contain the parameter InstanceId"},
		{name: "too many ids", form: many, wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad boolean", form: []string{"InstanceId.1", iid1, "Force", "yes"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad DryRun", form: []string{"InstanceId.1", iid1, "DryRun", "1"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad list index", form: []string{"InstanceId.x", iid1},
			wantCode: "InvalidParameterValue", wantStatus: 400},
	})
}

func TestLifecycleDecode(t *testing.T) {
	runOpCases(t, "StartInstances", []opCase{
		{name: "ids", form: []string{"InstanceId.1", iid1, "InstanceId.2", iid2},
			want: &coreCall{Method: "Start", Account: testAccount, IDs: []string{iid1, iid2}}},
		{name: "dry run", form: []string{"InstanceId.1", iid1, "DryRun", "true"},
			want: &coreCall{Method: "Start", Account: testAccount, IDs: []string{iid1}, DryRun: true}, wantCode: "DryRunOperation", wantStatus: 412},
		{name: "missing", wantCode: "MissingParameter", wantStatus: 400},
	})
	runOpCases(t, "RebootInstances", []opCase{
		{name: "ids", form: []string{"InstanceId.1", iid1},
			want: &coreCall{Method: "Reboot", Account: testAccount, IDs: []string{iid1}}},
		{name: "malformed", form: []string{"InstanceId.1", "i-"}, wantCode: "InvalidInstanceID.Malformed", wantStatus: 400},
	})
	runOpCases(t, "TerminateInstances", []opCase{
		{name: "ids", form: []string{"InstanceId.1", iid1, "Force", "true"},
			want: &coreCall{Method: "Terminate", Account: testAccount, IDs: []string{iid1}}},
		{name: "bad force", form: []string{"InstanceId.1", iid1, "Force", "maybe"}, wantCode: "InvalidParameterValue", wantStatus: 400},
	})
	runOpCases(t, "GetConsoleOutput", []opCase{
		{name: "id", form: []string{"InstanceId", iid1, "Latest", "true"},
			want: &coreCall{Method: "ConsoleOutput", Account: testAccount, IDs: []string{iid1}}},
		{name: "dry run stops before the core", form: []string{"InstanceId", iid1, "DryRun", "true"},
			wantCode: "DryRunOperation", wantStatus: 412},
		{name: "missing", wantCode: "MissingParameter", wantStatus: 400, wantMsg: "The request must contain the parameter InstanceId"},
	})
}

func TestRunInstancesDecode(t *testing.T) {
	script := "#!/bin/sh\necho hello\n"
	b64 := base64.StdEncoding.EncodeToString([]byte(script))
	base := []string{"ImageId", catalog.ImageShell, "MinCount", "1", "MaxCount", "1"}
	with := func(kv ...string) []string { return append(append([]string{}, base...), kv...) }
	runOpCases(t, "RunInstances", []opCase{
		{name: "minimal", form: base,
			want: &coreCall{Method: "Run", Account: testAccount, Run: &instance.RunRequest{ImageID: catalog.ImageShell, MinCount: 1, MaxCount: 1}}},
		{name: "everything", form: []string{
			"ImageId", catalog.ImageShell,
			"InstanceType", "t3.micro",
			"MinCount", "2", "MaxCount", "3",
			"UserData", b64,
			"KeyName", "my-key",
			"Placement.AvailabilityZone", "us-east-1b",
			"TagSpecification.1.ResourceType", "instance",
			"TagSpecification.1.Tag.1.Key", "Name",
			"TagSpecification.1.Tag.1.Value", "web",
			"TagSpecification.2.ResourceType", "volume",
			"TagSpecification.2.Tag.1.Key", "team",
			"TagSpecification.2.Tag.1.Value", "",
			"InstanceInitiatedShutdownBehavior", "terminate",
			"DisableApiStop", "true",
			"DisableApiTermination", "true",
			"HibernationOptions.Configured", "true",
			"InstanceMarketOptions.MarketType", "spot",
			"InstanceMarketOptions.SpotOptions.SpotInstanceType", "persistent",
			"BlockDeviceMapping.1.DeviceName", "/dev/xvda",
			"BlockDeviceMapping.1.Ebs.VolumeSize", "20",
			"BlockDeviceMapping.1.Ebs.DeleteOnTermination", "false",
			"BlockDeviceMapping.2.DeviceName", "/dev/sdb",
			"BlockDeviceMapping.2.VirtualName", "ephemeral0",
			"ClientToken", "token-1",
			"SubnetId", "subnet-12345678", // accepted and ignored: no VPCs
		},
			want: &coreCall{Method: "Run", Account: testAccount, Run: &instance.RunRequest{
				ImageID: catalog.ImageShell, InstanceType: "t3.micro", MinCount: 2, MaxCount: 3,
				UserData: []byte(script), KeyName: "my-key", AvailabilityZone: "us-east-1b",
				Tags:             []instance.Tag{{Key: "Name", Value: "web"}},
				VolumeTags:       []instance.Tag{{Key: "team", Value: ""}},
				ShutdownBehavior: "terminate", DisableAPIStop: true, DisableAPITermination: true,
				Hibernation: true, Spot: true, SpotType: "persistent",
				RootVolumeSizeGiB: 20, RootDeleteOnTermination: ptr(false), ClientToken: "token-1",
			}}},
		{name: "dry run", form: with("DryRun", "true"),
			want:     &coreCall{Method: "Run", Account: testAccount, DryRun: true, Run: &instance.RunRequest{ImageID: catalog.ImageShell, MinCount: 1, MaxCount: 1, DryRun: true}},
			wantCode: "DryRunOperation", wantStatus: 412},
		{name: "missing image", form: []string{"MinCount", "1", "MaxCount", "1"},
			wantCode: "MissingParameter", wantStatus: 400, wantMsg: "The request must contain the parameter ImageId"},
		{name: "malformed image", form: []string{"ImageId", "img-1", "MinCount", "1", "MaxCount", "1"},
			wantCode: "InvalidAMIID.Malformed", wantStatus: 400, wantMsg: `Invalid id: "img-1" (expecting "ami-...")`},
		{name: "missing counts", form: []string{"ImageId", catalog.ImageShell},
			wantCode: "MissingParameter", wantStatus: 400, wantMsg: "The request must contain the parameter MinCount"},
		{name: "min zero", form: []string{"ImageId", catalog.ImageShell, "MinCount", "0", "MaxCount", "1"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "min above max", form: []string{"ImageId", catalog.ImageShell, "MinCount", "3", "MaxCount", "2"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "count not a number", form: []string{"ImageId", catalog.ImageShell, "MinCount", "one", "MaxCount", "2"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "user data not base64", form: with("UserData", "not base64!"),
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "Invalid BASE64 encoding of user data."},
		{name: "user data too large", form: with("UserData", base64.StdEncoding.EncodeToString(make([]byte, maxUserDataBytes+1))),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad shutdown behavior", form: with("InstanceInitiatedShutdownBehavior", "hibernate"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad market type", form: with("InstanceMarketOptions.MarketType", "capacity-block"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad spot type", form: with("InstanceMarketOptions.MarketType", "spot", "InstanceMarketOptions.SpotOptions.SpotInstanceType", "forever"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad tag resource type", form: with("TagSpecification.1.ResourceType", "vpc", "TagSpecification.1.Tag.1.Key", "a"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "reserved tag key", form: with("TagSpecification.1.ResourceType", "instance", "TagSpecification.1.Tag.1.Key", "aws:x"),
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "second ebs volume", form: with("BlockDeviceMapping.1.DeviceName", "/dev/sdf", "BlockDeviceMapping.1.Ebs.VolumeSize", "10"),
			wantCode: "UnsupportedOperation", wantStatus: 400},
		{name: "client token too long", form: with("ClientToken", string(make([]byte, 65))),
			wantCode: "InvalidParameterValue", wantStatus: 400},
	})
}

func TestDescribeInstancesDecode(t *testing.T) {
	runOpCases(t, "DescribeInstances", []opCase{
		{name: "all", want: &coreCall{Method: "Describe", Account: testAccount, Query: &instance.Query{Filters: []instance.Filter{}}}},
		{name: "ids", form: []string{"InstanceId.1", iid1},
			want: &coreCall{Method: "Describe", Account: testAccount, Query: &instance.Query{IDs: []string{iid1}, Filters: []instance.Filter{}}}},
		{name: "every filter", form: []string{
			"Filter.1.Name", "instance-id", "Filter.1.Value.1", iid1,
			"Filter.2.Name", "instance-state-name", "Filter.2.Value.1", "running", "Filter.2.Value.2", "stopped",
			"Filter.3.Name", "instance-state-code", "Filter.3.Value.1", "16",
			"Filter.4.Name", "instance-type", "Filter.4.Value.1", "t3.*",
			"Filter.5.Name", "image-id", "Filter.5.Value.1", catalog.ImageShell,
			"Filter.6.Name", "tag:Name", "Filter.6.Value.1", "web",
			"Filter.7.Name", "tag-key", "Filter.7.Value.1", "team",
			"Filter.8.Name", "availability-zone", "Filter.8.Value.1", "us-east-1a",
			"Filter.9.Name", "reservation-id", "Filter.9.Value.1", "r-1",
			"Filter.10.Name", "private-ip-address", "Filter.10.Value.1", "172.31.*",
			"Filter.11.Name", "ip-address", "Filter.11.Value.1", "198.18.0.5",
		}, want: &coreCall{Method: "Describe", Account: testAccount, Query: &instance.Query{Filters: []instance.Filter{
			{Field: instance.FieldID, Values: []string{iid1}},
			{Field: instance.FieldState, Values: []string{"running", "stopped"}},
			{Field: instance.FieldStateCode, Values: []string{"16"}},
			{Field: instance.FieldInstanceType, Values: []string{"t3.*"}},
			{Field: instance.FieldImageID, Values: []string{catalog.ImageShell}},
			{Field: instance.FieldTag, Key: "Name", Values: []string{"web"}},
			{Field: instance.FieldTagKey, Values: []string{"team"}},
			{Field: instance.FieldAvailabilityZone, Values: []string{"us-east-1a"}},
			{Field: instance.FieldReservationID, Values: []string{"r-1"}},
			{Field: instance.FieldPrivateIP, Values: []string{"172.31.*"}},
			{Field: instance.FieldPublicIP, Values: []string{"198.18.0.5"}},
		}}}},
		{name: "page", form: []string{"MaxResults", "5", "NextToken", "abc"},
			want: &coreCall{Method: "Describe", Account: testAccount, Query: &instance.Query{Filters: []instance.Filter{}, MaxResults: 5, NextToken: "abc"}}},
		{name: "unknown filter", form: []string{"Filter.1.Name", "vpc-id", "Filter.1.Value.1", "x"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "The filter 'vpc-id' is invalid"},
		{name: "empty tag key filter", form: []string{"Filter.1.Name", "tag:", "Filter.1.Value.1", "x"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "The filter 'tag:' is invalid"},
		{name: "filter without values", form: []string{"Filter.1.Name", "instance-type"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "max results too small", form: []string{"MaxResults", "4"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "max results too large", form: []string{"MaxResults", "1001"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "max results with ids", form: []string{"MaxResults", "10", "InstanceId.1", iid1},
			wantCode: "InvalidParameterCombination", wantStatus: 400, wantMsg: "The parameter instancesSet cannot be used with the parameter maxResults"},
		{name: "dry run", form: []string{"DryRun", "true"}, wantCode: "DryRunOperation", wantStatus: 412},
	})
}

func TestDescribeInstanceStatusDecode(t *testing.T) {
	running := instance.Filter{Field: instance.FieldState, Values: []string{"running"}}
	runOpCases(t, "DescribeInstanceStatus", []opCase{
		{name: "running only by default", form: []string{"InstanceId.1", iid1},
			want: &coreCall{Method: "Describe", Account: testAccount, Query: &instance.Query{IDs: []string{iid1}, Filters: []instance.Filter{running}}}},
		{name: "include all", form: []string{"IncludeAllInstances", "true"},
			want: &coreCall{Method: "Describe", Account: testAccount, Query: &instance.Query{Filters: []instance.Filter{}}}},
		{name: "zone filter", form: []string{"IncludeAllInstances", "true", "Filter.1.Name", "availability-zone", "Filter.1.Value.1", "us-east-1a"},
			want: &coreCall{Method: "Describe", Account: testAccount, Query: &instance.Query{Filters: []instance.Filter{{Field: instance.FieldAvailabilityZone, Values: []string{"us-east-1a"}}}}}},
		{name: "instance filters are not status filters", form: []string{"Filter.1.Name", "tag:Name", "Filter.1.Value.1", "x"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "max results with ids", form: []string{"MaxResults", "10", "InstanceId.1", iid1},
			wantCode: "InvalidParameterCombination", wantStatus: 400},
	})
}

func TestModifyInstanceAttributeDecode(t *testing.T) {
	data := base64.StdEncoding.EncodeToString([]byte("echo new"))
	modify := func(a instance.Attributes) *coreCall {
		return &coreCall{Method: "Modify", Account: testAccount, IDs: []string{iid1}, Attrs: &a}
	}
	runOpCases(t, "ModifyInstanceAttribute", []opCase{
		{name: "disable api stop", form: []string{"InstanceId", iid1, "DisableApiStop.Value", "true"},
			want: modify(instance.Attributes{DisableAPIStop: ptr(true)})},
		{name: "disable api termination", form: []string{"InstanceId", iid1, "DisableApiTermination.Value", "false"},
			want: modify(instance.Attributes{DisableAPITermination: ptr(false)})},
		{name: "instance type", form: []string{"InstanceId", iid1, "InstanceType.Value", "m5.large"},
			want: modify(instance.Attributes{InstanceType: ptr("m5.large")})},
		{name: "user data", form: []string{"InstanceId", iid1, "UserData.Value", data},
			want: modify(instance.Attributes{UserData: ptr([]byte("echo new"))})},
		{name: "shutdown behavior", form: []string{"InstanceId", iid1, "InstanceInitiatedShutdownBehavior.Value", "terminate"},
			want: modify(instance.Attributes{ShutdownBehavior: ptr("terminate")})},
		{name: "legacy pair", form: []string{"InstanceId", iid1, "Attribute", "disableApiTermination", "Value", "true"},
			want: modify(instance.Attributes{DisableAPITermination: ptr(true)})},
		{name: "legacy instance type", form: []string{"InstanceId", iid1, "Attribute", "instanceType", "Value", "t3.small"},
			want: modify(instance.Attributes{InstanceType: ptr("t3.small")})},
		{name: "dry run", form: []string{"InstanceId", iid1, "DisableApiStop.Value", "true", "DryRun", "true"},
			want:     &coreCall{Method: "Modify", Account: testAccount, IDs: []string{iid1}, DryRun: true, Attrs: &instance.Attributes{DisableAPIStop: ptr(true)}},
			wantCode: "DryRunOperation", wantStatus: 412},
		{name: "two attributes", form: []string{"InstanceId", iid1, "DisableApiStop.Value", "true", "InstanceType.Value", "m5.large"},
			wantCode: "InvalidParameterCombination", wantStatus: 400, wantMsg: "Fields for multiple attribute types specified: disableApiStop, instanceType"},
		{name: "no attribute", form: []string{"InstanceId", iid1},
			wantCode: "InvalidParameterCombination", wantStatus: 400},
		{name: "unknown legacy attribute", form: []string{"InstanceId", iid1, "Attribute", "color", "Value", "red"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "Value (color) for parameter attribute is invalid. Unknown attribute."},
		{name: "unsupported attribute", form: []string{"InstanceId", iid1, "SourceDestCheck.Value", "false"},
			wantCode: "UnsupportedOperation", wantStatus: 400},
		{name: "bad boolean", form: []string{"InstanceId", iid1, "DisableApiStop.Value", "on"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad user data", form: []string{"InstanceId", iid1, "UserData.Value", "%%%"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "bad shutdown behavior", form: []string{"InstanceId", iid1, "InstanceInitiatedShutdownBehavior.Value", "reboot"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "missing id", form: []string{"DisableApiStop.Value", "true"},
			wantCode: "MissingParameter", wantStatus: 400},
	})
	runOpCases(t, "DescribeInstanceAttribute", []opCase{
		{name: "known", form: []string{"InstanceId", iid1, "Attribute", "userData"},
			want: &coreCall{Method: "Get", Account: testAccount, IDs: []string{iid1}},
			// The fake core has no instance: the core's NotFound comes back.
			wantCode: "InvalidInstanceID.NotFound", wantStatus: 400, wantMsg: "The instance ID '" + iid1 + "' does not exist"},
		{name: "unknown attribute", form: []string{"InstanceId", iid1, "Attribute", "color"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "missing attribute", form: []string{"InstanceId", iid1},
			wantCode: "MissingParameter", wantStatus: 400, wantMsg: "The request must contain the parameter Attribute"},
	})
}

func TestTagsDecode(t *testing.T) {
	runOpCases(t, "CreateTags", []opCase{
		{name: "instance and volume", form: []string{"ResourceId.1", iid1, "ResourceId.2", "vol-0123456789abcdef0",
			"Tag.1.Key", "Name", "Tag.1.Value", "web", "Tag.2.Key", "empty"},
			want: &coreCall{Method: "CreateTags", Account: testAccount, IDs: []string{iid1, "vol-0123456789abcdef0"},
				Tags: []instance.Tag{{Key: "Name", Value: "web"}, {Key: "empty", Value: ""}}}},
		{name: "malformed resource id", form: []string{"ResourceId.1", "web-server", "Tag.1.Key", "a"},
			wantCode: "InvalidID", wantStatus: 400, wantMsg: "The ID 'web-server' is not valid"},
		{name: "malformed instance id", form: []string{"ResourceId.1", "i-xyz", "Tag.1.Key", "a"},
			wantCode: "InvalidInstanceID.Malformed", wantStatus: 400},
		{name: "no tags", form: []string{"ResourceId.1", iid1},
			wantCode: "MissingParameter", wantStatus: 400},
		{name: "no resources", form: []string{"Tag.1.Key", "a"},
			wantCode: "MissingParameter", wantStatus: 400, wantMsg: "The request must contain the parameter ResourceId"},
		{name: "reserved key", form: []string{"ResourceId.1", iid1, "Tag.1.Key", "aws:cloudformation:stack"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
		{name: "key too long", form: []string{"ResourceId.1", iid1, "Tag.1.Key", string(make([]rune, 128))},
			wantCode: "InvalidParameterValue", wantStatus: 400},
	})
	runOpCases(t, "DeleteTags", []opCase{
		{name: "value semantics", form: []string{"ResourceId.1", iid1,
			"Tag.1.Key", "any", "Tag.2.Key", "exact", "Tag.2.Value", "v", "Tag.3.Key", "empty", "Tag.3.Value", ""},
			want: &coreCall{Method: "DeleteTags", Account: testAccount, IDs: []string{iid1}, TagRefs: []instance.TagRef{
				{Key: "any"}, {Key: "exact", Value: ptr("v")}, {Key: "empty", Value: ptr("")}}}},
		{name: "all tags", form: []string{"ResourceId.1", iid1},
			want: &coreCall{Method: "DeleteTags", Account: testAccount, IDs: []string{iid1}}},
	})
	runOpCases(t, "DescribeTags", []opCase{
		{name: "filters and page", form: []string{"Filter.1.Name", "resource-id", "Filter.1.Value.1", iid1,
			"Filter.2.Name", "key", "Filter.2.Value.1", "Name", "MaxResults", "50", "NextToken", "t"},
			want: &coreCall{Method: "DescribeTags", Account: testAccount, Filters: []instance.TagFilter{
				{Field: "resource-id", Values: []string{iid1}}, {Field: "key", Values: []string{"Name"}}}, Max: 50, Token: "t"}},
		{name: "unknown filter", form: []string{"Filter.1.Name", "tag:Name", "Filter.1.Value.1", "x"},
			wantCode: "InvalidParameterValue", wantStatus: 400, wantMsg: "The filter 'tag:Name' is invalid"},
		{name: "max results", form: []string{"MaxResults", "2"},
			wantCode: "InvalidParameterValue", wantStatus: 400},
	})
}

package ecsapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/driver/fake"
)

func ids(m map[string]any, list, item, field string) []string {
	var out []string
	for _, x := range m[list].(map[string]any)[item].([]any) {
		out = append(out, x.(map[string]any)[field].(string))
	}
	return out
}

func TestRunAndDescribe(t *testing.T) {
	r := newRig(t)
	m := r.ok(map[string]string{"Action": "RunInstances", "ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large",
		"Amount": "2", "InstanceName": "web", "Tag.1.Key": "team", "Tag.1.Value": "blue",
		"UserData": base64.StdEncoding.EncodeToString([]byte("echo hi"))})
	got := m["InstanceIdSets"].(map[string]any)["InstanceIdSet"].([]any)
	if len(got) != 2 {
		t.Fatalf("RunInstances = %v", m)
	}
	id := got[0].(string)
	if !regexp.MustCompile(`^i-[0-9a-z]{20}$`).MatchString(id) {
		t.Errorf("id %q is not ECS-shaped", id)
	}
	r.wait(id, "Running")
	d := r.ok(map[string]string{"Action": "DescribeInstances", "InstanceIds": `["` + id + `"]`})
	inst := d["Instances"].(map[string]any)["Instance"].([]any)[0].(map[string]any)
	want := map[string]any{"InstanceId": id, "InstanceName": "web", "Status": "Running", "StoppedMode": "Not-applicable",
		"InstanceType": "ecs.g6.large", "InstanceTypeFamily": "ecs.g6", "Cpu": 2.0, "Memory": 8192.0, "ZoneId": "us-east-1a",
		"RegionId": "us-east-1", "InstanceNetworkType": "vpc", "HostName": "iZ" + id[2:] + "Z"}
	for k, v := range want {
		if inst[k] != v {
			t.Errorf("%s = %v, want %v", k, inst[k], v)
		}
	}
	if tags := inst["Tags"].(map[string]any)["Tag"].([]any); len(tags) != 1 || tags[0].(map[string]any)["TagKey"] != "team" {
		t.Errorf("Tags = %v", tags)
	}
	if pub := inst["PublicIpAddress"].(map[string]any)["IpAddress"].([]any); len(pub) != 1 {
		t.Errorf("PublicIpAddress = %v", pub)
	}
	if locks := inst["OperationLocks"].(map[string]any)["LockReason"].([]any); len(locks) != 0 {
		t.Errorf("OperationLocks = %v, want []", locks)
	}
	if d["TotalCount"] != 1.0 || d["PageNumber"] != 1.0 || d["PageSize"] != 10.0 {
		t.Errorf("paging = %v %v %v", d["TotalCount"], d["PageNumber"], d["PageSize"])
	}
	// EC2 does not see ECS instances, nor ECS EC2's.
	ec2, err := r.svc.Run(context.Background(), testAccount, instance.RunRequest{ImageID: catalog.ImageShell, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	all := r.ok(map[string]string{"Action": "DescribeInstances"})
	if n := all["TotalCount"]; n != 2.0 {
		t.Errorf("DescribeInstances sees %v instances, want the 2 ECS ones", n)
	}
	r.fails("InvalidInstanceId.NotFound", 404, map[string]string{"Action": "StopInstance", "InstanceId": ec2.Instances[0].ID})
	if got, _, _ := r.svc.Describe(context.Background(), testAccount, instance.Query{}); len(got) != 1 {
		t.Errorf("EC2's describe sees %d instances, want 1", len(got))
	}
}

func TestDescribeFiltersAndPaging(t *testing.T) {
	r := newRig(t)
	run := r.run("ecs.g6.large", 3)
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": run[2]})
	r.wait(run[2], "Stopped")
	r.ok(map[string]string{"Action": "TagResources", "ResourceType": "instance", "ResourceId.1": run[0], "Tag.1.Key": "k", "Tag.1.Value": "v"})
	c := r.ok(map[string]string{"Action": "CreateInstance", "ImageId": catalog.ECSImageShell, "InstanceType": "ecs.c6.large"})
	created := c["InstanceId"].(string)
	list := func(kv map[string]string) []string {
		kv["Action"] = "DescribeInstances"
		return ids(r.ok(kv), "Instances", "Instance", "InstanceId")
	}
	tests := []struct {
		name string
		kv   map[string]string
		want []string
	}{
		{"all, in creation order", map[string]string{}, append(append([]string{}, run...), created)},
		{"status Stopped", map[string]string{"Status": "Stopped"}, []string{run[2], created}},
		{"status Running", map[string]string{"Status": "Running"}, run[:2]},
		{"instance type", map[string]string{"InstanceType": "ecs.c6.large"}, []string{created}},
		{"family", map[string]string{"InstanceTypeFamily": "ecs.g6"}, run},
		{"ids, EC2-shaped ones ignored", map[string]string{"InstanceIds": `["` + run[1] + `","i-0123456789abcdef0"]`}, []string{run[1]}},
		{"empty id array", map[string]string{"InstanceIds": `[]`}, nil},
		{"tag key and value", map[string]string{"Tag.1.Key": "k", "Tag.1.Value": "v"}, run[:1]},
		{"tag key", map[string]string{"Tag.1.Key": "k"}, run[:1]},
		{"page 2 of 2", map[string]string{"PageNumber": "2", "PageSize": "3"}, []string{created}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(list(tt.kv), tt.want); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
	t.Run("NextToken and MaxResults", func(t *testing.T) {
		var got []string
		tok := ""
		for range 5 {
			kv := map[string]string{"Action": "DescribeInstances", "MaxResults": "3"}
			if tok != "" {
				kv["NextToken"] = tok
			}
			m := r.ok(kv)
			got = append(got, ids(m, "Instances", "Instance", "InstanceId")...)
			if tok = m["NextToken"].(string); tok == "" {
				break
			}
		}
		if d := cmp.Diff(got, append(append([]string{}, run...), created)); d != "" {
			t.Errorf("pages (-got +want):\n%s", d)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		r.fails("InvalidStatus.NotFound", 404, map[string]string{"Action": "DescribeInstances", "Status": "Sleeping"})
		r.fails("InvalidParameter", 400, map[string]string{"Action": "DescribeInstances", "InstanceIds": `i-x`})
		r.fails("InvalidParameter", 400, map[string]string{"Action": "DescribeInstances", "PageSize": "101"})
		r.fails("InvalidParameter", 400, map[string]string{"Action": "DescribeInstances", "MaxResults": "0"})
		r.fails("InvalidParameter", 400, map[string]string{"Action": "DescribeInstances", "NextToken": "garbage!"})
		var many []string
		for i := range 101 {
			many = append(many, fmt.Sprintf(`"i-%020d"`, i))
		}
		r.fails("InvalidParameter", 400, map[string]string{"Action": "DescribeInstances", "InstanceIds": "[" + strings.Join(many, ",") + "]"})
	})
	st := r.ok(map[string]string{"Action": "DescribeInstanceStatus", "InstanceId.1": run[0], "InstanceId.2": created})
	if d := cmp.Diff(ids(st, "InstanceStatuses", "InstanceStatus", "Status"), []string{"Running", "Stopped"}); d != "" {
		t.Errorf("DescribeInstanceStatus (-got +want):\n%s", d)
	}
}

// TestSeed003StopRules is seed 003, one rule per case.
func TestSeed003StopRules(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	run := r.run("ecs.g6.large", 2)
	i1 := r.run("ecs.i1.xlarge", 1)[0]

	// Only a Running instance can be stopped.
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": run[0]})
	r.wait(run[0], "Stopped")
	r.fails("IncorrectInstanceStatus", 403, map[string]string{"Action": "StopInstance", "InstanceId": run[0]})
	// Unknown ids.
	r.fails("InvalidInstanceId.NotFound", 404, map[string]string{"Action": "StopInstance", "InstanceId": "i-zzzzzzzzzzzzzzzzzzzz"})
	r.fails("InvalidInstanceId.NotFound", 404, map[string]string{"Action": "StopInstance", "InstanceId": "not-an-id"})
	r.fails("MissingInstanceId", 400, map[string]string{"Action": "StopInstance"})
	// The I1 family needs ConfirmStop=true; its local disk is a scratch volume.
	r.fails("InstanceType.ParameterMismatch", 403, map[string]string{"Action": "StopInstance", "InstanceId": i1})
	r.fails("InstanceType.ParameterMismatch", 403, map[string]string{"Action": "StopInstance", "InstanceId": i1, "ConfirmStop": "false"})
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": i1, "ConfirmStop": "true"})
	r.wait(i1, "Stopped")
	// ConfirmStop is ignored for other families.
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": run[1], "ConfirmStop": "false", "ForceStop": "true"})
	r.wait(run[1], "Stopped")
	// ForceStop is a power cut: no SIGTERM.
	if c := r.drv.CallsFor(run[1]); c.ForceStop != 1 || c.Signals != 0 {
		t.Errorf("ForceStop: %d force stops, %d SIGTERMs", c.ForceStop, c.Signals)
	}
	if c := r.drv.CallsFor(run[0]); c.Signals != 1 {
		t.Errorf("graceful stop: %d SIGTERMs", c.Signals)
	}
	// A security lock refuses stop and start.
	locked := r.run("ecs.g6.large", 1)[0]
	if _, err := r.svc.SetLock(ctx, locked, instance.LockSecurity); err != nil {
		t.Fatal(err)
	}
	r.fails("InstanceLockedForSecurity", 403, map[string]string{"Action": "StopInstance", "InstanceId": locked})
	r.fails("InstanceLockedForSecurity", 403, map[string]string{"Action": "RebootInstance", "InstanceId": locked})
	r.fails("InstanceLockedForSecurity", 403, map[string]string{"Action": "ModifyInstanceAttribute", "InstanceId": locked, "InstanceName": "x"})
	d := r.ok(map[string]string{"Action": "DescribeInstances", "LockReason": "security"})
	inst := d["Instances"].(map[string]any)["Instance"].([]any)
	if len(inst) != 1 || fmt.Sprint(inst[0].(map[string]any)["OperationLocks"]) != "map[LockReason:[map[LockReason:security]]]" {
		t.Errorf("locked instance = %v", inst)
	}
	if _, err := r.svc.ClearLock(ctx, locked, instance.LockSecurity); err != nil {
		t.Fatal(err)
	}
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": locked})
	r.wait(locked, "Stopped")
	if _, err := r.svc.SetLock(ctx, locked, instance.LockSecurity); err != nil {
		t.Fatal(err)
	}
	r.fails("InstanceLockedForSecurity", 403, map[string]string{"Action": "StartInstance", "InstanceId": locked})
	// A release is unaffected by the lock.
	r.ok(map[string]string{"Action": "DeleteInstance", "InstanceId": locked})
}

func TestStoppedModeAndCapacity(t *testing.T) {
	r := newRig(t, withCapacity(4))
	run := r.run("ecs.g6.large", 2)
	r.fails("OperationDenied.NoStock", 403, map[string]string{"Action": "RunInstances", "ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large"})
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": run[0], "StoppedMode": "KeepCharging"})
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": run[1]})
	r.wait(run[0], "Stopped")
	r.wait(run[1], "Stopped")
	d := r.ok(map[string]string{"Action": "DescribeInstances"})
	if got := ids(d, "Instances", "Instance", "StoppedMode"); !cmp.Equal(got, []string{"KeepCharging", "StopCharging"}) {
		t.Errorf("StoppedMode = %v", got)
	}
	taker := r.run("ecs.g6.large", 1)[0] // takes run[1]'s room
	r.fails("OperationDenied.NoStock", 403, map[string]string{"Action": "StartInstance", "InstanceId": run[1]})
	r.ok(map[string]string{"Action": "StartInstance", "InstanceId": run[0]})
	r.wait(run[0], "Running")
	r.fails("InvalidParameter", 400, map[string]string{"Action": "StopInstance", "InstanceId": taker, "StoppedMode": "Sometimes"})
}

func TestBatches(t *testing.T) {
	r := newRig(t)
	run := r.run("ecs.g6.large", 2)
	// AllTogether: one refused instance fails the whole batch.
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": run[1]})
	r.wait(run[1], "Stopped")
	r.fails("IncorrectInstanceStatus", 403, map[string]string{"Action": "StopInstances", "InstanceId.1": run[0], "InstanceId.2": run[1]})
	if r.status(run[0]) != "Running" {
		t.Error("a refused batch stopped an instance")
	}
	// SuccessFirst: each on its own.
	m := r.ok(map[string]string{"Action": "StopInstances", "InstanceId.1": run[0], "InstanceId.2": run[1], "BatchOptimization": "SuccessFirst"})
	codes := ids(m, "InstanceResponses", "InstanceResponse", "Code")
	if d := cmp.Diff(codes, []string{"200", "IncorrectInstanceStatus"}); d != "" {
		t.Errorf("codes (-got +want):\n%s", d)
	}
	r.wait(run[0], "Stopped")
	m = r.ok(map[string]string{"Action": "StartInstances", "InstanceId.1": run[0], "InstanceId.2": run[1]})
	resp := m["InstanceResponses"].(map[string]any)["InstanceResponse"].([]any)
	want := map[string]any{"Code": "200", "Message": "success", "InstanceId": run[0], "PreviousStatus": "Stopped", "CurrentStatus": "Starting"}
	if d := cmp.Diff(resp[0], any(want)); d != "" {
		t.Errorf("StartInstances (-got +want):\n%s", d)
	}
	r.wait(run[0], "Running") // a dry-run stop is judged on the state, like a real one
	var many = map[string]string{"Action": "StopInstances"}
	for i := 1; i <= 101; i++ {
		many[fmt.Sprintf("InstanceId.%d", i)] = run[0]
	}
	r.fails("InvalidParameter", 400, many)
	r.fails("MissingInstanceId", 400, map[string]string{"Action": "StartInstances"})
	r.fails("DryRunOperation", 400, map[string]string{"Action": "StopInstances", "InstanceId.1": run[0], "DryRun": "true"})
}

func TestDeleteRules(t *testing.T) {
	r := newRig(t)
	run := r.run("ecs.g6.large", 2)
	r.drv.Script(run[0], fake.Behavior{IgnoreTerm: true})
	r.fails("IncorrectInstanceStatus", 403, map[string]string{"Action": "DeleteInstance", "InstanceId": run[0]})
	r.ok(map[string]string{"Action": "DeleteInstance", "InstanceId": run[0], "Force": "true"})
	r.fails("InvalidInstanceId.NotFound", 404, map[string]string{"Action": "DescribeInstanceAttribute", "InstanceId": run[0]})
	r.fails("InvalidInstanceId.NotFound", 404, map[string]string{"Action": "DeleteInstance", "InstanceId": run[0]})
	r.ok(map[string]string{"Action": "StopInstance", "InstanceId": run[1]})
	r.wait(run[1], "Stopped")
	r.ok(map[string]string{"Action": "DeleteInstances", "InstanceId.1": run[1]})
	if n := r.ok(map[string]string{"Action": "DescribeInstances"})["TotalCount"]; n != 0.0 {
		t.Errorf("after deletes DescribeInstances shows %v", n)
	}
}

func TestModifyAndCreate(t *testing.T) {
	r := newRig(t)
	c := r.ok(map[string]string{"Action": "CreateInstance", "ImageId": catalog.ECSImageShell, "InstanceType": "ecs.t5-lc1m1.small",
		"HostName": "web-1", "Description": "first"})
	id := c["InstanceId"].(string)
	if r.status(id) != "Stopped" {
		t.Fatalf("CreateInstance made a %s instance", r.status(id))
	}
	r.ok(map[string]string{"Action": "ModifyInstanceAttribute", "InstanceId": id, "InstanceName": "renamed", "DeletionProtection": "true",
		"UserData": base64.StdEncoding.EncodeToString([]byte("echo new"))})
	a := r.ok(map[string]string{"Action": "DescribeInstanceAttribute", "InstanceId": id})
	got := []any{a["InstanceName"], a["HostName"], a["Description"], a["IoOptimized"], a["Cpu"], a["Memory"]}
	if d := cmp.Diff(got, []any{"renamed", "web-1", "first", "optimized", 1.0, 1024.0}); d != "" {
		t.Errorf("attributes (-got +want):\n%s", d)
	}
	r.fails("InvalidOperation.DeletionProtection", 403, map[string]string{"Action": "DeleteInstance", "InstanceId": id})
	r.ok(map[string]string{"Action": "StartInstance", "InstanceId": id})
	r.wait(id, "Running")
	r.fails("IncorrectInstanceStatus", 403, map[string]string{"Action": "StartInstance", "InstanceId": id})
	r.fails("IncorrectInstanceStatus", 403, map[string]string{"Action": "ModifyInstanceAttribute", "InstanceId": id, "UserData": "ZWNobw=="})
	r.ok(map[string]string{"Action": "RebootInstance", "InstanceId": id})

	for _, tc := range []struct {
		code string
		kv   map[string]string
	}{
		{"MissingParameter", map[string]string{"InstanceType": "ecs.g6.large"}},
		{"MissingParameter", map[string]string{"ImageId": catalog.ECSImageShell}},
		{"InvalidImageId.NotFound", map[string]string{"ImageId": "ubuntu_99", "InstanceType": "ecs.g6.large"}},
		{"InvalidInstanceType.ValueNotSupported", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "t3.micro"}},
		{"InvalidZoneId.NotFound", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large", "ZoneId": "cn-hangzhou-z"}},
		{"InvalidParameter", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large", "Amount": "101"}},
		{"InvalidParameter", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large", "UserData": "%%%"}},
		{"InvalidUserData.SizeExceeded", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large",
			"UserData": base64.StdEncoding.EncodeToString(make([]byte, 32*1024+1))}},
		{"InvalidTagKey.Malformed", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large", "Tag.1.Key": "aliyun:x"}},
		{"InvalidTagCount", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large", "Tag.21.Key": "x"}},
		{"DryRunOperation", map[string]string{"ImageId": catalog.ECSImageShell, "InstanceType": "ecs.g6.large", "DryRun": "true"}},
	} {
		tc.kv["Action"] = "RunInstances"
		t.Run(tc.code, func(t *testing.T) {
			status := 400
			if strings.HasSuffix(tc.code, ".NotFound") {
				status = 404
			}
			r.fails(tc.code, status, tc.kv)
		})
	}
}

func TestTags(t *testing.T) {
	r := newRig(t)
	run := r.run("ecs.g6.large", 2)
	r.ok(map[string]string{"Action": "TagResources", "ResourceType": "instance", "ResourceId.1": run[0], "ResourceId.2": run[1],
		"Tag.1.Key": "env", "Tag.1.Value": "prod", "Tag.2.Key": "team", "Tag.2.Value": "a"})
	r.ok(map[string]string{"Action": "UntagResources", "ResourceType": "instance", "ResourceId.1": run[1], "TagKey.1": "team"})
	m := r.ok(map[string]string{"Action": "ListTagResources", "ResourceType": "instance"})
	var pairs []string
	for _, x := range m["TagResources"].(map[string]any)["TagResource"].([]any) {
		tr := x.(map[string]any)
		pairs = append(pairs, fmt.Sprintf("%s %s %s=%s", tr["ResourceId"], tr["ResourceType"], tr["TagKey"], tr["TagValue"]))
	}
	want := []string{run[0] + " instance env=prod", run[0] + " instance team=a", run[1] + " instance env=prod"}
	if d := cmp.Diff(pairs, want); d != "" {
		t.Errorf("ListTagResources (-got +want):\n%s", d)
	}
	m = r.ok(map[string]string{"Action": "ListTagResources", "ResourceType": "instance", "Tag.1.Key": "team"})
	if got := ids(m, "TagResources", "TagResource", "ResourceId"); !cmp.Equal(got, []string{run[0], run[0]}) {
		t.Errorf("by tag = %v", got)
	}
	r.ok(map[string]string{"Action": "UntagResources", "ResourceType": "instance", "ResourceId.1": run[0], "All": "true"})
	m = r.ok(map[string]string{"Action": "ListTagResources", "ResourceType": "instance", "ResourceId.1": run[0]})
	if got := m["TagResources"].(map[string]any)["TagResource"].([]any); len(got) != 0 {
		t.Errorf("after All: %v", got)
	}
	r.fails("InvalidResourceId.NotFound", 404, map[string]string{"Action": "TagResources", "ResourceType": "instance",
		"ResourceId.1": "i-zzzzzzzzzzzzzzzzzzzz", "Tag.1.Key": "a", "Tag.1.Value": "b"})
	r.fails("InvalidResourceType.NotSupported", 400, map[string]string{"Action": "TagResources", "ResourceType": "disk",
		"ResourceId.1": run[0], "Tag.1.Key": "a"})
	r.fails("MissingResourceType", 400, map[string]string{"Action": "ListTagResources"})
	r.fails("InvalidTagValue.Malformed", 400, map[string]string{"Action": "TagResources", "ResourceType": "instance",
		"ResourceId.1": run[0], "Tag.1.Key": "a", "Tag.1.Value": "see https://x"})
}

func TestCatalogOps(t *testing.T) {
	r := newRig(t)
	im := r.ok(map[string]string{"Action": "DescribeImages"})
	if got := ids(im, "Images", "Image", "ImageId"); !cmp.Equal(got, []string{catalog.ECSImageShell}) || im["RegionId"] != testRegion {
		t.Errorf("DescribeImages = %v", im)
	}
	if got := r.ok(map[string]string{"Action": "DescribeImages", "ImageOwnerAlias": "self"})["TotalCount"]; got != 0.0 {
		t.Errorf("self images = %v", got)
	}
	reg := r.ok(map[string]string{"Action": "DescribeRegions"})
	if got := ids(reg, "Regions", "Region", "RegionId"); !strings.Contains(strings.Join(got, ","), "us-east-1") {
		t.Errorf("regions = %v", got)
	}
	z := r.ok(map[string]string{"Action": "DescribeZones"})
	if got := ids(z, "Zones", "Zone", "ZoneId"); !cmp.Equal(got, []string{"us-east-1a", "us-east-1b", "us-east-1c"}) {
		t.Errorf("zones = %v", got)
	}
	ty := r.ok(map[string]string{"Action": "DescribeInstanceTypes", "InstanceTypes.1": "ecs.i1.xlarge"})
	it := ty["InstanceTypes"].(map[string]any)["InstanceType"].([]any)[0].(map[string]any)
	got := []any{it["InstanceTypeId"], it["InstanceTypeFamily"], it["CpuCoreCount"], it["MemorySize"], it["LocalStorageCapacity"], it["LocalStorageCategory"]}
	if d := cmp.Diff(got, []any{"ecs.i1.xlarge", "ecs.i1", 4.0, 16.0, 104.0, "local_ssd_pro"}); d != "" {
		t.Errorf("DescribeInstanceTypes (-got +want):\n%s", d)
	}
	all := r.ok(map[string]string{"Action": "DescribeInstanceTypes", "MaxResults": "2"})
	if len(all["InstanceTypes"].(map[string]any)["InstanceType"].([]any)) != 2 || all["NextToken"] == "" {
		t.Errorf("paged types = %v", all)
	}
}

func TestConsoleOutput(t *testing.T) {
	r := newRig(t)
	id := r.run("ecs.g6.large", 1)[0]
	r.drv.SetConsole(id, []byte("hello from the guest\n"))
	m := r.ok(map[string]string{"Action": "GetInstanceConsoleOutput", "InstanceId": id})
	out, _ := base64.StdEncoding.DecodeString(m["ConsoleOutput"].(string))
	if string(out) != "hello from the guest\n" {
		t.Errorf("console = %q", out)
	}
}

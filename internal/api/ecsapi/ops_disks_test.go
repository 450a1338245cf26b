package ecsapi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/instance"
)

func TestDescribeDisks(t *testing.T) {
	r := newRig(t)
	run := r.run("ecs.g6.large", 3)
	diskOf := map[string]string{} // instance → its system disk
	for _, id := range run {
		in, err := r.svc.Get(context.Background(), testAccount, id)
		if err != nil {
			t.Fatal(err)
		}
		diskOf[id] = in.Volumes[0].ID
	}
	disks := []string{diskOf[run[0]], diskOf[run[1]], diskOf[run[2]]}
	slices.Sort(disks) // DescribeDisks lists by id

	t.Run("every field of a disk", func(t *testing.T) {
		m := r.ok(map[string]string{"Action": "DescribeDisks", "InstanceId": run[0]})
		list := m["Disks"].(map[string]any)["Disk"].([]any)
		if len(list) != 1 || m["TotalCount"] != 1.0 {
			t.Fatalf("disks of %s: %v", run[0], m)
		}
		d := list[0].(map[string]any)
		for _, k := range []string{"CreationTime", "AttachedTime"} {
			if d[k] != "2026-11-22T20:30Z" {
				t.Errorf("%s = %v, want the launch time in ECS's format", k, d[k])
			}
			delete(d, k)
		}
		want := map[string]any{
			"DiskId": diskOf[run[0]], "RegionId": testRegion, "ZoneId": testRegion + "a", "DiskName": "", "Description": "",
			"Type": "system", "Category": "cloud_essd", "PerformanceLevel": "PL1", "Size": 20.0, "IOPS": 2800.0,
			"Status": "In_use", "InstanceId": run[0], "Device": "/dev/xvda", "DeleteWithInstance": true,
			"Portable": false, "Encrypted": false, "DiskChargeType": "PostPaid", "MultiAttach": "Disabled", "DetachedTime": "",
			"Tags": map[string]any{"Tag": []any{}},
			"Attachments": map[string]any{"Attachment": []any{map[string]any{
				"InstanceId": run[0], "Device": "/dev/xvda", "AttachedTime": "2026-11-22T20:30Z"}}},
			"OperationLocks": map[string]any{"OperationLock": []any{}},
		}
		if diff := cmp.Diff(d, want); diff != "" {
			t.Errorf("disk (-got +want):\n%s", diff)
		}
	})

	list := func(kv map[string]string) []string {
		kv["Action"] = "DescribeDisks"
		return ids(r.ok(kv), "Disks", "Disk", "DiskId")
	}
	tests := []struct {
		name string
		kv   map[string]string
		want []string
	}{
		{"all", map[string]string{}, disks},
		{"instance", map[string]string{"InstanceId": run[1]}, []string{diskOf[run[1]]}},
		{"ids, other shapes and unknown ids ignored", map[string]string{"DiskIds": `["` + diskOf[run[2]] + `","vol-0123456789abcdef0","d-aaaaaaaaaaaaaaaaaaaa"]`},
			[]string{diskOf[run[2]]}},
		{"empty id array", map[string]string{"DiskIds": `[]`}, nil},
		{"status In_use", map[string]string{"Status": "In_use"}, disks},
		{"status All", map[string]string{"Status": "All"}, disks},
		{"status Available", map[string]string{"Status": "Available"}, nil},
		{"system disks", map[string]string{"DiskType": "system"}, disks},
		{"data disks", map[string]string{"DiskType": "data"}, nil},
		{"category", map[string]string{"Category": "cloud_efficiency"}, nil},
		{"zone", map[string]string{"ZoneId": testRegion + "a"}, disks},
		{"page 2 of 2", map[string]string{"PageNumber": "2", "PageSize": "2"}, disks[2:]},
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
			kv := map[string]string{"Action": "DescribeDisks", "MaxResults": "2"}
			if tok != "" {
				kv["NextToken"] = tok
			}
			m := r.ok(kv)
			got = append(got, ids(m, "Disks", "Disk", "DiskId")...)
			if tok = m["NextToken"].(string); tok == "" {
				break
			}
		}
		if d := cmp.Diff(got, disks); d != "" {
			t.Errorf("pages (-got +want):\n%s", d)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		var many []string
		for i := range 101 {
			many = append(many, fmt.Sprintf(`"d-%020d"`, i))
		}
		tests := []struct {
			name, code string
			status     int
			kv         map[string]string
		}{
			{"DiskIds not JSON", "InvalidParameter", 400, map[string]string{"DiskIds": "d-x"}},
			{"101 DiskIds", "InvalidParameter", 400, map[string]string{"DiskIds": "[" + strings.Join(many, ",") + "]"}},
			{"unknown status", "InvalidParameter", 400, map[string]string{"Status": "Sleeping"}},
			{"unknown disk type", "InvalidParameter", 400, map[string]string{"DiskType": "root"}},
			{"PageSize 101", "InvalidParameter", 400, map[string]string{"PageSize": "101"}},
			{"MaxResults 501", "InvalidParameter", 400, map[string]string{"MaxResults": "501"}},
			{"bad token", "InvalidParameter", 400, map[string]string{"NextToken": "garbage!"}},
			{"dry run", "DryRunOperation", 400, map[string]string{"DryRun": "true"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.kv["Action"] = "DescribeDisks"
				r.fails(tt.code, tt.status, tt.kv)
			})
		}
	})

	t.Run("a released instance's disk is gone", func(t *testing.T) {
		r.ok(map[string]string{"Action": "DeleteInstance", "InstanceId": run[0], "Force": "true"})
		deadline := time.Now().Add(5 * time.Second)
		for {
			in, err := r.svc.Get(context.Background(), testAccount, run[0])
			if err != nil {
				t.Fatal(err)
			}
			if in.State == instance.Terminated {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("released instance is %s, want terminated", in.State)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if d := cmp.Diff(list(map[string]string{"DiskIds": `["` + diskOf[run[0]] + `"]`}), []string(nil)); d != "" {
			t.Errorf("(-got +want):\n%s", d)
		}
		others := slices.DeleteFunc(slices.Clone(disks), func(d string) bool { return d == diskOf[run[0]] })
		if d := cmp.Diff(list(map[string]string{}), others); d != "" {
			t.Errorf("the other disks (-got +want):\n%s", d)
		}
	})
}

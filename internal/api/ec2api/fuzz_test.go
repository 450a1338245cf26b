package ec2api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"strato/internal/core/instance"
)

// FuzzHandler posts arbitrary signed forms (and query strings) and requires a
// well-formed XML answer that is never a server error: bad input is always
// the client's fault.
func FuzzHandler(f *testing.F) {
	seeds := [][2]string{
		{"", "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0&Force=true"},
		{"", "Action=RunInstances&Version=2016-11-15&ImageId=ami-0000000000000000a&MinCount=1&MaxCount=2&UserData=ZWNobyBoaQ%3D%3D" +
			"&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x" +
			"&BlockDeviceMapping.1.DeviceName=/dev/xvda&BlockDeviceMapping.1.Ebs.VolumeSize=9&InstanceMarketOptions.MarketType=spot"},
		{"", "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag:Name&Filter.1.Value.1=a*&MaxResults=5&NextToken=x"},
		{"", "Action=DescribeInstanceStatus&Version=2016-11-15&IncludeAllInstances=true"},
		{"", "Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId=i-12345678&Attribute=userData&Value=%25"},
		{"", "Action=DescribeInstanceAttribute&Version=2016-11-15&InstanceId=i-12345678&Attribute=blockDeviceMapping"},
		{"", "Action=CreateTags&Version=2016-11-15&ResourceId.1=vol-12345678&Tag.1.Key=k&Tag.1.Value=v"},
		{"", "Action=DeleteTags&Version=2016-11-15&ResourceId.1=i-12345678&Tag.1.Key=k"},
		{"", "Action=DescribeTags&Version=2016-11-15&Filter.1.Name=key&Filter.1.Value.1=*"},
		{"", "Action=DescribeVolumes&Version=2016-11-15&VolumeId.1=vol-12345678&Filter.1.Name=tag:Name&Filter.1.Value.1=a*&MaxResults=5"},
		{"", "Action=DescribeImages&Version=2016-11-15&Owner.1=self&ImageId.1=ami-12345678"},
		{"", "Action=DescribeInstanceTypes&Version=2016-11-15&Filter.1.Name=vcpu-info.default-vcpus&Filter.1.Value.1=2&MaxResults=5&NextToken=b2Zmc2V0OjU"},
		{"", "Action=DescribeRegions&Version=2016-11-15&RegionName.1=mars-1"},
		{"", "Action=DescribeAvailabilityZones&Version=2016-11-15&ZoneId.1=use1-az1"},
		{"", "Action=GetConsoleOutput&Version=2016-11-15&InstanceId=i-0123456789abcdef0"},
		{"Action=RebootInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0", ""},
		{"", "Action=StartInstances&Version=2016-11-15&InstanceId.0=x&InstanceId.99999999999=y&DryRun=true"},
		{"", "Action=TerminateInstances&Version=2016-11-15&InstanceId.1.x=y"},
		{"", "Action=%ff%fe&Version=\x00"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	running := testInstance()
	stopped := stoppedSpotInstance()
	f.Fuzz(func(t *testing.T, query, body string) {
		core := &fakeCore{
			insts:   []*instance.Instance{running, stopped},
			changes: []instance.StateChange{{InstanceID: iid1, Previous: instance.Running, Current: instance.Stopping}},
			console: instance.ConsoleOutput{InstanceID: iid1, Output: []byte(body)},
			tagList: []instance.TagDescription{{ResourceID: iid1, ResourceType: "instance", Key: query, Value: body}},
			next:    query,
		}
		h := newTestHandler(t, core)
		target := "http://127.0.0.1:8773/"
		if query != "" && !strings.ContainsAny(query, "#\x00 \r\n") {
			target += "?" + query
		}
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8773/", strings.NewReader(body))
		if u, err := r.URL.Parse(target); err == nil {
			r.URL = u
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sign(r, []byte(body), testKey, testSecret, testRegion, "ec2", testNow)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for query %q body %q:\n%s", w.Code, query, body, w.Body.String())
		}
		tree, err := parseTree(w.Body.Bytes())
		if err != nil {
			t.Fatalf("malformed XML for query %q body %q: %v\n%s", query, body, err, w.Body.String())
		}
		if w.Code == 200 {
			if !strings.HasSuffix(tree.Name, "Response") || tree.Name == "Response" || tree.find("requestId") == nil {
				t.Fatalf("bad success document %q", tree.Name)
			}
		} else if tree.Name != "Response" || tree.find("Errors/Error/Code") == nil || tree.find("RequestID") == nil {
			t.Fatalf("bad error document:\n%s", w.Body.String())
		}
	})
}

package ecsapi

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"strato/internal/wire/acsrpc"
)

// FuzzHandler sends arbitrary parameters, signed as the spec says when they
// parse, to a handler over the real engine, and requires a well-formed
// JSON or XML answer with a RequestId that is never a server error: bad
// input is always the client's fault.
func FuzzHandler(f *testing.F) {
	seeds := [][2]string{
		{"Action=StopInstance&InstanceId=i-aaaaaaaaaaaaaaaaaaaa&ForceStop=true&ConfirmStop=true&StoppedMode=KeepCharging", ""},
		{"Action=RunInstances&ImageId=strato_shell_x64_20G_alibase_20260101.vhd&InstanceType=ecs.g6.large&Amount=2&Tag.1.Key=a&Tag.1.Value=b&UserData=ZWNobyBoaQ%3D%3D", ""},
		{"Action=CreateInstance&ImageId=strato_shell_x64_20G_alibase_20260101.vhd&InstanceType=ecs.i1.xlarge&HostName=a.b&SystemDisk.Size=40", ""},
		{"Action=DescribeInstances&InstanceIds=%5B%22i-1%22%5D&Status=Starting&Tag.1.Key=k&PageNumber=2&PageSize=1&Format=XML", ""},
		{"Action=DescribeInstances&NextToken=ZWNzOjE&MaxResults=1", ""},
		{"Action=DescribeInstanceStatus&InstanceId.1=i-aaaaaaaaaaaaaaaaaaaa&PageSize=50", ""},
		{"", "Action=StartInstances&InstanceId.1=i-aaaaaaaaaaaaaaaaaaaa&InstanceId.2=x&BatchOptimization=SuccessFirst"},
		{"Action=StopInstances&InstanceId.100=i-aaaaaaaaaaaaaaaaaaaa&InstanceId.101=y", ""},
		{"Action=DeleteInstance&InstanceId=i-aaaaaaaaaaaaaaaaaaaa&Force=true", ""},
		{"Action=DeleteInstances&InstanceId.1=i-aaaaaaaaaaaaaaaaaaaa&DryRun=true", ""},
		{"Action=ModifyInstanceAttribute&InstanceId=i-aaaaaaaaaaaaaaaaaaaa&InstanceName=x&DeletionProtection=true", ""},
		{"Action=TagResources&ResourceType=instance&ResourceId.1=i-aaaaaaaaaaaaaaaaaaaa&Tag.1.Key=k&Tag.1.Value=v", ""},
		{"Action=UntagResources&ResourceType=instance&ResourceId.1=i-aaaaaaaaaaaaaaaaaaaa&All=true", ""},
		{"Action=ListTagResources&ResourceType=instance&NextToken=x", ""},
		{"Action=DescribeImages&ImageId=a,b&PageSize=100", ""},
		{"Action=DescribeInstanceTypes&InstanceTypes.1=ecs.g6.large&MaxResults=1600", ""},
		{"Action=DescribeZones&Verbose=false&Format=json", ""},
		{"Action=GetInstanceConsoleOutput&InstanceId=i-aaaaaaaaaaaaaaaaaaaa", ""},
		{"Action=%ff&Version=\x00", "%zz"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	r := newRig(f)
	r.run("ecs.g6.large", 1)
	f.Fuzz(func(t *testing.T, query, body string) {
		target := "http://127.0.0.1:8773/"
		// Sign what parses; the common parameters go where the input is.
		p := acsrpc.Params{}
		if v, err := url.ParseQuery(query + "&" + body); err == nil {
			for k := range v {
				p[k] = v.Get(k)
			}
		}
		signed := r.signParams(http.MethodPost, p)
		extra := url.Values{}
		for k, v := range signed {
			if _, ok := p[k]; !ok || k == "Signature" {
				extra.Set(k, v)
			}
		}
		q := extra.Encode()
		if query != "" && !strings.ContainsAny(query, "#\x00 \r\n") {
			q = query + "&" + q
		}
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		if u, err := req.URL.Parse(target + "?" + q); err == nil {
			req.URL = u
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		r.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d for query %q body %q:\n%s", w.Code, query, body, w.Body.String())
		}
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/xml") {
			var doc struct {
				XMLName   xml.Name
				RequestId string
			}
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.RequestId == "" {
				t.Fatalf("malformed XML (%v) for query %q body %q:\n%s", err, query, body, w.Body.String())
			}
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc["RequestId"] == nil {
			t.Fatalf("malformed JSON (%v) for query %q body %q:\n%s", err, query, body, w.Body.String())
		}
		if w.Code != 200 && (doc["Code"] == nil || doc["Message"] == nil || doc["HostId"] == nil) {
			t.Fatalf("bad error document:\n%s", w.Body.String())
		}
	})
}

package e2e

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// TestECSXMLFormat: the SDK with Format=XML parses Strato's XML answers,
// and an XML error is an <Error> document with the right status.
func TestECSXMLFormat(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	run := ecs.CreateRunInstancesRequest()
	run.AcceptFormat = "XML"
	run.ImageId, run.InstanceType, run.Amount = ecsImage, "ecs.g6.large", requests.NewInteger(2)
	run.Tag = &[]ecs.RunInstancesTag{{Key: "fmt", Value: "xml"}}
	rr, err := c.RunInstances(run)
	if err != nil || len(rr.InstanceIdSets.InstanceIdSet) != 2 || rr.RequestId == "" {
		t.Fatalf("RunInstances (XML) = %+v, %v", rr, err)
	}
	d := ecs.CreateDescribeInstancesRequest()
	d.AcceptFormat = "XML"
	dr, err := c.DescribeInstances(d)
	if err != nil || dr.TotalCount != 2 || len(dr.Instances.Instance) != 2 {
		t.Fatalf("DescribeInstances (XML) = %+v, %v", dr, err)
	}
	in := dr.Instances.Instance[0]
	if in.InstanceId != rr.InstanceIdSets.InstanceIdSet[0] || in.InstanceType != "ecs.g6.large" || in.Cpu != 2 ||
		len(in.Tags.Tag) != 1 || in.Tags.Tag[0].TagValue != "xml" || len(in.VpcAttributes.PrivateIpAddress.IpAddress) != 1 {
		t.Errorf("XML instance = %+v", in)
	}
	if !strings.HasPrefix(dr.GetHttpContentString(), `<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse><RequestId>`) {
		t.Errorf("XML document starts %.80q", dr.GetHttpContentString())
	}

	stop := ecs.CreateStopInstanceRequest()
	stop.AcceptFormat = "XML"
	stop.InstanceId = "i-0000000000000000zzzz"
	_, err = c.StopInstance(stop)
	se := wantServerErrorStatus(t, err, 404)
	var doc struct {
		XMLName                                     xml.Name
		RequestId, HostId, Code, Message, Recommend string
	}
	// The SDK reads error codes from JSON only; the XML is in Message.
	if err := xml.Unmarshal([]byte(se.Message()), &doc); err != nil || doc.XMLName.Local != "Error" ||
		doc.Code != "InvalidInstanceId.NotFound" || doc.RequestId == "" || doc.HostId == "" || doc.Recommend == "" {
		t.Errorf("XML error = %+v (%v) from %q", doc, err, se.Message())
	}
}

// TestECSFormBodies sends the same calls the SDK makes as signed form
// bodies (other SDKs' way), hand-built and signed per the specification.
func TestECSFormBodies(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	status, m, raw := newRPC(s, "RunInstances", "ImageId", ecsImage, "InstanceType", "ecs.c6.large", "Amount", "1",
		"InstanceName", "form built", "Description", "spaces, *stars* & ~tildes~").call(t, s)
	if status != 200 {
		t.Fatalf("RunInstances (form): %d %s", status, raw)
	}
	id := m["InstanceIdSets"].(map[string]any)["InstanceIdSet"].([]any)[0].(string)
	waitStatus := func(want string) {
		t.Helper()
		deadline := time.Now().Add(waitFor)
		for time.Now().Before(deadline) {
			_, m, raw := newRPC(s, "DescribeInstanceAttribute", "InstanceId", id).call(t, s)
			if m["Status"] == want {
				if m["Description"] != "spaces, *stars* & ~tildes~" || m["InstanceName"] != "form built" {
					t.Errorf("attributes = %s", raw)
				}
				return
			}
			time.Sleep(waitMin)
		}
		t.Fatalf("%s never became %s", id, want)
	}
	waitStatus("Running")
	for _, step := range []struct {
		action, want string
		kv           []string
	}{
		{"StopInstance", "Stopped", []string{"InstanceId", id, "StoppedMode", "KeepCharging"}},
		{"StartInstance", "Running", []string{"InstanceId", id}},
		{"StopInstances", "Stopped", []string{"InstanceId.1", id, "ForceStop", "true"}},
		{"StartInstances", "Running", []string{"InstanceId.1", id}},
	} {
		if status, _, raw := newRPC(s, step.action, step.kv...).call(t, s); status != 200 {
			t.Fatalf("%s (form): %d %s", step.action, status, raw)
		}
		waitStatus(step.want)
	}
	// Query and body mixed, and Format=XML, both signed over the merge.
	r := newRPC(s, "DescribeInstances", "Format", "XML", "InstanceIds", `["`+id+`"]`)
	r.sign(s.Key.SecretAccessKey)
	if status, _, raw := r.send(t, s); status != 200 || !strings.Contains(raw, "<InstanceId>"+id+"</InstanceId>") {
		t.Errorf("DescribeInstances (form, XML): %d %s", status, raw)
	}
	get := newRPC(s, "DescribeInstanceStatus", "InstanceId.1", id)
	get.Method, get.InBody = http.MethodGet, false
	if status, m, raw := get.call(t, s); status != 200 || m["TotalCount"] != 1.0 {
		t.Errorf("DescribeInstanceStatus (GET): %d %s", status, raw)
	}
	if status, _, raw := newRPC(s, "DeleteInstance", "InstanceId", id, "Force", "true").call(t, s); status != 200 {
		t.Errorf("DeleteInstance (form): %d %s", status, raw)
	}
}

// TestECSSignatureRules: a wrong signature, a reused nonce, a stale
// timestamp and an unknown key are refused, from the SDK and by hand.
func TestECSSignatureRules(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})

	t.Run("wrong secret through the SDK", func(t *testing.T) {
		c := s.ECSClientFor(t, Key{AccessKeyID: s.Key.AccessKeyID, SecretAccessKey: "not-the-secret"})
		_, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
		se := wantECSError(t, err, "SignatureDoesNotMatch", 400)
		// The SDK compares our string to sign with its own: equal means the
		// secret is wrong, not the canonicalization.
		if se.Recommend() != "InvalidAccessKeySecret: Please check you AccessKeySecret" {
			t.Errorf("Recommend = %q: the server's string to sign differs from the SDK's\n%s", se.Recommend(), se.Message())
		}
	})
	t.Run("unknown key through the SDK", func(t *testing.T) {
		c := s.ECSClientFor(t, Key{AccessKeyID: "LTAI5tNOSUCHKEY00000", SecretAccessKey: "x"})
		_, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
		wantECSError(t, err, "InvalidAccessKeyId.NotFound", 404)
	})
	t.Run("tampered signature", func(t *testing.T) {
		r := newRPC(s, "DescribeRegions")
		r.sign(s.Key.SecretAccessKey)
		r.Params["Signature"] = "AAAA" + r.Params["Signature"][4:]
		status, m, raw := r.send(t, s)
		if status != 400 || m["Code"] != "SignatureDoesNotMatch" {
			t.Errorf("%d %s", status, raw)
		}
	})
	t.Run("reused nonce", func(t *testing.T) {
		r := newRPC(s, "DescribeRegions")
		if status, _, raw := r.call(t, s); status != 200 {
			t.Fatalf("first: %d %s", status, raw)
		}
		status, m, raw := r.send(t, s) // the same signed request again
		if status != 400 || m["Code"] != "SignatureNonceUsed" || m["Message"] != "Specified signature nonce was used already." {
			t.Errorf("replay: %d %s", status, raw)
		}
	})
	t.Run("stale timestamp", func(t *testing.T) {
		r := newRPC(s, "DescribeRegions", "Timestamp", time.Now().Add(-20*time.Minute).UTC().Format("2006-01-02T15:04:05Z"))
		status, m, raw := r.call(t, s)
		if status != 400 || m["Code"] != "InvalidTimeStamp.Expired" || m["Message"] != "Specified time stamp or date value is expired." {
			t.Errorf("stale: %d %s", status, raw)
		}
	})
	t.Run("signed for GET, sent as POST", func(t *testing.T) {
		r := newRPC(s, "DescribeRegions")
		r.Method = http.MethodGet
		r.sign(s.Key.SecretAccessKey)
		r.Method = http.MethodPost
		if status, m, raw := r.send(t, s); status != 400 || m["Code"] != "SignatureDoesNotMatch" {
			t.Errorf("%d %s", status, raw)
		}
	})
}

// TestECSAnyMode: with --auth=any the SDK works with any key, and the
// signature is not checked.
func TestECSAnyMode(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{Args: []string{"--auth", "any"}})
	c := s.ECSClientFor(t, Key{AccessKeyID: "whatever", SecretAccessKey: "wrong"})
	ids := ecsRun(t, c, "ecs.c6.large", 1, nil)
	all, err := s.ECSClient(t).DescribeInstances(ecs.CreateDescribeInstancesRequest())
	if err != nil || all.TotalCount != 1 || all.Instances.Instance[0].InstanceId != ids[0] {
		t.Errorf("the default account does not see the instance an arbitrary key made: %+v, %v", all, err)
	}
}

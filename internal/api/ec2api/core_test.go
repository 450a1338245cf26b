package ec2api

// Handler tests against the real instance engine. The engine needs a store
// and a driver; these tests wire the in-memory store and the scriptable fake
// driver the way cmd/strato wires the real ones. Only this test file imports
// them: the ec2api package itself depends on core, wire and errdefs alone.

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/driver/fake"
	"strato/internal/store/memstore"
)

// coreRig is the handler over a real engine on a fake clock.
type coreRig struct {
	t   *testing.T
	clk *clock.Fake
	drv *fake.Driver
	svc *instance.Service
	h   *Handler
}

func newCoreRig(t *testing.T) *coreRig {
	t.Helper()
	clk := clock.NewFake(testNow)
	drv := fake.New(clk)
	cat := catalog.New(testRegion)
	svc, err := instance.New(instance.Config{Store: memstore.New(), Driver: drv, Clock: clk, Catalog: cat,
		StopTimeout: 2 * time.Minute, ResyncInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	h := New(Config{Instances: svc, Catalog: cat, Clock: clk, Region: testRegion})
	h.auth = newTestHandler(t, nil).auth
	return &coreRig{t: t, clk: clk, drv: drv, svc: svc, h: h}
}

// call sends a signed request (signed at the rig's current time) and parses
// the answer; status is the HTTP status.
func (r *coreRig) call(kv ...string) (status int, tree *node) {
	r.t.Helper()
	body := formBody(append(kv, "Version", APIVersion)...)
	req := signedRequest(r.t, body)
	sign(req, []byte(body), testKey, testSecret, testRegion, "ec2", r.clk.Now())
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	tree, err := parseTree(w.Body.Bytes())
	if err != nil {
		r.t.Fatalf("%s: malformed XML: %v\n%s", kv[1], err, w.Body.String())
	}
	return w.Code, tree
}

// ok sends a request that must succeed.
func (r *coreRig) ok(kv ...string) *node {
	r.t.Helper()
	status, tree := r.call(kv...)
	if status != 200 {
		r.t.Fatalf("%s: status %d:\n%s", kv[1], status, tree)
	}
	return tree
}

// fails sends a request that must fail with code and status; it returns the message.
func (r *coreRig) fails(code string, status int, kv ...string) string {
	r.t.Helper()
	got, tree := r.call(kv...)
	c := tree.find("Errors/Error/Code")
	if got != status || c == nil || c.Text != code {
		r.t.Fatalf("%s: got %d, want %d %s:\n%s", kv[1], got, status, code, tree)
	}
	return tree.find("Errors/Error/Message").Text
}

// run launches one instance and returns its id.
func (r *coreRig) run(kv ...string) string {
	r.t.Helper()
	base := []string{"Action", "RunInstances", "ImageId", catalog.ImageShell, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1"}
	tree := r.ok(append(base, kv...)...)
	return tree.find("instancesSet/item/instanceId").Text
}

// state returns the instance's state name as DescribeInstances shows it.
func (r *coreRig) state(id string) string {
	r.t.Helper()
	tree := r.ok("Action", "DescribeInstances", "InstanceId.1", id)
	return tree.find("reservationSet/item/instancesSet/item/instanceState/name").Text
}

// await advances the fake clock until the instance reaches want.
func (r *coreRig) await(id, want string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		in, err := r.svc.Get(context.Background(), testAccount, id)
		if err != nil {
			r.t.Fatal(err)
		}
		if string(in.State) == want {
			return
		}
		r.clk.Advance(time.Second)
		time.Sleep(2 * time.Millisecond)
	}
	r.t.Fatalf("%s never reached %s (is %s)", id, want, r.state(id))
}

func TestCoreLifecycle(t *testing.T) {
	r := newCoreRig(t)
	id := r.run("TagSpecification.1.ResourceType", "instance", "TagSpecification.1.Tag.1.Key", "Name", "TagSpecification.1.Tag.1.Value", "web")
	if !instanceIDRE.MatchString(id) {
		t.Fatalf("RunInstances returned id %q", id)
	}
	r.await(id, "running")

	tree := r.ok("Action", "DescribeInstances", "Filter.1.Name", "tag:Name", "Filter.1.Value.1", "w*")
	inst := tree.find("reservationSet/item/instancesSet/item")
	if inst == nil || inst.find("instanceId").Text != id {
		t.Fatalf("tag filter did not find the instance:\n%s", tree)
	}
	for path, want := range map[string]string{
		"instanceState/code":                 "16",
		"placement/availabilityZone":         "us-east-1a",
		"rootDeviceType":                     "ebs",
		"blockDeviceMapping/item/ebs/status": "attached",
	} {
		if n := inst.find(path); n == nil || n.Text != want {
			t.Errorf("%s = %v, want %q", path, n, want)
		}
	}
	if ip := inst.find("ipAddress"); ip == nil || !strings.HasPrefix(inst.find("dnsName").Text, "ec2-"+dashedIP(ip.Text)) {
		t.Errorf("running instance lacks a public address and name:\n%s", inst)
	}

	// DryRun: answered 412, nothing changes.
	r.fails("DryRunOperation", 412, "Action", "StopInstances", "InstanceId.1", id, "DryRun", "true")
	if s := r.state(id); s != "running" {
		t.Fatalf("dry run changed the state to %s", s)
	}

	// Stop answers with seed 001's shape: stopping, previously running.
	tree = r.ok("Action", "StopInstances", "InstanceId.1", id)
	item := tree.find("instancesSet/item")
	if item.find("currentState/name").Text != "stopping" || item.find("currentState/code").Text != "64" ||
		item.find("previousState/name").Text != "running" || item.find("previousState/code").Text != "16" {
		t.Errorf("StopInstances answer:\n%s", tree)
	}
	r.await(id, "stopped")
	tree = r.ok("Action", "DescribeInstances", "InstanceId.1", id)
	inst = tree.find("reservationSet/item/instancesSet/item")
	if c := inst.find("stateReason/code"); c == nil || c.Text != "Client.UserInitiatedShutdown" {
		t.Errorf("stopped instance state reason:\n%s", inst)
	}
	if inst.find("ipAddress") != nil || inst.find("dnsName").Text != "" {
		t.Errorf("a stopped instance keeps no public address:\n%s", inst)
	}

	// Starting a stopped instance; starting it again is the wrong state.
	tree = r.ok("Action", "StartInstances", "InstanceId.1", id)
	if got := tree.find("instancesSet/item/currentState/name").Text; got != "pending" {
		t.Errorf("StartInstances current state %s", got)
	}
	r.await(id, "running")
	r.ok("Action", "RebootInstances", "InstanceId.1", id)

	// DescribeInstanceStatus lists running instances only, unless asked.
	tree = r.ok("Action", "DescribeInstanceStatus")
	if n := tree.find("instanceStatusSet/item/instanceStatus/status"); n == nil || n.Text != "ok" {
		t.Errorf("DescribeInstanceStatus:\n%s", tree)
	}

	tree = r.ok("Action", "TerminateInstances", "InstanceId.1", id)
	if got := tree.find("instancesSet/item/currentState/name").Text; got != "shutting-down" {
		t.Errorf("TerminateInstances current state %s", got)
	}
	r.await(id, "terminated")
	r.fails("IncorrectInstanceState", 400, "Action", "StartInstances", "InstanceId.1", id)
	tree = r.ok("Action", "DescribeInstanceStatus", "InstanceId.1", id)
	if n := len(tree.find("instanceStatusSet").Children); n != 0 {
		t.Errorf("a terminated instance is listed by default:\n%s", tree)
	}
	tree = r.ok("Action", "DescribeInstanceStatus", "InstanceId.1", id, "IncludeAllInstances", "true")
	if n := tree.find("instanceStatusSet/item/instanceStatus/status"); n == nil || n.Text != "not-applicable" {
		t.Errorf("terminated instance status:\n%s", tree)
	}
}

func TestCoreErrors(t *testing.T) {
	r := newCoreRig(t)
	id := r.run()
	r.await(id, "running")
	missing1, missing2 := "i-0000000000000dead", "i-0000000000000beef"

	msg := r.fails("InvalidInstanceID.NotFound", 400, "Action", "StopInstances", "InstanceId.1", missing1)
	if msg != "The instance ID '"+missing1+"' does not exist" {
		t.Errorf("message %q", msg)
	}
	msg = r.fails("InvalidInstanceID.NotFound", 400, "Action", "StopInstances", "InstanceId.1", missing1, "InstanceId.2", id, "InstanceId.3", missing2)
	if !strings.HasPrefix(msg, "The instance IDs '") || !strings.Contains(msg, missing1) || !strings.Contains(msg, missing2) {
		t.Errorf("message %q", msg)
	}
	if s := r.state(id); s != "running" {
		t.Errorf("a failed batch changed %s to %s", id, s)
	}
	tree := r.ok("Action", "StartInstances", "InstanceId.1", id) // EC2: a no-op on a running instance
	if got := tree.find("instancesSet/item/currentState/name").Text; got != "running" {
		t.Errorf("StartInstances on a running instance: %s", got)
	}
	r.fails("UnsupportedHibernationConfiguration", 400, "Action", "StopInstances", "InstanceId.1", id, "Hibernate", "true")
	r.fails("InvalidAMIID.NotFound", 400, "Action", "RunInstances", "ImageId", "ami-0123456789abcdef0", "MinCount", "1", "MaxCount", "1")
	r.fails("InvalidParameterValue", 400, "Action", "RunInstances", "ImageId", catalog.ImageShell, "InstanceType", "t9.enormous", "MinCount", "1", "MaxCount", "1")
	r.fails("InvalidPaginationToken", 400, "Action", "DescribeInstances", "NextToken", "not-a-token")

	// Stop protection.
	r.ok("Action", "ModifyInstanceAttribute", "InstanceId", id, "DisableApiStop.Value", "true")
	tree = r.ok("Action", "DescribeInstanceAttribute", "InstanceId", id, "Attribute", "disableApiStop")
	if v := tree.find("disableApiStop/value"); v == nil || v.Text != "true" {
		t.Errorf("DescribeInstanceAttribute:\n%s", tree)
	}
	r.fails("OperationNotPermitted", 400, "Action", "StopInstances", "InstanceId.1", id)
	r.ok("Action", "ModifyInstanceAttribute", "InstanceId", id, "Attribute", "disableApiStop", "Value", "false")
	r.ok("Action", "StopInstances", "InstanceId.1", id, "Force", "true")
}

func TestCoreInstanceStoreCannotStop(t *testing.T) {
	r := newCoreRig(t)
	base := []string{"Action", "RunInstances", "ImageId", catalog.ImageShellInstanceStore, "InstanceType", "m5d.large", "MinCount", "1", "MaxCount", "1"}
	id := r.ok(base...).find("instancesSet/item/instanceId").Text
	r.await(id, "running")
	r.fails("UnsupportedOperation", 400, "Action", "StopInstances", "InstanceId.1", id)
	tree := r.ok("Action", "DescribeInstances", "InstanceId.1", id)
	if got := tree.find("reservationSet/item/instancesSet/item/rootDeviceType").Text; got != "instance-store" {
		t.Errorf("rootDeviceType %q", got)
	}
}

func TestCoreTagsAndAttributes(t *testing.T) {
	r := newCoreRig(t)
	id := r.run("UserData", "ZWNobyBoaQ==")
	r.await(id, "running")
	r.ok("Action", "CreateTags", "ResourceId.1", id, "Tag.1.Key", "env", "Tag.1.Value", "prod", "Tag.2.Key", "team", "Tag.2.Value", "a")
	tree := r.ok("Action", "DescribeTags", "Filter.1.Name", "resource-id", "Filter.1.Value.1", id, "Filter.2.Name", "key", "Filter.2.Value.1", "env")
	items := tree.find("tagSet").Children
	if len(items) != 1 || items[0].find("value").Text != "prod" || items[0].find("resourceType").Text != "instance" {
		t.Errorf("DescribeTags:\n%s", tree)
	}
	r.ok("Action", "DeleteTags", "ResourceId.1", id, "Tag.1.Key", "env", "Tag.1.Value", "other")
	r.ok("Action", "DeleteTags", "ResourceId.1", id, "Tag.1.Key", "team")
	tree = r.ok("Action", "DescribeTags", "Filter.1.Name", "resource-id", "Filter.1.Value.1", id)
	if n := len(tree.find("tagSet").Children); n != 1 {
		t.Errorf("after DeleteTags %d tags remain, want 1 (env=prod: the value did not match):\n%s", n, tree)
	}

	tree = r.ok("Action", "DescribeInstanceAttribute", "InstanceId", id, "Attribute", "userData")
	if v := tree.find("userData/value"); v == nil || v.Text != "ZWNobyBoaQ==" {
		t.Errorf("userData:\n%s", tree)
	}
	// Changing the type needs a stopped instance.
	r.fails("IncorrectInstanceState", 400, "Action", "ModifyInstanceAttribute", "InstanceId", id, "InstanceType.Value", "m5.large")
	r.ok("Action", "StopInstances", "InstanceId.1", id)
	r.await(id, "stopped")
	r.ok("Action", "ModifyInstanceAttribute", "InstanceId", id, "InstanceType.Value", "m5.large")
	tree = r.ok("Action", "DescribeInstanceAttribute", "InstanceId", id, "Attribute", "instanceType")
	if v := tree.find("instanceType/value"); v == nil || v.Text != "m5.large" {
		t.Errorf("instanceType:\n%s", tree)
	}

	r.drv.SetConsole(id, []byte("hello console\n"))
	tree = r.ok("Action", "GetConsoleOutput", "InstanceId", id)
	if out := tree.find("output"); out == nil || out.Text == "" {
		t.Errorf("GetConsoleOutput:\n%s", tree)
	} else if b, err := decodeBase64(out.Text); err != nil || !strings.Contains(string(b), "hello console") {
		t.Errorf("console output %q: %q, %v", out.Text, b, err)
	}
}

func TestCoreClientTokenAndPaging(t *testing.T) {
	r := newCoreRig(t)
	first := r.ok("Action", "RunInstances", "ImageId", catalog.ImageShell, "MinCount", "1", "MaxCount", "1", "ClientToken", "abc")
	again := r.ok("Action", "RunInstances", "ImageId", catalog.ImageShell, "MinCount", "1", "MaxCount", "1", "ClientToken", "abc")
	if a, b := first.find("instancesSet/item/instanceId").Text, again.find("instancesSet/item/instanceId").Text; a != b {
		t.Errorf("the same client token launched twice: %s, %s", a, b)
	}
	r.fails("IdempotentParameterMismatch", 400, "Action", "RunInstances", "ImageId", catalog.ImageShell, "MinCount", "2", "MaxCount", "2", "ClientToken", "abc")

	r.ok("Action", "RunInstances", "ImageId", catalog.ImageShell, "MinCount", "6", "MaxCount", "6")
	seen := map[string]bool{}
	token := ""
	for page := 0; page < 5; page++ {
		kv := []string{"Action", "DescribeInstances", "MaxResults", "5"}
		if token != "" {
			kv = append(kv, "NextToken", token)
		}
		tree := r.ok(kv...)
		for _, res := range tree.find("reservationSet").Children {
			for _, it := range res.find("instancesSet").Children {
				seen[it.find("instanceId").Text] = true
			}
		}
		next := tree.find("nextToken")
		if next == nil {
			break
		}
		token = next.Text
	}
	if len(seen) != 7 {
		t.Errorf("paging saw %d instances, want 7: %v", len(seen), seen)
	}
}

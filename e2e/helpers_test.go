package e2e

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// Built-in images.
const (
	imageEBS           = "ami-0000000000000000a" // runs user data with /bin/sh, EBS-backed
	imageInstanceStore = "ami-0000000000000000b" // the same, instance-store-backed
)

// State codes (seed 002).
const (
	codePending      = 0
	codeRunning      = 16
	codeShuttingDown = 32
	codeTerminated   = 48
	codeStopping     = 64
	codeStopped      = 80
)

// Guest scripts.
const (
	// idleGuest does nothing until it is signalled.
	idleGuest = "while :; do sleep 0.2; done\n"
	// ignoreTermGuest ignores SIGTERM: only a kill stops it. It prints
	// "ready" once the trap is set.
	ignoreTermGuest = "trap '' TERM\necho ready\nwhile :; do sleep 0.2; done\n"
)

// userData encodes a script the way the SDK expects it: base64 (the CLI does
// this itself, the SDK does not).
func userData(script string) *string {
	return aws.String(base64.StdEncoding.EncodeToString([]byte(script)))
}

// launch runs one instance: the EBS shell image, t3.micro, unless in says
// otherwise. It returns the instance as RunInstances described it.
func launch(t *testing.T, c *ec2.Client, in *ec2.RunInstancesInput) types.Instance {
	t.Helper()
	out, err := c.RunInstances(t.Context(), withLaunchDefaults(in))
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if len(out.Instances) != 1 {
		t.Fatalf("RunInstances returned %d instances, want 1", len(out.Instances))
	}
	return out.Instances[0]
}

func withLaunchDefaults(in *ec2.RunInstancesInput) *ec2.RunInstancesInput {
	if in == nil {
		in = &ec2.RunInstancesInput{}
	}
	if in.ImageId == nil {
		in.ImageId = aws.String(imageEBS)
	}
	if in.InstanceType == "" {
		in.InstanceType = types.InstanceTypeT3Micro
	}
	if in.MinCount == nil {
		in.MinCount = aws.Int32(1)
	}
	if in.MaxCount == nil {
		in.MaxCount = aws.Int32(1)
	}
	return in
}

// launchRunning launches an instance and waits with the SDK's
// InstanceRunning waiter.
func launchRunning(t *testing.T, c *ec2.Client, in *ec2.RunInstancesInput) string {
	t.Helper()
	id := aws.ToString(launch(t, c, in).InstanceId)
	waitRunning(t, c, id)
	return id
}

// Waiters poll fast: the SDK's defaults (15 s) suit AWS, not a local server.
const (
	waitMin = 100 * time.Millisecond
	waitMax = time.Second
	waitFor = 60 * time.Second
)

func waitRunning(t *testing.T, c *ec2.Client, ids ...string) {
	t.Helper()
	w := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = waitMin, waitMax
	})
	if err := w.Wait(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: ids}, waitFor); err != nil {
		t.Fatalf("InstanceRunning waiter for %v: %v (states now: %s)", ids, err, statesOf(c, ids))
	}
}

func waitStopped(t *testing.T, c *ec2.Client, ids ...string) {
	t.Helper()
	w := ec2.NewInstanceStoppedWaiter(c, func(o *ec2.InstanceStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = waitMin, waitMax
	})
	if err := w.Wait(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: ids}, waitFor); err != nil {
		t.Fatalf("InstanceStopped waiter for %v: %v (states now: %s)", ids, err, statesOf(c, ids))
	}
}

func waitTerminated(t *testing.T, c *ec2.Client, ids ...string) {
	t.Helper()
	w := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = waitMin, waitMax
	})
	if err := w.Wait(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: ids}, waitFor); err != nil {
		t.Fatalf("InstanceTerminated waiter for %v: %v (states now: %s)", ids, err, statesOf(c, ids))
	}
}

// statesOf is a diagnostic: "i-1=running i-2=stopping".
func statesOf(c *ec2.Client, ids []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		return "DescribeInstances: " + err.Error()
	}
	var parts []string
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			s := "?"
			if in.State != nil {
				s = string(in.State.Name)
			}
			parts = append(parts, aws.ToString(in.InstanceId)+"="+s)
		}
	}
	return strings.Join(parts, " ")
}

// describe returns the one instance id names.
func describe(t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeInstances %s: %v", id, err)
	}
	var found []types.Instance
	for _, r := range out.Reservations {
		found = append(found, r.Instances...)
	}
	if len(found) != 1 || aws.ToString(found[0].InstanceId) != id {
		t.Fatalf("DescribeInstances %s returned %d instances, want exactly that one", id, len(found))
	}
	return found[0]
}

// stateOf returns the instance's state; it fails t when State is missing.
func stateOf(t *testing.T, c *ec2.Client, id string) types.InstanceState {
	t.Helper()
	in := describe(t, c, id)
	if in.State == nil {
		t.Fatalf("DescribeInstances %s: no State", id)
	}
	return *in.State
}

// checkState asserts name and code together; clients mask the high byte.
func checkState(t *testing.T, what string, got *types.InstanceState, name types.InstanceStateName, code int32) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no state, want %s (%d)", what, name, code)
		return
	}
	if got.Name != name || aws.ToInt32(got.Code)&0xff != code {
		t.Errorf("%s: state %s (%d), want %s (%d)", what, got.Name, aws.ToInt32(got.Code), name, code)
	}
}

// pollState polls every 50 ms until the instance is in want and returns how
// long that took; it fails t after timeout.
func pollState(t *testing.T, c *ec2.Client, id string, want types.InstanceStateName, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last types.InstanceStateName
	for time.Since(start) < timeout {
		last = stateOf(t, c, id).Name
		if last == want {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not reach %s within %v (still %s)", id, want, timeout, last)
	return 0
}

// consoleOutput returns the decoded console output ("" when there is none).
func consoleOutput(t *testing.T, c *ec2.Client, id string) string {
	t.Helper()
	out, err := c.GetConsoleOutput(t.Context(), &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetConsoleOutput %s: %v", id, err)
	}
	if got := aws.ToString(out.InstanceId); got != id {
		t.Errorf("GetConsoleOutput %s: InstanceId %q", id, got)
	}
	// The SDK hands over the wire's base64 untouched.
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
	if err != nil {
		t.Fatalf("GetConsoleOutput %s: Output is not base64: %v (%q)", id, err, aws.ToString(out.Output))
	}
	return string(raw)
}

// waitConsole polls the console output until it contains every one of want.
func waitConsole(t *testing.T, c *ec2.Client, id string, timeout time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := consoleOutput(t, c, id)
		missing := ""
		for _, w := range want {
			if !strings.Contains(got, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("console output of %s lacks %q after %v; it is:\n%s", id, missing, timeout, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wantAPIError asserts err is the EC2 error code with the HTTP status (0:
// don't check the status) and returns it.
func wantAPIError(t *testing.T, err error, code string, status int) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v (%T), want API error %s", err, err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("error code %q (%s), want %q", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if got := httpStatus(err); status != 0 && got != status {
		t.Errorf("%s: HTTP status %d, want %d", code, got, status)
	}
	if ae.ErrorMessage() == "" {
		t.Errorf("%s: empty error message", code)
	}
	return ae
}

// apiErrorCode returns the EC2 error code of err ("" when it is none).
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// httpStatus digs the HTTP status out of an SDK error (0 when there is none).
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// stop calls StopInstances for one instance and checks the response names it.
func stop(t *testing.T, c *ec2.Client, in *ec2.StopInstancesInput) types.InstanceStateChange {
	t.Helper()
	out, err := c.StopInstances(t.Context(), in)
	if err != nil {
		t.Fatalf("StopInstances %v: %v", in.InstanceIds, err)
	}
	return oneChange(t, "StopInstances", out.StoppingInstances, in.InstanceIds[0])
}

func start(t *testing.T, c *ec2.Client, id string) types.InstanceStateChange {
	t.Helper()
	out, err := c.StartInstances(t.Context(), &ec2.StartInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatalf("StartInstances %s: %v", id, err)
	}
	return oneChange(t, "StartInstances", out.StartingInstances, id)
}

func terminate(t *testing.T, c *ec2.Client, id string) types.InstanceStateChange {
	t.Helper()
	out, err := c.TerminateInstances(t.Context(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatalf("TerminateInstances %s: %v", id, err)
	}
	return oneChange(t, "TerminateInstances", out.TerminatingInstances, id)
}

func oneChange(t *testing.T, op string, got []types.InstanceStateChange, id string) types.InstanceStateChange {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%s %s: %d state changes, want 1", op, id, len(got))
	}
	if g := aws.ToString(got[0].InstanceId); g != id {
		t.Errorf("%s: InstanceId %q, want %q", op, g, id)
	}
	return got[0]
}

package e2e

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestAttributes: DescribeInstanceAttribute, ModifyInstanceAttribute
// (instanceType only while stopped, userData, the API protections) and
// GetConsoleOutput showing what the guest printed.
func TestAttributes(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	const script = "echo 'hello from strato'\n" + idleGuest
	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(script)})
	waitConsole(t, c, id, 10*time.Second, "hello from strato\n")

	attr := func(name types.InstanceAttributeName) *ec2.DescribeInstanceAttributeOutput {
		t.Helper()
		out, err := c.DescribeInstanceAttribute(t.Context(), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: name})
		if err != nil {
			t.Fatalf("DescribeInstanceAttribute %s: %v", name, err)
		}
		if got := aws.ToString(out.InstanceId); got != id {
			t.Errorf("DescribeInstanceAttribute %s: InstanceId %q", name, got)
		}
		return out
	}
	instanceType := func() string {
		t.Helper()
		out := attr(types.InstanceAttributeNameInstanceType)
		if out.InstanceType == nil {
			t.Fatal("DescribeInstanceAttribute instanceType: no InstanceType")
		}
		return aws.ToString(out.InstanceType.Value)
	}
	userDataAttr := func() string {
		t.Helper()
		out := attr(types.InstanceAttributeNameUserData)
		if out.UserData == nil {
			t.Fatal("DescribeInstanceAttribute userData: no UserData")
		}
		raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.UserData.Value))
		if err != nil {
			t.Fatalf("DescribeInstanceAttribute userData is not base64: %v", err)
		}
		return string(raw)
	}

	if got := instanceType(); got != "t3.micro" {
		t.Errorf("instanceType %q, want t3.micro", got)
	}
	if got := userDataAttr(); got != script {
		t.Errorf("userData %q, want %q", got, script)
	}
	if out := attr(types.InstanceAttributeNameDisableApiStop); out.DisableApiStop == nil || aws.ToBool(out.DisableApiStop.Value) {
		t.Errorf("disableApiStop %+v, want false", out.DisableApiStop)
	}
	if out := attr(types.InstanceAttributeNameDisableApiTermination); out.DisableApiTermination == nil || aws.ToBool(out.DisableApiTermination.Value) {
		t.Errorf("disableApiTermination %+v, want false", out.DisableApiTermination)
	}

	// Protections can be turned on and read back.
	if _, err := c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
		InstanceId: aws.String(id), DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)},
	}); err != nil {
		t.Fatalf("ModifyInstanceAttribute disableApiStop: %v", err)
	}
	if out := attr(types.InstanceAttributeNameDisableApiStop); out.DisableApiStop == nil || !aws.ToBool(out.DisableApiStop.Value) {
		t.Errorf("disableApiStop %+v after setting it, want true", out.DisableApiStop)
	}
	_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantAPIError(t, err, "OperationNotPermitted", 400)
	if _, err := c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
		InstanceId: aws.String(id), DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(false)},
	}); err != nil {
		t.Fatalf("ModifyInstanceAttribute disableApiStop=false: %v", err)
	}

	// The instance type changes only while stopped.
	_, err = c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
		InstanceId: aws.String(id), InstanceType: &types.AttributeValue{Value: aws.String("m5.large")},
	})
	wantAPIError(t, err, "IncorrectInstanceState", 400)
	if got := instanceType(); got != "t3.micro" {
		t.Errorf("instanceType %q after a refused change, want t3.micro", got)
	}

	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	waitStopped(t, c, id)
	if _, err := c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
		InstanceId: aws.String(id), InstanceType: &types.AttributeValue{Value: aws.String("m5.large")},
	}); err != nil {
		t.Fatalf("ModifyInstanceAttribute instanceType while stopped: %v", err)
	}
	_, err = c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
		InstanceId: aws.String(id), InstanceType: &types.AttributeValue{Value: aws.String("x9.nonexistent")},
	})
	// EC2 says InvalidInstanceAttributeValue; InvalidParameterValue is as clear.
	if code := apiErrorCode(err); code != "InvalidInstanceAttributeValue" && code != "InvalidParameterValue" {
		t.Errorf("ModifyInstanceAttribute instanceType=x9.nonexistent: %v, want InvalidInstanceAttributeValue", err)
	}

	// So does the user data; the next boot runs the new script. The SDK
	// base64-encodes this blob itself.
	const second = "echo 'second script'\n" + idleGuest
	if _, err := c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
		InstanceId: aws.String(id), UserData: &types.SecureBlobAttributeValue{Value: []byte(second)},
	}); err != nil {
		t.Fatalf("ModifyInstanceAttribute userData while stopped: %v", err)
	}
	if got := userDataAttr(); got != second {
		t.Errorf("userData %q after the change, want %q", got, second)
	}

	start(t, c, id)
	waitRunning(t, c, id)
	if got := instanceType(); got != "m5.large" {
		t.Errorf("instanceType %q after the change, want m5.large", got)
	}
	if in := describe(t, c, id); in.InstanceType != types.InstanceTypeM5Large {
		t.Errorf("DescribeInstances InstanceType %q, want m5.large", in.InstanceType)
	}
	waitConsole(t, c, id, 10*time.Second, "second script\n")

	_, err = c.GetConsoleOutput(t.Context(), &ec2.GetConsoleOutputInput{InstanceId: aws.String("i-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
}

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestStopRules checks the seeds' rules for StopInstances and friends, each
// through the SDK's parsed error or response.
func TestStopRules(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	t.Run("malformed id", func(t *testing.T) {
		t.Parallel()
		_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{"not-an-instance"}})
		ae := wantAPIError(t, err, "InvalidInstanceID.Malformed", 400)
		if !strings.Contains(ae.ErrorMessage(), "not-an-instance") {
			t.Errorf("message %q does not name the id", ae.ErrorMessage())
		}
	})

	t.Run("unknown id fails the whole batch", func(t *testing.T) {
		t.Parallel()
		good := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		const unknown = "i-0123456789abcdef0"
		_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{good, unknown}})
		ae := wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
		if !strings.Contains(ae.ErrorMessage(), unknown) {
			t.Errorf("message %q does not name %s", ae.ErrorMessage(), unknown)
		}
		if strings.Contains(ae.ErrorMessage(), good) {
			t.Errorf("message %q names the good id %s", ae.ErrorMessage(), good)
		}
		time.Sleep(300 * time.Millisecond)
		checkState(t, "the good instance of the failed batch", ptr(stateOf(t, c, good)), types.InstanceStateNameRunning, codeRunning)

		_, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{unknown}})
		wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
	})

	t.Run("stop a stopped instance", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		waitStopped(t, c, id)
		ch := stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		checkState(t, "PreviousState", ch.PreviousState, types.InstanceStateNameStopped, codeStopped)
		checkState(t, "CurrentState", ch.CurrentState, types.InstanceStateNameStopped, codeStopped)
		checkState(t, "afterwards", ptr(stateOf(t, c, id)), types.InstanceStateNameStopped, codeStopped)
	})

	t.Run("stop a terminated instance", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		terminate(t, c, id)
		waitTerminated(t, c, id)
		_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
		wantAPIError(t, err, "IncorrectInstanceState", 400)
		_, err = c.StartInstances(t.Context(), &ec2.StartInstancesInput{InstanceIds: []string{id}})
		wantAPIError(t, err, "IncorrectInstanceState", 400)
	})

	t.Run("start a running instance", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		ch := start(t, c, id)
		checkState(t, "PreviousState", ch.PreviousState, types.InstanceStateNameRunning, codeRunning)
		checkState(t, "CurrentState", ch.CurrentState, types.InstanceStateNameRunning, codeRunning)
		checkState(t, "afterwards", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
	})

	t.Run("hibernate without hibernation configured", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
		_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}, Hibernate: aws.Bool(true)})
		wantAPIError(t, err, "UnsupportedHibernationConfiguration", 400)
		checkState(t, "afterwards", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
	})

	t.Run("hibernate falls back to a normal stop", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{
			UserData:           userData(idleGuest),
			HibernationOptions: &types.HibernationOptionsRequest{Configured: aws.Bool(true)},
		})
		if in := describe(t, c, id); in.HibernationOptions == nil || !aws.ToBool(in.HibernationOptions.Configured) {
			t.Errorf("DescribeInstances HibernationOptions %+v, want Configured=true", in.HibernationOptions)
		}
		ch := stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}, Hibernate: aws.Bool(true)})
		checkState(t, "CurrentState", ch.CurrentState, types.InstanceStateNameStopping, codeStopping)
		waitStopped(t, c, id)
		start(t, c, id)
		waitRunning(t, c, id)
	})

	t.Run("instance-store-backed", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{ImageId: aws.String(imageInstanceStore), UserData: userData(idleGuest)})
		if in := describe(t, c, id); in.RootDeviceType != types.DeviceTypeInstanceStore {
			t.Errorf("RootDeviceType %q, want instance-store", in.RootDeviceType)
		}
		_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
		wantAPIError(t, err, "UnsupportedOperation", 400)
		checkState(t, "afterwards", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
		// It can still be terminated.
		terminate(t, c, id)
		waitTerminated(t, c, id)
	})

	t.Run("one-time spot", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{
			UserData: userData(idleGuest),
			InstanceMarketOptions: &types.InstanceMarketOptionsRequest{
				MarketType:  types.MarketTypeSpot,
				SpotOptions: &types.SpotMarketOptions{SpotInstanceType: types.SpotInstanceTypeOneTime},
			},
		})
		if in := describe(t, c, id); in.InstanceLifecycle != types.InstanceLifecycleTypeSpot {
			t.Errorf("InstanceLifecycle %q, want spot", in.InstanceLifecycle)
		}
		_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
		wantAPIError(t, err, "UnsupportedOperation", 400)
		checkState(t, "afterwards", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
	})

	t.Run("DisableApiStop", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest), DisableApiStop: aws.Bool(true)})
		_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
		wantAPIError(t, err, "OperationNotPermitted", 400)
		_, err = c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}, Force: aws.Bool(true)})
		wantAPIError(t, err, "OperationNotPermitted", 400)
		checkState(t, "afterwards", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)

		// Lifting the protection makes it stoppable.
		if _, err := c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
			InstanceId: aws.String(id), DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(false)},
		}); err != nil {
			t.Fatalf("ModifyInstanceAttribute disableApiStop=false: %v", err)
		}
		stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		waitStopped(t, c, id)
	})

	t.Run("DisableApiTermination", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest), DisableApiTermination: aws.Bool(true)})
		_, err := c.TerminateInstances(t.Context(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
		wantAPIError(t, err, "OperationNotPermitted", 400)
		checkState(t, "afterwards", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)

		if _, err := c.ModifyInstanceAttribute(t.Context(), &ec2.ModifyInstanceAttributeInput{
			InstanceId: aws.String(id), DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)},
		}); err != nil {
			t.Fatalf("ModifyInstanceAttribute disableApiTermination=false: %v", err)
		}
		terminate(t, c, id)
		waitTerminated(t, c, id)
	})

	t.Run("unknown filter", func(t *testing.T) {
		t.Parallel()
		_, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{
			Filters: []types.Filter{{Name: aws.String("no-such-filter"), Values: []string{"x"}}},
		})
		wantAPIError(t, err, "InvalidParameterValue", 400)
	})
}

// TestStopPending: with --boot-delay an instance stays pending long enough to
// be caught there; stopping it is IncorrectInstanceState, and the
// InstanceRunning waiter rides through pending.
func TestStopPending(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{Args: []string{"--boot-delay", "3s"}})
	c := s.Client(t)

	launched := time.Now()
	run := launch(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
	id := aws.ToString(run.InstanceId)
	checkState(t, "RunInstances", run.State, types.InstanceStateNamePending, codePending)
	checkState(t, "DescribeInstances right after", ptr(stateOf(t, c, id)), types.InstanceStateNamePending, codePending)

	_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	ae := wantAPIError(t, err, "IncorrectInstanceState", 400)
	if !strings.Contains(ae.ErrorMessage(), "never reached the 'running' state") {
		t.Errorf("message %q, want it to say the instance has never reached the 'running' state", ae.ErrorMessage())
	}
	if time.Since(launched) > 2500*time.Millisecond {
		t.Fatalf("the checks took %v, longer than the boot delay; they prove nothing", time.Since(launched))
	}

	waitRunning(t, c, id)
	if took := time.Since(launched); took < 2500*time.Millisecond {
		t.Errorf("running %v after launch; --boot-delay 3s should have kept it pending", took)
	}
	checkState(t, "after the waiter", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
}

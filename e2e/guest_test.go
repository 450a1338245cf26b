package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestGuestInitiated: what the guest itself does — a script that ends leaves
// the instance idling, `poweroff` stops it (or terminates it with
// InstanceInitiatedShutdownBehavior=terminate), and a reboot boots it again
// on the same volume.
func TestGuestInitiated(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	t.Run("script ends, instance idles", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData("echo done\n")})
		waitConsole(t, c, id, 10*time.Second, "done\n")
		time.Sleep(time.Second)
		checkState(t, "a second after the script ended", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
	})

	t.Run("poweroff stops", func(t *testing.T) {
		t.Parallel()
		id := aws.ToString(launch(t, c, &ec2.RunInstancesInput{UserData: userData("echo bye\nsleep 0.5\npoweroff\n" + idleGuest)}).InstanceId)
		pollState(t, c, id, types.InstanceStateNameStopped, 20*time.Second)
		in := describe(t, c, id)
		if in.StateReason == nil || aws.ToString(in.StateReason.Code) != "Client.InstanceInitiatedShutdown" {
			t.Errorf("StateReason %+v, want Code Client.InstanceInitiatedShutdown", in.StateReason)
		}
		// It starts again like any stopped instance.
		start(t, c, id)
		pollState(t, c, id, types.InstanceStateNameRunning, 20*time.Second)
	})

	t.Run("poweroff terminates", func(t *testing.T) {
		t.Parallel()
		id := aws.ToString(launch(t, c, &ec2.RunInstancesInput{
			UserData:                          userData("sleep 0.5\npoweroff\n" + idleGuest),
			InstanceInitiatedShutdownBehavior: types.ShutdownBehaviorTerminate,
		}).InstanceId)
		out, err := c.DescribeInstanceAttribute(t.Context(), &ec2.DescribeInstanceAttributeInput{
			InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameInstanceInitiatedShutdownBehavior,
		})
		if err != nil {
			t.Errorf("DescribeInstanceAttribute instanceInitiatedShutdownBehavior: %v", err)
		} else if out.InstanceInitiatedShutdownBehavior == nil || aws.ToString(out.InstanceInitiatedShutdownBehavior.Value) != "terminate" {
			t.Errorf("instanceInitiatedShutdownBehavior %+v, want terminate", out.InstanceInitiatedShutdownBehavior)
		}
		// The InstanceTerminated waiter fails on pending, so poll first.
		pollState(t, c, id, types.InstanceStateNameTerminated, 20*time.Second)
		waitTerminated(t, c, id)
		in := describe(t, c, id)
		if in.StateReason == nil || aws.ToString(in.StateReason.Code) != "Client.InstanceInitiatedShutdown" {
			t.Errorf("StateReason %+v, want Code Client.InstanceInitiatedShutdown", in.StateReason)
		}
	})

	t.Run("reboot", func(t *testing.T) {
		t.Parallel()
		const guest = `echo "boot-count=$(echo boot >> boots.txt; wc -l < boots.txt | tr -d ' ')"` + "\n" + idleGuest
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(guest)})
		waitConsole(t, c, id, 10*time.Second, "boot-count=1")
		if _, err := c.RebootInstances(t.Context(), &ec2.RebootInstancesInput{InstanceIds: []string{id}}); err != nil {
			t.Fatalf("RebootInstances: %v", err)
		}
		waitConsole(t, c, id, 20*time.Second, "boot-count=2")
		waitRunning(t, c, id)

		_, err := c.RebootInstances(t.Context(), &ec2.RebootInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
		wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
	})
}

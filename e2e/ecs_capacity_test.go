package e2e

import (
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestECSStoppedModeCapacity is issue 5's capacity scenario through the
// API, on a host that fits two ecs.g6.large (2 vCPUs, 8 GiB each). With
// StopCharging the stopped instance gives its room back, another instance
// takes it, and StartInstance fails out of stock; with KeepCharging the
// room stays reserved, nobody can take it, and StartInstance succeeds.
func TestECSStoppedModeCapacity(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"StopCharging", "KeepCharging"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := StartServer(t, Options{Args: []string{"--capacity-vcpus", "4", "--capacity-memory-mib", "16384"}})
			c := s.ECSClient(t)
			ids := ecsRunning(t, c, "ecs.g6.large", 2, nil)
			run := ecs.CreateRunInstancesRequest()
			run.ImageId, run.InstanceType = ecsImage, "ecs.g6.large"
			_, err := c.RunInstances(run)
			wantECSError(t, err, "OperationDenied.NoStock", 403)

			ecsStop(t, c, ids[0], func(r *ecs.StopInstanceRequest) { r.StoppedMode = mode })
			ecsWait(t, c, ids[0], "Stopped")
			if got := ecsDescribe(t, c, ids[0]).StoppedMode; got != mode {
				t.Errorf("StoppedMode = %q, want %q", got, mode)
			}
			run = ecs.CreateRunInstancesRequest()
			run.ImageId, run.InstanceType = ecsImage, "ecs.g6.large"
			_, err = c.RunInstances(run)
			if mode == "KeepCharging" {
				wantECSError(t, err, "OperationDenied.NoStock", 403)
				if err := ecsStart(t, c, ids[0]); err != nil {
					t.Fatalf("StartInstance of a KeepCharging instance: %v", err)
				}
				ecsWait(t, c, ids[0], "Running")
				return
			}
			if err != nil {
				t.Fatalf("the room a StopCharging stop freed could not be taken: %v", err)
			}
			se := wantECSError(t, ecsStart(t, c, ids[0]), "OperationDenied.NoStock", 403)
			if se.Message() != "The requested resource is sold out in the specified zone; try other types of resources or other regions and zones." {
				t.Errorf("message %q", se.Message())
			}
		})
	}
}

// TestEC2Capacity: the capacity counts for EC2 too; a stopped EC2 instance
// releases its room, and a start or launch beyond it is
// InsufficientInstanceCapacity.
func TestEC2Capacity(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{Args: []string{"--capacity-vcpus", "2"}}) // one t3.micro
	c := s.Client(t)
	a := launchRunning(t, c, nil)
	_, err := c.RunInstances(t.Context(), withLaunchDefaults(nil))
	wantAPIError(t, err, "InsufficientInstanceCapacity", 500)
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{a}})
	waitStopped(t, c, a)
	launchRunning(t, c, &ec2.RunInstancesInput{InstanceType: types.InstanceTypeT3Nano})
	_, err = c.StartInstances(t.Context(), &ec2.StartInstancesInput{InstanceIds: []string{a}})
	wantAPIError(t, err, "InsufficientInstanceCapacity", 500)
	if got := stateOf(t, c, a).Name; got != types.InstanceStateNameStopped {
		t.Errorf("%s is %s after a refused start", aws.ToString(&a), got)
	}
}

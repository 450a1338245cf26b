package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestStopKillsAfterGrace: a guest that ignores SIGTERM keeps the instance in
// stopping for the configured grace (--stop-timeout 2s), then it is killed and
// the instance ends stopped.
func TestStopKillsAfterGrace(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{StopTimeout: "2s"})
	c := s.Client(t)
	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(ignoreTermGuest)})
	// Give the guest's shell time to install its trap.
	waitTraps(t, c, id)

	called := time.Now()
	ch := stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	checkState(t, "StopInstances CurrentState", ch.CurrentState, types.InstanceStateNameStopping, codeStopping)

	time.Sleep(500*time.Millisecond - time.Since(called))
	checkState(t, "0.5 s after StopInstances", ptr(stateOf(t, c, id)), types.InstanceStateNameStopping, codeStopping)

	pollState(t, c, id, types.InstanceStateNameStopped, 15*time.Second)
	took := time.Since(called)
	t.Logf("stopped %v after StopInstances (grace 2s)", took.Round(10*time.Millisecond))
	if took < 1500*time.Millisecond {
		t.Errorf("stopped after %v: the guest ignores SIGTERM, so it should have had the 2s grace", took)
	}
	if took > 8*time.Second {
		t.Errorf("stopped after %v: want about 2s (the grace) plus slack", took)
	}
	in := describe(t, c, id)
	if in.StateReason == nil || aws.ToString(in.StateReason.Code) != "Client.UserInitiatedShutdown" {
		t.Errorf("StateReason %+v, want Client.UserInitiatedShutdown", in.StateReason)
	}

	// The killed guest starts again.
	start(t, c, id)
	waitRunning(t, c, id)
}

// TestForceStop: with a long grace (60 s), Force kills a guest that ignores
// SIGTERM at once, whether it is running or already stuck in stopping.
func TestForceStop(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{StopTimeout: "60s"})
	c := s.Client(t)

	t.Run("running", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(ignoreTermGuest)})
		waitTraps(t, c, id)
		called := time.Now()
		ch := stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}, Force: aws.Bool(true)})
		checkState(t, "StopInstances PreviousState", ch.PreviousState, types.InstanceStateNameRunning, codeRunning)
		if n := ch.CurrentState; n == nil || (n.Name != types.InstanceStateNameStopping && n.Name != types.InstanceStateNameStopped) {
			t.Errorf("StopInstances Force CurrentState %+v, want stopping or stopped", n)
		}
		pollState(t, c, id, types.InstanceStateNameStopped, 20*time.Second)
		took := time.Since(called)
		t.Logf("force-stopped after %v (grace 60s)", took.Round(10*time.Millisecond))
		if took > 5*time.Second {
			t.Errorf("Force stop took %v; it must not wait for the 60s grace", took)
		}
		waitStopped(t, c, id)
	})

	t.Run("stuck in stopping", func(t *testing.T) {
		t.Parallel()
		id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(ignoreTermGuest)})
		waitTraps(t, c, id)
		stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		time.Sleep(time.Second)
		checkState(t, "1 s after a graceful stop", ptr(stateOf(t, c, id)), types.InstanceStateNameStopping, codeStopping)

		// A second graceful stop changes nothing and says so.
		ch := stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
		checkState(t, "second StopInstances PreviousState", ch.PreviousState, types.InstanceStateNameStopping, codeStopping)
		checkState(t, "second StopInstances CurrentState", ch.CurrentState, types.InstanceStateNameStopping, codeStopping)

		called := time.Now()
		ch = stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}, Force: aws.Bool(true)})
		checkState(t, "Force StopInstances PreviousState", ch.PreviousState, types.InstanceStateNameStopping, codeStopping)
		pollState(t, c, id, types.InstanceStateNameStopped, 20*time.Second)
		took := time.Since(called)
		t.Logf("force-stopped a stuck instance after %v (grace 60s)", took.Round(10*time.Millisecond))
		if took > 5*time.Second {
			t.Errorf("Force on an instance stuck in stopping took %v; it must kill at once", took)
		}
	})
}

// waitTraps waits until the guest printed "ready": "running" means the
// process started, not that the script has set its trap yet.
func waitTraps(t *testing.T, c *ec2.Client, id string) {
	t.Helper()
	waitConsole(t, c, id, 10*time.Second, "ready")
}

package e2e

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

var userInitiated = regexp.MustCompile(`^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$`)

// TestLifecycle walks one instance through run → stop → start → stop →
// start → terminate with the SDK's waiters and checks what DescribeInstances
// shows at each step: the state codes, StopInstances' exact response shape
// (seed 001), the stop reason, a private IP that stays and a public IP that
// changes on every start.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	run := launch(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
	id := aws.ToString(run.InstanceId)
	checkState(t, "RunInstances", run.State, types.InstanceStateNamePending, codePending)

	waitRunning(t, c, id)
	in := describe(t, c, id)
	checkState(t, "after InstanceRunning waiter", in.State, types.InstanceStateNameRunning, codeRunning)
	if got := aws.ToString(in.ImageId); got != imageEBS {
		t.Errorf("ImageId %q, want %q", got, imageEBS)
	}
	if in.InstanceType != types.InstanceTypeT3Micro {
		t.Errorf("InstanceType %q, want t3.micro", in.InstanceType)
	}
	if in.RootDeviceType != types.DeviceTypeEbs {
		t.Errorf("RootDeviceType %q, want ebs", in.RootDeviceType)
	}
	if in.LaunchTime == nil {
		t.Error("LaunchTime missing")
	}
	if in.Placement == nil || aws.ToString(in.Placement.AvailabilityZone) == "" {
		t.Error("Placement.AvailabilityZone missing")
	}
	privateIP, privateDNS := aws.ToString(in.PrivateIpAddress), aws.ToString(in.PrivateDnsName)
	publicIPs := []string{aws.ToString(in.PublicIpAddress)}
	publicDNS := []string{aws.ToString(in.PublicDnsName)}
	if privateIP == "" || privateDNS == "" || publicIPs[0] == "" || publicDNS[0] == "" {
		t.Fatalf("running instance lacks an address: private %q %q, public %q %q", privateIP, privateDNS, publicIPs[0], publicDNS[0])
	}

	for cycle := 1; cycle <= 2; cycle++ {
		// StopInstances answers at once with seed 001's shape.
		out, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			t.Fatalf("cycle %d: StopInstances: %v", cycle, err)
		}
		if len(out.StoppingInstances) != 1 {
			t.Fatalf("cycle %d: StoppingInstances has %d items, want 1", cycle, len(out.StoppingInstances))
		}
		ch := out.StoppingInstances[0]
		if got := aws.ToString(ch.InstanceId); got != id {
			t.Errorf("cycle %d: StoppingInstances[0].InstanceId %q, want %q", cycle, got, id)
		}
		checkState(t, "StopInstances CurrentState", ch.CurrentState, types.InstanceStateNameStopping, codeStopping)
		checkState(t, "StopInstances PreviousState", ch.PreviousState, types.InstanceStateNameRunning, codeRunning)

		waitStopped(t, c, id)
		in = describe(t, c, id)
		checkState(t, "after InstanceStopped waiter", in.State, types.InstanceStateNameStopped, codeStopped)
		if r := aws.ToString(in.StateTransitionReason); !userInitiated.MatchString(r) {
			t.Errorf("stopped: StateTransitionReason %q, want %s", r, userInitiated)
		}
		if in.StateReason == nil || aws.ToString(in.StateReason.Code) != "Client.UserInitiatedShutdown" {
			t.Errorf("stopped: StateReason %+v, want Code Client.UserInitiatedShutdown", in.StateReason)
		} else if aws.ToString(in.StateReason.Message) == "" {
			t.Error("stopped: StateReason.Message empty")
		}
		if got := aws.ToString(in.PrivateIpAddress); got != privateIP {
			t.Errorf("stopped: PrivateIpAddress %q, want %q (kept while stopped)", got, privateIP)
		}
		if got := aws.ToString(in.PublicIpAddress); got != "" {
			t.Errorf("stopped: PublicIpAddress %q, want none (EC2 releases it on stop)", got)
		}

		ch = start(t, c, id)
		checkState(t, "StartInstances CurrentState", ch.CurrentState, types.InstanceStateNamePending, codePending)
		checkState(t, "StartInstances PreviousState", ch.PreviousState, types.InstanceStateNameStopped, codeStopped)
		waitRunning(t, c, id)
		in = describe(t, c, id)
		checkState(t, "after restart", in.State, types.InstanceStateNameRunning, codeRunning)
		if got := aws.ToString(in.PrivateIpAddress); got != privateIP {
			t.Errorf("start %d: PrivateIpAddress %q, want %q (stable across stop/start)", cycle, got, privateIP)
		}
		if got := aws.ToString(in.PrivateDnsName); got != privateDNS {
			t.Errorf("start %d: PrivateDnsName %q, want %q", cycle, got, privateDNS)
		}
		ip, dns := aws.ToString(in.PublicIpAddress), aws.ToString(in.PublicDnsName)
		for i, old := range publicIPs {
			if ip == old {
				t.Errorf("start %d: PublicIpAddress %q equals the one of boot %d; it must change on every start", cycle, ip, i+1)
			}
		}
		for i, old := range publicDNS {
			if dns == old {
				t.Errorf("start %d: PublicDnsName %q equals the one of boot %d", cycle, dns, i+1)
			}
		}
		if ip == "" || dns == "" {
			t.Errorf("start %d: no public address (%q, %q)", cycle, ip, dns)
		}
		publicIPs, publicDNS = append(publicIPs, ip), append(publicDNS, dns)
	}

	ch := terminate(t, c, id)
	checkState(t, "TerminateInstances CurrentState", ch.CurrentState, types.InstanceStateNameShuttingDown, codeShuttingDown)
	checkState(t, "TerminateInstances PreviousState", ch.PreviousState, types.InstanceStateNameRunning, codeRunning)
	waitTerminated(t, c, id)
	// A terminated instance stays visible for a while.
	in = describe(t, c, id)
	checkState(t, "after InstanceTerminated waiter", in.State, types.InstanceStateNameTerminated, codeTerminated)
}

// TestTerminateStopped: the InstanceTerminated waiter also completes for a
// stopped instance that is terminated.
func TestTerminateStopped(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)
	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	waitStopped(t, c, id)
	ch := terminate(t, c, id)
	checkState(t, "TerminateInstances PreviousState", ch.PreviousState, types.InstanceStateNameStopped, codeStopped)
	waitTerminated(t, c, id)
	checkState(t, "terminated", ptr(stateOf(t, c, id)), types.InstanceStateNameTerminated, codeTerminated)
}

func ptr[T any](v T) *T { return &v }

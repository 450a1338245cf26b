package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestDaemonRestart: instances do not depend on the daemon staying alive. A
// guest keeps running across a restart of `strato serve` (it is not
// rebooted), the restarted daemon still stops it gracefully, and a stop that
// was in flight when the daemon crashed is finished after it comes back.
func TestDaemonRestart(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{StopTimeout: "2s"})
	c := s.Client(t)

	keeper := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(volumeGuest)})
	waitConsole(t, c, keeper, 10*time.Second, "boot-count=1", "process=")
	stubborn := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(ignoreTermGuest)})
	waitTraps(t, c, stubborn)

	s.Restart(t, false)

	checkState(t, "after a graceful daemon restart", ptr(stateOf(t, c, keeper)), types.InstanceStateNameRunning, codeRunning)
	if out := consoleOutput(t, c, keeper); strings.Count(out, "boot-count=") != 1 {
		t.Errorf("the guest booted again across the daemon restart:\n%s", out)
	}
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{keeper}})
	waitStopped(t, c, keeper)
	start(t, c, keeper)
	waitRunning(t, c, keeper)
	waitConsole(t, c, keeper, 10*time.Second, "found: stopped", "boot-count=2")

	// A crash in the middle of a graceful stop: the grace runs out and the
	// guest is killed by the daemon that comes back.
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{stubborn}})
	checkState(t, "before the crash", ptr(stateOf(t, c, stubborn)), types.InstanceStateNameStopping, codeStopping)
	s.Restart(t, true)
	pollState(t, c, stubborn, types.InstanceStateNameStopped, 20*time.Second)
	start(t, c, stubborn)
	waitRunning(t, c, stubborn)
}

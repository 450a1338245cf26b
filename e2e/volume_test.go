package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// volumeGuest counts its boots in a file on the root volume (its working
// directory), prints what it found there, and on SIGTERM writes stopped.txt
// before it exits. The "ram" variable lives only in the guest's memory.
const volumeGuest = `echo "boot-count=$(echo boot >> boots.txt; wc -l < boots.txt | tr -d ' ')"
if [ -f stopped.txt ]; then echo "found: $(cat stopped.txt)"; fi
echo "ram-at-boot=${ram:-0}"
echo "process=$(cut -d' ' -f22 /proc/self/stat)-$(cat /proc/sys/kernel/random/boot_id)-$(cat /proc/sys/kernel/random/uuid)"
ram=0
trap 'echo stopped > stopped.txt; sync; exit 0' TERM
while :; do ram=$((ram + 1)); sleep 0.2; done
`

var (
	// process= names the shell of one boot uniquely: its start time, plus a
	// random id (a guest's pid alone repeats in a fresh pid namespace).
	pidLine = regexp.MustCompile(`(?m)^process=(\S+)$`)
	ramLine = regexp.MustCompile(`(?m)^ram-at-boot=(\d+)$`)
)

// TestVolumeSurvivesStop: a guest that traps SIGTERM writes a file on its
// root volume when stopped; after start the same volume is back (the file
// and the boot counter are there) while memory is not (a new process, its
// shell variable starts from zero again).
func TestVolumeSurvivesStop(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)

	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(volumeGuest)})
	first := waitConsole(t, c, id, 10*time.Second, "boot-count=1", "process=")
	if regexp.MustCompile(`found: `).MatchString(first) {
		t.Errorf("first boot found stopped.txt on a fresh volume:\n%s", first)
	}
	pids := pidLine.FindAllStringSubmatch(first, -1)
	firstPID := pids[len(pids)-1][1]
	time.Sleep(500 * time.Millisecond) // let the guest's counter grow in RAM

	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	waitStopped(t, c, id)
	start(t, c, id)
	waitRunning(t, c, id)

	second := waitConsole(t, c, id, 10*time.Second, "boot-count=2", "found: stopped")
	// Wait for the rest of the second boot's lines.
	second = waitConsole(t, c, id, 5*time.Second, "boot-count=2", "found: stopped\nram-at-boot=", "found: stopped\nram-at-boot=0\nprocess=")
	for _, m := range ramLine.FindAllStringSubmatch(second, -1) {
		if m[1] != "0" {
			t.Errorf("a boot saw ram=%s: memory survived a stop:\n%s", m[1], second)
		}
	}
	pids = pidLine.FindAllStringSubmatch(second, -1)
	if len(pids) == 0 {
		t.Fatalf("second boot printed no process line:\n%s", second)
	}
	if last := pids[len(pids)-1][1]; last == firstPID {
		t.Errorf("the guest after start is the same process %s as before the stop: it was not restarted:\n%s", last, second)
	}

	// A third boot sees two stops' worth of state and the counter at 3.
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	waitStopped(t, c, id)
	start(t, c, id)
	waitRunning(t, c, id)
	waitConsole(t, c, id, 10*time.Second, "boot-count=3")

	// Terminate deletes the volume with the instance (DeleteOnTermination
	// is the default for the root device).
	terminate(t, c, id)
	waitTerminated(t, c, id)
}

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// imageBusybox is the built-in busybox root filesystem image.
const imageBusybox = "ami-0000000000000000d"

// counterGuest counts in memory and prints every count; fileGuest writes
// (and fsyncs) a boot counter on its root volume.
const (
	counterGuest = "i=0\ntrap 'exit 0' TERM\nwhile :; do i=$((i+1)); echo count=$i; sleep 0.05; done\n"
	fileGuest    = `n=$(cat /var/boots 2>/dev/null || echo 0); n=$((n+1)); echo $n > /var/boots; sync /var/boots
echo "boots=$n"
trap 'exit 0' TERM
while :; do sleep 0.1; done
`
)

var countRE = regexp.MustCompile(`(?m)^count=(\d+)$`)

// counts returns every count= value on the console, in order.
func counts(t *testing.T, c *ec2.Client, id string) []int {
	t.Helper()
	var out []int
	for _, m := range countRE.FindAllStringSubmatch(consoleOutput(t, c, id), -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

func lastOf(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	return xs[len(xs)-1]
}

// TestSandboxSurvivesDaemonKill: with the daemon killed by SIGKILL and
// started again, a running guest is still the same run (not rebooted) and
// can be stopped; a hibernated guest resumes its in-memory count where it
// was; a file fsynced on the root volume is there after stop and start; and
// a stop and start (not a hibernation) restarts the count from one.
func TestSandboxSurvivesDaemonKill(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{StopTimeout: "5s"})
	c := s.Client(t)

	disk := launchRunning(t, c, &ec2.RunInstancesInput{ImageId: aws.String(imageBusybox), UserData: userData(fileGuest)})
	waitConsole(t, c, disk, 10*time.Second, "boots=1")
	counter := launchRunning(t, c, &ec2.RunInstancesInput{
		ImageId: aws.String(imageBusybox), UserData: userData(counterGuest),
		HibernationOptions: &types.HibernationOptionsRequest{Configured: aws.Bool(true)},
	})
	waitConsole(t, c, counter, 10*time.Second, "count=10\n")

	// Hibernate the counter.
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{counter}, Hibernate: aws.Bool(true)})
	waitStopped(t, c, counter)
	frozen := lastOf(counts(t, c, counter))
	time.Sleep(300 * time.Millisecond)
	if n := lastOf(counts(t, c, counter)); n != frozen {
		t.Fatalf("a hibernated guest went on counting: %d, then %d", frozen, n)
	}

	s.Restart(t, true) // kill -9 and start again

	checkState(t, "disk after the daemon was killed", ptr(stateOf(t, c, disk)), types.InstanceStateNameRunning, codeRunning)
	if out := consoleOutput(t, c, disk); strings.Count(out, "boots=") != 1 {
		t.Errorf("the guest booted again across the daemon's death:\n%s", out)
	}
	checkState(t, "counter after the daemon was killed", ptr(stateOf(t, c, counter)), types.InstanceStateNameStopped, codeStopped)

	// The hibernated guest resumes its count.
	start(t, c, counter)
	waitRunning(t, c, counter)
	deadline := time.Now().Add(10 * time.Second)
	for lastOf(counts(t, c, counter)) < frozen+5 {
		if time.Now().After(deadline) {
			t.Fatalf("the resumed guest does not count on from %d:\n%s", frozen, consoleOutput(t, c, counter))
		}
		time.Sleep(50 * time.Millisecond)
	}
	all := counts(t, c, counter)
	for i := 1; i < len(all); i++ {
		if all[i] != all[i-1]+1 {
			t.Fatalf("the count went from %d to %d across hibernate, daemon kill and resume", all[i-1], all[i])
		}
	}

	// The restarted daemon stops the guest it adopted; its file survives.
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{disk}})
	waitStopped(t, c, disk)
	start(t, c, disk)
	waitRunning(t, c, disk)
	waitConsole(t, c, disk, 10*time.Second, "boots=2")

	// A plain stop drops the memory: the count starts over.
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{counter}})
	waitStopped(t, c, counter)
	start(t, c, counter)
	waitRunning(t, c, counter)
	last := lastBoot(t, c, counter, "count=3\n")
	if !strings.Contains(last, "\ncount=1\n") {
		t.Errorf("after stop and start the count did not begin at 1:\n%s", last)
	}
}

// TestSandboxNetwork: a guest's web server answers at the PrivateIpAddress
// DescribeInstances reports, and the guest learns its own instance id from
// the metadata service.
func TestSandboxNetwork(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)
	id := launchRunning(t, c, &ec2.RunInstancesInput{ImageId: aws.String(imageBusybox), UserData: userData(`mkdir -p /www
id=$(wget -q -O - http://169.254.169.254/latest/meta-data/instance-id)
echo "metadata-instance-id=$id"
echo "i am $id" > /www/index.html
httpd -f -p 8080 -h /www &
echo serving
wait
`)})
	out := waitConsole(t, c, id, 10*time.Second, "serving")
	if !strings.Contains(out, "metadata-instance-id="+id+"\n") {
		t.Errorf("the guest did not read its instance id %s from the metadata service:\n%s", id, out)
	}
	ip := aws.ToString(describe(t, c, id).PrivateIpAddress)
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + ip + ":8080/")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET http://%s:8080/: %v", ip, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if body != "i am "+id+"\n" {
		t.Errorf("GET http://%s:8080/ = %q", ip, body)
	}
}

// TestSandboxGuestEndsWhileDaemonDown: a guest that powers itself off while
// the daemon is dead is found stopped, as instance-initiated, when the
// daemon comes back: its shim recorded how it ended.
func TestSandboxGuestEndsWhileDaemonDown(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)
	id := launchRunning(t, c, &ec2.RunInstancesInput{ImageId: aws.String(imageBusybox),
		UserData: userData("echo up\nsleep 2\npoweroff\n")})
	waitConsole(t, c, id, 10*time.Second, "up")

	fmt.Fprintln(s.log, "e2e: crashing strato serve (SIGKILL) while the guest runs")
	_ = s.proc.cmd.Process.Kill()
	<-s.proc.exited
	exitRecord := filepath.Join(s.DataDir, "sandbox", "instances", id, "exit.json")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(exitRecord); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the guest did not power off while the daemon was down (no %s)", exitRecord)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Restart(t, false) // the old process is gone already: this only starts

	pollState(t, c, id, types.InstanceStateNameStopped, 10*time.Second)
	in := describe(t, c, id)
	if in.StateReason == nil || aws.ToString(in.StateReason.Code) != "Client.InstanceInitiatedShutdown" {
		t.Errorf("StateReason = %+v, want Client.InstanceInitiatedShutdown", in.StateReason)
	}
}

// lastBoot waits until the console of id's latest boot (after the last
// "boot" line) contains want, and returns that part of the console.
func lastBoot(t *testing.T, c *ec2.Client, id, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := consoleOutput(t, c, id)
		last := out[max(strings.LastIndex(out, " boot "+id), 0):]
		if strings.Contains(last, want) {
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("the latest boot of %s never printed %q:\n%s", id, want, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSandboxHostImageHidesTheDaemon: a guest of the host image sees the
// host's filesystem read-only (its /etc and /var copy-on-write: what it
// writes there stays in the guest), but not the daemon's data directory,
// whose database holds every account's secret keys, even though that lies
// below the guest's writable /var here.
func TestSandboxHostImageHidesTheDaemon(t *testing.T) {
	t.Parallel()
	// Not under /tmp, which guests see as a tmpfs of their own anyway.
	dir, err := os.MkdirTemp("/var/tmp", "strato-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := StartServer(t, Options{DataDir: dir})
	c := s.Client(t)
	db := filepath.Join(s.DataDir, "strato.db")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the daemon's database is not where this test looks: %v", err)
	}
	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(fmt.Sprintf(`echo "entries=$(ls -A %s | wc -l)"
cat %s >/dev/null 2>&1 && echo db-readable || echo db-hidden
touch /usr/strato-probe 2>/dev/null && echo usr-writable || echo usr-readonly
touch /etc/strato-probe 2>/dev/null && echo etc-writable || echo etc-readonly
echo done
`, s.DataDir, db))})
	out := waitConsole(t, c, id, 10*time.Second, "done")
	for _, want := range []string{"entries=0\n", "db-hidden\n", "usr-readonly\n", "etc-writable\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("host-image guest: want %q in\n%s", want, out)
		}
	}
	if _, err := os.Stat("/etc/strato-probe"); err == nil {
		t.Error("the guest's write to /etc reached the host")
	}
}

// TestProcessDriverStillServes: with --driver process (what `auto` falls
// back to where the sandbox cannot run) the host image still boots, stops
// and starts; an image with a root filesystem of its own cannot boot there
// and the launch fails (terminated, Server.InternalError) instead of
// silently running on the host.
func TestProcessDriverStillServes(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{Args: []string{"--driver", "process"}})
	c := s.Client(t)
	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData("echo on-the-host\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n")})
	waitConsole(t, c, id, 10*time.Second, "on-the-host")
	stop(t, c, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	waitStopped(t, c, id)
	if !strings.Contains(s.log.String(), "driver=process") {
		t.Errorf("the server did not say it runs the process driver:\n%s", s.log.String())
	}

	bb := aws.ToString(launch(t, c, &ec2.RunInstancesInput{ImageId: aws.String(imageBusybox)}).InstanceId)
	in := describe(t, c, bb)
	for deadline := time.Now().Add(10 * time.Second); in.State.Name == types.InstanceStateNamePending && time.Now().Before(deadline); in = describe(t, c, bb) {
		time.Sleep(100 * time.Millisecond)
	}
	if in.State.Name != types.InstanceStateNameTerminated || in.StateReason == nil || aws.ToString(in.StateReason.Code) != "Server.InternalError" {
		t.Errorf("busybox image under the process driver: state %s, reason %+v; want terminated with Server.InternalError", in.State.Name, in.StateReason)
	}
}

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// TestECSSeed003 checks seed 003's rules through the SDK, each error read
// from its *errors.ServerError (code and HTTP status).
func TestECSSeed003(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	ids := ecsRunning(t, c, "ecs.g6.large", 1, nil)

	t.Run("only a Running instance can be stopped", func(t *testing.T) {
		ecsStop(t, c, ids[0], nil)
		ecsWait(t, c, ids[0], "Stopped")
		req := ecs.CreateStopInstanceRequest()
		req.InstanceId = ids[0]
		_, err := c.StopInstance(req)
		se := wantECSError(t, err, "IncorrectInstanceStatus", 403)
		if se.Message() != "The current status of the resource does not support this operation." {
			t.Errorf("message %q", se.Message())
		}
		if err := ecsStart(t, c, ids[0]); err != nil {
			t.Fatal(err)
		}
		wantECSError(t, ecsStart(t, c, ids[0]), "IncorrectInstanceStatus", 403) // and only a Stopped one started
		ecsWait(t, c, ids[0], "Running")
	})
	t.Run("unknown ids", func(t *testing.T) {
		req := ecs.CreateStopInstanceRequest()
		req.InstanceId = "i-0000000000000000zzzz"
		_, err := c.StopInstance(req)
		se := wantECSError(t, err, "InvalidInstanceId.NotFound", 404)
		if se.Message() != "The specified InstanceId does not exist." {
			t.Errorf("message %q", se.Message())
		}
	})
}

// TestECSForceStopIsAPowerCut: ForceStop kills the guest at once, even one
// deaf to SIGTERM with a long grace period, and the guest's SIGTERM handler
// never runs.
func TestECSForceStopIsAPowerCut(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{StopTimeout: "60s"})
	c := s.ECSClient(t)
	deaf := ecsRunning(t, c, "ecs.c6.large", 1, func(r *ecs.RunInstancesRequest) {
		r.UserData = b64("trap '' TERM\necho deaf-ready\nwhile :; do sleep 0.2; done\n")
	})[0]
	polite := ecsRunning(t, c, "ecs.c6.large", 1, func(r *ecs.RunInstancesRequest) { r.UserData = b64(ecsGuest) })[0]
	ecsWaitConsole(t, c, deaf, 10*time.Second, "deaf-ready")
	ecsWaitConsole(t, c, polite, 10*time.Second, "ecs-boot 1")
	started := time.Now()
	for _, id := range []string{deaf, polite} {
		ecsStop(t, c, id, func(r *ecs.StopInstanceRequest) { r.ForceStop = requests.NewBoolean(true) })
	}
	ecsWait(t, c, deaf, "Stopped")
	ecsWait(t, c, polite, "Stopped")
	if d := time.Since(started); d > 20*time.Second {
		t.Errorf("forced stops took %v with a 60s grace period", d)
	}
	if out := ecsConsole(t, c, polite); strings.Contains(out, "term-received") {
		t.Errorf("a forced stop let the guest handle SIGTERM:\n%s", out)
	}
}

// scratchGuest reports whether its local disk kept a marker, then writes it.
const scratchGuest = `if [ -f "$STRATO_SCRATCH_DIR/marker" ]; then echo "local-disk: kept"; else echo "local-disk: empty"; fi
echo data > "$STRATO_SCRATCH_DIR/marker"; sync
echo "marker-written"
while :; do sleep 0.2; done
`

// TestECSI1ConfirmStopAndLocalDisk: an I1 instance needs ConfirmStop=true
// (InstanceType.ParameterMismatch otherwise), its local disk is wiped by the
// stop (and kept by a reboot), and ConfirmStop is ignored for other types.
func TestECSI1ConfirmStopAndLocalDisk(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	i1 := ecsRunning(t, c, "ecs.i1.xlarge", 1, func(r *ecs.RunInstancesRequest) { r.UserData = b64(scratchGuest) })[0]
	g6 := ecsRunning(t, c, "ecs.g6.large", 1, nil)[0]
	if in := ecsDescribe(t, c, i1); in.LocalStorageAmount != 1 || in.LocalStorageCapacity != 104 {
		t.Errorf("I1 local storage = %d × %d GiB", in.LocalStorageAmount, in.LocalStorageCapacity)
	}
	ecsWaitConsole(t, c, i1, 10*time.Second, "local-disk: empty", "marker-written")

	reboot := ecs.CreateRebootInstanceRequest()
	reboot.InstanceId = i1
	if _, err := c.RebootInstance(reboot); err != nil {
		t.Fatal(err)
	}
	ecsWaitConsole(t, c, i1, 10*time.Second, "local-disk: kept")

	for _, confirm := range []string{"", "false"} {
		req := ecs.CreateStopInstanceRequest()
		req.InstanceId = i1
		if confirm != "" {
			req.ConfirmStop = requests.Boolean(confirm)
		}
		_, err := c.StopInstance(req)
		se := wantECSError(t, err, "InstanceType.ParameterMismatch", 403)
		if se.Message() != "The input parameter ConfirmStop must be true when an instance have localstorage." {
			t.Errorf("message %q", se.Message())
		}
	}
	ecsStop(t, c, i1, func(r *ecs.StopInstanceRequest) { r.ConfirmStop = requests.NewBoolean(true) })
	ecsStop(t, c, g6, func(r *ecs.StopInstanceRequest) { r.ConfirmStop = requests.NewBoolean(false) })
	ecsWait(t, c, i1, "Stopped")
	ecsWait(t, c, g6, "Stopped")
	if err := ecsStart(t, c, i1); err != nil {
		t.Fatal(err)
	}
	ecsWait(t, c, i1, "Running")
	out := ecsWaitConsole(t, c, i1, 10*time.Second, "local-disk: kept")
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out, "local-disk: empty") < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		out = ecsConsole(t, c, i1)
	}
	if strings.Count(out, "local-disk: empty") != 2 || strings.Count(out, "local-disk: kept") != 1 {
		t.Errorf("the stop did not wipe the local disk (want empty, kept after the reboot, empty after the stop):\n%s", out)
	}
}

// operator runs the strato binary as the operator would: with the
// environment `strato env` printed (the default account's root key).
func (s *Server) operator(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, stratoBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for _, v := range s.Env {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestECSSecurityLock: the operator locks an instance through the admin
// API (`strato lock`); it cannot be stopped or started
// (InstanceLockedForSecurity), DescribeInstances shows the lock, and a
// release still works.
func TestECSSecurityLock(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.ECSClient(t)
	ids := ecsRunning(t, c, "ecs.g6.large", 2, nil)
	ecsStop(t, c, ids[1], nil)
	ecsWait(t, c, ids[1], "Stopped")
	for _, id := range ids {
		if out, err := s.operator(t, "lock", id); err != nil || !strings.Contains(out, id+": locks: security") {
			t.Fatalf("strato lock %s: %v\n%s", id, err, out)
		}
	}
	in := ecsDescribe(t, c, ids[0])
	if len(in.OperationLocks.LockReason) != 1 || in.OperationLocks.LockReason[0].LockReason != "security" {
		t.Errorf("OperationLocks = %+v", in.OperationLocks)
	}
	req := ecs.CreateStopInstanceRequest()
	req.InstanceId = ids[0]
	_, err := c.StopInstance(req)
	se := wantECSError(t, err, "InstanceLockedForSecurity", 403)
	if se.Message() != "The specified operation is denied as your instance is locked for security reasons." {
		t.Errorf("message %q", se.Message())
	}
	wantECSError(t, ecsStart(t, c, ids[1]), "InstanceLockedForSecurity", 403)
	ecsWait(t, c, ids[0], "Running")

	// Only the operator: another account's full-rights key may not lock.
	other := s.CreateAccount(t, "team-b")
	k := s.CreateKey(t, "--account", other)
	cmd := exec.CommandContext(t.Context(), stratoBin, "unlock", ids[0])
	for _, v := range s.Env {
		switch v.Name {
		case "AWS_ACCESS_KEY_ID":
			cmd.Env = append(cmd.Env, v.Name+"="+k.AccessKeyID)
		case "AWS_SECRET_ACCESS_KEY":
			cmd.Env = append(cmd.Env, v.Name+"="+k.SecretAccessKey)
		default:
			cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
		}
	}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "AccessDenied") {
		t.Errorf("a non-operator unlocked: %v\n%s", err, out)
	}

	if out, err := s.operator(t, "unlock", ids[0]); err != nil || !strings.Contains(out, "locks: none") {
		t.Fatalf("strato unlock: %v\n%s", err, out)
	}
	ecsStop(t, c, ids[0], nil)
	ecsWait(t, c, ids[0], "Stopped")
	del := ecs.CreateDeleteInstanceRequest()
	del.InstanceId = ids[1] // still locked: a release is unaffected
	if _, err := c.DeleteInstance(del); err != nil {
		t.Errorf("DeleteInstance of a locked instance: %v", err)
	}
}

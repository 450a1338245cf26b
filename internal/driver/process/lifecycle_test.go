package process

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

func TestRootVolumePersistsAcrossStop(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-persist"
	spec := shellSpec(id, `if [ -f state.txt ]; then echo "found: $(cat state.txt)"; fi
trap 'echo "saved by $STRATO_INSTANCE_ID" > state.txt; exit 0' TERM
echo ready
while :; do sleep 0.1; done
`)
	mustCreateStart(t, d, spec)
	waitConsole(t, d, id, "ready\n")
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: 10 * time.Second}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	file := filepath.Join(d.volumeDir(id+"-root"), "state.txt")
	data, err := os.ReadFile(file)
	if err != nil || string(data) != "saved by i-persist\n" {
		t.Fatalf("state file after stop = %q, %v; want the guest's handler output", data, err)
	}
	if st := status(t, d, id); st.State != driver.StateCreated || st.Exit.Code != 0 || st.Exit.Killed {
		t.Errorf("status after graceful stop = %+v", st)
	}

	if err := d.Start(ctxT(t), id); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	waitConsole(t, d, id, "found: saved by i-persist\n")
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Force: true}); err != nil {
		t.Fatalf("force Stop: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("root volume lost its file: %v", err)
	}
}

func TestGraceTimeoutKillsWholeGroup(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-deaf"
	// The grandchild inherits the ignored SIGTERM: only SIGKILL ends it.
	mustCreateStart(t, d, shellSpec(id, `trap '' TERM
sleep 1000 &
echo $! > grandchild.pid
echo ready
while :; do sleep 0.1; done
`))
	waitConsole(t, d, id, "ready\n")
	grandchild := readPid(t, filepath.Join(d.volumeDir(id+"-root"), "grandchild.pid"))
	pgid := status(t, d, id).Pid

	const grace = 300 * time.Millisecond
	began := time.Now()
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: grace, SignalInterval: 100 * time.Millisecond}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	took := time.Since(began)
	if took < grace || took > 5*time.Second {
		t.Errorf("Stop took %v, want the grace period %v and little more", took, grace)
	}
	st := status(t, d, id)
	if !st.Exit.Killed || st.Exit.Signal != int(syscall.SIGKILL) {
		t.Errorf("exit = %+v, want killed by SIGKILL", st.Exit)
	}
	if !processGone(grandchild) {
		t.Errorf("grandchild %d survives the stop", grandchild)
	}
	if groupAlive(pgid) {
		t.Errorf("process group %d survives the stop", pgid)
	}
}

func TestStopKillsStragglers(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-straggler"
	// The guest itself stops cleanly; a background process it left behind
	// ignores SIGTERM.
	mustCreateStart(t, d, shellSpec(id, `(trap '' TERM; exec sleep 1000) &
echo $! > straggler.pid
trap 'exit 0' TERM
echo ready
while :; do sleep 0.1; done
`))
	waitConsole(t, d, id, "ready\n")
	straggler := readPid(t, filepath.Join(d.volumeDir(id+"-root"), "straggler.pid"))
	began := time.Now()
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: time.Minute}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("Stop took %v", took)
	}
	if st := status(t, d, id); st.Exit.Code != 0 || st.Exit.Killed {
		t.Errorf("exit = %+v, want a clean exit of init", st.Exit)
	}
	if !processGone(straggler) {
		t.Errorf("straggler %d survives the stop", straggler)
	}
}

func TestForceStopIsImmediate(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-force"
	mustCreateStart(t, d, shellSpec(id, "trap '' TERM\necho ready\nwhile :; do sleep 0.1; done\n"))
	waitConsole(t, d, id, "ready\n")
	pgid := status(t, d, id).Pid
	began := time.Now()
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Force: true, Timeout: time.Minute}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("force Stop took %v", took)
	}
	if groupAlive(pgid) {
		t.Errorf("process group %d survives a force stop", pgid)
	}
}

func TestResignalOnInjectedClock(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	d := newTestDriver(t, newDataDir(t), clk)
	const id = "i-resignal"
	mustCreateStart(t, d, shellSpec(id, "trap 'echo term >> terms.log' TERM\necho ready\nwhile :; do sleep 0.1; done\n"))
	waitConsole(t, d, id, "ready\n")
	terms := func() int {
		data, _ := os.ReadFile(filepath.Join(d.volumeDir(id+"-root"), "terms.log"))
		return strings.Count(string(data), "term\n")
	}

	stopped := make(chan error, 1)
	go func() {
		stopped <- d.Stop(ctxT(t), id, driver.StopOptions{Timeout: 10 * time.Second, SignalInterval: time.Second})
	}()
	eventually(t, "the first SIGTERM", func() bool { return terms() == 1 })
	eventually(t, "the stop's timers", func() bool { return clk.Waiters() == 2 })
	clk.Advance(time.Second)
	eventually(t, "the second SIGTERM", func() bool { return terms() == 2 })
	eventually(t, "the next re-signal timer", func() bool { return clk.Waiters() == 2 })
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned before the grace period: %v", err)
	default:
	}
	clk.Advance(9 * time.Second) // the end of the grace period
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not kill at the end of the grace period")
	}
	if st := status(t, d, id); !st.Exit.Killed {
		t.Errorf("exit = %+v, want killed", st.Exit)
	}
}

func TestStopRespectsContext(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-stopctx"
	mustCreateStart(t, d, shellSpec(id, "trap '' TERM\necho ready\nwhile :; do sleep 0.1; done\n"))
	waitConsole(t, d, id, "ready\n")
	ctx, cancel := context.WithTimeout(ctxT(t), 100*time.Millisecond)
	defer cancel()
	if err := d.Stop(ctx, id, driver.StopOptions{Timeout: time.Minute}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop with an expiring context = %v, want context.DeadlineExceeded", err)
	}
	if st := status(t, d, id); st.State != driver.StateRunning {
		t.Fatalf("state after an abandoned graceful stop = %q, want running", st.State)
	}
	if err := d.Start(ctxT(t), id); !errors.Is(err, errdefs.ErrIncorrectState) {
		t.Errorf("Start while stopping = %v, want IncorrectState", err)
	}
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Force: true}); err != nil {
		t.Fatalf("force Stop: %v", err)
	}
}

func TestScratchVolumeIsWiped(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-scratch"
	spec := shellSpec(id, `echo scratch > "$STRATO_SCRATCH_DIR/tmp.txt"
mkdir -p "$STRATO_SCRATCH_DIR/sub/dir" && echo deep > "$STRATO_SCRATCH_DIR/sub/dir/f"
echo root > root.txt
trap 'exit 0' TERM
echo ready
while :; do sleep 0.1; done
`, driver.Volume{ID: id + "-scratch", Scratch: true, SizeGiB: 1})
	if _, err := d.Create(ctxT(t), spec); err != nil {
		t.Fatalf("Create: %v", err)
	}
	scratch := d.volumeDir(id + "-scratch")
	stale := filepath.Join(scratch, "stale.txt")
	if err := os.WriteFile(stale, []byte("left over"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() {
		t.Helper()
		if err := d.Start(ctxT(t), id); err != nil {
			t.Fatalf("Start: %v", err)
		}
		eventually(t, "the guest to write its files", func() bool {
			_, err := os.Stat(filepath.Join(scratch, "sub", "dir", "f"))
			return err == nil
		})
	}
	entries := func() []string {
		es, err := os.ReadDir(scratch)
		if err != nil {
			t.Fatalf("scratch volume: %v", err)
		}
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}

	start()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("Start kept stale scratch data: %v", err)
	}
	// A reboot keeps the instance store.
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: time.Minute, Reboot: true}); err != nil {
		t.Fatalf("reboot Stop: %v", err)
	}
	if got := entries(); len(got) != 2 {
		t.Errorf("scratch after a reboot stop = %v, want sub and tmp.txt", got)
	}
	if err := os.WriteFile(stale, []byte("kept over reboot"), 0o600); err != nil {
		t.Fatal(err)
	}
	start()
	if _, err := os.Stat(stale); err != nil {
		t.Errorf("Start after a reboot wiped scratch: %v", err)
	}
	// A real stop empties it.
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: time.Minute}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if got := entries(); len(got) != 0 {
		t.Errorf("scratch after stop = %v, want empty", got)
	}
	if _, err := os.Stat(filepath.Join(d.volumeDir(id+"-root"), "root.txt")); err != nil {
		t.Errorf("root volume lost its data: %v", err)
	}
	// Stopping a stopped instance wipes too.
	if err := os.WriteFile(stale, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(ctxT(t), id, driver.StopOptions{}); err != nil {
		t.Fatalf("Stop of a stopped instance: %v", err)
	}
	if got := entries(); len(got) != 0 {
		t.Errorf("scratch after a no-op stop = %v, want empty", got)
	}
}

func TestConsoleOutput(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-console"
	mustCreateStart(t, d, shellSpec(id, "echo hello-from-guest\necho oops >&2\npoweroff\n"))
	if es, err := d.Wait(ctxT(t), id); err != nil || es.Code != 0 {
		t.Fatalf("Wait = %+v, %v", es, err)
	}
	out := console(t, d, id)
	for _, want := range []string{"[strato] ", " boot i-console\n", "hello-from-guest\n", "oops\n", "halt: exited with code 0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	tail, err := d.ConsoleOutput(ctxT(t), id, 5)
	if err != nil || string(tail) != out[len(out)-5:] {
		t.Errorf("ConsoleOutput(max 5) = %q, %v; want %q", tail, err, out[len(out)-5:])
	}
	// Output accumulates across runs.
	if err := d.Start(ctxT(t), id); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if _, err := d.Wait(ctxT(t), id); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if out := console(t, d, id); strings.Count(out, " boot i-console\n") != 2 || strings.Count(out, "hello-from-guest") != 2 {
		t.Errorf("console after two runs:\n%s", out)
	}
}

func TestGuestEnvironment(t *testing.T) {
	// Not parallel: it sets an environment variable of the test process.
	t.Setenv("STRATO_TEST_DAEMON_SECRET", "must-not-leak")
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-env"
	spec := shellSpec(id, `#!/bin/sh
echo "pwd=$(pwd)"
echo "home=$HOME"
echo "root=$STRATO_ROOT"
echo "id=$STRATO_INSTANCE_ID"
echo "host=$HOSTNAME"
echo "foo=$FOO"
echo "secret=${STRATO_TEST_DAEMON_SECRET:-unset}"
echo "poweroff=$(command -v poweroff)"
echo "scratch=${STRATO_SCRATCH_DIR:-none}"
poweroff 7
`)
	spec.Env = map[string]string{"FOO": "bar baz"}
	mustCreateStart(t, d, spec)
	es, err := d.Wait(ctxT(t), id)
	if err != nil || es.Code != 7 {
		t.Fatalf("Wait = %+v, %v; want code 7 from poweroff 7", es, err)
	}
	if st := status(t, d, id); st.State != driver.StateExited {
		t.Errorf("state after poweroff = %q, want exited", st.State)
	}
	root := d.volumeDir(id + "-root")
	out := console(t, d, id)
	for _, want := range []string{
		"pwd=" + root + "\n", "home=" + root + "\n", "root=" + root + "\n", "id=i-env\n", "host=i-env\n",
		"foo=bar baz\n", "secret=unset\n", "poweroff=" + filepath.Join(d.runtimeDir(id), "bin", "poweroff") + "\n",
		"scratch=none\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
}

func TestPoweroffVariants(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		userData string
		wantCode int
	}{
		{"poweroff", "poweroff\n", 0},
		{"shutdown", "shutdown -h now\n", 0},
		{"halt with code", "halt 42\n", 42},
		{"code out of range", "poweroff 300\n", 0},
		{"user data fails first", "false\npoweroff\n", 0},
	}
	d := newTestDriver(t, newDataDir(t), nil)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := "i-off" + string(rune('a'+i))
			mustCreateStart(t, d, shellSpec(id, c.userData))
			es, err := d.Wait(ctxT(t), id)
			if err != nil || es.Code != c.wantCode || es.Killed || es.Unknown {
				t.Errorf("Wait = %+v, %v; want code %d", es, err, c.wantCode)
			}
			if st := status(t, d, id); st.State != driver.StateExited {
				t.Errorf("state = %q, want exited", st.State)
			}
		})
	}
}

func TestInstanceKeepsRunningAfterUserData(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-idle"
	mustCreateStart(t, d, shellSpec(id, "echo done\nexit 5\n"))
	waitConsole(t, d, id, "done\n")
	time.Sleep(200 * time.Millisecond)
	if st := status(t, d, id); st.State != driver.StateRunning {
		t.Fatalf("state after the user data ended = %q, want running", st.State)
	}
	if err := d.Stop(ctxT(t), id, driver.StopOptions{Timeout: time.Minute}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if st := status(t, d, id); st.Exit.Code != 0 || st.Exit.Killed {
		t.Errorf("idle init did not exit cleanly on SIGTERM: %+v", st.Exit)
	}

	// Without user data the instance idles too.
	const bare = "i-bare"
	mustCreateStart(t, d, shellSpec(bare, ""))
	if st := status(t, d, bare); st.State != driver.StateRunning {
		t.Fatalf("bare instance state = %q", st.State)
	}
	if err := d.Stop(ctxT(t), bare, driver.StopOptions{Timeout: time.Minute}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if st := status(t, d, bare); st.Exit.Code != 0 || st.Exit.Killed {
		t.Errorf("bare init did not exit cleanly on SIGTERM: %+v", st.Exit)
	}
}

func TestDestroyRemovesRuntimeDir(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	const id = "i-gone"
	spec := shellSpec(id, "echo hi\n", driver.Volume{ID: "vol-kept", SizeGiB: 1})
	spec.Volumes[0].DeleteOnTermination = true
	mustCreateStart(t, d, spec)
	if err := d.Destroy(ctxT(t), id); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	for _, gone := range []string{d.runtimeDir(id), d.volumeDir(id + "-root")} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s survives Destroy: %v", gone, err)
		}
	}
	if _, err := os.Stat(d.volumeDir("vol-kept")); err != nil {
		t.Errorf("kept volume removed: %v", err)
	}
	// A new driver (after a restart) does not find it either.
	d2 := newTestDriver(t, d.dataDir, nil)
	if st := status(t, d2, id); st.State != driver.StateNotFound {
		t.Errorf("state after Destroy and restart = %q", st.State)
	}
}

// TestStopRightAfterStart checks that Start returns only once init handles
// SIGTERM and the user data runs, so that an immediate graceful stop is
// clean: init neither dies of the signal nor loses it in a fork.
func TestStopRightAfterStart(t *testing.T) {
	t.Parallel()
	d := newTestDriver(t, newDataDir(t), nil)
	for i := range 5 {
		for _, userData := range []string{"", "while :; do sleep 0.1; done\n"} {
			id := "i-quick" + strings.Repeat("x", i)
			if userData != "" {
				id += "-ud"
			}
			mustCreateStart(t, d, shellSpec(id, userData))
			ctx, cancel := context.WithTimeout(ctxT(t), 5*time.Second)
			err := d.Stop(ctx, id, driver.StopOptions{Timeout: time.Minute, SignalInterval: time.Minute})
			cancel()
			if err != nil {
				t.Fatalf("%s: Stop: %v", id, err)
			}
			if st := status(t, d, id); st.Exit.Code != 0 || st.Exit.Signal != 0 {
				t.Errorf("%s: exit = %+v, want a clean exit of init", id, st.Exit)
			}
		}
	}
}

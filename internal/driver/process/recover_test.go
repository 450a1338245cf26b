package process

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
)

const readyUserData = "trap 'exit 0' TERM\necho ready\nwhile :; do sleep 0.1; done\n"

func TestRecoverRunningGuest(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	d1 := newTestDriver(t, dir, nil)
	const id = "i-orphan"
	h := mustCreateStart(t, d1, shellSpec(id, readyUserData))
	waitConsole(t, d1, id, "ready\n")
	before := status(t, d1, id)
	d1.Close() // the daemon dies; the guest must not

	time.Sleep(3 * adoptedPollInterval)
	if processGone(before.Pid) {
		t.Fatal("the guest died with its driver")
	}
	d2 := newTestDriver(t, dir, nil)
	if err := d2.Recover(ctxT(t), h); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	st := status(t, d2, id)
	if st.State != driver.StateRunning || st.Pid != before.Pid || !st.StartedAt.Equal(before.StartedAt) {
		t.Fatalf("recovered status = %+v, before the restart %+v", st, before)
	}
	began := time.Now()
	if err := d2.Stop(ctxT(t), id, driver.StopOptions{Timeout: time.Minute}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("Stop of a recovered guest took %v", took)
	}
	if !processGone(before.Pid) || groupAlive(before.Pid) {
		t.Errorf("recovered guest %d survives Stop", before.Pid)
	}
	st = status(t, d2, id)
	if st.State != driver.StateCreated || !st.Exit.Unknown || st.Exit.Code != -1 {
		t.Errorf("status after stopping a recovered guest = %+v, want created with an unknown exit", st)
	}
	// It starts again as a child of the new driver.
	if err := d2.Start(ctxT(t), id); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := d2.Stop(ctxT(t), id, driver.StopOptions{Force: true}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestRecoverGuestThatExitedWhileAway(t *testing.T) {
	t.Parallel()
	dir := newDataDir(t)
	d1 := newTestDriver(t, dir, nil)
	const id = "i-lost"
	h := mustCreateStart(t, d1, shellSpec(id, readyUserData))
	waitConsole(t, d1, id, "ready\n")
	pid := status(t, d1, id).Pid
	d1.Close()

	// The guest dies while no daemon runs.
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill guest: %v", err)
	}
	eventually(t, "the guest to die", func() bool { return processGone(pid) })

	d2 := newTestDriver(t, dir, nil)
	if err := d2.Recover(ctxT(t), h); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	st := status(t, d2, id)
	if st.State != driver.StateExited || !st.Exit.Unknown || st.Exit.Code != -1 || st.Exit.ExitedAt.IsZero() {
		t.Fatalf("status = %+v, want exited with an unknown exit status", st)
	}
	if _, err := os.Stat(filepath.Join(d2.runtimeDir(id), "run.json")); !os.IsNotExist(err) {
		t.Errorf("run record survives: %v", err)
	}
	// The finding is recorded: a third driver sees the same.
	d3 := newTestDriver(t, dir, nil)
	if st3 := status(t, d3, id); st3.State != driver.StateExited || st3.Exit != st.Exit {
		t.Errorf("status after another restart = %+v, want %+v", st3, st)
	}
}

// TestRecoverDoesNotAdoptStrangers checks that a run record whose pid now
// belongs to another process (pid reuse, or a reboot) is not adopted, and
// that the stranger is left alone.
func TestRecoverDoesNotAdoptStrangers(t *testing.T) {
	t.Parallel()
	stranger := exec.Command("sleep", "30")
	stranger.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stranger.Process.Kill()
		_ = stranger.Wait()
	})
	pid := stranger.Process.Pid
	st, err := readProcStat(pid)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		rec  runRecord
	}{
		{"pid reused", runRecord{Pid: pid, Pgid: pid, StartTicks: st.Start + 1, BootID: readBootID()}},
		{"other boot", runRecord{Pid: pid, Pgid: pid, StartTicks: st.Start, BootID: "another-boot"}},
	}
	dir := newDataDir(t)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := "i-stranger" + string(rune('a'+i))
			d1 := newTestDriver(t, dir, nil)
			if _, err := d1.Create(ctxT(t), shellSpec(id, "")); err != nil {
				t.Fatal(err)
			}
			d1.Close()
			if err := hostfs.WriteJSON(filepath.Join(d1.runtimeDir(id), "run.json"), c.rec); err != nil {
				t.Fatal(err)
			}
			d2 := newTestDriver(t, dir, nil)
			if st := status(t, d2, id); st.State != driver.StateExited || !st.Exit.Unknown {
				t.Errorf("status = %+v, want exited with an unknown status", st)
			}
			if err := d2.Stop(ctxT(t), id, driver.StopOptions{Force: true}); err != nil {
				t.Errorf("Stop: %v", err)
			}
			if processGone(pid) {
				t.Fatal("the driver killed a process that is not its guest")
			}
		})
	}
}

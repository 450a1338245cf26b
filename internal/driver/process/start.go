package process

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"strato/internal/driver"
	"strato/internal/driver/hostfs"
	"strato/internal/errdefs"
)

// Start boots the instance: a new session and process group running
// /bin/sh init with the root volume as working directory and console.log as
// stdout and stderr. It returns once init runs and handles SIGTERM, and the
// user data process runs (see waitBooted). Starting a running instance is a
// no-op; starting one that is being stopped is an IncorrectState error.
func (d *Driver) Start(ctx context.Context, id string) error {
	inst, err := d.get(id)
	if err != nil {
		return err
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.destroyed {
		return errNotFound(id)
	}
	if r := inst.activeLocked(); r != nil {
		if r.stopping {
			return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, id, "the instance is stopping")
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctxErr(ctx, id, "start")
	}
	r, err := d.bootLocked(inst)
	if err != nil {
		d.log.Error("instance start failed", "id", id, "err", err)
		return errdefs.Wrap(err, "cannot start instance")
	}
	inst.run = r
	go d.watchChild(inst, r)
	d.log.Info("instance started", "id", id, "pid", r.pid)
	return nil
}

// bootLocked prepares the volumes and boot files and starts init. inst.mu
// is held and no run is active.
func (d *Driver) bootLocked(inst *instance) (*run, error) {
	spec := inst.spec
	if _, err := d.ensureVolumes(spec); err != nil {
		return nil, err
	}
	// A reboot keeps the instance store; anything else boots with it empty,
	// also after a crash of the daemon or the host in the middle of a stop.
	if inst.last == nil || !inst.last.Reboot {
		if err := d.wipeScratchLocked(inst); err != nil {
			return nil, fmt.Errorf("wipe scratch volumes: %w", err)
		}
	}
	if err := writeBootFiles(inst.dir, spec); err != nil {
		return nil, fmt.Errorf("write boot files: %w", err)
	}
	console, err := openConsole(inst.dir)
	if err != nil {
		return nil, fmt.Errorf("open console: %w", err)
	}
	defer console.Close() // the guest has its own descriptor
	now := d.now()
	fmt.Fprintf(console, "[strato] %s boot %s\n", now.UTC().Format(time.RFC3339), inst.id)

	root, _ := spec.RootVolume()
	cmd := exec.Command("/bin/sh", filepath.Join(inst.dir, "init"))
	cmd.Dir = d.volumeDir(root.ID)
	cmd.Env = d.guestEnv(spec, inst.dir)
	cmd.Stdout = console
	cmd.Stderr = console
	// A session of its own: a process group (pgid == pid) that no terminal
	// of the daemon can signal, so the guest outlives the daemon.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	pid := cmd.Process.Pid
	r := &run{
		pid:       pid,
		pgid:      pid,
		startedAt: now,
		cmd:       cmd,
		done:      make(chan struct{}),
		force:     make(chan struct{}),
	}
	st, err := readProcStat(pid)
	if err == nil {
		r.startTicks = st.Start
		err = hostfs.WriteJSON(filepath.Join(inst.dir, "run.json"), runRecord{
			Pid: pid, Pgid: pid, StartTicks: st.Start, StartedAt: now, BootID: d.bootID,
		})
	}
	if err != nil {
		// Undo: a guest nobody could recover must not run.
		_ = signalGroup(pid, syscall.SIGKILL)
		_ = cmd.Wait()
		_ = reapGroup(pid, 5*time.Second)
		return nil, fmt.Errorf("record run: %w", err)
	}
	if err := waitBooted(inst.dir, pid, len(spec.UserData) > 0); err != nil {
		d.log.Warn("guest slow to boot", "id", inst.id, "pid", pid, "err", err)
	}
	return r, nil
}

// openConsole opens console.log for appending, trimming it first when it has
// grown too large.
func openConsole(rt string) (*os.File, error) {
	path := filepath.Join(rt, "console.log")
	hostfs.TrimConsole(path)
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}

// watchChild waits for init, a child of this daemon, and records its end.
func (d *Driver) watchChild(inst *instance, r *run) {
	_ = r.cmd.Wait() // the error only repeats ProcessState
	d.finish(inst, r, exitFromState(r.cmd.ProcessState))
}

// exitFromState converts a wait status.
func exitFromState(ps *os.ProcessState) driver.ExitStatus {
	if ps == nil {
		return driver.ExitStatus{Code: -1, Unknown: true}
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	switch {
	case !ok:
		return driver.ExitStatus{Code: ps.ExitCode()}
	case ws.Signaled():
		return driver.ExitStatus{Code: -1, Signal: int(ws.Signal())}
	default:
		return driver.ExitStatus{Code: ws.ExitStatus()}
	}
}

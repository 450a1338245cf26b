package process

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// bootLimit bounds how long Start waits for the guest's init to be ready.
const bootLimit = 5 * time.Second

// waitBooted waits until the init of a run (pid, in runtime directory rt)
// handles SIGTERM and, when there is user data, until the user data process
// runs the user data script. Before that, a SIGTERM would kill init outright
// or be lost in the shell's fork of the user data, and a graceful stop would
// go wrong. It gives up early if init ends.
func waitBooted(rt string, pid int, userData bool) error {
	deadline := time.Now().Add(bootLimit)
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 10*time.Millisecond) {
		if booted(rt, pid, userData) {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("init not ready after " + bootLimit.String())
		}
		time.Sleep(delay)
	}
}

// booted is one look at whether init is ready. An init that is gone counts
// as ready: there is nothing left to wait for.
func booted(rt string, pid int, userData bool) bool {
	if st, err := readProcStat(pid); err != nil || st.State == 'Z' || st.State == 'X' {
		return true
	}
	trapped, err := catchesSignal(pid, syscall.SIGTERM)
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	if !trapped {
		return false
	}
	if !userData {
		return true
	}
	data, err := os.ReadFile(filepath.Join(rt, userDataPidFile))
	if err != nil {
		return false
	}
	child, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return false // being written
	}
	cmd, err := cmdline(child)
	if err != nil {
		return true // the user data already ended
	}
	// Until exec, the forked child still shows init's command line.
	return strings.Contains(cmd, filepath.Join(rt, "user-data"))
}

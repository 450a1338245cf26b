package process

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procStat is the part of /proc/<pid>/stat the driver uses.
type procStat struct {
	State byte   // field 3: R, S, D, Z, ...
	Pgrp  int    // field 5
	Start uint64 // field 22: start time in clock ticks since boot
}

// readProcStat reads /proc/<pid>/stat.
func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(data)
}

// parseProcStat parses the content of a /proc/<pid>/stat file. The command
// name (field 2) may contain spaces and parentheses, so fields are counted
// from the last ')'.
func parseProcStat(data []byte) (procStat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, errors.New("malformed stat: no command name")
	}
	fields := strings.Fields(string(data[i+1:]))
	// fields[0] is field 3 (state), so field n is fields[n-3].
	if len(fields) < 20 || len(fields[0]) != 1 {
		return procStat{}, fmt.Errorf("malformed stat: %d fields", len(fields))
	}
	pgrp, err := strconv.Atoi(fields[5-3])
	if err != nil {
		return procStat{}, fmt.Errorf("malformed stat pgrp: %w", err)
	}
	start, err := strconv.ParseUint(fields[22-3], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("malformed stat starttime: %w", err)
	}
	return procStat{State: fields[0][0], Pgrp: pgrp, Start: start}, nil
}

// readBootID returns the kernel's boot id, "" when it cannot be read.
func readBootID() string {
	data, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// sameProcessAlive reports whether pid is a live (not zombie) process that
// started at startTicks, i.e. the very process the driver started.
func sameProcessAlive(pid int, startTicks uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := readProcStat(pid)
	return err == nil && st.Start == startTicks && st.State != 'Z' && st.State != 'X'
}

// signalGroup sends sig to every process of the group pgid. A group that no
// longer exists is not an error.
func signalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 1 {
		return fmt.Errorf("refusing to signal process group %d", pgid)
	}
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// groupAlive reports whether a process of the group pgid still runs. Zombies
// do not count: they run nothing, and whoever adopted them reaps them.
func groupAlive(pgid int) bool {
	if pgid <= 1 {
		return false
	}
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true // cannot tell; assume the worst
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err == nil && st.Pgrp == pgid && st.State != 'Z' && st.State != 'X' {
			return true
		}
	}
	return false
}

// reapGroup kills whatever is left of the group pgid and returns once no
// process of it runs, or with an error after limit.
func reapGroup(pgid int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for groupAlive(pgid) {
		if err := signalGroup(pgid, syscall.SIGKILL); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("process group %d survives SIGKILL", pgid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// catchesSignal reports whether process pid has a handler for sig, from the
// SigCgt mask of /proc/<pid>/status.
func catchesSignal(pid int, sig syscall.Signal) (bool, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		mask, ok := strings.CutPrefix(line, "SigCgt:")
		if !ok {
			continue
		}
		bits, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64)
		if err != nil {
			return false, fmt.Errorf("malformed SigCgt: %w", err)
		}
		return bits&(1<<(uint(sig)-1)) != 0, nil
	}
	return false, errors.New("no SigCgt in status")
}

// cmdline returns the command line of process pid, arguments joined by
// spaces.
func cmdline(pid int) (string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return "", err
	}
	return strings.TrimRight(strings.ReplaceAll(string(data), "\x00", " "), " "), nil
}

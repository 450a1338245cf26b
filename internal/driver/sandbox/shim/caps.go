package shim

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// guestCaps are the capabilities a guest's processes may have: Docker's
// default set without CAP_MKNOD (there is no device cgroup to fence device
// nodes off). Everything else, CAP_SYS_ADMIN (mounts), CAP_DAC_READ_SEARCH
// (open_by_handle_at) and CAP_SYS_MODULE among them, is dropped from the
// bounding set before the user data runs, so root in the guest cannot undo
// its sandbox. The init itself keeps its capabilities; the guest cannot
// reach it.
var guestCaps = map[int]bool{
	unix.CAP_CHOWN:            true,
	unix.CAP_DAC_OVERRIDE:     true,
	unix.CAP_FSETID:           true,
	unix.CAP_FOWNER:           true,
	unix.CAP_NET_RAW:          true,
	unix.CAP_SETGID:           true,
	unix.CAP_SETUID:           true,
	unix.CAP_SETFCAP:          true,
	unix.CAP_SETPCAP:          true,
	unix.CAP_NET_BIND_SERVICE: true,
	unix.CAP_SYS_CHROOT:       true,
	unix.CAP_KILL:             true,
	unix.CAP_AUDIT_WRITE:      true,
}

// dropCapabilities removes every capability but guestCaps from the bounding
// set, which every process the init starts inherits.
func dropCapabilities() error {
	last := unix.CAP_LAST_CAP
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			last = n
		}
	}
	for c := 0; c <= last; c++ {
		if guestCaps[c] {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
			return err
		}
	}
	return nil
}

package shim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Reasons the init gives for exiting.
const (
	ReasonStop     = "stop"     // SIGTERM from the shim: a stop of the instance
	ReasonPoweroff = "poweroff" // the guest ran poweroff, halt or shutdown
	ReasonReboot   = "reboot"   // the guest ran reboot: the shim boots it again
)

// guestShutdownGrace is how long a shutdown the guest started itself waits
// for its processes to end after SIGTERM before it kills them.
const guestShutdownGrace = 10 * time.Second

// Signals the init understands, as busybox's init does: SIGTERM stops,
// SIGUSR2 and SIGPWR power off, SIGUSR1 halts, SIGINT reboots. Our own
// poweroff, halt, shutdown and reboot commands send these.
func initMain() int {
	// The capability bounding set is a property of each thread, and a child
	// inherits the set of the thread that forks it: dropCapabilities and the
	// fork of the user data must run on one thread, or under load the
	// guest's first process can start from a thread that still has every
	// capability (seen: a guest that could mount). The init never unlocks.
	runtime.LockOSThread()
	reasonFile := os.NewFile(4, "reason")
	unix.CloseOnExec(3)
	unix.CloseOnExec(4)
	var cfg Config
	if err := readFrame(fdReader(3), &cfg); err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			fmt.Fprintf(os.Stderr, "[strato] init: bad configuration: %v\n", err)
		}
		return 1 // or the shim gave up on this boot
	}
	// From now on the pipe carries stop notes (see stopNoted).
	_ = unix.SetNonblock(3, true)
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPWR, syscall.SIGCHLD, syscall.SIGHUP)
	if err := setupRoot(&cfg); err != nil {
		fmt.Fprintf(os.Stderr, "[strato] boot failed: %v\n", err)
		return 1
	}
	if cfg.Hostname != "" {
		_ = unix.Sethostname([]byte(cfg.Hostname))
	}
	if err := loopbackUp(); err != nil {
		fmt.Fprintf(os.Stderr, "[strato] cannot bring up lo: %v\n", err)
	}
	if err := writeGuestFiles(&cfg); err != nil {
		fmt.Fprintf(os.Stderr, "[strato] boot failed: %v\n", err)
		return 1
	}
	if err := placeFiles(cfg.Files); err != nil {
		fmt.Fprintf(os.Stderr, "[strato] boot failed: %v\n", err)
		return 1
	}
	if err := dropCapabilities(); err != nil {
		fmt.Fprintf(os.Stderr, "[strato] boot failed: cannot drop capabilities: %v\n", err)
		return 1
	}
	if len(cfg.UserData) > 0 {
		if err := startUserData(&cfg); err != nil {
			fmt.Fprintf(os.Stderr, "[strato] cannot run user data: %v\n", err)
		}
	}
	reason, code := runInit(sigs)
	_, _ = io.WriteString(reasonFile, reason)
	reasonFile.Close()
	return code
}

// runInit reaps orphans until a signal asks for a shutdown, then ends every
// process of the guest and returns why and with which code.
func runInit(sigs <-chan os.Signal) (string, int) {
	reason := ""
	var deadline <-chan time.Time
	for {
		select {
		case <-deadline:
			_ = syscall.Kill(-1, syscall.SIGKILL)
			deadline = nil
		case sig := <-sigs:
			switch sig {
			case syscall.SIGCHLD:
			case syscall.SIGHUP:
				continue
			default:
				r := ReasonStop
				switch sig {
				case syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPWR:
					r = ReasonPoweroff
				case syscall.SIGINT:
					r = ReasonReboot
				case syscall.SIGTERM:
					if !stopNoted() {
						r = ReasonReboot // busybox's reboot signals init with SIGTERM
					}
				}
				if reason == "" || r == ReasonStop {
					reason = r
				}
				// Every process of the namespace but this one, once per
				// signal, as an init's shutdown does: a process forked
				// after it (a shell's next command) is not signalled, and
				// neither are the commands a trap handler runs.
				_ = syscall.Kill(-1, syscall.SIGTERM)
				if r != ReasonStop && deadline == nil {
					deadline = time.After(guestShutdownGrace)
				}
			}
		}
		if reap() && reason != "" {
			return reason, exitCode(reason)
		}
	}
}

// stopNoted reports whether the shim noted a stop on the control pipe (it
// does so before it sends SIGTERM): a SIGTERM without a note comes from
// inside the guest, where busybox's reboot sends it.
func stopNoted() bool {
	var buf [64]byte
	noted := false
	for {
		n, err := unix.Read(3, buf[:])
		if n <= 0 || err != nil {
			return noted
		}
		for _, b := range buf[:n] {
			noted = noted || b == ctlStop
		}
	}
}

// reap collects every exited child and reports whether none is left.
func reap() bool {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			return true
		case err != nil || pid == 0:
			return false
		}
	}
}

// exitCode is the code the guest's poweroff asked for, 0 by default.
func exitCode(reason string) int {
	if reason == ReasonStop {
		return 0
	}
	b, err := os.ReadFile(poweroffCode)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 || n > 255 {
		return 0
	}
	return n
}

// startUserData runs the user data as a child of init, not waited for: its
// end does not end the instance, like cloud-init's on a real one.
func startUserData(cfg *Config) error {
	run := []string{"/bin/sh", guestUserData}
	if strings.HasPrefix(string(cfg.UserData), "#!") {
		run = []string{guestUserData}
	}
	// The guest's processes are the OOM killer's first choice within the
	// instance (oom_score_adj 500, inherited by all they start), so that a
	// memory hog is killed, not this init: the instance runs on, as a VM
	// does when its kernel kills a process. Raising the score needs no
	// privilege; lowering init's would (CAP_SYS_RESOURCE, absent here).
	argv := append([]string{"/bin/sh", "-c", `echo 500 >/proc/self/oom_score_adj 2>/dev/null; exec "$@"`, "strato-user-data"}, run...)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	dir := GuestHome
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = "/"
	}
	_, err = os.StartProcess(argv[0], argv, &os.ProcAttr{
		Dir:   dir,
		Env:   cfg.Env,
		Files: []*os.File{devnull, os.Stdout, os.Stderr},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	return err
}

// poweroffScript is the guest's poweroff, halt and shutdown: "poweroff 3"
// makes the instance's init exit with code 3.
const poweroffScript = `#!/bin/sh
# Strato: shut this instance down. "poweroff 3" makes init exit with code 3.
code=0
for a in "$@"; do
	case "$a" in
	'' | *[!0-9]*) ;;
	*) [ "$a" -le 255 ] 2>/dev/null && code=$a ;;
	esac
done
echo "$code" > ` + poweroffCode + `
exec kill -USR2 1
`

// rebootScript is the guest's reboot: a restart in place.
const rebootScript = "#!/bin/sh\n# Strato: reboot this instance in place.\nexec kill -INT 1\n"

// writeGuestFiles writes the user data and the power commands into the
// guest's runtime directory.
func writeGuestFiles(cfg *Config) error {
	if err := os.MkdirAll(GuestBinDir, 0o755); err != nil {
		return err
	}
	for name, body := range map[string]string{"poweroff": poweroffScript, "halt": poweroffScript, "shutdown": poweroffScript, "reboot": rebootScript} {
		if err := os.WriteFile(filepath.Join(GuestBinDir, name), []byte(body), 0o755); err != nil {
			return err
		}
	}
	if len(cfg.UserData) > 0 {
		if err := os.WriteFile(guestUserData, cfg.UserData, 0o700); err != nil {
			return err
		}
	}
	return nil
}

// loopbackUp brings up the guest's lo (the shim has already done so when
// the guest has a network; doing it again is harmless).
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// fdReader reads a raw file descriptor (one os.File's finalizer could close).
type fdReader int

func (f fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(f), p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

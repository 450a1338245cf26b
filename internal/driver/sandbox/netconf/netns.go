package netconf

import (
	"errors"
	"fmt"
	"net"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// InNetns runs fn on a dedicated OS thread that has joined the network
// namespace of process pid, and returns fn's error. Sockets fn creates belong
// to that namespace for their whole life, wherever they are used afterwards.
//
// fn must do its work on the calling goroutine: goroutines it starts run on
// other threads, in the host's namespace. Addresses should be literal, since
// name resolution may also run elsewhere.
//
// The thread is put back into its original namespace afterwards; if that
// fails, the thread is discarded rather than reused, and the error says so.
func InNetns(pid int, fn func() error) error {
	target, err := nsOfPid(pid)
	if err != nil {
		return err
	}
	defer target.Close()
	return onThread(func() error {
		if err := netns.Set(target); err != nil {
			return errorf("enter network namespace of pid %d: %w", pid, err)
		}
		return fn()
	})
}

// ListenInNetns opens a TCP listener on addr (a literal "ip:port") inside the
// network namespace of process pid, for example
// ListenInNetns(pid, "169.254.169.254:80"). The listener keeps belonging to
// that namespace; Accept and Close work from any goroutine.
func ListenInNetns(pid int, addr string) (net.Listener, error) {
	var ln net.Listener
	err := InNetns(pid, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return nil, errorf("listen on %s in network namespace of pid %d: %w", addr, pid, err)
	}
	return ln, nil
}

// nsOfPid opens the network namespace of a process.
func nsOfPid(pid int) (netns.NsHandle, error) {
	if pid <= 0 {
		return netns.None(), invalid("pid %d is not a process id", pid)
	}
	h, err := netns.GetFromPid(pid)
	if err != nil {
		return netns.None(), errorf("open network namespace of pid %d: %w", pid, err)
	}
	return h, nil
}

// handleAt returns a netlink handle whose sockets live in namespace ns.
// netlink creates them by switching the current thread into ns and back and
// unlocks the thread even when switching back fails, so it runs on a guarded
// thread of its own.
func handleAt(ns netns.NsHandle) (*netlink.Handle, error) {
	var h *netlink.Handle
	err := onThread(func() error {
		var err error
		h, err = netlink.NewHandleAt(ns)
		return err
	})
	if err != nil {
		if h != nil {
			h.Close()
		}
		return nil, err
	}
	return h, nil
}

// errThreadLost reports that a thread could not be returned to its namespace.
var errThreadLost = errors.New("could not return the thread to its network namespace; the thread was discarded")

// onThread runs fn on a new goroutine locked to its OS thread, then makes
// sure the thread is back in the network namespace it started in. If it is
// not and cannot be put back, the goroutine exits without unlocking, which
// makes the runtime terminate the thread instead of handing it to other
// goroutines.
func onThread(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			done <- errorf("open own network namespace: %w", err)
			return
		}
		defer home.Close()
		ferr := fn()
		if err := returnTo(home); err != nil {
			done <- errors.Join(ferr, fmt.Errorf("netconf: %w: %w", errThreadLost, err))
			return // still locked: the thread dies with this goroutine
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}

// returnTo moves the current thread into ns unless it is there already, and
// checks the result.
func returnTo(ns netns.NsHandle) error {
	if same, err := inNs(ns); err == nil && same {
		return nil
	}
	if err := netns.Set(ns); err != nil {
		return err
	}
	same, err := inNs(ns)
	if err != nil {
		return err
	}
	if !same {
		return errors.New("setns succeeded but the thread is elsewhere")
	}
	return nil
}

// inNs reports whether the current thread is in namespace ns.
func inNs(ns netns.NsHandle) (bool, error) {
	cur, err := netns.Get()
	if err != nil {
		return false, err
	}
	defer cur.Close()
	return cur.Equal(ns), nil
}

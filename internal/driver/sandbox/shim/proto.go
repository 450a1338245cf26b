package shim

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"strato/internal/driver"
)

// RunRecord is RunFile: the run a shim holds.
type RunRecord struct {
	RunID     string    `json:"runId"`
	ShimPid   int       `json:"shimPid"`
	InitPid   int       `json:"initPid"` // host pid of the guest's init
	StartedAt time.Time `json:"startedAt"`
}

// ExitRecord is ExitFile: how a run ended.
type ExitRecord struct {
	RunID     string            `json:"runId"`
	StartedAt time.Time         `json:"startedAt"`
	Exit      driver.ExitStatus `json:"exit"`
	// Reason is what the guest's init said: "poweroff", "halt", "stop"
	// (it got SIGTERM) or "" (it was killed, or died).
	Reason string `json:"reason,omitempty"`
}

// Guest states a shim reports.
const (
	StateRunning = "running"
	StateFrozen  = "frozen"
	StateExited  = "exited"
)

// Ops of the control protocol: one JSON request line, one JSON response line.
const (
	opStatus = "status"
	opSignal = "signal"
	opKill   = "kill"
	opFreeze = "freeze"
	opThaw   = "thaw"
	opWait   = "wait"
)

type request struct {
	Op     string `json:"op"`
	Signal int    `json:"signal,omitempty"`
}

type response struct {
	Error string      `json:"error,omitempty"`
	State string      `json:"state,omitempty"`
	Run   RunRecord   `json:"run"`
	Exit  *ExitRecord `json:"exit,omitempty"`
}

// SocketName is the abstract unix socket of the shim of the instance whose
// directory is dir. Abstract sockets belong to the network namespace, so no
// guest can reach one, and they have no path length limit to trip over; the
// shim admits only peers with its own uid.
func SocketName(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return "@strato-shim-" + hex.EncodeToString(sum[:12])
}

// ErrNoShim is returned by Client calls when no shim answers for the
// instance: it has exited, or never ran.
var ErrNoShim = errors.New("no shim runs for this instance")

// Client talks to the shim of one instance.
type Client struct {
	// Dir is the instance directory.
	Dir string
}

func (c Client) call(ctx context.Context, req request) (response, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", SocketName(c.Dir))
	if err != nil {
		return response{}, fmt.Errorf("%w: %v", ErrNoShim, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return response{}, fmt.Errorf("%w: %v", ErrNoShim, err)
	}
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil {
		if ctx.Err() != nil {
			return response{}, ctx.Err()
		}
		return response{}, fmt.Errorf("%w: %v", ErrNoShim, err)
	}
	var resp response
	if err := json.Unmarshal(line, &resp); err != nil {
		return response{}, fmt.Errorf("bad answer from shim: %w", err)
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

// Status returns the guest's state (StateRunning, StateFrozen) and the run.
func (c Client) Status(ctx context.Context) (string, RunRecord, error) {
	r, err := c.call(ctx, request{Op: opStatus})
	return r.State, r.Run, err
}

// Signal sends sig to the guest's init.
func (c Client) Signal(ctx context.Context, sig int) error {
	_, err := c.call(ctx, request{Op: opSignal, Signal: sig})
	return err
}

// Kill kills every process of the guest (its whole cgroup), thawing it first
// if it is frozen. It returns once they are gone.
func (c Client) Kill(ctx context.Context) error {
	_, err := c.call(ctx, request{Op: opKill})
	return err
}

// Freeze freezes the guest (cgroup freezer): it keeps its memory and uses no CPU.
func (c Client) Freeze(ctx context.Context) error {
	_, err := c.call(ctx, request{Op: opFreeze})
	return err
}

// Thaw resumes a frozen guest.
func (c Client) Thaw(ctx context.Context) error {
	_, err := c.call(ctx, request{Op: opThaw})
	return err
}

// Wait blocks until the run ends and returns how. If the connection breaks
// first (the shim died), it returns ErrNoShim.
func (c Client) Wait(ctx context.Context) (ExitRecord, error) {
	r, err := c.call(ctx, request{Op: opWait})
	if err != nil {
		return ExitRecord{}, err
	}
	if r.Exit == nil {
		return ExitRecord{}, fmt.Errorf("%w: no exit in the answer", ErrNoShim)
	}
	return *r.Exit, nil
}

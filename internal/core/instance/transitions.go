package instance

import (
	"fmt"
	"testing"

	"strato/internal/errdefs"
)

// Op is something that may change an instance's state: a user request or a
// fact the reconcile loop learned from the driver.
type Op string

// User operations.
const (
	OpStart     Op = "start"
	OpStop      Op = "stop"
	OpReboot    Op = "reboot"
	OpTerminate Op = "terminate"
	OpModify    Op = "modify" // instance type / user data: only while stopped
)

// Internal operations, attempted by the reconcile loop.
const (
	OpBooted       Op = "booted"        // the driver started the guest
	OpBootFailed   Op = "boot-failed"   // a start of an instance that ran before failed
	OpLaunchFailed Op = "launch-failed" // the first boot failed
	OpHalted       Op = "halted"        // the driver stopped the guest
	OpGuestStop    Op = "guest-stop"    // the guest shut down; behaviour "stop"
	OpGuestEnd     Op = "guest-end"     // the guest shut down; behaviour "terminate"
	OpReaped       Op = "reaped"        // the driver destroyed a terminating instance
)

// UserOps and InternalOps list the operations, for exhaustive tests.
var (
	UserOps     = []Op{OpStart, OpStop, OpReboot, OpTerminate, OpModify}
	InternalOps = []Op{OpBooted, OpBootFailed, OpLaunchFailed, OpHalted, OpGuestStop, OpGuestEnd, OpReaped}
)

// rule is one cell of the table: the next state, or "unchanged" (the request
// succeeds and nothing happens, as EC2 answers a stop of a stopped instance).
type rule struct {
	next      State
	unchanged bool
}

// transitions is the only place that says which state may follow which.
// A missing cell means the operation is refused in that state.
var transitions = map[Op]map[State]rule{
	OpStart: {
		Pending: {unchanged: true},
		Running: {unchanged: true},
		Stopped: {next: Pending},
	},
	OpStop: {
		Running:  {next: Stopping},
		Stopping: {unchanged: true},
		Stopped:  {unchanged: true},
	},
	OpReboot: {
		Running: {unchanged: true},
	},
	OpTerminate: {
		Pending:      {next: ShuttingDown},
		Running:      {next: ShuttingDown},
		Stopping:     {next: ShuttingDown},
		Stopped:      {next: ShuttingDown},
		ShuttingDown: {unchanged: true},
		Terminated:   {unchanged: true},
	},
	OpModify: {
		Stopped: {unchanged: true},
	},
	OpBooted:       {Pending: {next: Running}},
	OpBootFailed:   {Pending: {next: Stopped}},
	OpLaunchFailed: {Pending: {next: Terminated}},
	OpHalted:       {Stopping: {next: Stopped}},
	OpGuestStop:    {Running: {next: Stopping}},
	OpGuestEnd:     {Running: {next: ShuttingDown}},
	OpReaped:       {ShuttingDown: {next: Terminated}},
}

// Next applies op to an instance in state from. ok is false when the table
// refuses; unchanged is true when the operation succeeds without a change.
func Next(op Op, from State) (next State, unchanged, ok bool) {
	return apply(transitions[op], from)
}

// OpForceTerminate is a termination that may cut the power of a running
// instance (ECS DeleteInstance with Force=true). Origins without a row for
// it use OpTerminate's.
const OpForceTerminate Op = "force-terminate"

// originTransitions holds, per origin, the user operations whose cells
// differ from the shared table; for such an operation the origin's row
// replaces the shared one whole. ECS (seed 003 and its API reference)
// starts only Stopped instances, stops only Running ones (a stop of a
// stopped instance is IncorrectInstanceStatus, where EC2 accepts it), and
// releases only Stopped ones unless forced.
var originTransitions = map[string]map[Op]map[State]rule{
	OriginECS: {
		OpStart:          {Stopped: {next: Pending}},
		OpStop:           {Running: {next: Stopping}},
		OpTerminate:      {Stopped: {next: ShuttingDown}, ShuttingDown: {unchanged: true}, Terminated: {unchanged: true}},
		OpForceTerminate: {Running: {next: ShuttingDown}, Stopped: {next: ShuttingDown}, ShuttingDown: {unchanged: true}, Terminated: {unchanged: true}},
	},
}

// NextFor is Next under the rules of origin (OriginEC2, OriginECS).
func NextFor(origin string, op Op, from State) (next State, unchanged, ok bool) {
	if row, ok := originTransitions[origin][op]; ok {
		return apply(row, from)
	}
	if op == OpForceTerminate {
		op = OpTerminate
	}
	return Next(op, from)
}

// apply reads one row of a table.
func apply(row map[State]rule, from State) (State, bool, bool) {
	r, ok := row[from]
	if !ok {
		return "", false, false
	}
	if r.unchanged {
		return from, true, true
	}
	return r.next, false, true
}

// refuse is the user error for an operation the table refuses, in EC2's words.
func refuse(op Op, inst *Instance) error {
	var msg string
	switch op {
	case OpStart:
		msg = fmt.Sprintf("The instance '%s' is not in a state from which it can be started.", inst.ID)
	case OpStop:
		if inst.State == Pending && !inst.EverRan {
			msg = fmt.Sprintf("The instance '%s' cannot be stopped as it has never reached the 'running' state.", inst.ID)
		} else {
			msg = fmt.Sprintf("This instance '%s' is not in a state from which it can be stopped.", inst.ID)
		}
	case OpReboot:
		msg = fmt.Sprintf("The instance '%s' is not in a state from which it can be rebooted.", inst.ID)
	case OpModify:
		msg = fmt.Sprintf("The instance '%s' is not in the 'stopped' state.", inst.ID)
	default:
		msg = fmt.Sprintf("The instance '%s' is not in a state from which it can be %sed.", inst.ID, op)
	}
	return errdefs.New(errdefs.IncorrectState, errdefs.ResInstance, inst.ID, msg)
}

// strict makes an illegal internal transition panic, so tests catch the bug;
// a running daemon logs it and leaves the instance for the next resync.
var strict = testing.Testing()

// internalNext is Next for the reconcile loop: a refusal is a bug.
func internalNext(op Op, from State) (State, error) {
	next, unchanged, ok := Next(op, from)
	if !ok || unchanged {
		err := fmt.Errorf("illegal internal transition %s from %s", op, from)
		if strict {
			panic(err)
		}
		return "", err
	}
	return next, nil
}

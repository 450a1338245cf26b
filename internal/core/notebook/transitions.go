package notebook

import (
	"fmt"
	"testing"
)

// Op is something that may change a notebook's status: a user request or a
// fact the reconcile loop learned from the Runtime.
type Op string

// User operations.
const (
	OpStart  Op = "start"
	OpStop   Op = "stop"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Internal operations, attempted by the reconcile loop.
const (
	OpBooted     Op = "booted"      // Check reports Ready
	OpBootFailed Op = "boot-failed" // Boot failed, or Check reports a failed boot
	OpHalted     Op = "halted"      // Check reports the stopped workload Halted (or Gone)
	OpUpdated    Op = "updated"     // the update is recorded
	OpExited     Op = "exited"      // an InService workload ended by itself
	OpLost       Op = "lost"        // an InService workload failed or disappeared
	OpExpired    Op = "expired"     // an InService notebook's AutoStop ran out
)

// UserOps and InternalOps list the operations, for exhaustive tests.
var (
	UserOps     = []Op{OpStart, OpStop, OpUpdate, OpDelete}
	InternalOps = []Op{OpBooted, OpBootFailed, OpHalted, OpUpdated, OpExited, OpLost, OpExpired}
)

// rule is one row of the table: the statuses an operation is allowed in,
// in the order SageMaker lists them in its refusal, and the status it leads to.
type rule struct {
	from []Status
	to   Status
}

// transitions is the only place that says which status may follow which.
// The user rows are SageMaker's: StartNotebookInstance answers "Status
// (Stopping) not in ([Stopped, Failed]). Unable to transition to (Pending)
// …", StopNotebookInstance "… not in ([InService]) … (Stopping)",
// DeleteNotebookInstance "… not in ([Stopped, Failed]) … (Deleting)";
// UpdateNotebookInstance works only on Stopped notebooks, which go Updating
// and then Stopped again. Deleting ends with the record's removal, not
// with a status.
var transitions = map[Op]rule{
	OpStart:  {from: []Status{Stopped, Failed}, to: Pending},
	OpStop:   {from: []Status{InService}, to: Stopping},
	OpUpdate: {from: []Status{Stopped}, to: Updating},
	OpDelete: {from: []Status{Stopped, Failed}, to: Deleting},

	OpBooted:     {from: []Status{Pending}, to: InService},
	OpBootFailed: {from: []Status{Pending}, to: Failed},
	OpHalted:     {from: []Status{Stopping}, to: Stopped},
	OpUpdated:    {from: []Status{Updating}, to: Stopped},
	OpExited:     {from: []Status{InService}, to: Stopped},
	OpLost:       {from: []Status{InService}, to: Failed},
	OpExpired:    {from: []Status{InService}, to: Stopping},
}

// kindTransitions holds, per kind, the user operations whose rows differ
// from the shared table (SageMaker's); the kind's row replaces the shared
// one whole. ModelArts deletes a running notebook too (its delete stops
// the workload first).
var kindTransitions = map[Kind]map[Op]rule{
	KindModelArts: {
		OpDelete: {from: []Status{InService, Stopped, Failed}, to: Deleting},
	},
}

// Next applies op to a SageMaker notebook in status from. ok is false when
// the table refuses.
func Next(op Op, from Status) (next Status, ok bool) {
	return NextFor(KindSageMaker, op, from)
}

// NextFor is Next under the rules of kind.
func NextFor(kind Kind, op Op, from Status) (next Status, ok bool) {
	r, known := kindTransitions[kind][op]
	if !known {
		r, known = transitions[op]
	}
	if !known {
		return "", false
	}
	for _, s := range r.from {
		if s == from {
			return r.to, true
		}
	}
	return "", false
}

// Allowed returns the statuses op is allowed in for a SageMaker notebook
// and the status it leads to.
func Allowed(op Op) (from []Status, to Status) {
	return AllowedFor(KindSageMaker, op)
}

// AllowedFor is Allowed under the rules of kind.
func AllowedFor(kind Kind, op Op) (from []Status, to Status) {
	r, ok := kindTransitions[kind][op]
	if !ok {
		r = transitions[op]
	}
	return append([]Status(nil), r.from...), r.to
}

// refuse is the user error for an operation the table refuses, in
// SageMaker's words.
func refuse(op Op, nb *Notebook) error {
	from, to := AllowedFor(nb.Kind, op)
	e := TransitionError(nb.ARN, nb.Status, from, to)
	e.Err = &StateError{Op: op, From: nb.Status, Served: nb.Served}
	return e
}

// strict makes an illegal internal transition panic, so tests catch the bug;
// a running daemon logs it and leaves the notebook for the next resync.
var strict = testing.Testing()

// internalNext is NextFor for the reconcile loop: a refusal is a bug.
func internalNext(kind Kind, op Op, from Status) (Status, error) {
	next, ok := NextFor(kind, op, from)
	if !ok {
		err := fmt.Errorf("illegal internal transition %s from %s", op, from)
		if strict {
			panic(err)
		}
		return "", err
	}
	return next, nil
}

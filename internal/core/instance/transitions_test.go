package instance

import (
	"testing"

	"strato/internal/errdefs"
)

// TestTransitionTable pins every state × operation cell. "-" means refused,
// "=" means accepted without a change.
func TestTransitionTable(t *testing.T) {
	want := map[Op]map[State]string{
		OpStart:     {Pending: "=", Running: "=", ShuttingDown: "-", Terminated: "-", Stopping: "-", Stopped: "pending"},
		OpStop:      {Pending: "-", Running: "stopping", ShuttingDown: "-", Terminated: "-", Stopping: "=", Stopped: "="},
		OpReboot:    {Pending: "-", Running: "=", ShuttingDown: "-", Terminated: "-", Stopping: "-", Stopped: "-"},
		OpTerminate: {Pending: "shutting-down", Running: "shutting-down", ShuttingDown: "=", Terminated: "=", Stopping: "shutting-down", Stopped: "shutting-down"},
		OpModify:    {Pending: "-", Running: "-", ShuttingDown: "-", Terminated: "-", Stopping: "-", Stopped: "="},

		OpBooted:       {Pending: "running"},
		OpBootFailed:   {Pending: "stopped"},
		OpLaunchFailed: {Pending: "terminated"},
		OpHalted:       {Stopping: "stopped"},
		OpGuestStop:    {Running: "stopping"},
		OpGuestEnd:     {Running: "shutting-down"},
		OpReaped:       {ShuttingDown: "terminated"},
	}
	ops := append(append([]Op{}, UserOps...), InternalOps...)
	if len(want) != len(ops) {
		t.Fatalf("test covers %d operations, the package declares %d", len(want), len(ops))
	}
	for _, op := range ops {
		for _, st := range States {
			t.Run(string(op)+"/"+string(st), func(t *testing.T) {
				exp, ok := want[op][st]
				if !ok {
					exp = "-"
				}
				next, unchanged, allowed := Next(op, st)
				got := "-"
				switch {
				case allowed && unchanged:
					got = "="
				case allowed:
					got = string(next)
				}
				if got != exp {
					t.Errorf("Next(%s, %s) = %q, want %q", op, st, got, exp)
				}
			})
		}
	}
}

func TestStateCodes(t *testing.T) {
	want := map[State]int{Pending: 0, Running: 16, ShuttingDown: 32, Terminated: 48, Stopping: 64, Stopped: 80}
	for st, code := range want {
		if got := st.Code(); got != code {
			t.Errorf("%s.Code() = %d, want %d", st, got, code)
		}
		// Clients must ignore the high byte.
		if got, ok := StateFromCode(code | 0x1200); !ok || got != st {
			t.Errorf("StateFromCode(%#x) = %q, %v; want %q", code|0x1200, got, ok, st)
		}
	}
	if _, ok := StateFromCode(17); ok {
		t.Error("StateFromCode(17) accepted an undefined code")
	}
}

func TestIllegalInternalTransitionPanicsInTests(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("an illegal internal transition did not panic under test")
		}
	}()
	_, _ = internalNext(OpHalted, Running)
}

func TestRefuseMessages(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   Op
		in   Instance
		want string
	}{
		{"stop never ran", OpStop, Instance{ID: "i-1", State: Pending}, "The instance 'i-1' cannot be stopped as it has never reached the 'running' state."},
		{"stop pending after a start", OpStop, Instance{ID: "i-1", State: Pending, EverRan: true}, "This instance 'i-1' is not in a state from which it can be stopped."},
		{"stop terminated", OpStop, Instance{ID: "i-1", State: Terminated, EverRan: true}, "This instance 'i-1' is not in a state from which it can be stopped."},
		{"start stopping", OpStart, Instance{ID: "i-1", State: Stopping}, "The instance 'i-1' is not in a state from which it can be started."},
		{"modify running", OpModify, Instance{ID: "i-1", State: Running}, "The instance 'i-1' is not in the 'stopped' state."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := refuse(tc.op, &tc.in)
			e := errdefs.As(err)
			if e.Kind != errdefs.IncorrectState || e.Resource != errdefs.ResInstance || e.Public != tc.want {
				t.Errorf("refuse = %+v, want IncorrectState/instance %q", e, tc.want)
			}
		})
	}
}

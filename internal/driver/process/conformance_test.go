package process

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"strato/internal/driver"
	"strato/internal/driver/drivertest"
)

// Guest scripts for the conformance suite. Each says on the console when it
// is ready, naming its init ($PPID), which is what Status reports as Pid.
const (
	cooperativeUserData = "trap 'exit 0' TERM\necho \"guest-ready $PPID\"\nwhile :; do sleep 0.1; done\n"
	ignoreTermUserData  = "trap '' TERM\necho \"guest-ready $PPID\"\nwhile :; do sleep 0.1; done\n"
	exitUserDataFormat  = "echo \"guest-ready $PPID\"\nsleep 0.2\npoweroff %d\n"
)

// guestReady waits until the guest running as id has said it is ready, or
// has stopped running.
func guestReady(t *testing.T, d driver.Driver, id string) {
	t.Helper()
	cr := d.(driver.ConsoleReader)
	eventually(t, "guest "+id+" to be ready", func() bool {
		st, err := d.Status(ctxT(t), id)
		if err != nil || st.State != driver.StateRunning {
			return true
		}
		out, err := cr.ConsoleOutput(ctxT(t), id, 0)
		return err == nil && strings.Contains(string(out), fmt.Sprintf("guest-ready %d\n", st.Pid))
	})
}

// newHarness adapts a process driver over a fresh data directory, on the
// wall clock, to the conformance suite.
func newHarness(t *testing.T) *drivertest.Harness {
	dir := newDataDir(t)
	cur := newTestDriver(t, dir, nil)
	return &drivertest.Harness{
		Driver: cur,
		Restart: func(t *testing.T) driver.Driver {
			cur.Close()
			cur = newTestDriver(t, dir, nil)
			return cur
		},
		CooperativeSpec: func(id string) driver.Spec { return shellSpec(id, cooperativeUserData) },
		IgnoreTermSpec:  func(id string) driver.Spec { return shellSpec(id, ignoreTermUserData) },
		ExitSpec: func(id string, code int) driver.Spec {
			return shellSpec(id, fmt.Sprintf(exitUserDataFormat, code))
		},
		Ready: guestReady,
		VolumeExists: func(volumeID string) bool {
			_, err := os.Stat(cur.volumeDir(volumeID))
			return err == nil
		},
	}
}

func TestConformance(t *testing.T) {
	drivertest.Run(t, newHarness)
}

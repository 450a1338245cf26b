package sandbox

import (
	"fmt"
	"os"
	"testing"

	"strato/internal/driver"
	"strato/internal/driver/drivertest"
)

const (
	cooperativeUserData = "trap 'exit 0' TERM\necho guest-ready\nwhile :; do sleep 0.1; done\n"
	ignoreTermUserData  = "trap '' TERM\necho guest-ready\nwhile :; do sleep 0.1; done\n"
	exitUserDataFormat  = "echo guest-ready\nsleep 0.2\n/run/strato/bin/poweroff %d\n"
)

// conformanceHarness runs the suite's guests on image kind.
func conformanceHarness(kind string) func(t *testing.T) *drivertest.Harness {
	return func(t *testing.T) *drivertest.Harness {
		dir := newDataDir(t)
		cur := newTestDriver(t, dir, nil)
		spec := func(id, ud string) driver.Spec {
			s := guestSpec(id, kind, ud)
			s.Volumes = nil // the suite brings its own
			return s
		}
		return &drivertest.Harness{
			Driver: cur,
			Restart: func(t *testing.T) driver.Driver {
				cur.Close()
				cur = newTestDriver(t, dir, nil)
				return cur
			},
			CooperativeSpec: func(id string) driver.Spec { return spec(id, cooperativeUserData) },
			IgnoreTermSpec:  func(id string) driver.Spec { return spec(id, ignoreTermUserData) },
			ExitSpec: func(id string, code int) driver.Spec {
				// busybox's sh runs its own poweroff applet, which takes no
				// exit code; Strato's poweroff does.
				return spec(id, fmt.Sprintf(exitUserDataFormat, code))
			},
			Ready: func(t *testing.T, d driver.Driver, id string) {
				st, err := d.Status(ctxT(t), id)
				if err != nil || st.State != driver.StateRunning {
					return
				}
				waitConsoleOrEnd(t, d.(*Driver), id, "guest-ready")
			},
			ExitKnownAfterRestart: true,
			VolumeExists: func(volumeID string) bool {
				_, err := os.Stat(cur.volumeDir(volumeID))
				return err == nil
			},
		}
	}
}

// waitConsoleOrEnd waits for want on the current boot's console, or for the
// guest to stop running.
func waitConsoleOrEnd(t *testing.T, d *Driver, id, want string) {
	t.Helper()
	eventually(t, "guest "+id+" to say "+want, func() bool {
		st, err := d.Status(ctxT(t), id)
		if err != nil || st.State != driver.StateRunning {
			return true
		}
		out, err := d.ConsoleOutput(ctxT(t), id, 0)
		if err != nil {
			return false
		}
		return containsAfterLastBoot(string(out), id, want)
	})
}

func TestConformanceHostImage(t *testing.T) {
	drivertest.Run(t, conformanceHarness(KindShell))
}

func TestConformanceBusyboxImage(t *testing.T) {
	drivertest.Run(t, conformanceHarness(KindBusybox))
}

package fake_test

import (
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/driver"
	"strato/internal/driver/drivertest"
	"strato/internal/driver/fake"
)

// epoch is where every fake clock of these tests starts.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// spec returns a minimal spec; the suite adds the volumes.
func spec(id string) driver.Spec {
	return driver.Spec{ID: id, Image: driver.Image{ID: "img-fake", Kind: "shell"}}
}

// harness adapts a fake driver made by newDriver to the conformance suite.
func harness(newDriver func(c clock.Clock) (driver.Driver, *fake.Driver, func() driver.Driver)) func(t *testing.T) *drivertest.Harness {
	return func(t *testing.T) *drivertest.Harness {
		clk := clock.NewFake(epoch)
		d, fd, restart := newDriver(clk)
		return &drivertest.Harness{
			Driver:          d,
			Restart:         func(t *testing.T) driver.Driver { return restart() },
			CooperativeSpec: spec,
			IgnoreTermSpec: func(id string) driver.Spec {
				fd.Script(id, fake.Behavior{IgnoreTerm: true})
				return spec(id)
			},
			ExitSpec: func(id string, code int) driver.Spec {
				fd.Script(id, fake.Behavior{ExitAfter: 300 * time.Millisecond, ExitCode: code})
				return spec(id)
			},
			Advance:      clk.Advance,
			VolumeExists: fd.VolumeExists,
		}
	}
}

func TestConformance(t *testing.T) {
	drivertest.Run(t, harness(func(c clock.Clock) (driver.Driver, *fake.Driver, func() driver.Driver) {
		d := fake.New(c)
		cur := d
		return d, d, func() driver.Driver { cur = cur.Restart(); return cur }
	}))
}

func TestConformanceHibernating(t *testing.T) {
	drivertest.Run(t, harness(func(c clock.Clock) (driver.Driver, *fake.Driver, func() driver.Driver) {
		d := fake.NewHibernating(c)
		cur := d
		return d, d.Driver, func() driver.Driver { cur = cur.Restart(); return cur }
	}))
}

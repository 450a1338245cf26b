package sandbox

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"strato/internal/driver"
)

// BenchmarkStartStop starts and stops one cooperative guest per iteration
// and reports the median Start (until the guest's init runs) and Stop
// (SIGTERM until every process is gone) of the driver alone, without the
// API and the engine. go test -run '^$' -bench StartStop -benchtime 50x
func BenchmarkStartStop(b *testing.B) {
	for _, kind := range []string{KindBusybox, KindShell} {
		b.Run(kind, func(b *testing.B) {
			dir := b.TempDir()
			d, err := New(Config{DataDir: dir, Images: mustImages(b), Network: testNet})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			var starts, stops []time.Duration
			for i := 0; b.Loop(); i++ {
				spec := guestSpec(fmt.Sprintf("i-bench-%d", i), kind, "trap 'exit 0' TERM\nwhile :; do sleep 1; done\n")
				if _, err := d.Create(b.Context(), spec); err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if err := d.Start(b.Context(), spec.ID); err != nil {
					b.Fatal(err)
				}
				starts = append(starts, time.Since(t0))
				time.Sleep(20 * time.Millisecond) // let the guest set its trap
				t1 := time.Now()
				if err := d.Stop(b.Context(), spec.ID, driver.StopOptions{Timeout: 10 * time.Second}); err != nil {
					b.Fatal(err)
				}
				stops = append(stops, time.Since(t1))
				if err := d.Destroy(b.Context(), spec.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(ms(median(starts)), "start-median-ms")
			b.ReportMetric(ms(median(stops)), "stop-median-ms")
		})
	}
}

func median(xs []time.Duration) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mustImages(b *testing.B) Images {
	s, err := images()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

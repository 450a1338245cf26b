package metering

import (
	"context"
	"fmt"
	"testing"
	"time"

	"strato/internal/clock"
)

// BenchmarkSnapshot10k: a metrics scrape that misses the cache, over the
// log of 10,000 instances each started, stopped and started again.
func BenchmarkSnapshot10k(b *testing.B) {
	log := &fakeLog{}
	for i := range 10000 {
		evs := events(fmt.Sprintf("i-%05d", i), linux, seq(boot(0), stopAt(100), startAt(200))...)
		log.evs = append(log.evs, evs...)
	}
	for i := range log.evs {
		log.evs[i].Seq = int64(i + 1)
	}
	clk := clock.NewFake(at(3600))
	m, err := New(Config{Events: log, Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		clk.Advance(time.Minute) // past the TTL: derive again
		if _, err := m.Snapshot(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

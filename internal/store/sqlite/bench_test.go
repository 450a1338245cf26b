package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"strato/internal/core/instance"
	"strato/internal/store/storetest"
)

// BenchmarkUpdateInstance measures one compare-and-set update with its
// event, the store write behind every state change.
func BenchmarkUpdateInstance(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	inst := storetest.FullInstance("i-bench")
	if err := s.CreateInstances(ctx, []*instance.Instance{inst}, nil); err != nil {
		b.Fatal(err)
	}
	ev := instance.Event{InstanceID: inst.ID, AccountID: inst.AccountID, Type: instance.EventModify}
	for b.Loop() {
		e := ev
		if err := s.UpdateInstance(ctx, inst, &e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateInstanceParallel measures updates of different instances
// from GOMAXPROCS goroutines; they queue for the single writer.
func BenchmarkUpdateInstanceParallel(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		inst := storetest.FullInstance(fmt.Sprintf("i-bench-%d", next.Add(1)))
		if err := s.CreateInstances(ctx, []*instance.Instance{inst}, nil); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			ev := instance.Event{InstanceID: inst.ID, AccountID: inst.AccountID, Type: instance.EventModify}
			if err := s.UpdateInstance(ctx, inst, &ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkLoadInstances10k measures loading 10,000 fully populated
// instances, what the daemon does at start.
func BenchmarkLoadInstances10k(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	s := openTest(b)
	insts := make([]*instance.Instance, n)
	for i := range insts {
		insts[i] = storetest.FullInstance(fmt.Sprintf("i-%017x", i))
	}
	if err := s.CreateInstances(ctx, insts, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := s.LoadInstances(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != n {
			b.Fatalf("loaded %d instances, want %d", len(got), n)
		}
	}
}

package instance

import (
	"context"
	"testing"
	"time"

	"strato/internal/core/catalog"
)

// BenchmarkDescribePage measures the engine's part of DescribeInstances: one
// 1,000-instance page out of 10,000, with a state filter.
func BenchmarkDescribePage(b *testing.B) {
	r := newRig(&testing.T{}, func(c *Config) { c.MaxInstances = 20000 })
	ctx := context.Background()
	for range 10 {
		if _, err := r.svc.Run(ctx, acct, RunRequest{ImageID: catalog.ImageShell, InstanceType: "t3.micro", MinCount: 1000, MaxCount: 1000}); err != nil {
			b.Fatal(err)
		}
	}
	if !r.svc.settle(time.Minute) {
		b.Fatal("instances did not settle")
	}
	b.ResetTimer()
	for b.Loop() {
		page, next, err := r.svc.Describe(ctx, acct, Query{MaxResults: 1000, NextToken: "",
			Filters: []Filter{{Field: FieldState, Values: []string{"running"}}}})
		if err != nil || len(page) != 1000 || next == "" {
			b.Fatalf("page %d next %q err %v", len(page), next, err)
		}
	}
}

package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/store/memstore"
)

func TestMeteringMetrics(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0.Add(100 * time.Second))
	st := memstore.New(memstore.WithClock(clk))
	in := &instance.Instance{ID: "i-1", AccountID: "111122223333", State: instance.Running}
	detail := map[string]string{"instanceType": "t3.micro", "volumes": "vol-1:8:dot"}
	if err := st.CreateInstances(context.Background(), []*instance.Instance{in}, []instance.Event{
		{Time: t0, InstanceID: "i-1", AccountID: "111122223333", Type: instance.EventCreated, To: instance.Pending, Detail: detail},
		{Time: t0, InstanceID: "i-1", AccountID: "111122223333", Type: instance.EventState, From: instance.Pending, To: instance.Running, Detail: detail},
	}); err != nil {
		t.Fatal(err)
	}
	m, err := newMeter("", st, catalog.New("us-east-1"), clk, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(meteringCollector(m, slog.New(slog.DiscardHandler)))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range mt.GetLabel() {
				name += " " + l.GetName() + "=" + l.GetValue()
			}
			got[name] = mt.GetGauge().GetValue() + mt.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"strato_metering_running_instances instance_type=t3.micro":     1,
		"strato_metering_compute_seconds_total instance_type=t3.micro": 100,
		"strato_metering_accrued_cost_usd_total kind=compute":          0.000288889,
		"strato_metering_accrued_cost_usd_total kind=reservation":      0,
		"strato_metering_accrued_cost_usd_total kind=storage":          0.000024353,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("metrics (-got +want):\n%s", diff)
	}
}

func TestServeRefusesABadPriceFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "prices.json")
	if err := os.WriteFile(bad, []byte(`{"instance_types": {"t3.micro": "free"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := runCmd(t, "serve", "--data-dir", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0", "--prices", bad)
	if err == nil || !strings.Contains(err.Error(), "--prices") {
		t.Errorf("serve with a bad price file: %v, want a --prices error", err)
	}
	_, err = runCmd(t, "serve", "--data-dir", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0", "--prices", filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "--prices") {
		t.Errorf("serve with a missing price file: %v, want a --prices error", err)
	}
}

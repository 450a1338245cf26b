package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/metering"
)

// newMeter builds the meter of `strato serve`: the built-in prices with the
// --prices file (when given) laid over them. A bad file stops the server
// at start.
func newMeter(pricesFile string, events metering.EventSource, cat *catalog.Catalog, clk clock.Clock, log *slog.Logger) (*metering.Meter, error) {
	var override []byte
	if pricesFile != "" {
		b, err := os.ReadFile(pricesFile)
		if err != nil {
			return nil, fmt.Errorf("--prices: %w", err)
		}
		override = b
	}
	prices, err := metering.LoadPrices(override)
	if err != nil {
		return nil, fmt.Errorf("--prices %s: %w", pricesFile, err)
	}
	return metering.New(metering.Config{Events: events, Clock: clk, Prices: prices, Catalog: cat, Logger: log})
}

// meteringCollector exports what metering derives from the lifecycle log,
// computed at scrape time (the meter caches it for a few seconds):
//
//	strato_metering_running_instances{instance_type}         gauge: instances charged compute now
//	strato_metering_compute_seconds_total{instance_type}     counter: billed compute seconds
//	strato_metering_accrued_cost_usd_total{kind}             counter: cost accrued, all accounts
func meteringCollector(m *metering.Meter, log *slog.Logger) prometheus.Collector {
	running := prometheus.NewDesc("strato_metering_running_instances",
		"Instances charged compute now (running, or stopping with hibernation), by instance type.", []string{"instance_type"}, nil)
	seconds := prometheus.NewDesc("strato_metering_compute_seconds_total",
		"Billed compute seconds since the lifecycle log began (minimums included), by instance type.", []string{"instance_type"}, nil)
	cost := prometheus.NewDesc("strato_metering_accrued_cost_usd_total",
		"Cost accrued since the lifecycle log began, all accounts, in US dollars, by kind.", []string{"kind"}, nil)
	return &multiCollector{descs: []*prometheus.Desc{running, seconds, cost}, collect: func(ch chan<- prometheus.Metric) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := m.Snapshot(ctx)
		if err != nil {
			log.Warn("metering metrics", "err", err)
			return
		}
		for _, t := range slices.Sorted(maps.Keys(s.Running)) {
			ch <- prometheus.MustNewConstMetric(running, prometheus.GaugeValue, float64(s.Running[t]), t)
		}
		for _, t := range slices.Sorted(maps.Keys(s.ComputeSeconds)) {
			ch <- prometheus.MustNewConstMetric(seconds, prometheus.CounterValue, float64(s.ComputeSeconds[t]), t)
		}
		for _, k := range metering.Kinds {
			ch <- prometheus.MustNewConstMetric(cost, prometheus.CounterValue, float64(s.Accrued[k])/metering.NanosPerUSD, string(k))
		}
	}}
}

// multiCollector is a collector with several descriptions and one collect
// function.
type multiCollector struct {
	descs   []*prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (c *multiCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *multiCollector) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

package ec2api

// Benchmarks of server time: a signed request through the whole handler
// (SigV4 verification, decoding, the engine, XML encoding) into a recorder,
// over the real engine with the in-memory store and the fake driver. Run:
//
//	go test -run '^$' -bench . -benchtime 200x ./internal/api/ec2api/

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/driver/fake"
	"strato/internal/store/memstore"
	"strato/internal/store/sqlite"
)

// benchRig is a handler over an engine holding n running instances.
type benchRig struct {
	h   *Handler
	svc *instance.Service
	ids []string
}

func newBenchRig(b *testing.B, n int) *benchRig { return newBenchRigOn(b, n, memstore.New()) }

// newBenchRigOn is newBenchRig over a given store.
func newBenchRigOn(b *testing.B, n int, st instance.Store) *benchRig {
	b.Helper()
	clk := clock.NewFake(testNow)
	cat := catalog.New(testRegion)
	svc, err := instance.New(instance.Config{Store: st, Driver: fake.New(clk), Clock: clk, Catalog: cat,
		ResyncInterval: time.Hour, MaxInstances: n + 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Close)
	r := &benchRig{svc: svc}
	for len(r.ids) < n {
		res, err := svc.Run(context.Background(), testAccount, instance.RunRequest{ImageID: catalog.ImageShell,
			InstanceType: "t3.micro", MinCount: 1, MaxCount: min(1000, n-len(r.ids)),
			Tags: []instance.Tag{{Key: "Name", Value: "bench"}, {Key: "team", Value: "infra"}}})
		if err != nil {
			b.Fatal(err)
		}
		for _, in := range res.Instances {
			r.ids = append(r.ids, in.ID)
		}
	}
	r.waitAll(b, instance.Running)
	r.h = New(Config{Instances: svc, Catalog: cat, Clock: clk, Region: testRegion})
	r.h.auth = newTestHandler(b, nil).auth
	return r
}

func (r *benchRig) waitAll(b *testing.B, st instance.State) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		page, _, err := r.svc.Describe(context.Background(), testAccount, instance.Query{
			Filters: []instance.Filter{{Field: instance.FieldState, Values: []string{string(st)}}}})
		if err != nil {
			b.Fatal(err)
		}
		if len(page) >= len(r.ids) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("instances did not all reach %s", st)
}

// serve sends one signed request and checks the status.
func (r *benchRig) serve(b *testing.B, body string) *httptest.ResponseRecorder {
	req := signedRequest(b, body)
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	return w
}

// BenchmarkDescribeInstancesPage: one page of 1,000 out of 10,000 instances.
func BenchmarkDescribeInstancesPage(b *testing.B) {
	r := newBenchRig(b, 10000)
	body := formBody("Action", "DescribeInstances", "Version", APIVersion, "MaxResults", "1000",
		"Filter.1.Name", "instance-state-name", "Filter.1.Value.1", "running")
	size := 0
	for b.Loop() {
		w := r.serve(b, body)
		size = w.Body.Len()
		if !bytes.Contains(w.Body.Bytes(), []byte("<nextToken>")) {
			b.Fatal("first page has no nextToken")
		}
	}
	b.ReportMetric(float64(size)/1e6, "MB/page")
}

// BenchmarkDescribeInstancesOne: one instance by id, among 10,000.
func BenchmarkDescribeInstancesOne(b *testing.B) {
	r := newBenchRig(b, 10000)
	body := formBody("Action", "DescribeInstances", "Version", APIVersion, "InstanceId.1", r.ids[5000])
	for b.Loop() {
		r.serve(b, body)
	}
}

// BenchmarkStopInstancesOne: StopInstances of one running instance (the
// request returns with "stopping"; the engine finishes in the background).
func BenchmarkStopInstancesOne(b *testing.B) { benchStop(b, newBenchRig(b, 2000)) }

// BenchmarkStopInstancesOneSQLite is the same over the SQLite store the
// server uses, so the figure includes the durable write.
func BenchmarkStopInstancesOneSQLite(b *testing.B) {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "strato.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	benchStop(b, newBenchRigOn(b, 2000, st))
}

func benchStop(b *testing.B, r *benchRig) {
	next := 0
	for b.Loop() {
		if next == len(r.ids) {
			b.StopTimer()
			r.waitAll(b, instance.Stopped)
			for i := 0; i < len(r.ids); i += 500 {
				if _, err := r.svc.Start(context.Background(), testAccount, r.ids[i:min(i+500, len(r.ids))], false); err != nil {
					b.Fatal(err)
				}
			}
			r.waitAll(b, instance.Running)
			next = 0
			b.StartTimer()
		}
		w := r.serve(b, formBody("Action", "StopInstances", "Version", APIVersion, "InstanceId.1", r.ids[next]))
		if !bytes.Contains(w.Body.Bytes(), []byte("<name>stopping</name>")) {
			b.Fatalf("instance %d not stopping: %s", next, w.Body.String())
		}
		next++
	}
}

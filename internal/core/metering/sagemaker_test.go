package metering_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/core/metering"
	"strato/internal/driver"
)

// TestSageMakerInstanceBills: an instance the notebook service launches
// (instance.OriginSageMaker, an ML storage volume, a root wiped at every
// stop) is billed as a notebook — compute under api=sagemaker only while it
// serves (from MarkServing, InService, to its stop), per second without a
// minimum — and its ML volume as storage while
// it exists; the scratch root is no storage of its own.
//
// ModelArts's notebooks (instance.OriginModelArts) are billed the same way
// under api=modelarts.
func TestSageMakerInstanceBills(t *testing.T) {
	for _, tt := range []struct {
		api, origin, image, typ, volume string
	}{
		{metering.APISageMaker, instance.OriginSageMaker, catalog.SageMakerImageNotebook, "ml.t3.medium", "/home/ec2-user/SageMaker"},
		{metering.APIModelArts, instance.OriginModelArts, catalog.ModelArtsImageNotebook, "modelarts.vm.cpu.2u", "/home/ma-user/work"},
	} {
		t.Run(tt.origin, func(t *testing.T) { testNotebookInstanceBills(t, tt.api, tt.origin, tt.image, tt.typ, tt.volume) })
	}
}

func testNotebookInstanceBills(t *testing.T, api, origin, image, typ, volume string) {
	if api != origin {
		t.Fatalf("metering reads api %q, the engine writes %q", api, origin)
	}
	t0 := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	d := newDaemon(t, t0)
	ctx := context.Background()
	sm := d.svc.Scope(origin)
	wait := func(id string, want instance.State) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			in, err := sm.Get(ctx, acct, id)
			if err != nil {
				t.Fatal(err)
			}
			if in.State == want {
				return
			}
		}
		t.Fatalf("%s did not reach %s", id, want)
	}
	res, err := sm.Run(ctx, acct, instance.RunRequest{
		ImageID: image, InstanceType: typ, MinCount: 1, MaxCount: 1,
		Volumes:     []instance.VolumeRequest{{SizeGiB: 5, MountPath: volume, DeleteOnTermination: true}},
		RootScratch: true,
		Files:       []driver.File{{Path: "/opt/ml/metadata/resource-metadata.json", Data: []byte("{}")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := res.Instances[0]
	id, mlVol := in.ID, in.Volumes[1].ID
	wait(id, instance.Running)
	// The notebook's server answers 10 s after the boot (lifecycle scripts,
	// server start): compute is billed from then.
	d.clk.Advance(10 * time.Second)
	if err := sm.MarkServing(ctx, acct, id); err != nil {
		t.Fatal(err)
	}
	d.must(nil, sm.MarkServing(ctx, acct, id)) // once per run

	d.clk.Advance(90 * time.Second) // t=100: stop
	d.must(sm.Stop(ctx, acct, []string{id}, instance.StopRequest{}))
	wait(id, instance.Stopped)
	d.clk.Advance(200 * time.Second) // t=300: start
	d.must(sm.Start(ctx, acct, []string{id}, false))
	wait(id, instance.Running)
	d.clk.Advance(10 * time.Second) // t=310: serving
	if err := sm.MarkServing(ctx, acct, id); err != nil {
		t.Fatal(err)
	}
	d.clk.Advance(40 * time.Second) // t=350: delete
	d.must(sm.Terminate(ctx, acct, []string{id}, false))
	wait(id, instance.Terminated)

	d.clk.Set(t0.Add(time.Hour))
	rep, err := d.meter.Bill(ctx, acct, metering.Window{From: t0, To: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		Resource, API, Type string
		Kind                metering.Kind
		SizeGiB, Starts     int
		Seconds             int64
	}
	var got []line
	for _, l := range rep.Lines {
		who := map[string]string{id: "instance", mlVol: "ml-volume"}[l.ResourceID]
		if who == "" {
			who = l.ResourceID // a resource that should not be billed
		}
		got = append(got, line{who, l.API, l.InstanceType, l.Kind, l.SizeGiB, l.Starts, l.Seconds})
	}
	want := []line{
		{"instance", api, typ, metering.KindCompute, 0, 2, 130},
		{"ml-volume", api, "", metering.KindStorage, 5, 0, 350},
	}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("bill lines (-got +want):\n%s", d)
	}
}

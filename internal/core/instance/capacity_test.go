package instance

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

// TestStoppedModeCapacity is issue 5's capacity scenario on the fake driver:
// the host fits two ecs.g6.large (2 vCPUs, 8 GiB each). A StopCharging stop
// gives the room back, another instance takes it, and the start fails out of
// stock; a KeepCharging stop keeps the room, nobody can take it, and the
// start succeeds.
func TestStoppedModeCapacity(t *testing.T) {
	for _, tc := range []struct {
		mode      string
		takeErr   bool // the launch that tries to take the room fails
		startFail bool
	}{
		{StoppedModeStopCharging, false, true},
		{StoppedModeKeepCharging, true, false},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			r := newRig(t, func(c *Config) { c.CapacityVCPUs, c.CapacityMemoryMiB = 4, 16384 })
			ctx := context.Background()
			a := r.running(ecsRun("ecs.g6.large"))
			r.running(ecsRun("ecs.g6.large"))
			_, err := r.svc.Run(ctx, acct, ecsRun("ecs.g6.large"))
			wantErr(t, err, errdefs.LimitExceeded, errdefs.ResCapacity)

			if _, err := r.svc.Stop(ctx, acct, []string{a}, StopRequest{StoppedMode: tc.mode}); err != nil {
				t.Fatal(err)
			}
			r.wait(a, Stopped)
			_, err = r.svc.Run(ctx, acct, ecsRun("ecs.g6.large"))
			if tc.takeErr {
				wantErr(t, err, errdefs.LimitExceeded, errdefs.ResCapacity)
			} else if err != nil {
				t.Fatalf("the freed room could not be taken: %v", err)
			}
			_, err = r.svc.Start(ctx, acct, []string{a}, false)
			if tc.startFail {
				e := wantErr(t, err, errdefs.LimitExceeded, errdefs.ResCapacity)
				if e.ID != "ecs.g6.large" {
					t.Errorf("error names %q", e.ID)
				}
				r.stays(a, Stopped)
			} else {
				if err != nil {
					t.Fatalf("start of a KeepCharging instance: %v", err)
				}
				r.wait(a, Running)
			}
			total, used := r.svc.CapacityUsage()
			if d := cmp.Diff([]Capacity{total, used}, []Capacity{{4, 16384}, {4, 16384}}); d != "" {
				t.Errorf("capacity [total, used] (-got +want):\n%s", d)
			}
		})
	}
}

// TestEC2StopReleasesCapacity: EC2 has no stopped mode; a stopped EC2
// instance holds nothing, and a start beyond capacity fails.
func TestEC2StopReleasesCapacity(t *testing.T) {
	r := newRig(t, func(c *Config) { c.CapacityVCPUs = 2 }) // one t3.micro
	ctx := context.Background()
	a := r.running(RunRequest{})
	_, err := r.svc.Run(ctx, acct, RunRequest{ImageID: "ami-0000000000000000a", InstanceType: "t3.micro", MinCount: 1, MaxCount: 1})
	wantErr(t, err, errdefs.LimitExceeded, errdefs.ResCapacity)
	if _, err := r.svc.Stop(ctx, acct, []string{a}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.wait(a, Stopped)
	b := r.running(RunRequest{})
	_, err = r.svc.Start(ctx, acct, []string{a}, false)
	wantErr(t, err, errdefs.LimitExceeded, errdefs.ResCapacity)
	// A dry run does not look at capacity, as EC2's does not.
	_, err = r.svc.Start(ctx, acct, []string{a}, true)
	wantErr(t, err, errdefs.DryRun, errdefs.ResNone)
	if _, err := r.svc.TerminateWith(ctx, acct, []string{b}, TerminateRequest{}); err != nil {
		t.Fatal(err)
	}
	r.wait(b, Terminated)
	if _, err := r.svc.Start(ctx, acct, []string{a}, false); err != nil {
		t.Errorf("start once the room was free: %v", err)
	}
}

// TestRunLaunchesWhatFits: MaxCount shrinks to what fits, never below MinCount.
func TestRunLaunchesWhatFits(t *testing.T) {
	r := newRig(t, func(c *Config) { c.CapacityMemoryMiB = 2048 }) // two t3.micro by memory
	ctx := context.Background()
	_, err := r.svc.Run(ctx, acct, RunRequest{ImageID: "ami-0000000000000000a", InstanceType: "t3.micro", MinCount: 3, MaxCount: 3})
	wantErr(t, err, errdefs.LimitExceeded, errdefs.ResCapacity)
	res, err := r.svc.Run(ctx, acct, RunRequest{ImageID: "ami-0000000000000000a", InstanceType: "t3.micro", MinCount: 1, MaxCount: 5})
	if err != nil || len(res.Instances) != 2 {
		t.Fatalf("Run(1..5) = %v, %v; want 2 instances", res, err)
	}
}

// TestCapacityUnderConcurrency: racing starts and launches never overbook.
func TestCapacityUnderConcurrency(t *testing.T) {
	r := newRig(t, func(c *Config) { c.CapacityVCPUs = 8 }) // four g6.large
	ctx := context.Background()
	var stopped []string
	for range 4 {
		id := r.running(ecsRun("ecs.g6.large"))
		if _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{}); err != nil {
			t.Fatal(err)
		}
		r.wait(id, Stopped)
		stopped = append(stopped, id)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i < 4 {
				_, _ = r.svc.Start(ctx, acct, []string{stopped[i]}, false)
			} else {
				_, _ = r.svc.Run(ctx, acct, ecsRun("ecs.g6.large"))
			}
		}()
	}
	wg.Wait()
	if _, used := r.svc.CapacityUsage(); used.VCPUs != 8 {
		t.Errorf("used %d vCPUs of 8 after the race", used.VCPUs)
	}
}

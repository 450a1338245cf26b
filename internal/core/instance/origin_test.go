package instance

import (
	"context"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/driver/fake"
	"strato/internal/errdefs"
)

// ecsRun is a RunRequest of one ECS instance of typ.
func ecsRun(typ string) RunRequest {
	return RunRequest{Origin: OriginECS, ImageID: catalog.ECSImageShell, InstanceType: typ, MinCount: 1, MaxCount: 1}
}

// TestTransitionTableECS pins ECS's cells, and that EC2's are the shared table's.
func TestTransitionTableECS(t *testing.T) {
	want := map[Op]map[State]string{
		OpStart:          {Stopped: "pending"},
		OpStop:           {Running: "stopping"},
		OpReboot:         {Running: "="},
		OpTerminate:      {Stopped: "shutting-down", ShuttingDown: "=", Terminated: "="},
		OpForceTerminate: {Running: "shutting-down", Stopped: "shutting-down", ShuttingDown: "=", Terminated: "="},
		OpModify:         {Stopped: "="},
	}
	cell := func(next State, unchanged, ok bool) string {
		switch {
		case ok && unchanged:
			return "="
		case ok:
			return string(next)
		}
		return "-"
	}
	for op, row := range want {
		for _, st := range States {
			t.Run(string(op)+"/"+string(st), func(t *testing.T) {
				exp, ok := row[st]
				if !ok {
					exp = "-"
				}
				if got := cell(NextFor(OriginECS, op, st)); got != exp {
					t.Errorf("NextFor(ecs, %s, %s) = %q, want %q", op, st, got, exp)
				}
				ec2op := op
				if op == OpForceTerminate {
					ec2op = OpTerminate // EC2 has no forced variant
				}
				if got, shared := cell(NextFor(OriginEC2, op, st)), cell(Next(ec2op, st)); got != shared {
					t.Errorf("NextFor(ec2, %s, %s) = %q, the shared table says %q", op, st, got, shared)
				}
			})
		}
	}
}

func TestOriginIDsAndScoping(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ecs := r.runOne(ecsRun("ecs.g6.large"))
	ec2 := r.runOne(RunRequest{})
	if !regexp.MustCompile(`^i-[0-9a-z]{20}$`).MatchString(ecs) {
		t.Errorf("ECS id %q is not i- + 20 lower-case alphanumerics", ecs)
	}
	if !regexp.MustCompile(`^i-[0-9a-f]{17}$`).MatchString(ec2) {
		t.Errorf("EC2 id %q is not EC2-shaped", ec2)
	}
	in := r.get(ecs)
	if in.Origin != OriginECS || in.API() != OriginECS || !regexp.MustCompile(`^d-[0-9a-z]{20}$`).MatchString(in.Volumes[0].ID) {
		t.Errorf("ECS instance: origin %q, root disk %q", in.Origin, in.Volumes[0].ID)
	}
	if (&Instance{}).API() != OriginEC2 {
		t.Error("a record without origin is not EC2's")
	}
	list := func(origin string) []string {
		got, _, err := r.svc.Describe(ctx, acct, Query{Origin: origin})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, in := range got {
			ids = append(ids, in.ID)
		}
		return ids
	}
	if d := cmp.Diff(list(""), []string{ec2}); d != "" {
		t.Errorf("EC2 (default) describe (-got +want):\n%s", d)
	}
	if d := cmp.Diff(list(OriginECS), []string{ecs}); d != "" {
		t.Errorf("ECS describe (-got +want):\n%s", d)
	}
	_, _, err := r.svc.Describe(ctx, acct, Query{IDs: []string{ecs}})
	wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
	_, _, err = r.svc.Describe(ctx, acct, Query{Origin: OriginECS, IDs: []string{ec2}})
	wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)

	t.Run("catalogs are per API", func(t *testing.T) {
		_, err := r.svc.Run(ctx, acct, RunRequest{Origin: OriginECS, ImageID: catalog.ImageShell, InstanceType: "ecs.g6.large", MinCount: 1, MaxCount: 1})
		wantErr(t, err, errdefs.NotFound, errdefs.ResImage)
		_, err = r.svc.Run(ctx, acct, RunRequest{Origin: OriginECS, ImageID: catalog.ECSImageShell, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1})
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResInstanceType)
		_, err = r.svc.Run(ctx, acct, RunRequest{ImageID: catalog.ImageShell, InstanceType: "ecs.g6.large", MinCount: 1, MaxCount: 1})
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResInstanceType)
		_, err = r.svc.Run(ctx, acct, RunRequest{Origin: "gce", ImageID: catalog.ImageShell, MinCount: 1, MaxCount: 1})
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
	})
}

// TestECSStopAndStartRules: seed 003 — only a Running ECS instance can be
// stopped and only a Stopped one started, where EC2 answers both unchanged.
func TestECSStopAndStartRules(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ecs := r.running(ecsRun("ecs.g6.large"))
	ec2 := r.running(RunRequest{})

	_, err := r.svc.Start(ctx, acct, []string{ecs}, false)
	wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
	if ch, err := r.svc.Start(ctx, acct, []string{ec2}, false); err != nil || ch[0].Current != Running {
		t.Errorf("EC2 start of a running instance = %v, %v; want unchanged", ch, err)
	}
	for _, id := range []string{ecs, ec2} {
		if _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{}); err != nil {
			t.Fatal(err)
		}
		r.wait(id, Stopped)
	}
	_, err = r.svc.Stop(ctx, acct, []string{ecs}, StopRequest{})
	wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
	if ch, err := r.svc.Stop(ctx, acct, []string{ec2}, StopRequest{}); err != nil || ch[0].Current != Stopped {
		t.Errorf("EC2 stop of a stopped instance = %v, %v; want unchanged", ch, err)
	}
	// A batch with one refused instance changes nothing.
	run := r.running(ecsRun("ecs.g6.large"))
	_, err = r.svc.Stop(ctx, acct, []string{run, ecs}, StopRequest{})
	wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
	r.stays(run, Running)
}

// TestForceStopCutsPower: ForceStop kills the guest without a SIGTERM.
func TestForceStopCutsPower(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id := r.running(ecsRun("ecs.g6.large"))
	graceful := r.running(ecsRun("ecs.g6.large"))
	if _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Stop(ctx, acct, []string{graceful}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.wait(id, Stopped)
	r.wait(graceful, Stopped)
	got := []any{r.fk.CallsFor(id).ForceStop, r.fk.CallsFor(id).Signals, r.fk.CallsFor(graceful).ForceStop, r.fk.CallsFor(graceful).Signals}
	if d := cmp.Diff(got, []any{1, 0, 0, 1}); d != "" {
		t.Errorf("force stops and SIGTERMs [forced, graceful] (-got +want):\n%s", d)
	}
}

// TestConfirmStop: an I1 instance needs ConfirmStop; other types ignore it.
func TestConfirmStop(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	i1 := r.running(ecsRun("ecs.i1.xlarge"))
	g6 := r.running(ecsRun("ecs.g6.large"))
	ec2 := r.running(RunRequest{InstanceType: "i3.large"}) // local disk, no rule in EC2

	in := r.get(i1)
	if len(in.Volumes) != 2 || !in.Volumes[1].Scratch || in.Volumes[1].SizeGiB != 104 {
		t.Errorf("I1 volumes = %+v, want a system disk and a 104 GiB local (scratch) disk", in.Volumes)
	}
	_, err := r.svc.Stop(ctx, acct, []string{i1}, StopRequest{})
	wantErr(t, err, errdefs.InvalidArgument, ResConfirmStop)
	r.stays(i1, Running)
	for _, tc := range []struct {
		id      string
		confirm bool
	}{{i1, true}, {g6, false}, {ec2, false}} {
		if _, err := r.svc.Stop(ctx, acct, []string{tc.id}, StopRequest{ConfirmStop: tc.confirm}); err != nil {
			t.Errorf("stop %s (ConfirmStop=%v): %v", tc.id, tc.confirm, err)
		}
	}
	g7 := r.running(ecsRun("ecs.g6.large"))
	if _, err := r.svc.Stop(ctx, acct, []string{g7}, StopRequest{ConfirmStop: true}); err != nil {
		t.Errorf("ConfirmStop on a g6 is not ignored: %v", err)
	}
}

func TestSecurityLock(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id := r.running(ecsRun("ecs.g6.large"))
	stopped := r.running(ecsRun("ecs.g6.large"))
	if _, err := r.svc.Stop(ctx, acct, []string{stopped}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.wait(stopped, Stopped)
	for _, x := range []string{id, stopped} {
		in, err := r.svc.SetLock(ctx, x, LockSecurity)
		if err != nil || !in.Locked(LockSecurity) {
			t.Fatalf("SetLock = %+v, %v", in, err)
		}
	}
	if in, err := r.svc.SetLock(ctx, id, LockSecurity); err != nil || len(in.OperationLocks) != 1 {
		t.Errorf("a second SetLock = %+v, %v; want one lock", in, err)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"stop", func() error { _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{}); return err }},
		{"force stop", func() error { _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{Force: true}); return err }},
		{"start", func() error { _, err := r.svc.Start(ctx, acct, []string{stopped}, false); return err }},
		{"reboot", func() error { return r.svc.Reboot(ctx, acct, []string{id}, false) }},
		{"modify", func() error {
			return r.svc.Modify(ctx, acct, id, Attributes{Labels: map[string]string{"InstanceName": "x"}}, false)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := wantErr(t, tc.call(), errdefs.PermissionDenied, ResSecurityLock)
			if e.ID != id && e.ID != stopped {
				t.Errorf("error names %q", e.ID)
			}
		})
	}
	r.stays(id, Running)
	r.stays(stopped, Stopped)
	evs, _ := r.st.Events(ctx, 0, id, 0)
	if last := evs[len(evs)-1]; last.Type != EventModify || last.Detail["lock"] != LockSecurity {
		t.Errorf("last event = %+v, want a lock event", last)
	}

	if _, err := r.svc.ClearLock(ctx, id, LockSecurity); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Stop(ctx, acct, []string{id}, StopRequest{}); err != nil {
		t.Errorf("stop after the lock was cleared: %v", err)
	}
	// A release is unaffected by the lock.
	if _, err := r.svc.TerminateWith(ctx, acct, []string{stopped}, TerminateRequest{}); err != nil {
		t.Errorf("delete of a locked instance: %v", err)
	}
	_, err := r.svc.SetLock(ctx, "i-00000000000000000000", LockSecurity)
	wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
	_, err = r.svc.SetLock(ctx, id, "financial")
	wantErr(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
}

func TestECSDeleteRules(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id := r.running(ecsRun("ecs.g6.large"))
	r.fk.Script(id, fake.Behavior{IgnoreTerm: true})
	_, err := r.svc.TerminateWith(ctx, acct, []string{id}, TerminateRequest{})
	wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
	r.stays(id, Running)
	ch, err := r.svc.TerminateWith(ctx, acct, []string{id}, TerminateRequest{Force: true})
	if err != nil || ch[0].Current != ShuttingDown {
		t.Fatalf("forced delete = %v, %v", ch, err)
	}
	// Released ECS instances are gone at once.
	got, _, err := r.svc.Describe(ctx, acct, Query{Origin: OriginECS})
	if err != nil || len(got) != 0 {
		t.Errorf("describe after delete = %d instances, %v", len(got), err)
	}
	_, err = r.svc.Stop(ctx, acct, []string{id}, StopRequest{})
	wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
	r.wait(id, Terminated)
	if c := r.fk.CallsFor(id); c.Signals != 0 || c.Kills == 0 {
		t.Errorf("a forced delete sent %d SIGTERMs and %d kills; want a power cut", c.Signals, c.Kills)
	}
}

func TestStoppedModeAndEvents(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	keep := r.running(ecsRun("ecs.g6.large"))
	def := r.running(ecsRun("ecs.g6.large"))
	ec2 := r.running(RunRequest{})
	ip := r.get(keep).PublicIP
	if _, err := r.svc.Stop(ctx, acct, []string{keep}, StopRequest{StoppedMode: StoppedModeKeepCharging}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Stop(ctx, acct, []string{def, ec2}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	k, d, e := r.wait(keep, Stopped), r.wait(def, Stopped), r.wait(ec2, Stopped)
	got := []string{k.StoppedMode, d.StoppedMode, e.StoppedMode, k.PublicIP, d.PublicIP}
	if diff := cmp.Diff(got, []string{StoppedModeKeepCharging, StoppedModeStopCharging, "", ip, ""}); diff != "" {
		t.Errorf("stopped modes [keep, default, ec2] and public IPs [keep, default] (-got +want):\n%s", diff)
	}
	if _, err := r.svc.Start(ctx, acct, []string{keep}, false); err != nil {
		t.Fatal(err)
	}
	if in := r.wait(keep, Running); in.PublicIP != ip || in.StoppedMode != "" {
		t.Errorf("after start: public IP %q (kept %q), stopped mode %q", in.PublicIP, ip, in.StoppedMode)
	}

	details := func(id string) []string {
		evs, _ := r.st.Events(ctx, 0, id, 0)
		var out []string
		for _, ev := range evs {
			out = append(out, string(ev.To)+":"+ev.Detail[DetailAPI]+":"+ev.Detail[DetailStoppedMode])
		}
		return out
	}
	if diff := cmp.Diff(details(keep), []string{"pending:ecs:", "running:ecs:", "stopping:ecs:KeepCharging",
		"stopped:ecs:KeepCharging", "pending:ecs:", "running:ecs:"}); diff != "" {
		t.Errorf("ECS events (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(details(ec2), []string{"pending::", "running::", "stopping::", "stopped::"}); diff != "" {
		t.Errorf("EC2 events (-got +want):\n%s", diff)
	}

	run := r.running(ecsRun("ecs.g6.large"))
	_, err := r.svc.Stop(ctx, acct, []string{run}, StopRequest{StoppedMode: "Sometimes"})
	wantErr(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
	ec2b := r.running(RunRequest{})
	_, err = r.svc.Stop(ctx, acct, []string{ec2b}, StopRequest{StoppedMode: StoppedModeKeepCharging})
	wantErr(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
}

func TestGuestStopOfECSInstanceStopsCharging(t *testing.T) {
	r := newRig(t)
	id := r.running(ecsRun("ecs.g6.large"))
	if err := r.fk.Exit(id, 0); err != nil {
		t.Fatal(err)
	}
	if in := r.wait(id, Stopped); in.StoppedMode != StoppedModeStopCharging {
		t.Errorf("stopped mode after a guest shutdown = %q", in.StoppedMode)
	}
}

func TestCreateStopped(t *testing.T) {
	r := newRig(t, func(c *Config) { c.CapacityVCPUs = 2 })
	ctx := context.Background()
	req := ecsRun("ecs.g6.large")
	req.Stopped = true
	req.Labels = map[string]string{"InstanceName": "web"}
	var ids []string
	for range 3 { // created-stopped instances hold no capacity
		res, err := r.svc.Run(ctx, acct, req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Instances[0].ID)
	}
	in := r.get(ids[0])
	if in.State != Stopped || in.PublicIP != "" || in.Labels["InstanceName"] != "web" || in.EverRan {
		t.Errorf("created instance = %+v", in)
	}
	r.stays(ids[0], Stopped)
	if c := r.fk.CallsFor(ids[0]); c.Create != 0 {
		t.Errorf("a created-stopped instance was booted: %+v", c)
	}
	evs, _ := r.st.Events(ctx, 0, ids[0], 0)
	if len(evs) != 1 || evs[0].Type != EventCreated || evs[0].To != Stopped {
		t.Errorf("events = %+v", evs)
	}
	if _, err := r.svc.Start(ctx, acct, ids[:1], false); err != nil {
		t.Fatal(err)
	}
	if in := r.wait(ids[0], Running); in.PublicIP == "" {
		t.Error("started instance has no public IP")
	}
	_, err := r.svc.Start(ctx, acct, ids[1:2], false)
	wantErr(t, err, errdefs.LimitExceeded, errdefs.ResCapacity)
}

// TestDescribeTagsIsEC2s: EC2's DescribeTags does not list the tags of
// another API's instances.
func TestDescribeTagsIsEC2s(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	req := ecsRun("ecs.g6.large")
	req.Tags = []Tag{{Key: "api", Value: "ecs"}}
	r.runOne(req)
	r.runOne(RunRequest{Tags: []Tag{{Key: "api", Value: "ec2"}}})
	got, _, err := r.svc.DescribeTags(ctx, acct, nil, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Value != "ec2" {
		t.Errorf("DescribeTags = %+v, want the EC2 instance's tag only", got)
	}
}

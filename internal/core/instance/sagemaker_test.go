package instance

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// mlVolume is where a notebook's ML storage volume is mounted.
const mlVolume = "/home/ec2-user/SageMaker"

// notebookRun is a SageMaker launch as the notebook service makes one: an
// ML storage volume, a root wiped at every stop, environment, files and the
// API endpoint.
func notebookRun() RunRequest {
	return RunRequest{
		ImageID: catalog.SageMakerImageNotebook, InstanceType: "ml.t3.medium", MinCount: 1, MaxCount: 1,
		Volumes:     []VolumeRequest{{SizeGiB: 5, MountPath: mlVolume, DeleteOnTermination: true}},
		RootScratch: true,
		Env:         map[string]string{"NOTEBOOK_NAME": "nb-1"},
		Files: []driver.File{{Path: "/opt/ml/metadata/resource-metadata.json", Mode: 0o444,
			Data: []byte(`{"ResourceName":"nb-1"}`)}},
		APIEndpoint: "127.0.0.1:8773",
	}
}

// sm is the rig's SageMaker scope.
func (r *rig) sm() *Scope { return r.svc.Scope(OriginSageMaker) }

// smRun launches one SageMaker instance through the scope.
func (r *rig) smRun(req RunRequest) string {
	r.t.Helper()
	res, err := r.sm().Run(context.Background(), acct, req)
	if err != nil {
		r.t.Fatalf("Run: %v", err)
	}
	return res.Instances[0].ID
}

// smGet returns a SageMaker instance through the scope.
func (r *rig) smGet(id string) *Instance {
	r.t.Helper()
	in, err := r.sm().Get(context.Background(), acct, id)
	if err != nil {
		r.t.Fatalf("Get(%s): %v", id, err)
	}
	return in
}

// smWait polls (real time) until the SageMaker instance is in state want.
func (r *rig) smWait(id string, want State) *Instance {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if in := r.smGet(id); in.State == want {
			return in
		}
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("%s is %s, want %s", id, r.smGet(id).State, want)
	return nil
}

// smStopped launches a notebook instance and stops it.
func (r *rig) smStopped(req RunRequest) string {
	r.t.Helper()
	id := r.smRun(req)
	r.smWait(id, Running)
	if _, err := r.sm().Stop(context.Background(), acct, []string{id}, StopRequest{}); err != nil {
		r.t.Fatal(err)
	}
	r.smWait(id, Stopped)
	return id
}

// spec returns what the fake driver was last asked to run for id.
func (r *rig) spec(id string) driver.Spec {
	r.t.Helper()
	sp, ok := r.fk.Spec(id)
	if !ok {
		r.t.Fatalf("the driver does not know %s", id)
	}
	return sp
}

// wantSpec is the driver spec of a booted notebookRun instance in.
func wantSpec(in *Instance) driver.Spec {
	return driver.Spec{
		ID: in.ID, Hostname: PrivateDNSName(in.Region, in.PrivateIP),
		Image:    driver.Image{ID: catalog.SageMakerImageNotebook, Kind: catalog.KindShell},
		UserData: in.UserData,
		Env: map[string]string{
			"STRATO_INSTANCE_TYPE": "ml.t3.medium", "STRATO_PRIVATE_IP": in.PrivateIP,
			"STRATO_PUBLIC_IP": in.PublicIP, "STRATO_REGION": "us-east-1", "NOTEBOOK_NAME": "nb-1",
		},
		VCPUs: 2, MemoryMiB: 4096,
		Volumes: []driver.Volume{
			{ID: in.Volumes[0].ID, Root: true, SizeGiB: 8, Scratch: true, DeleteOnTermination: true, MountPath: "/dev/xvda"},
			{ID: in.Volumes[1].ID, SizeGiB: 5, DeleteOnTermination: true, MountPath: mlVolume},
		},
		PrivateIP: in.PrivateIP,
		Identity: &driver.Identity{AccountID: acct, ImageID: catalog.SageMakerImageNotebook, InstanceType: "ml.t3.medium",
			AvailabilityZone: in.AvailabilityZone, Region: "us-east-1", PublicIP: in.PublicIP,
			ReservationID: in.ReservationID, LaunchTime: in.LaunchTime},
		Files: []driver.File{{Path: "/opt/ml/metadata/resource-metadata.json", Mode: 0o444,
			Data: []byte(`{"ResourceName":"nb-1"}`)}},
		APIEndpoint: "127.0.0.1:8773",
	}
}

// TestSageMakerLaunchReachesTheDriver: the guest configuration of a
// SageMaker launch is in the stored instance and, exactly, in the spec the
// driver boots.
func TestSageMakerLaunchReachesTheDriver(t *testing.T) {
	r := newRig(t)
	id := r.smRun(notebookRun())
	in := r.smWait(id, Running)

	if !regexp.MustCompile(`^i-[0-9a-f]{17}$`).MatchString(id) {
		t.Errorf("instance id %q is not EC2-shaped", id)
	}
	for _, v := range in.Volumes {
		if !regexp.MustCompile(`^vol-[0-9a-f]{17}$`).MatchString(v.ID) {
			t.Errorf("volume id %q is not EC2-shaped", v.ID)
		}
	}
	if d := cmp.Diff(r.spec(id), wantSpec(in)); d != "" {
		t.Errorf("driver spec (-got +want):\n%s", d)
	}
	type vol struct {
		Device       string
		Size         int
		DOT, Scratch bool
	}
	var vols []vol
	for _, v := range in.Volumes {
		vols = append(vols, vol{v.DeviceName, v.SizeGiB, v.DeleteOnTermination, v.Scratch})
	}
	if d := cmp.Diff(vols, []vol{{"/dev/xvda", 8, true, true}, {mlVolume, 5, true, false}}); d != "" {
		t.Errorf("stored volumes (-got +want):\n%s", d)
	}
	got := []any{in.API(), in.InstanceType, in.Env["NOTEBOOK_NAME"], len(in.Files), in.APIEndpoint}
	if d := cmp.Diff(got, []any{OriginSageMaker, "ml.t3.medium", "nb-1", 1, "127.0.0.1:8773"}); d != "" {
		t.Errorf("stored instance (-got +want):\n%s", d)
	}

	t.Run("the next boot gets the same spec", func(t *testing.T) {
		r := r.in(t)
		if _, err := r.sm().Stop(context.Background(), acct, []string{id}, StopRequest{}); err != nil {
			t.Fatal(err)
		}
		r.smWait(id, Stopped)
		if _, err := r.sm().Start(context.Background(), acct, []string{id}, false); err != nil {
			t.Fatal(err)
		}
		in := r.smWait(id, Running)
		if d := cmp.Diff(r.spec(id), wantSpec(in)); d != "" {
			t.Errorf("driver spec after a restart (-got +want):\n%s", d)
		}
	})
}

// TestGuestAPIEndpointDefault: Config.GuestAPIEndpoint applies to SageMaker
// instances that name no endpoint, never to EC2's.
func TestGuestAPIEndpointDefault(t *testing.T) {
	r := newRig(t, func(c *Config) { c.GuestAPIEndpoint = "0.0.0.0:8773" })
	own := notebookRun()
	none := notebookRun()
	none.APIEndpoint = ""
	tests := []struct {
		name string
		run  func() string
		want string
	}{
		{"sagemaker, own endpoint", func() string { return r.smRun(own) }, "127.0.0.1:8773"},
		{"sagemaker, default endpoint", func() string { return r.smRun(none) }, "0.0.0.0:8773"},
		{"ec2, no endpoint", func() string { return r.runOne(RunRequest{}) }, ""},
		{"ec2, own endpoint", func() string { return r.runOne(RunRequest{APIEndpoint: "127.0.0.1:9000"}) }, "127.0.0.1:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := r.in(t)
			id := tt.run()
			deadline := time.Now().Add(5 * time.Second)
			for r.fk.CallsFor(id).Start == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if got := r.spec(id).APIEndpoint; got != tt.want {
				t.Errorf("APIEndpoint = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a bad default is refused", func(t *testing.T) {
		cfg := r.cfg
		cfg.GuestAPIEndpoint = "localhost:8773"
		if _, err := New(cfg); err == nil {
			t.Error("New accepted a GuestAPIEndpoint that is no ip:port")
		}
	})
}

// TestEC2SpecUnchanged: an EC2 launch's driver spec has no guest
// configuration beyond what it had before SageMaker's fields existed.
func TestEC2SpecUnchanged(t *testing.T) {
	r := newRig(t, func(c *Config) { c.GuestAPIEndpoint = "127.0.0.1:8773" })
	id := r.running(RunRequest{})
	sp := r.spec(id)
	if sp.Files != nil || sp.APIEndpoint != "" || len(sp.Env) != 4 || sp.Volumes[0].Scratch {
		t.Errorf("EC2 spec carries guest configuration: %+v", sp)
	}
	b, err := json.Marshal(RunRequest{ImageID: catalog.ImageShell})
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"Volumes", "RootScratch", "Env", "Files", "APIEndpoint"} {
		if strings.Contains(string(b), `"`+field+`"`) {
			t.Errorf("an EC2 request's fingerprint names %s", field)
		}
	}
}

// TestSageMakerInstancesAreScoped: a SageMaker instance and its volumes are
// invisible to every unscoped call (the EC2 and ECS frontends'); the
// SageMaker scope sees them and nothing else.
func TestSageMakerInstancesAreScoped(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	keep := notebookRun()
	keep.Volumes[0].DeleteOnTermination = false
	nb := r.smRun(keep)
	r.smWait(nb, Running)
	ec2 := r.running(RunRequest{})
	ecs := r.running(ecsRun("ecs.g6.large"))
	vol := r.smGet(nb).Volumes[1].ID
	r.fk.SetConsole(nb, []byte("lifecycle: exit 1\n"))

	unscoped := []struct {
		name string
		call func() error
	}{
		{"describe ec2", func() error {
			_, _, err := r.svc.Describe(ctx, acct, Query{IDs: []string{nb}})
			return err
		}},
		{"describe ecs", func() error {
			_, _, err := r.svc.Describe(ctx, acct, Query{Origin: OriginECS, IDs: []string{nb}})
			return err
		}},
		{"get", func() error { _, err := r.svc.Get(ctx, acct, nb); return err }},
		{"start", func() error { _, err := r.svc.Start(ctx, acct, []string{nb}, false); return err }},
		{"stop", func() error { _, err := r.svc.Stop(ctx, acct, []string{nb}, StopRequest{}); return err }},
		{"reboot", func() error { return r.svc.Reboot(ctx, acct, []string{nb}, false) }},
		{"terminate", func() error { _, err := r.svc.Terminate(ctx, acct, []string{nb}, false); return err }},
		{"terminate with", func() error {
			_, err := r.svc.TerminateWith(ctx, acct, []string{nb}, TerminateRequest{Force: true})
			return err
		}},
		{"modify", func() error { return r.svc.Modify(ctx, acct, nb, Attributes{DisableAPIStop: new(bool)}, false) }},
		{"reconfigure", func() error { return r.svc.Reconfigure(ctx, acct, nb, ReconfigureRequest{}) }},
		{"console", func() error { _, err := r.svc.ConsoleOutput(ctx, acct, nb); return err }},
		{"tag instance", func() error { return r.svc.CreateTags(ctx, acct, []string{nb}, []Tag{{"k", "v"}}, false) }},
		{"tag volume", func() error { return r.svc.CreateTags(ctx, acct, []string{vol}, []Tag{{"k", "v"}}, false) }},
		{"untag instance", func() error { return r.svc.DeleteTags(ctx, acct, []string{nb}, nil, false) }},
		{"batch with an EC2 instance", func() error {
			_, err := r.svc.Stop(ctx, acct, []string{ec2, nb}, StopRequest{})
			return err
		}},
	}
	for _, tt := range unscoped {
		t.Run("unscoped "+tt.name, func(t *testing.T) {
			if err := tt.call(); errdefs.KindOf(err) != errdefs.NotFound {
				t.Fatalf("error = %v, want NotFound", err)
			}
		})
	}
	if in := r.smGet(nb); in.State != Running || len(in.Tags) != 0 || len(in.Volumes[1].Tags) != 0 {
		t.Fatalf("an unscoped call changed the notebook instance: %s, tags %v %v", in.State, in.Tags, in.Volumes[1].Tags)
	}

	ids := func(list []*Instance) []string {
		var out []string
		for _, in := range list {
			out = append(out, in.ID)
		}
		return out
	}
	volIDs := func(list []*VolumeInfo) []string {
		var out []string
		for _, v := range list {
			out = append(out, v.ID)
		}
		return out
	}
	lists := []struct {
		name string
		list func() ([]string, error)
		want []string
	}{
		{"ec2 instances", func() ([]string, error) { l, _, err := r.svc.Describe(ctx, acct, Query{}); return ids(l), err }, []string{ec2}},
		{"ecs instances", func() ([]string, error) {
			l, _, err := r.svc.Describe(ctx, acct, Query{Origin: OriginECS})
			return ids(l), err
		}, []string{ecs}},
		{"sagemaker instances", func() ([]string, error) { l, _, err := r.sm().Describe(ctx, acct, Query{}); return ids(l), err }, []string{nb}},
		{"sagemaker volumes", func() ([]string, error) {
			l, _, err := r.sm().DescribeVolumes(ctx, acct, VolumeQuery{})
			return volIDs(l), err
		}, []string{vol}}, // the scratch root is no volume of its own
		{"ec2 tags", func() ([]string, error) {
			if err := r.svc.CreateTags(ctx, acct, []string{ec2}, []Tag{{"k", "v"}}, false); err != nil {
				return nil, err
			}
			tags, _, err := r.svc.DescribeTags(ctx, acct, nil, 0, "")
			var out []string
			for _, d := range tags {
				out = append(out, d.ResourceID)
			}
			return out, err
		}, []string{ec2}},
	}
	for _, tt := range lists {
		t.Run("list "+tt.name, func(t *testing.T) {
			got, err := tt.list()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(got, tt.want); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
	t.Run("ec2 volumes", func(t *testing.T) {
		l, _, err := r.svc.DescribeVolumes(ctx, acct, VolumeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range l {
			if v.ID == vol {
				t.Errorf("EC2 lists the notebook's volume %s", vol)
			}
		}
		_, _, err = r.svc.DescribeVolumes(ctx, acct, VolumeQuery{IDs: []string{vol}})
		wantErr(t, err, errdefs.NotFound, errdefs.ResVolume)
	})

	t.Run("the scope reaches only its origin", func(t *testing.T) {
		_, err := r.sm().Get(ctx, acct, ec2)
		wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
		_, err = r.sm().Stop(ctx, acct, []string{ecs}, StopRequest{})
		wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
		_, err = r.sm().Get(ctx, "999988887777", nb) // another account
		wantErr(t, err, errdefs.NotFound, errdefs.ResInstance)
		_, err = r.sm().Run(ctx, acct, RunRequest{Origin: OriginEC2, ImageID: catalog.ImageShell, MinCount: 1, MaxCount: 1})
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
		_, _, err = r.sm().Describe(ctx, acct, Query{Origin: OriginECS})
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
		_, err = r.svc.Scope("gce").Get(ctx, acct, nb)
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResParameter)
	})

	t.Run("console and address through the scope", func(t *testing.T) {
		out, err := r.sm().ConsoleOutput(ctx, acct, nb)
		if err != nil {
			t.Fatal(err)
		}
		if string(out.Output) != "lifecycle: exit 1\n" || out.InstanceID != nb {
			t.Errorf("console = %q of %s", out.Output, out.InstanceID)
		}
		if in := r.smGet(nb); in.PrivateIP == "" || !strings.HasPrefix(in.PrivateIP, "172.31.") {
			t.Errorf("PrivateIP = %q", in.PrivateIP)
		}
	})

	t.Run("terminate through the scope keeps the kept volume in the scope", func(t *testing.T) {
		if _, err := r.sm().Terminate(ctx, acct, []string{nb}, false); err != nil {
			t.Fatal(err)
		}
		r.smWait(nb, Terminated)
		l, _, err := r.sm().DescribeVolumes(ctx, acct, VolumeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != 1 || l[0].ID != vol || l[0].State != VolumeAvailable {
			t.Errorf("volumes after termination = %+v", l)
		}
		if !r.fk.VolumeExists(vol) {
			t.Error("the driver deleted a volume that is not DeleteOnTermination")
		}
		if l, _, _ := r.svc.DescribeVolumes(ctx, acct, VolumeQuery{IDs: []string{vol}}); len(l) != 0 {
			t.Error("EC2 sees the notebook's kept volume")
		}
	})
}

// TestSageMakerEventsCarryAPIAndVolumes: every event of a SageMaker
// instance says api=sagemaker and lists its volumes, the extra one billed
// as storage and the scratch root not.
func TestSageMakerEventsCarryAPIAndVolumes(t *testing.T) {
	r := newRig(t)
	id := r.smStopped(notebookRun())
	in := r.smGet(id)
	evs, err := r.st.Events(context.Background(), 0, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantVols := FormatVolumes([]VolumeFact{
		{ID: in.Volumes[0].ID, SizeGiB: 8, DeleteOnTermination: true, Scratch: true},
		{ID: in.Volumes[1].ID, SizeGiB: 5, DeleteOnTermination: true},
	})
	if len(evs) != 4 { // created, running, stopping, stopped
		t.Fatalf("%d events, want 4", len(evs))
	}
	for _, ev := range evs {
		got := []string{ev.Detail[DetailAPI], ev.Detail["instanceType"], ev.Detail[DetailVolumes]}
		if d := cmp.Diff(got, []string{"sagemaker", "ml.t3.medium", wantVols}); d != "" {
			t.Errorf("%s event %s→%s detail (-got +want):\n%s", ev.Type, ev.From, ev.To, d)
		}
	}
}

// TestSageMakerTransitionsAreEC2s: SageMaker's instances follow EC2's
// table in every cell.
func TestSageMakerTransitionsAreEC2s(t *testing.T) {
	for _, op := range append(append([]Op{}, UserOps...), OpForceTerminate) {
		for _, st := range States {
			t.Run(string(op)+"/"+string(st), func(t *testing.T) {
				n1, u1, ok1 := NextFor(OriginSageMaker, op, st)
				n2, u2, ok2 := NextFor(OriginEC2, op, st)
				if n1 != n2 || u1 != u2 || ok1 != ok2 {
					t.Errorf("sagemaker (%s %v %v) != ec2 (%s %v %v)", n1, u1, ok1, n2, u2, ok2)
				}
			})
		}
	}
}

func TestSageMakerLaunchValidation(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	f := false
	tests := []struct {
		name string
		mod  func(*RunRequest)
		kind errdefs.Kind
		res  errdefs.Resource
	}{
		{"no instance type", func(q *RunRequest) { q.InstanceType = "" }, errdefs.InvalidArgument, errdefs.ResMissing},
		{"an EC2 type", func(q *RunRequest) { q.InstanceType = "t3.medium" }, errdefs.InvalidArgument, errdefs.ResInstanceType},
		{"a notebook type not in the catalog", func(q *RunRequest) { q.InstanceType = "ml.g4dn.xlarge" }, errdefs.InvalidArgument, errdefs.ResInstanceType},
		{"an EC2 image", func(q *RunRequest) { q.ImageID = catalog.ImageShell }, errdefs.NotFound, errdefs.ResImage},
		{"volume size 0", func(q *RunRequest) { q.Volumes[0].SizeGiB = 0 }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"volume too large", func(q *RunRequest) { q.Volumes[0].SizeGiB = MaxVolumeSizeGiB + 1 }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"relative mount path", func(q *RunRequest) { q.Volumes[0].MountPath = "home/x" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"unclean mount path", func(q *RunRequest) { q.Volumes[0].MountPath = "/home/../etc" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"mount at the root", func(q *RunRequest) { q.Volumes[0].MountPath = "/" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"a device name", func(q *RunRequest) { q.Volumes[0].MountPath = "/dev/sdb" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"mount in /proc", func(q *RunRequest) { q.Volumes[0].MountPath = "/proc/x" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"nested volumes", func(q *RunRequest) {
			q.Volumes = append(q.Volumes, VolumeRequest{SizeGiB: 1, MountPath: mlVolume + "/data"})
		}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"too many volumes", func(q *RunRequest) {
			for i := range MaxExtraVolumes {
				q.Volumes = append(q.Volumes, VolumeRequest{SizeGiB: 1, MountPath: "/mnt/v" + string(rune('a'+i))})
			}
		}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"bad env name", func(q *RunRequest) { q.Env = map[string]string{"1X": "y"} }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"reserved env name", func(q *RunRequest) { q.Env = map[string]string{"STRATO_REGION": "x"} }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"NUL in env", func(q *RunRequest) { q.Env = map[string]string{"X": "a\x00b"} }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"relative file", func(q *RunRequest) { q.Files[0].Path = "opt/x" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"file mode beyond permissions", func(q *RunRequest) { q.Files[0].Mode = 0o4755 }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"file in a volume", func(q *RunRequest) { q.Files[0].Path = mlVolume + "/x" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"file twice", func(q *RunRequest) { q.Files = append(q.Files, q.Files[0]) }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"files too large", func(q *RunRequest) { q.Files[0].Data = make([]byte, MaxFilesBytes+1) }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"endpoint without port", func(q *RunRequest) { q.APIEndpoint = "127.0.0.1" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"endpoint by name", func(q *RunRequest) { q.APIEndpoint = "localhost:8773" }, errdefs.InvalidArgument, errdefs.ResParameter},
		{"scratch root kept", func(q *RunRequest) { q.RootDeleteOnTermination = &f }, errdefs.InvalidArgument, errdefs.ResCombination},
		{"user data beyond the limit", func(q *RunRequest) { q.UserData = make([]byte, sageMakerUserData+1) }, errdefs.InvalidArgument, errdefs.ResParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := notebookRun()
			tt.mod(&req)
			_, err := r.sm().Run(ctx, acct, req)
			wantErr(t, err, tt.kind, tt.res)
		})
	}
	t.Run("user data beyond EC2's limit is a notebook's right", func(t *testing.T) {
		req := notebookRun()
		req.UserData = make([]byte, MaxUserDataBytes+1)
		if _, err := r.sm().Run(ctx, acct, req); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("scratch root hibernated", func(t *testing.T) { // on EC2: no ML type hibernates
		_, err := r.svc.Run(ctx, acct, RunRequest{ImageID: catalog.ImageShell, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1,
			RootScratch: true, Hibernation: true})
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResCombination)
	})
	t.Run("EC2 cannot launch ML types", func(t *testing.T) {
		_, err := r.svc.Run(ctx, acct, RunRequest{ImageID: catalog.ImageShell, InstanceType: "ml.t3.medium", MinCount: 1, MaxCount: 1})
		wantErr(t, err, errdefs.InvalidArgument, errdefs.ResInstanceType)
		_, err = r.svc.Run(ctx, acct, RunRequest{ImageID: catalog.SageMakerImageNotebook, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1})
		wantErr(t, err, errdefs.NotFound, errdefs.ResImage)
	})
}

// TestReconfigure: Reconfigure works only while stopped, checks every field
// first, and the next boot's spec carries the change.
func TestReconfigure(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	t.Run("refused unless stopped", func(t *testing.T) {
		r := r.in(t)
		id := r.smRun(notebookRun())
		states := []struct {
			name string
			to   func()
		}{
			{"running", func() { r.smWait(id, Running) }},
			{"terminated", func() {
				if _, err := r.sm().Terminate(ctx, acct, []string{id}, false); err != nil {
					t.Fatal(err)
				}
				r.smWait(id, Terminated)
			}},
		}
		for _, st := range states {
			t.Run(st.name, func(t *testing.T) {
				st.to()
				ud := []byte("x")
				err := r.sm().Reconfigure(ctx, acct, id, ReconfigureRequest{UserData: &ud})
				wantErr(t, err, errdefs.IncorrectState, errdefs.ResInstance)
			})
		}
	})

	id := r.smStopped(notebookRun())
	before := r.smGet(id)
	mlVol := before.Volumes[1].ID
	bad := []struct {
		name string
		req  ReconfigureRequest
		kind errdefs.Kind
		res  errdefs.Resource
	}{
		{"unknown type", ReconfigureRequest{InstanceType: ptr("t3.medium")}, errdefs.InvalidArgument, errdefs.ResInstanceType},
		{"shrink", ReconfigureRequest{ExtraVolumeSizeGiB: map[string]int{mlVolume: 4}}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"too large", ReconfigureRequest{ExtraVolumeSizeGiB: map[string]int{mlVol: MaxVolumeSizeGiB + 1}}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"the root is no extra volume", ReconfigureRequest{ExtraVolumeSizeGiB: map[string]int{before.Volumes[0].ID: 20}}, errdefs.NotFound, errdefs.ResVolume},
		{"unknown volume", ReconfigureRequest{ExtraVolumeSizeGiB: map[string]int{"/data": 20}}, errdefs.NotFound, errdefs.ResVolume},
		{"reserved env", ReconfigureRequest{Env: map[string]string{"STRATO_X": "1"}}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"file in the volume", ReconfigureRequest{Files: &[]driver.File{{Path: mlVolume + "/x"}}}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"user data too large", ReconfigureRequest{UserData: ptr(make([]byte, sageMakerUserData+1))}, errdefs.InvalidArgument, errdefs.ResParameter},
		{"one bad field changes nothing", ReconfigureRequest{UserData: ptr([]byte("new")), InstanceType: ptr("ml.nope")}, errdefs.InvalidArgument, errdefs.ResInstanceType},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, r.sm().Reconfigure(ctx, acct, id, tt.req), tt.kind, tt.res)
		})
	}
	if d := cmp.Diff(r.smGet(id), before); d != "" {
		t.Fatalf("refused reconfigurations changed the instance (-got +want):\n%s", d)
	}

	files := []driver.File{{Path: "/opt/ml/metadata/resource-metadata.json", Mode: 0o444, Data: []byte(`{"v":2}`)}}
	req := ReconfigureRequest{
		UserData:           ptr([]byte("#!/bin/sh\necho second boot\n")),
		Env:                map[string]string{"NOTEBOOK_NAME": "nb-1", "FIRST_BOOT": "0"},
		Files:              &files,
		InstanceType:       ptr("ml.m5.xlarge"),
		ExtraVolumeSizeGiB: map[string]int{mlVolume: 20},
	}
	if err := r.sm().Reconfigure(ctx, acct, id, req); err != nil {
		t.Fatal(err)
	}
	after := r.smGet(id)
	got := []any{after.State, after.InstanceType, string(after.UserData), after.Env["FIRST_BOOT"], after.Volumes[1].SizeGiB, after.Volumes[0].SizeGiB}
	if d := cmp.Diff(got, []any{Stopped, "ml.m5.xlarge", "#!/bin/sh\necho second boot\n", "0", 20, 8}); d != "" {
		t.Errorf("reconfigured instance (-got +want):\n%s", d)
	}
	evs, err := r.st.Events(ctx, 0, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	wantVols := FormatVolumes([]VolumeFact{
		{ID: after.Volumes[0].ID, SizeGiB: 8, DeleteOnTermination: true, Scratch: true},
		{ID: mlVol, SizeGiB: 20, DeleteOnTermination: true},
	})
	gotEv := []string{last.Type, last.Detail[DetailAPI], last.Detail["instanceType"], last.Detail[DetailVolumes], last.Detail["volumeSize."+mlVol]}
	if d := cmp.Diff(gotEv, []string{EventModify, "sagemaker", "ml.m5.xlarge", wantVols, "20"}); d != "" {
		t.Errorf("modify event (-got +want):\n%s", d)
	}

	if _, err := r.sm().Start(ctx, acct, []string{id}, false); err != nil {
		t.Fatal(err)
	}
	in := r.smWait(id, Running)
	sp := r.spec(id)
	gotSpec := []any{string(sp.UserData), sp.Env["FIRST_BOOT"], sp.Env["STRATO_INSTANCE_TYPE"], sp.VCPUs, sp.MemoryMiB,
		sp.Volumes[1].SizeGiB, string(sp.Files[0].Data), sp.Identity.InstanceType}
	if d := cmp.Diff(gotSpec, []any{"#!/bin/sh\necho second boot\n", "0", "ml.m5.xlarge", 4, int64(16384), 20, `{"v":2}`, "ml.m5.xlarge"}); d != "" {
		t.Errorf("spec of the next boot (-got +want):\n%s", d)
	}
	if in.Volumes[1].ID != mlVol {
		t.Errorf("the ML volume changed id: %s, was %s", in.Volumes[1].ID, mlVol)
	}

	t.Run("an empty env clears it", func(t *testing.T) {
		r := r.in(t)
		id := r.smStopped(notebookRun())
		if err := r.sm().Reconfigure(ctx, acct, id, ReconfigureRequest{Env: map[string]string{}, Files: &[]driver.File{}}); err != nil {
			t.Fatal(err)
		}
		if in := r.smGet(id); in.Env != nil || in.Files != nil {
			t.Errorf("env %v, files %v; want none", in.Env, in.Files)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestSageMakerClientTokensAreTheirOwn: a SageMaker launch's client token
// neither finds nor conflicts with an EC2 launch's, and is idempotent
// within the scope.
func TestSageMakerClientTokensAreTheirOwn(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ec2 := r.runOne(RunRequest{ClientToken: "tok"})
	req := notebookRun()
	req.ClientToken = "tok"
	tests := []struct {
		name string
		run  func() (*Reservation, error)
		want func(id string) bool
	}{
		{"sagemaker launch", func() (*Reservation, error) { return r.sm().Run(ctx, acct, req) }, func(id string) bool { return id != ec2 }},
		{"sagemaker retry", func() (*Reservation, error) { return r.sm().Run(ctx, acct, req) }, func(id string) bool { return id != ec2 }},
		{"ec2 retry", func() (*Reservation, error) {
			return r.svc.Run(ctx, acct, RunRequest{ImageID: catalog.ImageShell, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, ClientToken: "tok"})
		}, func(id string) bool { return id == ec2 }},
	}
	var nb string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			id := res.Instances[0].ID
			if !tt.want(id) {
				t.Errorf("launch gave %s (EC2's is %s)", id, ec2)
			}
			if res.Instances[0].API() == OriginSageMaker {
				if nb != "" && id != nb {
					t.Errorf("the retry made %s, the first launch %s", id, nb)
				}
				nb = id
			}
		})
	}
}

// TestGuestRoleAndTLS: a launch's role reaches the guest's metadata
// service (the spec's identity) at every boot, Reconfigure replaces it, and
// the configured TLS certificate goes with the default API endpoint only.
func TestGuestRoleAndTLS(t *testing.T) {
	tlsCert := &driver.TLSCert{CertPEM: []byte("cert"), KeyPEM: []byte("key")}
	r := newRig(t, func(c *Config) { c.GuestAPIEndpoint = "0.0.0.0:8773"; c.GuestAPITLS = tlsCert })
	role := &driver.Role{Name: "SageMakerRole", AccessKeyID: "AKIA1", SecretAccessKey: "s1"}
	req := notebookRun()
	req.APIEndpoint = ""
	req.Role = role
	id := r.smRun(req)
	r.smWait(id, Running)
	sp := r.spec(id)
	if d := cmp.Diff(sp.Identity.Role, role); d != "" {
		t.Errorf("spec's role (-got +want):\n%s", d)
	}
	if d := cmp.Diff(sp.APITLS, tlsCert); d != "" {
		t.Errorf("spec's API TLS (-got +want):\n%s", d)
	}

	ctx := context.Background()
	if _, err := r.sm().Stop(ctx, acct, []string{id}, StopRequest{}); err != nil {
		t.Fatal(err)
	}
	r.smWait(id, Stopped)
	if err := r.sm().Reconfigure(ctx, acct, id, ReconfigureRequest{Role: &driver.Role{Name: "x/y", AccessKeyID: "a", SecretAccessKey: "b"}}); errdefs.KindOf(err) != errdefs.InvalidArgument {
		t.Errorf("Reconfigure with a bad role name: %v", err)
	}
	other := &driver.Role{Name: "OtherRole", AccessKeyID: "AKIA2", SecretAccessKey: "s2"}
	if err := r.sm().Reconfigure(ctx, acct, id, ReconfigureRequest{Role: other}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sm().Start(ctx, acct, []string{id}, false); err != nil {
		t.Fatal(err)
	}
	r.smWait(id, Running)
	if d := cmp.Diff(r.spec(id).Identity.Role, other); d != "" {
		t.Errorf("spec's role after Reconfigure (-got +want):\n%s", d)
	}

	// An instance with an endpoint of its own, and EC2's, get no TLS.
	own := r.smRun(notebookRun())
	r.smWait(own, Running)
	if sp := r.spec(own); sp.APITLS != nil {
		t.Errorf("an instance with its own endpoint got the default's TLS: %+v", sp.APITLS)
	}
	if sp := r.spec(r.running(RunRequest{})); sp.APITLS != nil || sp.Identity.Role != nil {
		t.Errorf("an EC2 instance got TLS %+v, role %+v", sp.APITLS, sp.Identity.Role)
	}
}

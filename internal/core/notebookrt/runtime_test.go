package notebookrt

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/core/notebook"
	"strato/internal/core/pki"
	"strato/internal/driver"
)

// fakeInstances is the instance engine's sagemaker scope, in memory.
type fakeInstances struct {
	insts    []*instance.Instance
	runs     []instance.RunRequest
	reconf   []instance.ReconfigureRequest
	started  []string
	stopped  []string
	termed   []string
	consoles map[string]string
	serving  []string
}

func (f *fakeInstances) Run(ctx context.Context, account string, req instance.RunRequest) (*instance.Reservation, error) {
	f.runs = append(f.runs, req)
	in := &instance.Instance{ID: "i-" + strings.Repeat("0", 16) + string(rune('a'+len(f.insts))), AccountID: account,
		State: instance.Pending, PrivateIP: "10.0.0.5", Tags: req.Tags, UserData: req.UserData}
	f.insts = append(f.insts, in)
	return &instance.Reservation{Instances: []*instance.Instance{in}}, nil
}

func (f *fakeInstances) Describe(ctx context.Context, account string, q instance.Query) ([]*instance.Instance, string, error) {
	var out []*instance.Instance
	for _, in := range f.insts {
		for _, flt := range q.Filters {
			if v, ok := in.TagValue(flt.Key); ok && flt.Field == instance.FieldTag && v == flt.Values[0] {
				out = append(out, in)
			}
		}
	}
	return out, "", nil
}

func (f *fakeInstances) get(id string) *instance.Instance {
	for _, in := range f.insts {
		if in.ID == id {
			return in
		}
	}
	return nil
}

func (f *fakeInstances) Start(ctx context.Context, account string, ids []string, dryRun bool) ([]instance.StateChange, error) {
	f.started = append(f.started, ids...)
	f.get(ids[0]).State = instance.Pending
	return nil, nil
}

func (f *fakeInstances) Stop(ctx context.Context, account string, ids []string, req instance.StopRequest) ([]instance.StateChange, error) {
	f.stopped = append(f.stopped, ids...)
	f.get(ids[0]).State = instance.Stopping
	return nil, nil
}

func (f *fakeInstances) TerminateWith(ctx context.Context, account string, ids []string, req instance.TerminateRequest) ([]instance.StateChange, error) {
	f.termed = append(f.termed, ids...)
	f.get(ids[0]).State = instance.ShuttingDown
	return nil, nil
}

func (f *fakeInstances) Reconfigure(ctx context.Context, account, id string, req instance.ReconfigureRequest) error {
	f.reconf = append(f.reconf, req)
	return nil
}

func (f *fakeInstances) ConsoleOutput(ctx context.Context, account, id string) (instance.ConsoleOutput, error) {
	return instance.ConsoleOutput{InstanceID: id, Output: []byte(f.consoles[id])}, nil
}

func (f *fakeInstances) MarkServing(ctx context.Context, account, id string) error {
	f.serving = append(f.serving, id)
	return nil
}

type keys struct{}

func (keys) GuestKey(ctx context.Context, account string) (string, string, error) {
	return "AKIDNOTEBOOK", "secret", nil
}

func TestRuntime(t *testing.T) {
	ctx := context.Background()
	fi := &fakeInstances{consoles: map[string]string{}}
	ready := false
	var probed string
	rt, err := New(Config{Instances: fi, Credentials: keys{}, GuestAPIURL: "http://169.254.169.254:8773", Region: "us-east-1",
		GuestAPITLSAddr: "169.254.169.254:443", CACert: []byte("STRATO CA PEM"),
		Key: []byte("k"), Probe: func(ctx context.Context, url, base string) error {
			probed = url + " " + base
			if !ready {
				return errors.New("not yet")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	nb := &notebook.Notebook{Name: "Lab", ARN: "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/lab", AccountID: "111122223333",
		InstanceType: "ml.t3.medium", VolumeSizeInGB: 7, RoleARN: "arn:aws:iam::111122223333:role/service-role/SageMakerRole",
		CreationTime: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	lc := &notebook.LifecycleConfig{ARN: "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance-lifecycle-config/setup",
		OnCreate: []notebook.Hook{{Content: b64("echo once")}}, OnStart: []notebook.Hook{{Content: b64("echo every")}}}

	if st, _ := rt.Check(ctx, nb); st.Phase != notebook.Gone {
		t.Fatalf("before the first boot: %+v, want Gone", st)
	}
	if err := rt.Boot(ctx, nb, lc, true); err != nil {
		t.Fatal(err)
	}
	if len(fi.runs) != 1 {
		t.Fatalf("first boot made %d launches", len(fi.runs))
	}
	req := fi.runs[0]
	if req.Origin != instance.OriginSageMaker || req.ImageID != catalog.SageMakerImageNotebook || req.InstanceType != "ml.t3.medium" ||
		!req.RootScratch || len(req.Volumes) != 1 || req.Volumes[0] != (instance.VolumeRequest{SizeGiB: 7, MountPath: VolumePath, DeleteOnTermination: true}) {
		t.Errorf("launch request: %+v", req)
	}
	if req.Env["AWS_ENDPOINT_URL"] != "http://169.254.169.254:8773" || req.Env["AWS_ACCESS_KEY_ID"] != "AKIDNOTEBOOK" || req.Env["AWS_REGION"] != "us-east-1" {
		t.Errorf("guest environment: %v", req.Env)
	}
	files := map[string]driver.File{}
	for _, f := range req.Files {
		files[f.Path] = f
	}
	if f := files[MetadataFile]; !strings.Contains(string(f.Data), `"ResourceName":"Lab"`) {
		t.Errorf("resource metadata: %q", f.Data)
	}
	if f := files[CAFile]; string(f.Data) != "STRATO CA PEM" {
		t.Errorf("the guest's CA file: %q", f.Data)
	}
	if f := files[JupyterKeyFile]; f.Mode != 0o400 || !strings.Contains(string(f.Data), "PRIVATE KEY") {
		t.Errorf("the server's key: mode %v, %q", f.Mode, f.Data)
	}
	if _, err := tls.X509KeyPair(files[JupyterCertFile].Data, files[JupyterKeyFile].Data); err != nil {
		t.Errorf("the server's certificate and key: %v", err)
	}
	if f := files[JupyterConfigFile]; !strings.Contains(string(f.Data), "login_handler_class") {
		t.Errorf("the server's configuration: %q", f.Data)
	}
	wantRole := &driver.Role{Name: "SageMakerRole", InstanceProfileARN: "arn:aws:iam::111122223333:instance-profile/SageMakerRole",
		AccessKeyID: "AKIDNOTEBOOK", SecretAccessKey: "secret"}
	if d := cmp.Diff(req.Role, wantRole); d != "" {
		t.Errorf("the guest's role (-got +want):\n%s", d)
	}
	if ud := string(req.UserData); !strings.Contains(ud, "169.254.169.254 api.sagemaker.us-east-1.amazonaws.com") {
		t.Errorf("the boot script does not map AWS's names:\n%s", ud)
	}
	if ud := string(req.UserData); !strings.Contains(ud, b64("echo once")) || !strings.Contains(ud, b64("echo every")) {
		t.Errorf("the first boot's script lacks OnCreate or OnStart:\n%s", ud)
	}
	id := fi.insts[0].ID

	fi.insts[0].State = instance.Running
	if st, _ := rt.Check(ctx, nb); st.Phase != notebook.Booting {
		t.Errorf("running, server not answering: %+v, want Booting", st)
	}
	ready = true
	st, _ := rt.Check(ctx, nb)
	base, token, pin, err := ParseServerURL(st.URL)
	if st.Phase != notebook.Ready || err != nil || base.String() != "https://10.0.0.5:8443" || token == "" {
		t.Errorf("server answering: %+v (%v)", st, err)
	}
	if want, _ := pki.Pin(files[JupyterCertFile].Data); pin != want {
		t.Errorf("the URL pins %q, the guest's certificate is %q", pin, want)
	}
	if len(fi.serving) != 1 || fi.serving[0] != id {
		t.Errorf("a ready server must mark the instance serving (metered from then): %v", fi.serving)
	}
	if want := " " + BasePath(&notebook.Notebook{AccountID: "111122223333", Name: "Lab"}); !strings.HasSuffix(probed, want) {
		t.Errorf("probed %q, want the base %q", probed, want)
	}

	if err := rt.Halt(ctx, nb); err != nil || len(fi.stopped) != 1 {
		t.Fatalf("Halt: %v, stops %v", err, fi.stopped)
	}
	fi.insts[0].State = instance.Stopped
	fi.consoles[id] = "[strato] t boot " + id + "\n" + failureMarker + "old failure\n[strato] t boot " + id + "\nfine\n"
	if st, _ := rt.Check(ctx, nb); st.Phase != notebook.Halted || st.FailureReason != "" {
		t.Errorf("stopped after a clean boot (an older boot failed): %+v", st)
	}
	fi.consoles[id] += failureMarker + "the reason\n"
	if st, _ := rt.Check(ctx, nb); st.Phase != notebook.Halted || st.FailureReason != "the reason" {
		t.Errorf("stopped after a failed boot: %+v", st)
	}

	nb.InstanceType = "ml.t3.large"
	if err := rt.Boot(ctx, nb, lc, false); err != nil {
		t.Fatal(err)
	}
	if len(fi.runs) != 1 || len(fi.reconf) != 1 || len(fi.started) != 1 {
		t.Fatalf("second boot: %d launches, %d reconfigurations, %d starts", len(fi.runs), len(fi.reconf), len(fi.started))
	}
	rc := fi.reconf[0]
	if ud := string(*rc.UserData); strings.Contains(ud, b64("echo once")) || !strings.Contains(ud, b64("echo every")) {
		t.Errorf("a later boot must run OnStart only:\n%s", ud)
	}
	if *rc.InstanceType != "ml.t3.large" || rc.ExtraVolumeSizeGiB[VolumePath] != 7 || rc.Role == nil || *rc.Role != *wantRole {
		t.Errorf("reconfiguration: %+v", rc)
	}

	if err := rt.Remove(ctx, nb); err != nil || len(fi.termed) != 1 {
		t.Fatalf("Remove: %v, terminations %v", err, fi.termed)
	}
	fi.insts[0].State = instance.Terminated
	if st, _ := rt.Check(ctx, nb); st.Phase != notebook.Gone {
		t.Errorf("after Remove: %+v, want Gone", st)
	}

	// A notebook made again under the same name is a new workload.
	again := *nb
	again.CreationTime = nb.CreationTime.Add(time.Hour)
	if st, _ := rt.Check(ctx, &again); st.Phase != notebook.Gone {
		t.Errorf("a new notebook of the same name sees the old one's workload: %+v", st)
	}
	if err := rt.Boot(ctx, &again, nil, true); err != nil || len(fi.runs) != 2 {
		t.Errorf("boot of the new notebook: %v, %d launches", err, len(fi.runs))
	}
}

func TestRuntimeModelArts(t *testing.T) {
	ctx := context.Background()
	sm, ma := &fakeInstances{consoles: map[string]string{}}, &fakeInstances{consoles: map[string]string{}}
	var probedBase string
	cfg := Config{Instances: sm, Credentials: keys{}, GuestAPIURL: "http://169.254.169.254:8773", Region: "us-east-1",
		GuestAPITLSAddr: "169.254.169.254:443", CACert: []byte("-----BEGIN CERTIFICATE-----\n"),
		Key: []byte("k"), Probe: func(ctx context.Context, url, base string) error { probedBase = base; return nil }}
	nb := &notebook.Notebook{Kind: notebook.KindModelArts, ID: "0f6a1c2e-1111-2222-3333-444455556666", Name: "lab",
		ARN: "modelarts:r:111122223333:modelarts/0f6a1c2e-1111-2222-3333-444455556666", AccountID: "111122223333",
		RoleARN:      "arn:aws:iam::111122223333:role/Exec", // never set by ModelArts; here to show it is not used
		InstanceType: "modelarts.vm.cpu.2u", VolumeSizeInGB: 5, CreationTime: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}

	noScope, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := noScope.Boot(ctx, nb, nil, true); err == nil {
		t.Error("a runtime without a ModelArts scope booted a ModelArts notebook")
	}
	cfg.ModelArts = ma
	rt, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Boot(ctx, nb, nil, true); err != nil {
		t.Fatal(err)
	}
	if len(sm.runs) != 0 || len(ma.runs) != 1 {
		t.Fatalf("launches: %d in SageMaker's scope, %d in ModelArts's; want 0 and 1", len(sm.runs), len(ma.runs))
	}
	req := ma.runs[0]
	if req.Origin != instance.OriginModelArts || req.ImageID != catalog.ModelArtsImageNotebook || req.InstanceType != "modelarts.vm.cpu.2u" ||
		len(req.Volumes) != 1 || req.Volumes[0] != (instance.VolumeRequest{SizeGiB: 5, MountPath: ModelArtsVolumePath, DeleteOnTermination: true}) {
		t.Errorf("launch request: %+v", req)
	}
	if len(req.Env) != 0 || req.Role != nil {
		t.Errorf("a ModelArts guest got SageMaker's environment %v or role %+v", req.Env, req.Role)
	}
	for _, f := range req.Files {
		if f.Path == MetadataFile || f.Path == CAFile {
			t.Errorf("a ModelArts guest got SageMaker's %s", f.Path)
		}
	}
	ud := string(req.UserData)
	if !strings.Contains(ud, "export HOME='"+ModelArtsHomeDir+"'") || !strings.Contains(ud, "--notebook-dir='"+ModelArtsVolumePath+"'") ||
		strings.Contains(ud, "amazonaws.com") || strings.Contains(ud, ".aws/config") {
		t.Errorf("boot script does not use ma-user's home and work volume:\n%s", ud)
	}
	ma.insts[0].State = instance.Running
	if st, _ := rt.Check(ctx, nb); st.Phase != notebook.Ready {
		t.Fatalf("Check: %+v", st)
	}
	if want := notebook.SessionPath + "111122223333/modelarts_" + nb.ID + "/"; probedBase != want || BasePath(nb) != want {
		t.Errorf("base path %q (BasePath %q); want %q", probedBase, BasePath(nb), want)
	}
}

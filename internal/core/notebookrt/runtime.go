package notebookrt

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/core/notebook"
	"strato/internal/driver"
	"strato/internal/errdefs"
)

// Instances is the instance engine as a notebook runtime uses it: an
// instance.Scope of the sagemaker origin.
type Instances interface {
	Run(ctx context.Context, account string, req instance.RunRequest) (*instance.Reservation, error)
	Describe(ctx context.Context, account string, q instance.Query) ([]*instance.Instance, string, error)
	Start(ctx context.Context, account string, ids []string, dryRun bool) ([]instance.StateChange, error)
	Stop(ctx context.Context, account string, ids []string, req instance.StopRequest) ([]instance.StateChange, error)
	TerminateWith(ctx context.Context, account string, ids []string, req instance.TerminateRequest) ([]instance.StateChange, error)
	Reconfigure(ctx context.Context, account, id string, req instance.ReconfigureRequest) error
	ConsoleOutput(ctx context.Context, account, id string) (instance.ConsoleOutput, error)
	MarkServing(ctx context.Context, account, id string) error
}

var _ Instances = (*instance.Scope)(nil)

// Credentials gives a notebook's guest the access key it calls the API
// with (SageMaker gives it its execution role's).
type Credentials interface {
	GuestKey(ctx context.Context, account string) (id, secret string, err error)
}

// Config configures a Runtime.
type Config struct {
	// Instances runs SageMaker's notebooks (a scope of the sagemaker
	// origin); ModelArts runs ModelArts's (the modelarts origin), which
	// a Runtime without it refuses to boot.
	Instances Instances
	ModelArts Instances
	// Probe reports whether the notebook server at serverURL (a
	// ServerURL: its token and certificate pin with it) answers under base.
	Probe func(ctx context.Context, serverURL, base string) error
	// Credentials, GuestAPIURL and Region give the guest what the AWS CLI
	// and SDKs in it need to call Strato (AWS_ENDPOINT_URL and keys); with
	// no Credentials the guest gets none.
	Credentials Credentials
	GuestAPIURL string
	Region      string
	// GuestAPITLSAddr is where the guest reaches the API over TLS
	// (driver.Capabilities.GuestAPITLSAddr) and CACert the CA of that
	// certificate (PEM): with both, AWS's endpoint names of Region resolve
	// there in the guest (ServiceHostnames), so that SDKs that know no
	// AWS_ENDPOINT_URL reach Strato.
	GuestAPITLSAddr string
	CACert          []byte
	// Key derives each notebook server's token. Required.
	Key []byte
	// HookLimitSeconds bounds a lifecycle script (0 = SageMaker's 5 minutes).
	HookLimitSeconds int
}

// Runtime runs notebooks as instances.
type Runtime struct{ cfg Config }

var _ notebook.Runtime = (*Runtime)(nil)

// New returns a Runtime.
func New(cfg Config) (*Runtime, error) {
	if cfg.Instances == nil || cfg.Probe == nil || len(cfg.Key) == 0 {
		return nil, errors.New("notebookrt: instances, probe and key are required")
	}
	return &Runtime{cfg: cfg}, nil
}

// BasePath is where a notebook's server is served through the proxy, and
// so its base URL.
func BasePath(nb *notebook.Notebook) string {
	return notebook.SessionPath + nb.AccountID + "/" + nb.PathKey() + "/"
}

// layout is where a kind of notebook keeps things in its guest.
type layout struct {
	origin, image string
	home, volume  string
	// aws: the guest is SageMaker's: resource-metadata.json, AWS's
	// endpoint names and region, and the execution role's credentials.
	aws bool
}

// layoutOf returns nb's layout: SageMaker's (ec2-user, the ML volume at
// ~/SageMaker) or ModelArts's (ma-user, the work volume at ~/work).
func layoutOf(nb *notebook.Notebook) layout {
	if notebook.IsModelArts(nb.Kind) {
		return layout{origin: instance.OriginModelArts, image: catalog.ModelArtsImageNotebook,
			home: ModelArtsHomeDir, volume: ModelArtsVolumePath}
	}
	return layout{origin: instance.OriginSageMaker, image: catalog.SageMakerImageNotebook,
		home: HomeDir, volume: VolumePath, aws: true}
}

// scope returns the instance scope nb's workload runs in.
func (r *Runtime) scope(nb *notebook.Notebook) (Instances, error) {
	if !notebook.IsModelArts(nb.Kind) {
		return r.cfg.Instances, nil
	}
	if r.cfg.ModelArts == nil {
		return nil, errors.New("notebookrt: no instance scope for ModelArts notebooks")
	}
	return r.cfg.ModelArts, nil
}

// tagKey marks a notebook's instance with the notebook it serves.
const tagKey = "strato:notebook"

// incarnation names one notebook: its ARN and its creation, so that a
// notebook deleted and created again under the name gets a new instance.
func incarnation(nb *notebook.Notebook) string {
	return fmt.Sprintf("%s@%d", nb.ARN, nb.CreationTime.UnixNano())
}

// token is the notebook server's own token.
func (r *Runtime) token(nb *notebook.Notebook) string {
	m := hmac.New(sha256.New, r.cfg.Key)
	m.Write([]byte(incarnation(nb)))
	return hex.EncodeToString(m.Sum(nil)[:20])
}

// find returns the notebook's instance, nil when there is none.
func (r *Runtime) find(ctx context.Context, nb *notebook.Notebook) (*instance.Instance, error) {
	sc, err := r.scope(nb)
	if err != nil {
		return nil, err
	}
	insts, _, err := sc.Describe(ctx, nb.AccountID, instance.Query{
		Origin:  layoutOf(nb).origin,
		Filters: []instance.Filter{{Field: instance.FieldTag, Key: tagKey, Values: []string{incarnation(nb)}}},
	})
	if err != nil {
		return nil, err
	}
	var live *instance.Instance
	for _, in := range insts {
		if in.State != instance.Terminated && in.State != instance.ShuttingDown {
			live = in
		}
	}
	if live == nil && len(insts) > 0 {
		return insts[0], nil
	}
	return live, nil
}

// script is the boot script of nb.
func (r *Runtime) script(nb *notebook.Notebook, lc *notebook.LifecycleConfig, first bool) []byte {
	lay := layoutOf(nb)
	b := BootScript{NotebookARN: nb.ARN, First: first, Token: r.token(nb),
		BaseURL: BasePath(nb), LimitSeconds: r.cfg.HookLimitSeconds, Home: lay.home, Volume: lay.volume}
	if lay.aws {
		b.Region = r.cfg.Region
		if addr := r.apiHostsAddr(); addr != "" {
			b.APIHostsAddr, b.APIHosts = addr, ServiceHostnames(r.cfg.Region)
		}
	}
	if lc != nil {
		b.LifecycleConfigARN = lc.ARN
		if len(lc.OnCreate) > 0 {
			b.OnCreate = lc.OnCreate[0].Content
		}
		if len(lc.OnStart) > 0 {
			b.OnStart = lc.OnStart[0].Content
		}
	}
	return []byte(b.Render())
}

// env is the guest's environment: where Strato's API is and how to sign;
// and the role whose credentials its metadata service hands out, as an
// instance profile does for SageMaker's notebooks (cron jobs have no
// environment). ModelArts's notebooks get neither.
func (r *Runtime) env(ctx context.Context, nb *notebook.Notebook) (map[string]string, *driver.Role, error) {
	env := map[string]string{}
	if !layoutOf(nb).aws {
		return env, nil, nil
	}
	if r.cfg.Region != "" {
		env["AWS_REGION"], env["AWS_DEFAULT_REGION"] = r.cfg.Region, r.cfg.Region
	}
	if r.cfg.GuestAPIURL != "" {
		env["AWS_ENDPOINT_URL"] = r.cfg.GuestAPIURL
	}
	var role *driver.Role
	if r.cfg.Credentials != nil {
		id, secret, err := r.cfg.Credentials.GuestKey(ctx, nb.AccountID)
		if err != nil {
			return nil, nil, err
		}
		env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = id, secret
		role = roleFor(nb, id, secret)
	}
	return env, role, nil
}

// Boot launches the notebook's instance (first boot) or starts it again
// with a boot script for this boot.
func (r *Runtime) Boot(ctx context.Context, nb *notebook.Notebook, lc *notebook.LifecycleConfig, first bool) error {
	sc, err := r.scope(nb)
	if err != nil {
		return err
	}
	in, err := r.find(ctx, nb)
	if err != nil {
		return err
	}
	env, role, err := r.env(ctx, nb)
	if err != nil {
		return err
	}
	files, err := r.guestFiles(nb)
	if err != nil {
		return err
	}
	lay := layoutOf(nb)
	userData := r.script(nb, lc, first || in == nil)
	if in == nil || in.State == instance.Terminated || in.State == instance.ShuttingDown {
		sum := sha256.Sum256([]byte(incarnation(nb)))
		_, err := sc.Run(ctx, nb.AccountID, instance.RunRequest{
			Origin:       lay.origin,
			ImageID:      lay.image,
			InstanceType: nb.InstanceType,
			MinCount:     1, MaxCount: 1,
			UserData:    userData,
			Volumes:     []instance.VolumeRequest{{SizeGiB: nb.VolumeSizeInGB, MountPath: lay.volume, DeleteOnTermination: true}},
			RootScratch: true,
			Env:         env,
			Files:       files,
			Role:        role,
			Tags:        []instance.Tag{{Key: tagKey, Value: incarnation(nb)}},
			ClientToken: "nb-" + hex.EncodeToString(sum[:16]),
		})
		return err
	}
	if in.State != instance.Stopped {
		return nil // already booting or running: Boot is safe to repeat
	}
	typ := nb.InstanceType
	if err := sc.Reconfigure(ctx, nb.AccountID, in.ID, instance.ReconfigureRequest{
		UserData:           &userData,
		Env:                env,
		Files:              &files,
		Role:               role,
		InstanceType:       &typ,
		ExtraVolumeSizeGiB: map[string]int{lay.volume: nb.VolumeSizeInGB},
	}); err != nil {
		return err
	}
	_, err = sc.Start(ctx, nb.AccountID, []string{in.ID}, false)
	return err
}

// Halt stops the notebook's instance; its ML volume stays.
func (r *Runtime) Halt(ctx context.Context, nb *notebook.Notebook) error {
	in, err := r.find(ctx, nb)
	if err != nil || in == nil {
		return err
	}
	sc, _ := r.scope(nb) // find succeeded: the scope exists
	switch in.State {
	case instance.Pending, instance.Running:
		_, err = sc.Stop(ctx, nb.AccountID, []string{in.ID}, instance.StopRequest{})
		if errdefs.KindOf(err) == errdefs.IncorrectState {
			return nil // a guest powering off meanwhile
		}
		return err
	}
	return nil
}

// Remove terminates the notebook's instance; its ML volume goes with it.
func (r *Runtime) Remove(ctx context.Context, nb *notebook.Notebook) error {
	in, err := r.find(ctx, nb)
	if err != nil || in == nil || in.State == instance.Terminated || in.State == instance.ShuttingDown {
		return err
	}
	sc, _ := r.scope(nb)
	_, err = sc.TerminateWith(ctx, nb.AccountID, []string{in.ID}, instance.TerminateRequest{})
	return err
}

// Check reports the notebook's workload: booting until its server answers,
// halted with the failure a lifecycle script left on the console, gone
// once terminated.
func (r *Runtime) Check(ctx context.Context, nb *notebook.Notebook) (notebook.RuntimeState, error) {
	in, err := r.find(ctx, nb)
	if err != nil {
		return notebook.RuntimeState{}, err
	}
	if in == nil || in.State == instance.Terminated {
		return notebook.RuntimeState{Phase: notebook.Gone}, nil
	}
	switch in.State {
	case instance.Running:
		_, _, pin, err := r.serverCert(nb)
		if err != nil {
			return notebook.RuntimeState{}, err
		}
		url := ServerURL(in.PrivateIP, r.token(nb), pin)
		if r.cfg.Probe(ctx, url, BasePath(nb)) == nil {
			// InService from here: the instance's compute is metered from now.
			sc, _ := r.scope(nb)
			if err := sc.MarkServing(ctx, nb.AccountID, in.ID); err != nil {
				return notebook.RuntimeState{}, err
			}
			return notebook.RuntimeState{Phase: notebook.Ready, URL: url}, nil
		}
		return notebook.RuntimeState{Phase: notebook.Booting}, nil
	case instance.Stopped, instance.ShuttingDown:
		st := notebook.RuntimeState{Phase: notebook.Halted}
		sc, _ := r.scope(nb)
		if out, err := sc.ConsoleOutput(ctx, nb.AccountID, in.ID); err == nil {
			st.FailureReason = FailureReason(lastBoot(string(out.Output), in.ID))
		}
		return st, nil
	default: // pending, stopping
		return notebook.RuntimeState{Phase: notebook.Booting}, nil
	}
}

// lastBoot is the part of a console after the last boot line of id.
func lastBoot(console, id string) string {
	if i := strings.LastIndex(console, " boot "+id); i >= 0 {
		return console[i:]
	}
	return console
}

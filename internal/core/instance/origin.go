package instance

import (
	"context"
	"crypto/rand"
	"errors"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

// Origins: the API an instance was created through. Each API sees only its
// own instances, and a few rules differ between them (policyFor, and the
// per-origin cells of the transition table in transitions.go).
const (
	OriginEC2 = "ec2" // Amazon EC2's Query API; the default
	OriginECS = "ecs" // Alibaba Cloud ECS's RPC API
	// OriginSageMaker is Amazon SageMaker's notebook instances: the
	// notebook service (internal/core/notebook) runs each notebook as an
	// instance of this origin. They have EC2-shaped ids and EC2's
	// transition rules, and they are managed (see policy.managed): only
	// calls scoped to the origin (Service.Scope) reach them.
	OriginSageMaker = "sagemaker"
	// OriginModelArts is Huawei Cloud ModelArts's notebooks, run by the
	// same notebook service; managed like SageMaker's.
	OriginModelArts = "modelarts"
)

// Stopped modes. They say whether a stopped instance keeps its host
// reservation (vCPUs, memory, public address) and its compute billing.
// The words are ECS's; EC2 instances have no stopped mode and always give
// the reservation back.
const (
	StoppedModeKeepCharging = "KeepCharging"
	StoppedModeStopCharging = "StopCharging"
)

// Event detail keys that origin.go adds (see addOriginDetail).
const (
	DetailAPI         = "api"         // the origin, on every event of a non-EC2 instance
	DetailStoppedMode = "stoppedMode" // on the stop events (to stopping, to stopped) that have one
)

// API returns the instance's origin; records made before origins existed
// are EC2's.
func (i *Instance) API() string {
	if i.Origin == "" {
		return OriginEC2
	}
	return i.Origin
}

// policy holds the rules that differ between origins, other than the
// transition table's cells.
type policy struct {
	// hideReleased: instances that are shutting down or terminated are gone
	// at once (ECS forgets a released instance; EC2 shows it terminated).
	hideReleased bool
	// stoppedModes: a stop may choose a StoppedMode; defaultStoppedMode is
	// the one used when the request does not say (ECS VPC instances default
	// to "no fees for stopped instances").
	stoppedModes       bool
	defaultStoppedMode string
	// maxUserData bounds the raw user data.
	maxUserData int
	// idAlphabet and idLen shape new ids: EC2 "i-" + 17 hex digits, ECS
	// "i-" + 20 lower-case alphanumerics.
	idAlphabet string
	idLen      int
	// defaultVolumeType is the type of a volume the launch did not type.
	defaultVolumeType string
	// managed: the instances belong to a service that runs them for its
	// API (SageMaker's notebook instances), so only calls scoped to the
	// origin reach them; the unscoped calls the EC2 and ECS frontends
	// make never do, as AWS's EC2 API never shows a notebook's instance.
	managed bool
	// typeRequired: a launch must name its instance type (EC2 defaults
	// to m1.small).
	typeRequired bool
	// guestAPI: the instances reach the daemon's API from inside by
	// default (Config.GuestAPIEndpoint), as a notebook's lifecycle
	// scripts call StopNotebookInstance on their own notebook.
	guestAPI bool
}

const (
	hexDigits   = "0123456789abcdef"
	lowerAlnum  = "0123456789abcdefghijklmnopqrstuvwxyz"
	ecsUserData = 32 * 1024 // ECS: 32 KB of raw user data

	ec2VolumeType   = "gp3"        // EC2's default EBS volume type
	ecsDiskCategory = "cloud_essd" // ECS's default system disk category

	// sageMakerUserData bounds a notebook instance's user data: the
	// notebook service may carry both lifecycle scripts in it (16,384
	// base64 characters each, seed 000) with its own boot script, more
	// than EC2's 16 KB.
	sageMakerUserData = 64 * 1024
)

// policyFor returns origin's rules; an unknown origin gets EC2's.
func policyFor(origin string) policy {
	if origin == OriginECS {
		return policy{hideReleased: true, stoppedModes: true, defaultStoppedMode: StoppedModeStopCharging,
			maxUserData: ecsUserData, idAlphabet: lowerAlnum, idLen: 20, defaultVolumeType: ecsDiskCategory}
	}
	if origin == OriginSageMaker || origin == OriginModelArts {
		return policy{maxUserData: sageMakerUserData, idAlphabet: hexDigits, idLen: 17, defaultVolumeType: ec2VolumeType,
			managed: true, typeRequired: true, guestAPI: true}
	}
	return policy{maxUserData: MaxUserDataBytes, idAlphabet: hexDigits, idLen: 17, defaultVolumeType: ec2VolumeType}
}

// checkOrigin refuses an origin the core does not know.
func checkOrigin(origin string) error {
	switch origin {
	case OriginEC2, OriginECS, OriginSageMaker, OriginModelArts:
		return nil
	}
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, origin, "unknown API origin %q", origin)
}

// newIDFor returns a new resource id with prefix in origin's shape
// ("i", "vol" → EC2 ids, also for SageMaker; "i", "d" → ECS ids).
func newIDFor(origin, prefix string) string {
	p := policyFor(origin)
	if origin != OriginECS {
		return newID(prefix)
	}
	return prefix + "-" + randomFrom(p.idAlphabet, p.idLen)
}

// randomFrom returns n characters drawn uniformly from alphabet.
func randomFrom(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// nextFor applies op to the instance under its origin's rules.
func nextFor(in *Instance, op Op) (State, bool, bool) {
	return NextFor(in.API(), op, in.State)
}

// imageFor looks up an image account may launch in origin's catalog: EC2's
// built-in images and the account's own imported ones, ECS's images, or
// SageMaker's notebook image.
func (s *Service) imageFor(ctx context.Context, origin, account, id string) (catalog.Image, error) {
	var im catalog.Image
	var ok bool
	switch origin {
	case OriginECS:
		im, ok = s.cat.ECSImage(id)
	case OriginSageMaker:
		im, ok = s.cat.SageMakerImage(id)
	case OriginModelArts:
		im, ok = s.cat.ModelArtsImage(id)
	default:
		return s.cat.ImageFor(ctx, account, id)
	}
	if !ok {
		return catalog.Image{}, errdefs.Newf(errdefs.NotFound, errdefs.ResImage, id, "The image id '[%s]' does not exist", id)
	}
	return im, nil
}

// bootImage looks up the image in was launched from, also when its owner
// has deregistered it since; false when it cannot be found.
func (s *Service) bootImage(in *Instance) (catalog.Image, bool) {
	switch in.API() {
	case OriginECS:
		return s.cat.ECSImage(in.ImageID)
	case OriginSageMaker:
		return s.cat.SageMakerImage(in.ImageID)
	case OriginModelArts:
		return s.cat.ModelArtsImage(in.ImageID)
	}
	im, err := s.cat.BootImage(s.ctx, in.AccountID, in.ImageID)
	if err != nil {
		if !errors.Is(err, errdefs.ErrNotFound) {
			s.log.Warn("image lookup failed", "instance", in.ID, "image", in.ImageID, "err", err)
		}
		return catalog.Image{}, false
	}
	return im, true
}

// typeFor looks an instance type up in origin's catalog.
func (s *Service) typeFor(origin, name string) (catalog.InstanceType, bool) {
	switch origin {
	case OriginECS:
		t, ok := s.cat.ECSInstanceType(name)
		return t.InstanceType, ok
	case OriginSageMaker:
		return s.cat.SageMakerInstanceType(name)
	case OriginModelArts:
		return s.cat.ModelArtsFlavor(name)
	}
	return s.cat.InstanceType(name)
}

// reachable reports whether a call in scope may see in. A scoped call
// (scope names an origin: Service.Scope) sees that origin's instances only.
// An unscoped call (scope "": the Service's own methods, which the EC2 and
// ECS frontends call and tell their instances apart by id shape) sees every
// instance but those of managed origins.
func reachable(in *Instance, scope string) bool {
	if scope == "" {
		return !policyFor(in.API()).managed
	}
	return in.API() == scope
}

// stopNeedsConfirm reports whether a stop of in must be confirmed (ECS's I1
// family, whose local disks the stop wipes).
func (s *Service) stopNeedsConfirm(in *Instance) bool {
	if in.API() != OriginECS {
		return false
	}
	t, ok := s.cat.ECSInstanceType(in.InstanceType)
	return ok && t.StopNeedsConfirm
}

// stoppedModeFor validates a stop's StoppedMode for in and fills the
// origin's default.
func stoppedModeFor(in *Instance, mode string) (string, error) {
	p := policyFor(in.API())
	switch {
	case mode == "":
		return p.defaultStoppedMode, nil
	case !p.stoppedModes:
		return "", errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "StoppedMode",
			"The instance '%s' has no stopped mode.", in.ID)
	case mode == StoppedModeKeepCharging || mode == StoppedModeStopCharging:
		return mode, nil
	}
	return "", errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "StoppedMode",
		"The specified parameter \"StoppedMode\" is not valid: %q is neither %s nor %s.", mode,
		StoppedModeKeepCharging, StoppedModeStopCharging)
}

// hidden reports an instance its API no longer shows: terminated past the
// retention, or released under an origin that forgets released instances.
func hidden(in *Instance) bool {
	return policyFor(in.API()).hideReleased && (in.State == ShuttingDown || in.State == Terminated)
}

// addOriginDetail records on events what consumers of the log need to know
// about the origin: "api" on every event of a non-EC2 instance, and the
// stopped mode on the events of a stop that has one (metering stops or
// keeps charging by it).
func addOriginDetail(d map[string]string, in *Instance) {
	if in.API() != OriginEC2 {
		d[DetailAPI] = in.API()
	}
	if in.StoppedMode != "" && (in.State == Stopping || in.State == Stopped) {
		d[DetailStoppedMode] = in.StoppedMode
	}
}

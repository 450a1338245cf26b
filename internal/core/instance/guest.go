package instance

// The guest configuration beyond EC2's API: extra volumes at guest paths,
// a root volume wiped at every stop, extra environment, files placed in the
// guest and the API endpoint a guest may call (RunRequest), and
// Reconfigure, which changes them while an instance is stopped. The notebook
// service runs SageMaker's notebook instances with them.

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"

	"strato/internal/driver"
	"strato/internal/errdefs"
)

// Limits of the guest configuration (RunRequest, ReconfigureRequest). The
// file limits are the sandbox driver's.
const (
	MaxExtraVolumes  = 16
	MaxVolumeSizeGiB = 16384     // EBS's largest general-purpose volume
	MaxEnvVars       = 128       // extra environment variables
	MaxEnvBytes      = 64 * 1024 // their names and values together
	MaxFiles         = 64        // files placed in the guest
	MaxFilesBytes    = 1 << 20   // their data together
	maxGuestPath     = 1024      // bytes in a guest path
)

// ReservedEnvPrefix starts the names of the guest variables the engine and
// the drivers set (STRATO_REGION, driver.APIURLEnv …); RunRequest.Env
// cannot use it.
const ReservedEnvPrefix = "STRATO_"

// systemPaths are where the guest's system lives: no volume or file goes
// at, in or above them (a path under /dev is a device name, not a guest
// path, in driver.Volume.MountPath).
var systemPaths = []string{"/dev", "/proc", "/sys"}

// badParam is the error of an invalid guest configuration parameter.
func badParam(param, format string, args ...any) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, param, "Invalid %s: %s", param, fmt.Sprintf(format, args...))
}

// checkGuestPath applies the rules every guest path follows.
func checkGuestPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("the path is empty")
	case len(p) > maxGuestPath:
		return fmt.Errorf("the path is longer than %d bytes", maxGuestPath)
	case !path.IsAbs(p):
		return fmt.Errorf("%q is not an absolute path", p)
	case path.Clean(p) != p:
		return fmt.Errorf("%q is not a clean path (no '.', '..', '//' or trailing '/')", p)
	case p == "/":
		return fmt.Errorf("%q would replace the guest's root", p)
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("%q contains a control character", p)
	}
	for _, r := range systemPaths {
		if under(p, r) || under(r, p) {
			return fmt.Errorf("%q would be in or cover %s, which the guest's system needs", p, r)
		}
	}
	return nil
}

// under reports whether p is dir or lies inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// validateVolumes checks the extra volumes of a launch.
func validateVolumes(vols []VolumeRequest) error {
	if len(vols) > MaxExtraVolumes {
		return badParam("Volumes", "at most %d extra volumes, not %d", MaxExtraVolumes, len(vols))
	}
	for i, v := range vols {
		param := "Volumes." + strconv.Itoa(i+1)
		if v.SizeGiB < 1 || v.SizeGiB > MaxVolumeSizeGiB {
			return badParam(param+".SizeGiB", "the size %d GiB is not between 1 and %d", v.SizeGiB, MaxVolumeSizeGiB)
		}
		if err := checkGuestPath(v.MountPath); err != nil {
			return badParam(param+".MountPath", "%v", err)
		}
		for _, w := range vols[:i] {
			if under(v.MountPath, w.MountPath) || under(w.MountPath, v.MountPath) {
				return badParam(param+".MountPath", "%q clashes with the volume at %q", v.MountPath, w.MountPath)
			}
		}
	}
	return nil
}

// validateEnv checks extra guest environment.
func validateEnv(env map[string]string) error {
	if len(env) > MaxEnvVars {
		return badParam("Env", "at most %d variables, not %d", MaxEnvVars, len(env))
	}
	total := 0
	for _, k := range slices.Sorted(maps.Keys(env)) { // the same error for the same request
		v := env[k]
		switch {
		case !driver.ValidEnvName(k):
			return badParam("Env", "%q is not a variable name", k)
		case strings.HasPrefix(k, ReservedEnvPrefix):
			return badParam("Env", "%q: names starting with %s are reserved", k, ReservedEnvPrefix)
		case strings.ContainsRune(v, 0):
			return badParam("Env", "the value of %s contains a NUL byte", k)
		}
		total += len(k) + len(v)
	}
	if total > MaxEnvBytes {
		return badParam("Env", "the variables hold %d bytes together, more than %d", total, MaxEnvBytes)
	}
	return nil
}

// validateFiles checks the files placed in the guest; mounts are the guest
// paths of the instance's extra volumes (files are never in a volume).
func validateFiles(files []driver.File, mounts []string) error {
	if len(files) > MaxFiles {
		return badParam("Files", "at most %d files, not %d", MaxFiles, len(files))
	}
	total := 0
	for i, f := range files {
		param := "Files." + strconv.Itoa(i+1)
		if err := checkGuestPath(f.Path); err != nil {
			return badParam(param+".Path", "%v", err)
		}
		if f.Mode&^0o777 != 0 {
			return badParam(param+".Mode", "%v has more than permission bits", f.Mode)
		}
		for _, m := range mounts {
			if under(f.Path, m) || under(m, f.Path) {
				return badParam(param+".Path", "%q would be in the volume at %q (or cover it)", f.Path, m)
			}
		}
		for _, g := range files[:i] {
			if under(f.Path, g.Path) || under(g.Path, f.Path) {
				return badParam(param+".Path", "%q clashes with the file %q", f.Path, g.Path)
			}
		}
		total += len(f.Data)
	}
	if total > MaxFilesBytes {
		return badParam("Files", "the files hold %d bytes together, more than %d", total, MaxFilesBytes)
	}
	return nil
}

// checkAPIEndpoint checks an address guests may call: "ip:port", as
// driver.Spec.APIEndpoint says.
func checkAPIEndpoint(param, ep string) error {
	if ep == "" {
		return nil
	}
	ap, err := netip.ParseAddrPort(ep)
	if err != nil || ap.Port() == 0 || ap.Addr().Zone() != "" {
		return badParam(param, "%q is not an ip:port address", ep)
	}
	return nil
}

// validateGuest checks the guest configuration of a launch.
func validateGuest(req *RunRequest) error {
	if err := validateVolumes(req.Volumes); err != nil {
		return err
	}
	if err := validateEnv(req.Env); err != nil {
		return err
	}
	mounts := make([]string, len(req.Volumes))
	for i, v := range req.Volumes {
		mounts[i] = v.MountPath
	}
	if err := validateFiles(req.Files, mounts); err != nil {
		return err
	}
	if err := checkAPIEndpoint("APIEndpoint", req.APIEndpoint); err != nil {
		return err
	}
	if err := validateRole(req.Role); err != nil {
		return err
	}
	if req.RootScratch {
		if req.Hibernation {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResCombination, "",
				"Hibernation cannot be configured for an instance whose root volume is wiped at every stop.")
		}
		if req.RootDeleteOnTermination != nil && !*req.RootDeleteOnTermination {
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResCombination, "",
				"A root volume wiped at every stop is deleted on termination.")
		}
	}
	return nil
}

// extraVolumes returns the indexes of in's extra volumes: not the root,
// not instance store.
func extraVolumes(in *Instance) []int {
	var out []int
	for k, v := range in.Volumes {
		if v.DeviceName != in.RootDeviceName && !v.Scratch {
			out = append(out, k)
		}
	}
	return out
}

// guestMounts returns the guest paths of in's extra volumes.
func guestMounts(in *Instance) []string {
	var out []string
	for _, k := range extraVolumes(in) {
		if p := in.Volumes[k].DeviceName; strings.HasPrefix(p, "/") {
			out = append(out, p)
		}
	}
	return out
}

// guestAPIEndpoint is the API endpoint of in's spec: its own, else the
// configured default for origins whose guests reach the API by default.
func (s *Service) guestAPIEndpoint(in *Instance) string {
	if in.APIEndpoint != "" {
		return in.APIEndpoint
	}
	if policyFor(in.API()).guestAPI {
		return s.cfg.GuestAPIEndpoint
	}
	return ""
}

// Reconfigure changes what a stopped instance boots with next: its user
// data, extra environment, files, instance type, and the sizes of its extra
// volumes. The instance must be stopped (IncorrectState otherwise); every
// field is checked before anything changes, and the change is one modify
// event that lists the instance's volumes with their new sizes.
//
// Reconfigure is unscoped: it reaches the instances the EC2 and ECS
// frontends see. The notebook service calls it through
// Service.Scope(OriginSageMaker).
func (s *Service) Reconfigure(ctx context.Context, account, id string, req ReconfigureRequest) error {
	return s.reconfigureIn(ctx, "", account, id, req)
}

func (s *Service) reconfigureIn(ctx context.Context, scope, account, id string, req ReconfigureRequest) error {
	insts, unlock, err := s.batch(scope, account, []string{id})
	if err != nil {
		return err
	}
	defer unlock()
	in := insts[0]
	if err := checkUnlocked(in); err != nil {
		return err
	}
	if _, _, ok := nextFor(in, OpModify); !ok {
		return refuse(OpModify, in)
	}
	if limit := policyFor(in.API()).maxUserData; req.UserData != nil && len(*req.UserData) > limit {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "", "User data is limited to %d bytes", limit)
	}
	if req.Env != nil {
		if err := validateEnv(req.Env); err != nil {
			return err
		}
	}
	if req.Files != nil {
		if err := validateFiles(*req.Files, guestMounts(in)); err != nil {
			return err
		}
	}
	if req.InstanceType != nil {
		if err := s.checkType(in, *req.InstanceType); err != nil {
			return err
		}
	}
	if err := validateRole(req.Role); err != nil {
		return err
	}
	sizes, err := volumeSizes(in, req.ExtraVolumeSizeGiB)
	if err != nil {
		return err
	}
	if req.InstanceType != nil && holdsCapacity(in) {
		s.capMu.Lock()
		defer s.capMu.Unlock()
		if err := s.checkResize(in, *req.InstanceType); err != nil {
			return err
		}
	}

	next := in.Clone()
	changed := map[string]string{}
	if req.UserData != nil {
		next.UserData = append([]byte(nil), (*req.UserData)...)
		changed["userData"] = "changed"
	}
	if req.Env != nil {
		next.Env = maps.Clone(req.Env)
		if len(next.Env) == 0 {
			next.Env = nil
		}
		changed["env"] = "changed"
	}
	if req.Files != nil {
		next.Files = cloneFiles(*req.Files)
		if len(next.Files) == 0 {
			next.Files = nil
		}
		changed["files"] = "changed"
	}
	if req.InstanceType != nil {
		next.InstanceType = *req.InstanceType
	}
	if req.Role != nil && (next.Role == nil || *next.Role != *req.Role) {
		next.Role = cloneRole(req.Role)
		changed["role"] = "changed"
	}
	for k, size := range sizes {
		next.Volumes[k].SizeGiB = size
		changed["volumeSize."+next.Volumes[k].ID] = strconv.Itoa(size)
	}
	detail := eventDetail(next) // the type and the volumes' sizes, for metering
	maps.Copy(detail, changed)
	ev := &Event{Type: EventModify, From: in.State, To: in.State, Reason: string(OpModify), Detail: detail}
	if err := s.commit(ctx, next, ev); err != nil {
		return err
	}
	s.log.Info("instance reconfigured", "instance", id, "changed", slices.Sorted(maps.Keys(changed)), "type", next.InstanceType)
	return nil
}

// volumeSizes resolves ExtraVolumeSizeGiB against in's extra volumes: the
// new size by index into in.Volumes, for the volumes that grow.
func volumeSizes(in *Instance, want map[string]int) (map[int]int, error) {
	if len(want) == 0 {
		return nil, nil
	}
	extra := extraVolumes(in)
	out := map[int]int{}
	keys := slices.Sorted(maps.Keys(want))
	for _, key := range keys {
		size := want[key]
		i := slices.IndexFunc(extra, func(k int) bool {
			return in.Volumes[k].ID == key || in.Volumes[k].DeviceName == key
		})
		if i < 0 {
			return nil, errdefs.Newf(errdefs.NotFound, errdefs.ResVolume, key,
				"The instance '%s' has no extra volume '%s'.", in.ID, key)
		}
		k := extra[i]
		v := in.Volumes[k]
		switch {
		case size > MaxVolumeSizeGiB:
			return nil, badParam("ExtraVolumeSizeGiB", "the size %d GiB of %s is more than %d", size, key, MaxVolumeSizeGiB)
		case size < v.SizeGiB:
			return nil, badParam("ExtraVolumeSizeGiB", "the volume %s cannot shrink from %d GiB to %d GiB", v.ID, v.SizeGiB, size)
		case size > v.SizeGiB:
			if prev, dup := out[k]; dup && prev != size {
				return nil, badParam("ExtraVolumeSizeGiB", "the volume %s is given two sizes", v.ID)
			}
			out[k] = size
		}
	}
	return out, nil
}

// markServing records EventServing for a running instance of scope, once
// per run.
func (s *Service) markServing(ctx context.Context, scope, account, id string) error {
	insts, unlock, err := s.batch(scope, account, []string{id})
	if err != nil {
		return err
	}
	defer unlock()
	in := insts[0]
	if in.State != Running {
		return errdefs.Newf(errdefs.IncorrectState, errdefs.ResInstance, id, "the instance is %s, not running", in.State)
	}
	if !in.ServingSince.IsZero() {
		return nil
	}
	next := in.Clone()
	next.ServingSince = s.clk.Now()
	return s.commit(ctx, next, &Event{Type: EventServing, From: in.State, To: in.State, Reason: "serving", Detail: eventDetail(next)})
}

// validateRole checks an instance profile's role: a name and a key.
func validateRole(r *driver.Role) error {
	if r == nil {
		return nil
	}
	if r.Name == "" || strings.ContainsAny(r.Name, "/\n") || len(r.Name) > 64 {
		return badParam("Role", "%q is not a role name", r.Name)
	}
	if r.AccessKeyID == "" || r.SecretAccessKey == "" {
		return badParam("Role", "the role's credentials are missing")
	}
	return nil
}

func cloneRole(r *driver.Role) *driver.Role {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

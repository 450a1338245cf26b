package instance

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

// Limits of a launch request.
const (
	MaxUserDataBytes = 16 * 1024 // EC2: 16 KB before base64
	MaxRootSizeGiB   = 16384
)

// Run launches between MinCount and MaxCount instances for account. The
// instances come back pending; the reconcile loop boots them.
func (s *Service) Run(ctx context.Context, account string, req RunRequest) (*Reservation, error) {
	img, typ, err := s.validateRun(ctx, account, &req)
	if err != nil {
		return nil, err
	}
	hash := requestHash(req)
	if req.ClientToken != "" {
		if res, err := s.byClientToken(account, req.Origin, req.ClientToken, hash); res != nil || err != nil {
			return res, err
		}
	}
	count, err := s.launchCount(account, req)
	if err != nil {
		return nil, err
	}
	if req.DryRun {
		return nil, errDryRun()
	}
	s.capMu.Lock() // capacity.go: from the check until the instances are in the cache
	defer s.capMu.Unlock()
	if !req.Stopped {
		size := Capacity{VCPUs: typ.VCPUs, MemoryMiB: typ.MemoryMiB}
		if room := s.room(size); room >= 0 && room < count {
			if room < req.MinCount {
				return nil, errNoCapacity(typ.Name, req.AvailabilityZone)
			}
			count = room
		}
	}

	now := s.clk.Now()
	res := &Reservation{ID: newID("r"), AccountID: account}
	var events []Event
	var allocated []string
	release := func() { s.ipam.release(allocated...) }
	for i := range count {
		priv, err := s.ipam.allocPrivate()
		if err != nil {
			release()
			return nil, err
		}
		allocated = append(allocated, priv)
		pub := ""
		if !req.Stopped { // a created-stopped instance gets its public address at start
			if pub, err = s.ipam.allocPublic(""); err != nil {
				release()
				return nil, err
			}
			allocated = append(allocated, pub)
		}
		in := s.newInstance(account, res.ID, i, req, img, typ, hash, priv, pub)
		in.CreatedAt, in.LaunchTime = now, now
		for k := range in.Volumes {
			in.Volumes[k].AttachTime, in.Volumes[k].CreatedAt = now, now
		}
		if req.Stopped {
			in.State, in.StateReason = Stopped, nil
		}
		res.Instances = append(res.Instances, in)
		events = append(events, Event{Time: now, InstanceID: in.ID, AccountID: account, Type: EventCreated,
			To: in.State, Reason: string(OpStart), Detail: eventDetail(in)})
	}
	if err := s.store.CreateInstances(ctx, res.Instances, events); err != nil {
		release()
		return nil, err
	}
	s.mu.Lock()
	for _, in := range res.Instances {
		s.insertLocked(in)
	}
	s.mu.Unlock()
	out := make([]*Instance, len(res.Instances))
	for i, in := range res.Instances {
		s.log.Info("instance launched", "instance", in.ID, "account", account, "type", in.InstanceType, "image", in.ImageID,
			"api", in.API(), "state", in.State)
		out[i] = in.Clone()
		if !req.Stopped {
			s.kick(in.ID)
		}
	}
	res.Instances = out
	return res, nil
}

// validateRun checks the business rules of a launch and fills defaults.
func (s *Service) validateRun(ctx context.Context, account string, req *RunRequest) (catalog.Image, catalog.InstanceType, error) {
	var zero catalog.Image
	var zt catalog.InstanceType
	if req.Origin == "" {
		req.Origin = OriginEC2
	}
	if err := checkOrigin(req.Origin); err != nil {
		return zero, zt, err
	}
	if req.MinCount < 1 || req.MaxCount < 1 {
		return zero, zt, errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "Value for parameter MinCount and MaxCount must be positive integers.")
	}
	if req.MinCount > req.MaxCount {
		return zero, zt, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
			"MinCount (%d) must be less than or equal to MaxCount (%d).", req.MinCount, req.MaxCount)
	}
	if req.ImageID == "" {
		return zero, zt, errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "ImageId", "The request must contain the parameter ImageId")
	}
	img, err := s.imageFor(ctx, req.Origin, account, req.ImageID)
	if err != nil {
		return zero, zt, err
	}
	if req.InstanceType == "" {
		if policyFor(req.Origin).typeRequired {
			return zero, zt, errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "InstanceType",
				"The request must contain the parameter InstanceType")
		}
		req.InstanceType = "m1.small"
	}
	typ, ok := s.typeFor(req.Origin, req.InstanceType)
	if !ok {
		return zero, zt, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResInstanceType, req.InstanceType,
			"The instance type '%s' does not exist in our records", req.InstanceType)
	}
	if req.AvailabilityZone == "" {
		req.AvailabilityZone = s.cat.Zones()[0].Name
	} else if _, ok := s.cat.Zone(req.AvailabilityZone); !ok {
		return zero, zt, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, req.AvailabilityZone,
			"Invalid availability zone: [%s]", req.AvailabilityZone)
	}
	switch req.ShutdownBehavior {
	case "":
		req.ShutdownBehavior = "stop"
	case "stop", "terminate":
	default:
		return zero, zt, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, req.ShutdownBehavior,
			"Value (%s) for parameter InstanceInitiatedShutdownBehavior is invalid. Valid values are stop and terminate.", req.ShutdownBehavior)
	}
	if req.Spot {
		switch req.SpotType {
		case "":
			req.SpotType = "one-time"
		case "one-time", "persistent":
		default:
			return zero, zt, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, req.SpotType,
				"Value (%s) for parameter SpotInstanceType is invalid. Valid values are one-time and persistent.", req.SpotType)
		}
		if req.SpotType == "one-time" && req.ShutdownBehavior == "stop" && req.Hibernation {
			return zero, zt, errdefs.New(errdefs.Unsupported, errdefs.ResHibernation, "",
				"One-time Spot Instances cannot be launched with hibernation.")
		}
	}
	if limit := policyFor(req.Origin).maxUserData; len(req.UserData) > limit {
		return zero, zt, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
			"User data is limited to %d bytes", limit)
	}
	if req.RootVolumeSizeGiB != 0 {
		if req.RootVolumeSizeGiB < img.RootSizeGiB || req.RootVolumeSizeGiB > MaxRootSizeGiB {
			return zero, zt, errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
				"Volume of size %dGB is out of range for the root device of %s, expect %dGB to %dGB.",
				req.RootVolumeSizeGiB, img.ID, img.RootSizeGiB, MaxRootSizeGiB)
		}
		if img.RootDeviceType != "ebs" {
			return zero, zt, errdefs.New(errdefs.InvalidArgument, errdefs.ResCombination, "",
				"The root volume size cannot be set for an instance store-backed image.")
		}
	}
	if req.Hibernation {
		if img.RootDeviceType != "ebs" {
			return zero, zt, errdefs.New(errdefs.Unsupported, errdefs.ResHibernation, "",
				"Hibernation is not supported for instance store-backed AMIs.")
		}
		if !typ.HibernationSupported {
			return zero, zt, errdefs.Newf(errdefs.Unsupported, errdefs.ResHibernation, "",
				"The instance type %s is not supported for hibernation.", typ.Name)
		}
	}
	if err := validateTags(req.Tags); err != nil {
		return zero, zt, err
	}
	if err := validateTags(req.VolumeTags); err != nil {
		return zero, zt, err
	}
	if err := validateGuest(req); err != nil { // guest.go
		return zero, zt, err
	}
	return img, typ, nil
}

// byClientToken returns the earlier reservation of an idempotent request.
func (s *Service) byClientToken(account, origin, token, hash string) (*Reservation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.tokens[tokenKey(account, origin, token)]
	if len(ids) == 0 {
		return nil, nil
	}
	res := &Reservation{AccountID: account}
	for _, id := range ids {
		in := s.byID[id]
		if in.RequestHash != hash {
			return nil, errdefs.Newf(errdefs.AlreadyExists, errdefs.ResClientToken, token,
				"Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
		}
		res.ID = in.ReservationID
		res.Instances = append(res.Instances, in.Clone())
	}
	return res, nil
}

// launchCount applies the per-account limit to MinCount..MaxCount.
func (s *Service) launchCount(account string, req RunRequest) (int, error) {
	s.mu.RLock()
	live := 0
	for _, id := range s.accounts[account] {
		if in := s.byID[id]; in.State != Terminated && in.State != ShuttingDown {
			live++
		}
	}
	s.mu.RUnlock()
	room := s.cfg.MaxInstances - live
	if room < req.MinCount {
		return 0, errdefs.Newf(errdefs.LimitExceeded, errdefs.ResInstanceLimit, "",
			"You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type.",
			req.MinCount+live, s.cfg.MaxInstances)
	}
	return min(req.MaxCount, room), nil
}

// newInstance builds the record of one launched instance.
func (s *Service) newInstance(account, resID string, idx int, req RunRequest, img catalog.Image, typ catalog.InstanceType, hash, priv, pub string) *Instance {
	dot := true
	if req.RootDeleteOnTermination != nil {
		dot = *req.RootDeleteOnTermination
	}
	size := img.RootSizeGiB
	if req.RootVolumeSizeGiB > 0 {
		size = req.RootVolumeSizeGiB
	}
	in := &Instance{
		ID: newIDFor(req.Origin, "i"), AccountID: account, ReservationID: resID, LaunchIndex: idx,
		ImageID: img.ID, InstanceType: typ.Name, Platform: img.Platform,
		AvailabilityZone: req.AvailabilityZone, KeyName: req.KeyName, UserData: req.UserData,
		State: Pending, StateReason: &ReasonPending,
		PrivateIP: priv, PublicIP: pub, Region: s.cat.Region(),
		RootDeviceType: img.RootDeviceType, RootDeviceName: img.RootDeviceName,
		ShutdownBehavior: req.ShutdownBehavior, DisableAPIStop: req.DisableAPIStop,
		DisableAPITermination: req.DisableAPITermination, HibernationConfigured: req.Hibernation,
		Spot: req.Spot, SpotType: req.SpotType,
		ClientToken: req.ClientToken, RequestHash: hash,
		Tags: append([]Tag(nil), req.Tags...), Driver: s.drv.Name(),
		Origin: req.Origin, Labels: maps.Clone(req.Labels),
		Env: maps.Clone(req.Env), Files: cloneFiles(req.Files), APIEndpoint: req.APIEndpoint,
		Role: cloneRole(req.Role),
	}
	volPrefix := "vol"
	if req.Origin == OriginECS {
		volPrefix = "d" // ECS disk ids
	}
	// A root wiped at every stop (RootScratch) is a scratch volume, as an
	// instance-store root is, on an EBS-backed image.
	ebs := img.RootDeviceType == "ebs"
	scratch := !ebs || req.RootScratch
	root := Volume{ID: newIDFor(req.Origin, volPrefix), DeviceName: img.RootDeviceName, SizeGiB: size,
		DeleteOnTermination: dot || scratch, Scratch: scratch,
		Tags: append([]Tag(nil), req.VolumeTags...)}
	if ebs {
		root.Type = cmp.Or(req.RootVolumeType, policyFor(req.Origin).defaultVolumeType)
		root.Iops, root.Throughput = req.RootIops, req.RootThroughput
	}
	in.Volumes = append(in.Volumes, root)
	if typ.InstanceStorageGiB > 0 {
		in.Volumes = append(in.Volumes, Volume{ID: newIDFor(req.Origin, volPrefix), DeviceName: "ephemeral0", SizeGiB: typ.InstanceStorageGiB,
			DeleteOnTermination: true, Scratch: true})
	}
	for _, v := range req.Volumes { // guest.go: at their guest paths
		in.Volumes = append(in.Volumes, Volume{ID: newIDFor(req.Origin, volPrefix), DeviceName: v.MountPath, SizeGiB: v.SizeGiB,
			DeleteOnTermination: v.DeleteOnTermination, Type: policyFor(req.Origin).defaultVolumeType,
			Tags: append([]Tag(nil), req.VolumeTags...)})
	}
	return in
}

// requestHash fingerprints the parameters that must match on a retried
// idempotent request.
func requestHash(req RunRequest) string {
	r := req
	r.DryRun = false
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("instance: hash of launch request: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

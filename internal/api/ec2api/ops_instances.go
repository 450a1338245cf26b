package ec2api

import (
	"cmp"
	"context"
	"strings"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/awsquery"
)

// decodeRunInstances turns RunInstances' parameters into a core request.
func (h *Handler) decodeRunInstances(p awsquery.Params, dryRun bool) (instance.RunRequest, error) {
	req := instance.RunRequest{
		ImageID:          p.String("ImageId"),
		InstanceType:     p.String("InstanceType"),
		KeyName:          p.String("KeyName"),
		AvailabilityZone: p.String("Placement.AvailabilityZone"),
		ClientToken:      p.String("ClientToken"),
		DryRun:           dryRun,
	}
	if req.ImageID == "" {
		return req, missing("ImageId")
	}
	if err := checkImageID(req.ImageID); err != nil {
		return req, err
	}
	minCount, minSet, err := intParam(p, "MinCount")
	if err != nil {
		return req, err
	}
	maxCount, maxSet, err := intParam(p, "MaxCount")
	if err != nil {
		return req, err
	}
	switch {
	case !minSet:
		return req, missing("MinCount")
	case !maxSet:
		return req, missing("MaxCount")
	case minCount < 1:
		return req, invalidValue("Value (%d) for parameter minCount is invalid. Expected a positive integer.", minCount)
	case maxCount < 1:
		return req, invalidValue("Value (%d) for parameter maxCount is invalid. Expected a positive integer.", maxCount)
	case minCount > maxCount:
		return req, invalidValue("Value (%d) for parameter minCount is invalid. MinCount must not be greater than MaxCount (%d).", minCount, maxCount)
	}
	req.MinCount, req.MaxCount = minCount, maxCount
	if len(req.ClientToken) > maxClientToken {
		return req, invalidValue("Value (%s) for parameter clientToken is invalid. The client token must not exceed %d characters.", req.ClientToken, maxClientToken)
	}
	if has(p, "UserData") {
		if req.UserData, err = userData(p.String("UserData")); err != nil {
			return req, err
		}
	}
	if has(p, "InstanceInitiatedShutdownBehavior") {
		switch b := p.String("InstanceInitiatedShutdownBehavior"); b {
		case "stop", "terminate":
			req.ShutdownBehavior = b
		default:
			return req, invalidValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are 'stop' and 'terminate'.", b)
		}
	}
	if req.DisableAPIStop, err = boolParam(p, "DisableApiStop"); err != nil {
		return req, err
	}
	if req.DisableAPITermination, err = boolParam(p, "DisableApiTermination"); err != nil {
		return req, err
	}
	if req.Hibernation, err = boolParam(p, "HibernationOptions.Configured"); err != nil {
		return req, err
	}
	if err := decodeMarketOptions(p, &req); err != nil {
		return req, err
	}
	if err := decodeTagSpecifications(p, &req); err != nil {
		return req, err
	}
	if err := h.decodeBlockDeviceMappings(p, &req); err != nil {
		return req, err
	}
	return req, nil
}

// decodeMarketOptions reads InstanceMarketOptions.*: only spot is served.
func decodeMarketOptions(p awsquery.Params, req *instance.RunRequest) error {
	switch mt := p.String("InstanceMarketOptions.MarketType"); mt {
	case "":
		if has(p, "InstanceMarketOptions.SpotOptions.SpotInstanceType") {
			return combination("InstanceMarketOptions.SpotOptions requires InstanceMarketOptions.MarketType 'spot'.")
		}
		return nil
	case "spot":
		req.Spot = true
	default:
		return invalidValue("Value (%s) for parameter InstanceMarketOptions.MarketType is invalid. Only 'spot' is supported.", mt)
	}
	switch st := p.String("InstanceMarketOptions.SpotOptions.SpotInstanceType"); st {
	case "", "one-time", "persistent":
		req.SpotType = st
	default:
		return invalidValue("Value (%s) for parameter SpotInstanceType is invalid. Valid values are 'one-time' and 'persistent'.", st)
	}
	return nil
}

// decodeTagSpecifications reads TagSpecification.N for instances and volumes.
func decodeTagSpecifications(p awsquery.Params, req *instance.RunRequest) error {
	specs, err := p.Structs("TagSpecification")
	if err != nil {
		return err
	}
	for _, spec := range specs {
		rt := spec.String("ResourceType")
		ts, err := tags(spec, "Tag")
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return invalidValue("Tag specification must have at least one tag")
		}
		switch rt {
		case "instance":
			req.Tags = append(req.Tags, ts...)
		case "volume":
			req.VolumeTags = append(req.VolumeTags, ts...)
		case "":
			return missing("TagSpecification.ResourceType")
		default:
			return invalidValue("'%s' is not a valid taggable resource type for this operation.", rt)
		}
	}
	return nil
}

// decodeBlockDeviceMappings reads BlockDeviceMapping.N. Only the image's root
// device may be tuned (size, delete on termination); ephemeral (virtual name)
// and NoDevice mappings of other devices are accepted and ignored because the
// instance type decides the instance store.
func (h *Handler) decodeBlockDeviceMappings(p awsquery.Params, req *instance.RunRequest) error {
	maps, err := p.Structs("BlockDeviceMapping")
	if err != nil || len(maps) == 0 {
		return err
	}
	rootName, rootSize := "", 0
	if img, ok := h.catalog.Image(req.ImageID); ok {
		rootName, rootSize = img.RootDeviceName, img.RootSizeGiB
	}
	for _, m := range maps {
		dev := m.String("DeviceName")
		if dev == "" {
			return missing("BlockDeviceMapping.DeviceName")
		}
		hasEBS := false
		for k := range m.Values {
			if strings.HasPrefix(k, "Ebs.") {
				hasEBS = true
				break
			}
		}
		if !hasEBS {
			continue // VirtualName (instance store) or NoDevice
		}
		if rootName != "" && dev != rootName {
			return errdefs.Newf(errdefs.Unsupported, errdefs.ResParameter, dev,
				"Only the root device (%s) can be mapped; additional EBS volumes are not supported.", rootName)
		}
		size, set, err := intParam(m, "Ebs.VolumeSize")
		if err != nil {
			return err
		}
		if set {
			if size < 1 || size > 16384 {
				return invalidValue("Volume size %d is invalid; it must be between 1 and 16384 GiB.", size)
			}
			req.RootVolumeSizeGiB = size
		}
		if req.RootDeleteOnTermination, err = optBool(m, "Ebs.DeleteOnTermination"); err != nil {
			return err
		}
		if err := decodeEBS(m, cmp.Or(req.RootVolumeSizeGiB, rootSize), req); err != nil { // ops_volumes.go
			return err
		}
	}
	return nil
}

// runInstances launches instances: RunInstances.
func (h *Handler) runInstances(ctx context.Context, c *call) (any, error) {
	req, err := h.decodeRunInstances(c.params, c.dryRun)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, "*"), h.imageARN(req.ImageID)); err != nil {
		return nil, err
	}
	res, err := h.core.Run(ctx, c.account(), req)
	if err != nil {
		return nil, err
	}
	r := xmlReservation{
		ReservationID: res.ID,
		OwnerID:       res.AccountID,
		Groups:        list[xmlGroup](nil),
	}
	for _, inst := range res.Instances {
		r.Instances.Items = append(r.Instances.Items, h.encodeInstance(inst))
	}
	return r, nil
}

// instanceFilterFields maps DescribeInstances' filter names onto core fields.
var instanceFilterFields = map[string]instance.Field{
	"instance-id":         instance.FieldID,
	"instance-state-name": instance.FieldState,
	"instance-state-code": instance.FieldStateCode,
	"instance-type":       instance.FieldInstanceType,
	"image-id":            instance.FieldImageID,
	"availability-zone":   instance.FieldAvailabilityZone,
	"tag-key":             instance.FieldTagKey,
	"reservation-id":      instance.FieldReservationID,
	"private-ip-address":  instance.FieldPrivateIP,
	"ip-address":          instance.FieldPublicIP,
	// Aliases EC2 also accepts.
	"instance.instance-id":                           instance.FieldID,
	"placement.availability-zone":                    instance.FieldAvailabilityZone,
	"network-interface.addresses.private-ip-address": instance.FieldPrivateIP,
}

// instanceFilters maps EC2 filters onto core filters; allowed limits the
// names accepted (nil: every name in instanceFilterFields plus tag:KEY).
func instanceFilters(fs []filter, allowed map[string]bool) ([]instance.Filter, error) {
	out := make([]instance.Filter, 0, len(fs))
	for _, f := range fs {
		if len(f.values) == 0 {
			return nil, invalidValue("The filter '%s' must have at least one value.", f.name)
		}
		if allowed != nil && !allowed[f.name] {
			return nil, unknownFilter(f.name)
		}
		if key, ok := strings.CutPrefix(f.name, "tag:"); ok && key != "" {
			out = append(out, instance.Filter{Field: instance.FieldTag, Key: key, Values: f.values})
			continue
		}
		field, ok := instanceFilterFields[f.name]
		if !ok {
			return nil, unknownFilter(f.name)
		}
		out = append(out, instance.Filter{Field: field, Values: f.values})
	}
	return out, nil
}

// decodeDescribeQuery reads the InstanceId.N / Filter.N / MaxResults /
// NextToken parameters DescribeInstances and DescribeInstanceStatus share.
func decodeDescribeQuery(p awsquery.Params, allowed map[string]bool) (instance.Query, error) {
	var q instance.Query
	ids, err := instanceIDs(p, false)
	if err != nil {
		return q, err
	}
	fs, err := filters(p)
	if err != nil {
		return q, err
	}
	if q.Filters, err = instanceFilters(fs, allowed); err != nil {
		return q, err
	}
	if q.MaxResults, err = maxResults(p, 5, 1000); err != nil {
		return q, err
	}
	if len(ids) > 0 && has(p, "MaxResults") {
		return q, combination("The parameter instancesSet cannot be used with the parameter maxResults")
	}
	q.IDs = ids
	q.NextToken = p.String("NextToken")
	return q, nil
}

// describeInstances lists instances: DescribeInstances.
func (h *Handler) describeInstances(ctx context.Context, c *call) (any, error) {
	q, err := decodeDescribeQuery(c.params, nil)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	insts, next, err := h.core.Describe(ctx, c.account(), q)
	if err != nil {
		return nil, err
	}
	return describeInstancesResponse{Reservations: list(h.encodeReservations(insts)), NextToken: next}, nil
}

// statusFilters are the DescribeInstanceStatus filters served.
var statusFilters = map[string]bool{
	"availability-zone":   true,
	"instance-state-name": true,
	"instance-state-code": true,
}

// describeInstanceStatus reports instance health: DescribeInstanceStatus.
// Without IncludeAllInstances only running instances are listed.
func (h *Handler) describeInstanceStatus(ctx context.Context, c *call) (any, error) {
	q, err := decodeDescribeQuery(c.params, statusFilters)
	if err != nil {
		return nil, err
	}
	all, err := boolParam(c.params, "IncludeAllInstances")
	if err != nil {
		return nil, err
	}
	if !all {
		q.Filters = append(q.Filters, instance.Filter{Field: instance.FieldState, Values: []string{string(instance.Running)}})
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	insts, next, err := h.core.Describe(ctx, c.account(), q)
	if err != nil {
		return nil, err
	}
	out := make([]xmlInstanceStatus, 0, len(insts))
	for _, inst := range insts {
		out = append(out, h.encodeInstanceStatus(inst))
	}
	return describeInstanceStatusResponse{InstanceStatuses: list(out), NextToken: next}, nil
}

// encodeInstanceStatus renders one InstanceStatus: checks pass while running
// and do not apply otherwise.
func (h *Handler) encodeInstanceStatus(inst *instance.Instance) xmlInstanceStatus {
	s := xmlInstanceStatus{
		InstanceID:       inst.ID,
		AvailabilityZone: inst.AvailabilityZone,
		InstanceState:    encodeState(inst.State),
	}
	if z, ok := h.catalog.Zone(inst.AvailabilityZone); ok {
		s.AvailabilityZoneID = z.ID
	}
	if inst.State == instance.Running {
		ok := xmlStatusSummary{Status: "ok", Details: optList([]xmlStatusDetail{{Name: "reachability", Status: "passed"}})}
		s.SystemStatus, s.InstanceStatus, s.AttachedEBSStatus = ok, ok, ok
	} else {
		na := xmlStatusSummary{Status: "not-applicable"}
		s.SystemStatus, s.InstanceStatus, s.AttachedEBSStatus = na, na, na
	}
	return s
}

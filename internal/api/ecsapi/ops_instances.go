package ecsapi

import (
	"context"
	"path"
	"slices"
	"strings"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
)

// serviceMissing is ECS's MissingParameter for a parameter the service
// (not the gateway) requires.
func serviceMissing(name string) error {
	return errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, name, "")
}

// decodeLaunch reads the parameters RunInstances and CreateInstance share.
func (h *Handler) decodeLaunch(p acsrpc.Params, dryRun bool) (instance.RunRequest, error) {
	req := instance.RunRequest{Origin: instance.OriginECS, ImageID: p.Get("ImageId"), InstanceType: p.Get("InstanceType"),
		AvailabilityZone: p.Get("ZoneId"), KeyName: p.Get("KeyPairName"), ClientToken: p.Get("ClientToken"), DryRun: dryRun}
	if req.ImageID == "" {
		return req, serviceMissing("ImageId")
	}
	if req.InstanceType == "" {
		return req, serviceMissing("InstanceType")
	}
	if _, ok := h.catalog.ECSInstanceType(req.InstanceType); !ok {
		return req, errdefs.New(errdefs.InvalidArgument, errdefs.ResInstanceType, req.InstanceType, "")
	}
	if _, ok := h.catalog.ECSImage(req.ImageID); !ok {
		return req, errdefs.New(errdefs.NotFound, errdefs.ResImage, req.ImageID, "")
	}
	if req.AvailabilityZone != "" {
		if _, ok := h.catalog.Zone(req.AvailabilityZone); !ok {
			return req, errdefs.New(errdefs.NotFound, resZone, req.AvailabilityZone, "") // InvalidZoneId.NotFound
		}
	}
	if len(req.ClientToken) > maxClientToken {
		return req, badParam("ClientToken")
	}
	var err error
	if p.Has("UserData") {
		if req.UserData, err = userData(p.Get("UserData")); err != nil {
			return req, err
		}
	}
	if req.Tags, err = tags(p); err != nil {
		return req, err
	}
	if req.DisableAPITermination, err = optBool(p, "DeletionProtection"); err != nil {
		return req, err
	}
	if req.Hibernation, err = optBool(p, "HibernationOptions.Configured"); err != nil {
		return req, err
	}
	if size, ok, err := p.Int("SystemDisk.Size"); err != nil || ok && (size < 20 || size > 500) {
		return req, badParam("SystemDisk.Size")
	} else if ok {
		req.RootVolumeSizeGiB = size
	}
	switch s := p.Get("SpotStrategy"); s {
	case "", "NoSpot":
	case "SpotAsPriceGo", "SpotWithPriceLimit":
		return req, errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "Preemptible instances are not supported by Strato.")
	default:
		return req, badParam("SpotStrategy")
	}
	switch c := p.Get("InstanceChargeType"); c {
	case "", "PostPaid":
	case "PrePaid":
		return req, errdefs.New(errdefs.Unsupported, errdefs.ResNone, "", "Subscription (PrePaid) instances are not supported by Strato.")
	default:
		return req, badParam("InstanceChargeType")
	}
	labels := map[string]string{}
	for _, f := range []struct {
		name string
		max  int
	}{{labelName, maxNameLen}, {labelDescription, maxDescriptionLen}} {
		v, err := text(p, f.name, f.max)
		if err != nil {
			return req, err
		}
		if v != "" {
			labels[f.name] = v
		}
	}
	hn, err := hostName(p)
	if err != nil {
		return req, err
	}
	if hn != "" {
		labels[labelHostName] = hn
	}
	if len(labels) > 0 {
		req.Labels = labels
	}
	return req, nil
}

// runInstances launches 1..100 ECS instances: RunInstances (Amount,
// MinAmount).
func (h *Handler) runInstances(ctx context.Context, c *call) (any, error) {
	req, err := h.decodeLaunch(c.params, c.dryRun)
	if err != nil {
		return nil, err
	}
	amount, err := intIn(c.params, "Amount", 1, maxAmount, 1)
	if err != nil {
		return nil, err
	}
	minAmount, err := intIn(c.params, "MinAmount", 1, amount, amount)
	if err != nil {
		return nil, err
	}
	req.MinCount, req.MaxCount = minAmount, amount
	if err := h.authorize(c); err != nil {
		return nil, err
	}
	res, err := h.core.Run(ctx, c.account(), req)
	if err != nil {
		return nil, err
	}
	out := runInstancesResponse{InstanceIdSets: instanceIDSets{InstanceIdSet: make([]string, 0, len(res.Instances))}}
	for _, in := range res.Instances {
		out.InstanceIdSets.InstanceIdSet = append(out.InstanceIdSets.InstanceIdSet, in.ID)
	}
	return out, nil
}

// createInstance creates one ECS instance in the Stopped state:
// CreateInstance.
func (h *Handler) createInstance(ctx context.Context, c *call) (any, error) {
	req, err := h.decodeLaunch(c.params, c.dryRun)
	if err != nil {
		return nil, err
	}
	req.MinCount, req.MaxCount, req.Stopped = 1, 1, true
	if err := h.authorize(c); err != nil {
		return nil, err
	}
	res, err := h.core.Run(ctx, c.account(), req)
	if err != nil {
		return nil, err
	}
	return createInstanceResponse{InstanceId: res.Instances[0].ID}, nil
}

// listing is a decoded DescribeInstances request: the core query and what
// the handler filters itself (ECS-only notions).
type listing struct {
	q        instance.Query
	status   string // Pending and Starting split the core's pending
	family   string
	name     string // InstanceName, * wildcards
	lock     string
	none     bool // InstanceIds is an empty array: nothing matches
	tokenful bool // NextToken/MaxResults paging instead of PageNumber/PageSize
	offset   int
	size     int
	page     int
}

// decodeListing reads DescribeInstances' filters and paging.
func decodeListing(p acsrpc.Params) (listing, error) {
	l := listing{q: instance.Query{Origin: instance.OriginECS}}
	ids, ok, err := jsonIDs(p, "InstanceIds")
	if err != nil {
		return l, err
	}
	if ok {
		keep := ids[:0:0]
		for _, id := range ids {
			if instanceIDRE.MatchString(id) { // other shapes name no ECS instance
				keep = append(keep, id)
			}
		}
		if len(keep) == 0 {
			l.none = true
		}
		l.q.Filters = append(l.q.Filters, instance.Filter{Field: instance.FieldID, Values: keep})
	}
	if s := p.Get("Status"); s != "" {
		if !slices.Contains(statuses, s) {
			return l, errdefs.New(errdefs.NotFound, resStatus, s, "")
		}
		l.status = s
		l.q.Filters = append(l.q.Filters, instance.Filter{Field: instance.FieldState, Values: []string{string(coreState(s))}})
	}
	for _, f := range []struct {
		param string
		field instance.Field
	}{{"InstanceType", instance.FieldInstanceType}, {"ZoneId", instance.FieldAvailabilityZone}, {"ImageId", instance.FieldImageID}} {
		if v := p.Get(f.param); v != "" {
			l.q.Filters = append(l.q.Filters, instance.Filter{Field: f.field, Values: []string{v}})
		}
	}
	tagGroups, err := p.Indexed("Tag", maxTagsPerCall)
	if err != nil {
		return l, errdefs.New(errdefs.InvalidArgument, resTagCount, "", "")
	}
	for _, g := range tagGroups {
		k := g["Key"]
		if k == "" {
			return l, errdefs.New(errdefs.InvalidArgument, resTagKey, "", "")
		}
		if v, ok := g["Value"]; ok {
			l.q.Filters = append(l.q.Filters, instance.Filter{Field: instance.FieldTag, Key: k, Values: []string{v}})
		} else {
			l.q.Filters = append(l.q.Filters, instance.Filter{Field: instance.FieldTagKey, Values: []string{k}})
		}
	}
	l.family, l.name, l.lock = p.Get("InstanceTypeFamily"), p.Get("InstanceName"), p.Get("LockReason")
	if p.Get("NextToken") != "" || p.Has("MaxResults") {
		l.tokenful = true
		if l.size, err = intIn(p, "MaxResults", 1, maxPageSize, defaultPageSize); err != nil {
			return l, err
		}
		l.offset, err = parseToken(p.Get("NextToken"))
		return l, err
	}
	if l.page, err = intIn(p, "PageNumber", 1, 1<<30, 1); err != nil {
		return l, err
	}
	if l.size, err = intIn(p, "PageSize", 1, maxPageSize, defaultPageSize); err != nil {
		return l, err
	}
	l.offset = (l.page - 1) * l.size
	return l, nil
}

// coreState maps an ECS status to the core state it is part of.
func coreState(status string) instance.State {
	switch status {
	case statusRunning:
		return instance.Running
	case statusStopping:
		return instance.Stopping
	case statusStopped:
		return instance.Stopped
	}
	return instance.Pending // Pending and Starting
}

// keep applies the filters the core does not know.
func (l listing) keep(h *Handler, in *instance.Instance) bool {
	if l.status != "" && ecsStatus(in) != l.status {
		return false
	}
	if l.family != "" && h.typeInfo(in.InstanceType).Family != l.family {
		return false
	}
	if l.name != "" {
		if ok, err := path.Match(l.name, label(in, labelName, in.ID)); err != nil || !ok {
			return false
		}
	}
	if l.lock != "" && !in.Locked(l.lock) {
		return false
	}
	return true
}

// describeInstances lists the caller's ECS instances: DescribeInstances.
func (h *Handler) describeInstances(ctx context.Context, c *call) (any, error) {
	l, err := decodeListing(c.params)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	var all []*instance.Instance
	if !l.none {
		found, _, err := h.core.Describe(ctx, c.account(), l.q)
		if err != nil {
			return nil, err
		}
		for _, in := range found {
			if l.keep(h, in) {
				all = append(all, in)
			}
		}
	}
	lo, hi, next := page(len(all), l.offset, l.size)
	out := describeInstancesResponse{Instances: instancesList{Instance: make([]ecsInstance, 0, hi-lo)}, TotalCount: len(all),
		PageNumber: l.page, PageSize: l.size}
	if l.tokenful {
		out.NextToken = next
	}
	for _, in := range all[lo:hi] {
		out.Instances.Instance = append(out.Instances.Instance, h.encodeInstance(in))
	}
	return out, nil
}

// describeInstanceStatus lists the status of the caller's ECS instances:
// DescribeInstanceStatus.
func (h *Handler) describeInstanceStatus(ctx context.Context, c *call) (any, error) {
	q := instance.Query{Origin: instance.OriginECS}
	ids, err := c.params.List("InstanceId", maxIDsPerCall)
	if err != nil {
		return nil, err
	}
	none := false
	if len(ids) > 0 {
		keep := ids[:0:0]
		for _, id := range ids {
			if instanceIDRE.MatchString(id) {
				keep = append(keep, id)
			}
		}
		none = len(keep) == 0
		q.Filters = append(q.Filters, instance.Filter{Field: instance.FieldID, Values: keep})
	}
	if z := c.params.Get("ZoneId"); z != "" {
		q.Filters = append(q.Filters, instance.Filter{Field: instance.FieldAvailabilityZone, Values: []string{z}})
	}
	pageNo, err := intIn(c.params, "PageNumber", 1, 1<<30, 1)
	if err != nil {
		return nil, err
	}
	size, err := intIn(c.params, "PageSize", 1, maxStatusPageSize, defaultPageSize)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	var all []*instance.Instance
	if !none {
		if all, _, err = h.core.Describe(ctx, c.account(), q); err != nil {
			return nil, err
		}
	}
	lo, hi, _ := page(len(all), (pageNo-1)*size, size)
	out := describeInstanceStatusResponse{InstanceStatuses: instanceStatuses{InstanceStatus: make([]instanceStatus, 0, hi-lo)},
		TotalCount: len(all), PageNumber: pageNo, PageSize: size}
	for _, in := range all[lo:hi] {
		out.InstanceStatuses.InstanceStatus = append(out.InstanceStatuses.InstanceStatus, instanceStatus{InstanceId: in.ID, Status: ecsStatus(in)})
	}
	return out, nil
}

// one returns the caller's ECS instance id, or InvalidInstanceId.NotFound.
func (h *Handler) one(ctx context.Context, c *call, id string) (*instance.Instance, error) {
	found, _, err := h.core.Describe(ctx, c.account(), instance.Query{Origin: instance.OriginECS, IDs: []string{id}})
	if err != nil {
		return nil, err
	}
	return found[0], nil
}

// describeInstanceAttribute describes one instance: DescribeInstanceAttribute.
func (h *Handler) describeInstanceAttribute(ctx context.Context, c *call) (any, error) {
	id, err := instanceID(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	if c.dryRun {
		return nil, errDryRun
	}
	in, err := h.one(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return h.encodeAttribute(in), nil
}

// modifyInstanceAttribute changes the name, description, host name,
// release protection or (while stopped) user data: ModifyInstanceAttribute.
// Password and the network options are accepted and have no effect.
func (h *Handler) modifyInstanceAttribute(ctx context.Context, c *call) (any, error) {
	id, err := instanceID(c.params, "InstanceId")
	if err != nil {
		return nil, err
	}
	var a instance.Attributes
	labels := map[string]string{}
	for _, f := range []struct {
		name string
		max  int
	}{{labelName, maxNameLen}, {labelDescription, maxDescriptionLen}} {
		if !c.params.Has(f.name) {
			continue
		}
		v, err := text(c.params, f.name, f.max)
		if err != nil {
			return nil, err
		}
		labels[f.name] = v
	}
	if c.params.Has(labelHostName) {
		hn, err := hostName(c.params)
		if err != nil {
			return nil, err
		}
		labels[labelHostName] = hn
	}
	if len(labels) > 0 {
		a.Labels = labels
	}
	if v, ok, err := c.params.Bool("DeletionProtection"); err != nil {
		return nil, err
	} else if ok {
		a.DisableAPITermination = &v
	}
	if c.params.Has("UserData") {
		ud, err := userData(c.params.Get("UserData"))
		if err != nil {
			return nil, err
		}
		a.UserData = &ud
	}
	if pw := c.params.Get("Password"); pw != "" && (len(pw) < 8 || len(pw) > 30) {
		return nil, badParam("Password")
	}
	if err := h.authorize(c, h.instanceARN(c, id)); err != nil {
		return nil, err
	}
	if err := h.core.Modify(ctx, c.account(), id, a, c.dryRun); err != nil {
		return nil, err
	}
	return nil, nil
}

// zones returns the served region's zone ids.
func zoneIDs(cat *catalog.Catalog) []string {
	var out []string
	for _, z := range cat.Zones() {
		out = append(out, z.Name)
	}
	return out
}

// trimmedSplit splits a comma-separated list, dropping empty items.
func trimmedSplit(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

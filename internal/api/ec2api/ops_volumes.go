package ec2api

import (
	"cmp"
	"context"
	"math"
	"regexp"
	"strings"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/awsquery"
)

// DescribeVolumes' page sizes: below the minimum is refused, above the
// maximum is served as the maximum (EC2's documented behaviour).
const (
	minVolumeResults = 5
	maxVolumeResults = 500
)

var volumeIDRE = regexp.MustCompile(`^vol-([0-9a-f]{8}|[0-9a-f]{17})$`)

// checkVolumeID validates a volume id's shape. EC2 names the expected
// prefix only when the id lacks it.
func checkVolumeID(id string) error {
	if volumeIDRE.MatchString(id) {
		return nil
	}
	if strings.HasPrefix(id, "vol-") {
		return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResVolume, id, "Invalid id: %q", id)
	}
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResVolume, id, "Invalid id: %q (expecting \"vol-...\")", id)
}

// ebsType is one EBS volume type's rules: sizes in GiB, provisioned IOPS
// (maxIops 0: IOPS cannot be given), and whether throughput can be.
type ebsType struct {
	minSize, maxSize  int
	minIops, maxIops  int
	iopsRequired      bool
	throughput        bool
	defaultIops       int // gp3's baseline when none is given
	defaultThroughput int
}

// ebsTypes are the volume types EC2 knows (botocore's VolumeType enum) with
// the limits its API reference gives, capped at the root size the core
// serves (instance.MaxRootSizeGiB).
var ebsTypes = map[string]ebsType{
	"gp3":      {minSize: 1, maxSize: 16384, minIops: 3000, maxIops: 80000, throughput: true, defaultIops: 3000, defaultThroughput: 125},
	"gp2":      {minSize: 1, maxSize: 16384},
	"io1":      {minSize: 4, maxSize: 16384, minIops: 100, maxIops: 64000, iopsRequired: true},
	"io2":      {minSize: 4, maxSize: 16384, minIops: 100, maxIops: 256000, iopsRequired: true},
	"st1":      {minSize: 125, maxSize: 16384},
	"sc1":      {minSize: 125, maxSize: 16384},
	"standard": {minSize: 1, maxSize: 1024},
}

// Throughput limits of gp3, MiB/s.
const (
	minThroughput = 125
	maxThroughput = 2000
)

// decodeEBS reads the Ebs.VolumeType, Ebs.Iops and Ebs.Throughput of the
// root device's mapping m and checks them, with the root's size (the
// mapping's or the image's), against the type's rules.
func decodeEBS(m awsquery.Params, size int, req *instance.RunRequest) error {
	name := "gp3" // the core's default for EC2 when the request names none
	if has(m, "Ebs.VolumeType") {
		name = m.String("Ebs.VolumeType")
		req.RootVolumeType = name
	}
	typ, ok := ebsTypes[name]
	if !ok {
		return invalidValue("Value (%s) for parameter volumeType is invalid. Valid values are standard, io1, io2, gp2, sc1, st1 and gp3.", name)
	}
	iops, iopsSet, err := intParam(m, "Ebs.Iops")
	if err != nil {
		return err
	}
	thr, thrSet, err := intParam(m, "Ebs.Throughput")
	if err != nil {
		return err
	}
	switch {
	case iopsSet && typ.maxIops == 0:
		return combination("The parameter iops is not supported for %s volumes.", name)
	case !iopsSet && typ.iopsRequired:
		return combination("The parameter iops must be specified for %s volumes.", name)
	case iopsSet && (iops < typ.minIops || iops > typ.maxIops):
		return invalidValue("Value (%d) for parameter iops is invalid. The iops of %s volumes must be between %d and %d.",
			iops, name, typ.minIops, typ.maxIops)
	case thrSet && !typ.throughput:
		return combination("throughput can only be specified for volumeType gp3.")
	case thrSet && (thr < minThroughput || thr > maxThroughput):
		return invalidValue("Value (%d) for parameter throughput is invalid. The throughput of gp3 volumes must be between %d and %d MiB/s.",
			thr, minThroughput, maxThroughput)
	case size > 0 && size < typ.minSize:
		return invalidValue("Volume of %dGiB is too small for volume type %s; minimum is %dGiB.", size, name, typ.minSize)
	case size > typ.maxSize:
		return invalidValue("Volume of %dGiB is too large for volume type %s; maximum is %dGiB.", size, name, typ.maxSize)
	}
	if iopsSet {
		req.RootIops = iops
	}
	if thrSet {
		req.RootThroughput = thr
	}
	return nil
}

// ebsPerformance is the IOPS and throughput EC2 reports for a volume: what
// was provisioned, or the type's baseline (gp2: 3 IOPS per GiB, 100 to
// 16,000). 0 means none is reported.
func ebsPerformance(v *instance.VolumeInfo) (iops, throughput int) {
	typ := ebsTypes[v.Type]
	switch v.Type {
	case "gp2":
		return min(max(3*v.SizeGiB, 100), 16000), 0
	case "gp3", "io1", "io2":
		iops = cmp.Or(v.Iops, typ.defaultIops, typ.minIops)
	}
	if typ.throughput {
		throughput = cmp.Or(v.Throughput, typ.defaultThroughput)
	}
	return iops, throughput
}

// volumeFilterFields maps DescribeVolumes' filter names onto core fields.
var volumeFilterFields = map[string]instance.VolumeField{
	"volume-id":                        instance.VolumeFieldID,
	"status":                           instance.VolumeFieldState,
	"volume-type":                      instance.VolumeFieldType,
	"size":                             instance.VolumeFieldSize,
	"availability-zone":                instance.VolumeFieldZone,
	"create-time":                      instance.VolumeFieldCreateTime,
	"encrypted":                        instance.VolumeFieldEncrypted,
	"multi-attach-enabled":             instance.VolumeFieldMultiAttach,
	"tag-key":                          instance.VolumeFieldTagKey,
	"attachment.instance-id":           instance.VolumeFieldAttachInstance,
	"attachment.device":                instance.VolumeFieldAttachDevice,
	"attachment.status":                instance.VolumeFieldAttachState,
	"attachment.delete-on-termination": instance.VolumeFieldAttachDeleteOnTermination,
	"attachment.attach-time":           instance.VolumeFieldAttachTime,
}

// volumeFilters maps EC2 filters onto core filters. availability-zone-id
// becomes a filter on the names of the zones whose ids match.
func (h *Handler) volumeFilters(fs []filter) ([]instance.VolumeFilter, error) {
	out := make([]instance.VolumeFilter, 0, len(fs))
	for _, f := range fs {
		if len(f.values) == 0 {
			return nil, invalidValue("The filter '%s' must have at least one value.", f.name)
		}
		if key, ok := strings.CutPrefix(f.name, "tag:"); ok && key != "" {
			out = append(out, instance.VolumeFilter{Field: instance.VolumeFieldTag, Key: key, Values: f.values})
			continue
		}
		if f.name == "availability-zone-id" {
			names := []string{} // no zone matches: the filter keeps nothing
			for _, z := range h.catalog.Zones() {
				if matchAny(f.values, z.ID) {
					names = append(names, z.Name)
				}
			}
			out = append(out, instance.VolumeFilter{Field: instance.VolumeFieldZone, Values: names})
			continue
		}
		field, ok := volumeFilterFields[f.name]
		if !ok {
			return nil, unknownFilter(f.name)
		}
		out = append(out, instance.VolumeFilter{Field: field, Values: f.values})
	}
	return out, nil
}

// decodeVolumeQuery reads DescribeVolumes' VolumeId.N, Filter.N, MaxResults
// and NextToken.
func (h *Handler) decodeVolumeQuery(p awsquery.Params) (instance.VolumeQuery, error) {
	var q instance.VolumeQuery
	ids, err := idList(p, "VolumeId", false)
	if err != nil {
		return q, err
	}
	for _, id := range ids {
		if err := checkVolumeID(id); err != nil {
			return q, err
		}
	}
	fs, err := filters(p)
	if err != nil {
		return q, err
	}
	if q.Filters, err = h.volumeFilters(fs); err != nil {
		return q, err
	}
	n, err := maxResults(p, minVolumeResults, math.MaxInt32)
	if err != nil {
		return q, err
	}
	if len(ids) > 0 && has(p, "MaxResults") {
		return q, combination("The parameter volumeSet cannot be used with the parameter maxResults")
	}
	q.IDs, q.MaxResults, q.NextToken = ids, min(n, maxVolumeResults), p.String("NextToken")
	return q, nil
}

// describeVolumes lists EBS volumes: DescribeVolumes.
func (h *Handler) describeVolumes(ctx context.Context, c *call) (any, error) {
	q, err := h.decodeVolumeQuery(c.params)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	vols, next, err := h.core.DescribeVolumes(ctx, c.account(), q)
	if err != nil {
		return nil, err
	}
	out := make([]xmlVolume, 0, len(vols))
	for _, v := range vols {
		out = append(out, h.encodeVolume(v))
	}
	return describeVolumesResponse{Volumes: list(out), NextToken: next}, nil
}

// encodeVolume renders one volume as DescribeVolumes shows it.
func (h *Handler) encodeVolume(v *instance.VolumeInfo) xmlVolume {
	x := xmlVolume{
		VolumeID:         v.ID,
		Size:             v.SizeGiB,
		AvailabilityZone: v.AvailabilityZone,
		Status:           string(v.State),
		CreateTime:       ts(v.CreatedAt),
		Attachments:      list(make([]xmlVolumeAttachment, 0, len(v.Attachments))),
		Tags:             encodeTags(v.Tags),
		VolumeType:       v.Type,
	}
	x.Iops, x.Throughput = ebsPerformance(v)
	if z, ok := h.catalog.Zone(v.AvailabilityZone); ok {
		x.AvailabilityZoneID = z.ID
	}
	for _, a := range v.Attachments {
		x.Attachments.Items = append(x.Attachments.Items, xmlVolumeAttachment{
			VolumeID:            v.ID,
			InstanceID:          a.InstanceID,
			Device:              a.Device,
			Status:              a.State,
			AttachTime:          ts(a.AttachTime),
			DeleteOnTermination: a.DeleteOnTermination,
		})
	}
	return x
}

// xmlVolume is EC2's Volume shape. Real EC2 always sends snapshotId (empty
// for a volume made from no snapshot) and attachmentSet (empty once
// detached); tagSet only when there are tags.
type xmlVolume struct {
	VolumeID           string                     `xml:"volumeId"`
	Size               int                        `xml:"size"`
	SnapshotID         string                     `xml:"snapshotId"`
	AvailabilityZone   string                     `xml:"availabilityZone"`
	AvailabilityZoneID string                     `xml:"availabilityZoneId,omitempty"`
	Status             string                     `xml:"status"`
	CreateTime         string                     `xml:"createTime"`
	Attachments        items[xmlVolumeAttachment] `xml:"attachmentSet"`
	Tags               *items[xmlTag]             `xml:"tagSet,omitempty"`
	VolumeType         string                     `xml:"volumeType"`
	Iops               int                        `xml:"iops,omitempty"`
	Throughput         int                        `xml:"throughput,omitempty"`
	Encrypted          bool                       `xml:"encrypted"`
	MultiAttachEnabled bool                       `xml:"multiAttachEnabled"`
}

// xmlVolumeAttachment is EC2's VolumeAttachment shape.
type xmlVolumeAttachment struct {
	VolumeID            string `xml:"volumeId"`
	InstanceID          string `xml:"instanceId"`
	Device              string `xml:"device"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

type describeVolumesResponse struct {
	Volumes   items[xmlVolume] `xml:"volumeSet"`
	NextToken string           `xml:"nextToken,omitempty"`
}

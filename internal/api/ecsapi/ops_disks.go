package ecsapi

import (
	"context"
	"regexp"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
)

// DescribeDisks' limits: DiskIds holds up to 100 ids; a MaxResults page up
// to 500 disks, a PageSize page up to 100.
const (
	maxDiskIDs        = 100
	maxDiskMaxResults = 500
)

// diskIDRE is the shape of Strato's ECS disk ids: d- + 20 lower-case
// alphanumerics. An id of another shape names no disk.
var diskIDRE = regexp.MustCompile(`^d-[0-9a-z]{20}$`)

// Disk statuses (ECS's words) and what DiskType selects. Strato's ECS
// disks are the system disks made with their instances.
const (
	diskInUse     = "In_use"
	diskAvailable = "Available"
	diskDetaching = "Detaching"
)

var diskStatuses = map[string]bool{
	"In_use": true, "Available": true, "Attaching": true, "Detaching": true,
	"Creating": true, "ReIniting": true, "All": true,
}

// diskListing is a decoded DescribeDisks request: the core query and what
// the handler filters itself (ECS-only notions).
type diskListing struct {
	q        instance.VolumeQuery
	status   string // "" or "All": any
	none     bool   // DiskIds names no disk of ECS's shape, or DiskType data
	tokenful bool   // NextToken/MaxResults paging instead of PageNumber/PageSize
	offset   int
	size     int
	page     int
}

// decodeDiskListing reads DescribeDisks' filters and paging.
func decodeDiskListing(p acsrpc.Params) (diskListing, error) {
	l := diskListing{q: instance.VolumeQuery{Origin: instance.OriginECS}}
	filter := func(f instance.VolumeField, values ...string) {
		l.q.Filters = append(l.q.Filters, instance.VolumeFilter{Field: f, Values: values})
	}
	if p.Has("DiskIds") {
		ids, _, err := jsonIDs(p, "DiskIds")
		if err != nil || len(ids) > maxDiskIDs {
			return l, badParam("DiskIds")
		}
		keep := ids[:0:0]
		for _, id := range ids {
			if diskIDRE.MatchString(id) { // other shapes name no ECS disk
				keep = append(keep, id)
			}
		}
		l.none = len(keep) == 0
		filter(instance.VolumeFieldID, keep...)
	}
	if id := p.Get("InstanceId"); id != "" {
		filter(instance.VolumeFieldAttachInstance, id)
	}
	if z := p.Get("ZoneId"); z != "" {
		filter(instance.VolumeFieldZone, z)
	}
	if c := p.Get("Category"); c != "" && c != "all" {
		filter(instance.VolumeFieldType, c)
	}
	switch t := p.Get("DiskType"); t {
	case "", "all", "system":
	case "data":
		l.none = true
	default:
		return l, badParam("DiskType")
	}
	if s := p.Get("Status"); s != "" {
		if !diskStatuses[s] {
			return l, badParam("Status")
		}
		l.status = s
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
			l.q.Filters = append(l.q.Filters, instance.VolumeFilter{Field: instance.VolumeFieldTag, Key: k, Values: []string{v}})
		} else {
			filter(instance.VolumeFieldTagKey, k)
		}
	}
	if p.Get("NextToken") != "" || p.Has("MaxResults") {
		l.tokenful = true
		if l.size, err = intIn(p, "MaxResults", 1, maxDiskMaxResults, defaultPageSize); err != nil {
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

// diskStatus is a volume's status in ECS's words.
func diskStatus(v *instance.VolumeInfo) string {
	switch {
	case v.State == instance.VolumeAvailable:
		return diskAvailable
	case len(v.Attachments) > 0 && v.Attachments[0].State == instance.AttachmentDetaching:
		return diskDetaching
	}
	return diskInUse
}

// describeDisks lists the caller's ECS disks: DescribeDisks.
func (h *Handler) describeDisks(ctx context.Context, c *call) (any, error) {
	l, err := decodeDiskListing(c.params)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	var all []*instance.VolumeInfo
	if !l.none {
		found, _, err := h.core.DescribeVolumes(ctx, c.account(), l.q)
		if err != nil {
			return nil, err
		}
		for _, v := range found {
			if l.status == "" || l.status == "All" || diskStatus(v) == l.status {
				all = append(all, v)
			}
		}
	}
	lo, hi, next := page(len(all), l.offset, l.size)
	out := describeDisksResponse{Disks: disksList{Disk: make([]ecsDisk, 0, hi-lo)}, TotalCount: len(all),
		PageNumber: l.page, PageSize: l.size}
	if l.tokenful {
		out.NextToken = next
	}
	for _, v := range all[lo:hi] {
		out.Disks.Disk = append(out.Disks.Disk, h.encodeDisk(v))
	}
	return out, nil
}

// encodeDisk renders one volume as ECS's Disk.
func (h *Handler) encodeDisk(v *instance.VolumeInfo) ecsDisk {
	d := ecsDisk{
		DiskId: v.ID, RegionId: h.region, ZoneId: v.AvailabilityZone, Type: "system", Category: v.Type, Size: v.SizeGiB,
		Status: diskStatus(v), CreationTime: ts(v.CreatedAt), DiskChargeType: "PostPaid", MultiAttach: "Disabled",
		Tags:           instanceTags{Tag: make([]instanceTag, 0, len(v.Tags))},
		Attachments:    diskAttachments{Attachment: make([]diskAttachment, 0, len(v.Attachments))},
		OperationLocks: diskLocks{OperationLock: []lockReason{}},
	}
	if v.Type == "cloud_essd" {
		d.PerformanceLevel, d.IOPS = "PL1", min(1800+50*v.SizeGiB, 50000)
	}
	for _, t := range v.Tags {
		d.Tags.Tag = append(d.Tags.Tag, instanceTag{TagKey: t.Key, TagValue: t.Value})
	}
	for _, a := range v.Attachments {
		d.InstanceId, d.Device, d.AttachedTime, d.DeleteWithInstance = a.InstanceID, a.Device, ts(a.AttachTime), a.DeleteOnTermination
		d.Attachments.Attachment = append(d.Attachments.Attachment,
			diskAttachment{InstanceId: a.InstanceID, Device: a.Device, AttachedTime: ts(a.AttachTime)})
	}
	return d
}

type diskAttachment struct {
	InstanceId   string `json:"InstanceId" xml:"InstanceId"`
	Device       string `json:"Device" xml:"Device"`
	AttachedTime string `json:"AttachedTime" xml:"AttachedTime"`
}

type diskAttachments struct {
	Attachment []diskAttachment `json:"Attachment" xml:"Attachment"`
}

type diskLocks struct {
	OperationLock []lockReason `json:"OperationLock" xml:"OperationLock"`
}

// ecsDisk is ECS's Disk (the fields Strato can fill).
type ecsDisk struct {
	DiskId             string          `json:"DiskId" xml:"DiskId"`
	RegionId           string          `json:"RegionId" xml:"RegionId"`
	ZoneId             string          `json:"ZoneId" xml:"ZoneId"`
	DiskName           string          `json:"DiskName" xml:"DiskName"`
	Description        string          `json:"Description" xml:"Description"`
	Type               string          `json:"Type" xml:"Type"`
	Category           string          `json:"Category" xml:"Category"`
	PerformanceLevel   string          `json:"PerformanceLevel,omitempty" xml:"PerformanceLevel,omitempty"`
	Size               int             `json:"Size" xml:"Size"`
	IOPS               int             `json:"IOPS,omitempty" xml:"IOPS,omitempty"`
	Status             string          `json:"Status" xml:"Status"`
	InstanceId         string          `json:"InstanceId" xml:"InstanceId"`
	Device             string          `json:"Device" xml:"Device"`
	DeleteWithInstance bool            `json:"DeleteWithInstance" xml:"DeleteWithInstance"`
	Portable           bool            `json:"Portable" xml:"Portable"`
	Encrypted          bool            `json:"Encrypted" xml:"Encrypted"`
	DiskChargeType     string          `json:"DiskChargeType" xml:"DiskChargeType"`
	MultiAttach        string          `json:"MultiAttach" xml:"MultiAttach"`
	CreationTime       string          `json:"CreationTime" xml:"CreationTime"`
	AttachedTime       string          `json:"AttachedTime" xml:"AttachedTime"`
	DetachedTime       string          `json:"DetachedTime" xml:"DetachedTime"`
	Tags               instanceTags    `json:"Tags" xml:"Tags"`
	Attachments        diskAttachments `json:"Attachments" xml:"Attachments"`
	OperationLocks     diskLocks       `json:"OperationLocks" xml:"OperationLocks"`
}

type disksList struct {
	Disk []ecsDisk `json:"Disk" xml:"Disk"`
}

type describeDisksResponse struct {
	Disks      disksList `json:"Disks" xml:"Disks"`
	TotalCount int       `json:"TotalCount" xml:"TotalCount"`
	PageNumber int       `json:"PageNumber" xml:"PageNumber"`
	PageSize   int       `json:"PageSize" xml:"PageSize"`
	NextToken  string    `json:"NextToken" xml:"NextToken"`
}

package ec2api

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"strato/internal/core/catalog"
	"strato/internal/errdefs"
)

// attrs extracts the values a filter compares for one catalog entry.
type attrs[T any] map[string]func(T) []string

// checkFilters rejects filters the table does not serve, and empty ones.
func checkFilters[T any](fs []filter, table attrs[T]) error {
	for _, f := range fs {
		if _, ok := table[f.name]; !ok {
			return unknownFilter(f.name)
		}
		if len(f.values) == 0 {
			return invalidValue("The filter '%s' must have at least one value.", f.name)
		}
	}
	return nil
}

// applyFilters keeps the entries that match every filter; a filter matches
// when any of its patterns matches any of the entry's values.
func applyFilters[T any](in []T, fs []filter, table attrs[T]) ([]T, error) {
	if err := checkFilters(fs, table); err != nil {
		return nil, err
	}
	var out []T
	for _, x := range in {
		keep := true
		for _, f := range fs {
			if !slices.ContainsFunc(table[f.name](x), func(v string) bool { return matchAny(f.values, v) }) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, x)
		}
	}
	return out, nil
}

// paginate returns one page of in after token, and the token of the next
// page ("" when this is the last). Tokens are opaque base64 offsets.
func paginate[T any](in []T, limit int, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(b), "offset:") || n < 0 || n > len(in) {
			return nil, "", errdefs.New(errdefs.InvalidArgument, errdefs.ResPageToken, token, "The specified pagination token is not valid or is expired.")
		}
		start = n
	}
	in = in[start:]
	if limit <= 0 || limit >= len(in) {
		return in, "", nil
	}
	next := base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(start+limit)))
	return in[:limit], next, nil
}

func one(s string) []string { return []string{s} }

func boolStr(b bool) []string { return []string{strconv.FormatBool(b)} }

// imageAttrs are the DescribeImages filters served.
var imageAttrs = attrs[catalog.Image]{
	"image-id":            func(im catalog.Image) []string { return one(im.ID) },
	"name":                func(im catalog.Image) []string { return one(im.Name) },
	"description":         func(im catalog.Image) []string { return one(im.Description) },
	"root-device-type":    func(im catalog.Image) []string { return one(im.RootDeviceType) },
	"root-device-name":    func(im catalog.Image) []string { return one(im.RootDeviceName) },
	"owner-alias":         func(im catalog.Image) []string { return one(im.OwnerAlias) },
	"owner-id":            func(im catalog.Image) []string { return one(im.OwnerID) },
	"architecture":        func(im catalog.Image) []string { return one(im.Architecture) },
	"state":               func(catalog.Image) []string { return one("available") },
	"image-type":          func(catalog.Image) []string { return one("machine") },
	"is-public":           func(im catalog.Image) []string { return boolStr(im.Public) },
	"platform":            func(im catalog.Image) []string { return one(im.Platform) },
	"platform-details":    func(im catalog.Image) []string { return one(platformDetails(im.Platform)) },
	"virtualization-type": func(im catalog.Image) []string { return one(im.VirtualizationType) },
	"hypervisor":          func(im catalog.Image) []string { return one(im.Hypervisor) },
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

// ownerMatches reports whether image im belongs to one of the Owner.N values.
func ownerMatches(owners []string, self string, im catalog.Image) bool {
	for _, o := range owners {
		switch {
		case o == "self" && im.OwnerID == self:
			return true
		case o == im.OwnerAlias && o != "":
			return true
		case o == im.OwnerID:
			return true
		}
	}
	return false
}

// describeImages lists the images the caller can launch (the built-in ones
// and its own imported ones): DescribeImages.
func (h *Handler) describeImages(ctx context.Context, c *call) (any, error) {
	p := c.params
	ids, err := idList(p, "ImageId", false)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := checkImageID(id); err != nil {
			return nil, err
		}
	}
	owners, err := p.List("Owner")
	if err != nil {
		return nil, err
	}
	for _, o := range owners {
		switch {
		case o == "self", o == "amazon", o == "aws-marketplace", o == "aws-backup-vault", accountIDRE.MatchString(o):
		default:
			return nil, invalidValue("Invalid user id: %q", o)
		}
	}
	fs, err := filters(p)
	if err != nil {
		return nil, err
	}
	if err := checkFilters(fs, imageAttrs); err != nil {
		return nil, err
	}
	limit, err := maxResults(p, 5, 1000)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 && has(p, "MaxResults") {
		return nil, combination("The parameter ImageIds cannot be used with the parameter maxResults")
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	images, err := h.catalog.ImagesFor(ctx, c.account())
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		var found []catalog.Image
		var unknown []string
		for _, id := range ids {
			im, err := h.catalog.ImageFor(ctx, c.account(), id)
			switch {
			case err == nil:
				found = append(found, im)
			case errors.Is(err, errdefs.ErrNotFound):
				unknown = append(unknown, id)
			default:
				return nil, err
			}
		}
		if len(unknown) > 0 {
			return nil, errdefs.New(errdefs.NotFound, errdefs.ResImage, strings.Join(unknown, ","), "")
		}
		images = found
	}
	if len(owners) > 0 {
		images = slices.DeleteFunc(images, func(im catalog.Image) bool { return !ownerMatches(owners, c.account(), im) })
	}
	if images, err = applyFilters(images, fs, imageAttrs); err != nil {
		return nil, err
	}
	page, next, err := paginate(images, limit, p.String("NextToken"))
	if err != nil {
		return nil, err
	}
	out := make([]xmlImage, 0, len(page))
	for _, im := range page {
		out = append(out, encodeImage(im))
	}
	return describeImagesResponse{Images: list(out), NextToken: next}, nil
}

// encodeImage renders a catalog image as EC2's Image.
func encodeImage(im catalog.Image) xmlImage {
	x := xmlImage{
		ImageID:            im.ID,
		ImageLocation:      im.OwnerAlias + "/" + im.Name,
		ImageState:         "available",
		ImageOwnerID:       im.OwnerID,
		CreationDate:       ts(im.CreationDate),
		IsPublic:           im.Public,
		Architecture:       im.Architecture,
		ImageType:          "machine",
		Platform:           im.Platform,
		PlatformDetails:    platformDetails(im.Platform),
		UsageOperation:     usageOperation(im.Platform),
		ImageOwnerAlias:    im.OwnerAlias,
		Name:               im.Name,
		Description:        im.Description,
		RootDeviceType:     im.RootDeviceType,
		RootDeviceName:     im.RootDeviceName,
		VirtualizationType: im.VirtualizationType,
		Hypervisor:         im.Hypervisor,
		ENASupport:         true,
	}
	if im.OwnerAlias == "" {
		x.ImageLocation = im.OwnerID + "/" + im.Name
	}
	var bdm []xmlBlockDeviceMapping
	if im.RootDeviceType == "ebs" {
		bdm = append(bdm, xmlBlockDeviceMapping{
			DeviceName: im.RootDeviceName,
			EBS:        &xmlEBSBlockDevice{DeleteOnTermination: true, VolumeSize: im.RootSizeGiB, VolumeType: "gp3"},
		})
	}
	x.BlockDeviceMapping = list(bdm)
	return x
}

// instanceTypeAttrs are the DescribeInstanceTypes filters served.
var instanceTypeAttrs = attrs[catalog.InstanceType]{
	"instance-type":                         func(t catalog.InstanceType) []string { return one(t.Name) },
	"current-generation":                    func(t catalog.InstanceType) []string { return boolStr(t.CurrentGeneration) },
	"free-tier-eligible":                    func(t catalog.InstanceType) []string { return boolStr(freeTier(t)) },
	"hibernation-supported":                 func(t catalog.InstanceType) []string { return boolStr(t.HibernationSupported) },
	"instance-storage-supported":            func(t catalog.InstanceType) []string { return boolStr(t.InstanceStorageGiB > 0) },
	"burstable-performance-supported":       func(t catalog.InstanceType) []string { return boolStr(t.BurstablePerformance) },
	"bare-metal":                            func(catalog.InstanceType) []string { return boolStr(false) },
	"vcpu-info.default-vcpus":               func(t catalog.InstanceType) []string { return one(strconv.Itoa(t.VCPUs)) },
	"memory-info.size-in-mib":               func(t catalog.InstanceType) []string { return one(strconv.FormatInt(t.MemoryMiB, 10)) },
	"processor-info.supported-architecture": func(t catalog.InstanceType) []string { return one(t.Architecture) },
	"instance-storage-info.total-size-in-gb": func(t catalog.InstanceType) []string {
		return one(strconv.Itoa(t.InstanceStorageGiB))
	},
	"supported-usage-class":         func(catalog.InstanceType) []string { return []string{"on-demand", "spot"} },
	"supported-root-device-type":    func(t catalog.InstanceType) []string { return rootDeviceTypes(t) },
	"supported-virtualization-type": func(catalog.InstanceType) []string { return one("hvm") },
	"hypervisor":                    func(t catalog.InstanceType) []string { return one(typeHypervisor(t)) },
}

// freeTier reports the types AWS's free tier covers.
func freeTier(t catalog.InstanceType) bool { return t.Name == "t2.micro" || t.Name == "t3.micro" }

// typeHypervisor is xen for the older families and nitro for the rest.
func typeHypervisor(t catalog.InstanceType) string {
	switch t.Family() {
	case "t2", "i3":
		return "xen"
	}
	return "nitro"
}

// rootDeviceTypes lists the root device types a type can boot from.
func rootDeviceTypes(t catalog.InstanceType) []string {
	if t.InstanceStorageGiB > 0 {
		return []string{"ebs", "instance-store"}
	}
	return []string{"ebs"}
}

// describeInstanceTypes lists the catalog's types: DescribeInstanceTypes.
func (h *Handler) describeInstanceTypes(ctx context.Context, c *call) (any, error) {
	p := c.params
	names, err := idList(p, "InstanceType", false)
	if err != nil {
		return nil, err
	}
	fs, err := filters(p)
	if err != nil {
		return nil, err
	}
	if err := checkFilters(fs, instanceTypeAttrs); err != nil {
		return nil, err
	}
	limit, err := maxResults(p, 5, 100)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	types := h.catalog.InstanceTypes()
	if len(names) > 0 {
		var found []catalog.InstanceType
		var unknown []string
		for _, n := range names {
			if t, ok := h.catalog.InstanceType(n); ok {
				found = append(found, t)
			} else {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			return nil, errdefs.New(errdefs.NotFound, errdefs.ResInstanceType, strings.Join(unknown, ","), "")
		}
		types = found
	}
	if types, err = applyFilters(types, fs, instanceTypeAttrs); err != nil {
		return nil, err
	}
	page, next, err := paginate(types, limit, p.String("NextToken"))
	if err != nil {
		return nil, err
	}
	out := make([]xmlInstanceTypeInfo, 0, len(page))
	for _, t := range page {
		out = append(out, encodeInstanceType(t))
	}
	return describeInstanceTypesResponse{InstanceTypes: list(out), NextToken: next}, nil
}

// encodeInstanceType renders a catalog type as EC2's InstanceTypeInfo.
func encodeInstanceType(t catalog.InstanceType) xmlInstanceTypeInfo {
	cores, threads := coresAndThreads(t.VCPUs)
	validCores := make([]int, 0, cores)
	for i := 1; i <= cores; i++ {
		validCores = append(validCores, i)
	}
	validThreads := []int{1}
	if threads == 2 {
		validThreads = append(validThreads, 2)
	}
	arch := t.Architecture
	if arch == "" {
		arch = "x86_64"
	}
	x := xmlInstanceTypeInfo{
		InstanceType:                 t.Name,
		CurrentGeneration:            t.CurrentGeneration,
		FreeTierEligible:             freeTier(t),
		SupportedUsageClasses:        list([]string{"on-demand", "spot"}),
		SupportedRootDeviceTypes:     list(rootDeviceTypes(t)),
		SupportedVirtualizationTypes: list([]string{"hvm"}),
		Hypervisor:                   typeHypervisor(t),
		ProcessorInfo: xmlProcessorInfo{
			SupportedArchitectures: list([]string{arch}),
			SustainedClockSpeedGHz: 2.5,
			Manufacturer:           "Intel",
		},
		VCPUInfo: xmlVCPUInfo{
			DefaultVCPUs:          t.VCPUs,
			DefaultCores:          cores,
			DefaultThreadsPerCore: threads,
			ValidCores:            list(validCores),
			ValidThreadsPerCore:   list(validThreads),
		},
		MemoryInfo:               xmlMemoryInfo{SizeInMiB: t.MemoryMiB},
		InstanceStorageSupported: t.InstanceStorageGiB > 0,
		EBSInfo:                  xmlEBSInfo{EBSOptimizedSupport: "default", EncryptionSupport: "supported", NVMeSupport: "required"},
		NetworkInfo: xmlNetworkInfo{
			NetworkPerformance: "Up to 5 Gigabit", MaximumNetworkInterfaces: 3,
			IPv4AddressesPerIface: 10, IPv6AddressesPerIface: 10, IPv6Supported: true, ENASupport: "required",
		},
		PlacementGroupInfo:            xmlPlacementGroupInfo{SupportedStrategies: list([]string{"partition", "spread"})},
		HibernationSupported:          t.HibernationSupported,
		BurstablePerformanceSupported: t.BurstablePerformance,
		AutoRecoverySupported:         t.InstanceStorageGiB == 0,
		SupportedBootModes:            list([]string{"legacy-bios", "uefi"}),
	}
	if t.InstanceStorageGiB > 0 {
		x.InstanceStorageInfo = &xmlInstanceStorageInfo{
			TotalSizeInGB:     int64(t.InstanceStorageGiB),
			Disks:             list([]xmlDiskInfo{{SizeInGB: int64(t.InstanceStorageGiB), Count: 1, Type: "ssd"}}),
			NVMeSupport:       "required",
			EncryptionSupport: "required",
		}
	}
	return x
}

// regionAttrs are the DescribeRegions filters served.
var regionAttrs = attrs[catalog.Region]{
	"region-name":   func(r catalog.Region) []string { return one(r.Name) },
	"endpoint":      func(r catalog.Region) []string { return one(r.Endpoint) },
	"opt-in-status": func(catalog.Region) []string { return one("opt-in-not-required") },
}

// describeRegions lists the regions this endpoint answers for: DescribeRegions.
func (h *Handler) describeRegions(ctx context.Context, c *call) (any, error) {
	p := c.params
	names, err := p.List("RegionName")
	if err != nil {
		return nil, err
	}
	fs, err := filters(p)
	if err != nil {
		return nil, err
	}
	if err := checkFilters(fs, regionAttrs); err != nil {
		return nil, err
	}
	if _, err := boolParam(p, "AllRegions"); err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	regions := h.catalog.Regions(c.host)
	if len(names) > 0 {
		for _, n := range names {
			if !slices.ContainsFunc(regions, func(r catalog.Region) bool { return r.Name == n }) {
				return nil, errdefs.Newf(errdefs.InvalidArgument, resRegion, n, "Invalid region: %s", n)
			}
		}
		regions = slices.DeleteFunc(regions, func(r catalog.Region) bool { return !slices.Contains(names, r.Name) })
	}
	if regions, err = applyFilters(regions, fs, regionAttrs); err != nil {
		return nil, err
	}
	out := make([]xmlRegion, 0, len(regions))
	for _, r := range regions {
		out = append(out, xmlRegion{RegionName: r.Name, RegionEndpoint: r.Endpoint, OptInStatus: "opt-in-not-required"})
	}
	return describeRegionsResponse{Regions: list(out)}, nil
}

// zoneAttrs are the DescribeAvailabilityZones filters served.
var zoneAttrs = attrs[catalog.Zone]{
	"zone-name":            func(z catalog.Zone) []string { return one(z.Name) },
	"zone-id":              func(z catalog.Zone) []string { return one(z.ID) },
	"region-name":          func(z catalog.Zone) []string { return one(z.Region) },
	"group-name":           func(z catalog.Zone) []string { return one(z.Region) },
	"network-border-group": func(z catalog.Zone) []string { return one(z.Region) },
	"state":                func(catalog.Zone) []string { return one("available") },
	"zone-type":            func(catalog.Zone) []string { return one("availability-zone") },
	"opt-in-status":        func(catalog.Zone) []string { return one("opt-in-not-required") },
}

// describeAvailabilityZones lists the region's zones: DescribeAvailabilityZones.
func (h *Handler) describeAvailabilityZones(ctx context.Context, c *call) (any, error) {
	p := c.params
	names, err := p.List("ZoneName")
	if err != nil {
		return nil, err
	}
	zoneIDs, err := p.List("ZoneId")
	if err != nil {
		return nil, err
	}
	fs, err := filters(p)
	if err != nil {
		return nil, err
	}
	if err := checkFilters(fs, zoneAttrs); err != nil {
		return nil, err
	}
	if _, err := boolParam(p, "AllAvailabilityZones"); err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	zones := h.catalog.Zones()
	if len(names) > 0 || len(zoneIDs) > 0 {
		for _, n := range append(slices.Clone(names), zoneIDs...) {
			if !slices.ContainsFunc(zones, func(z catalog.Zone) bool { return z.Name == n || z.ID == n }) {
				return nil, errdefs.Newf(errdefs.InvalidArgument, resZone, n, "Invalid availability zone: [%s]", n)
			}
		}
		zones = slices.DeleteFunc(zones, func(z catalog.Zone) bool {
			return !slices.Contains(names, z.Name) && !slices.Contains(zoneIDs, z.ID)
		})
	}
	if zones, err = applyFilters(zones, fs, zoneAttrs); err != nil {
		return nil, err
	}
	out := make([]xmlAvailabilityZone, 0, len(zones))
	for _, z := range zones {
		out = append(out, xmlAvailabilityZone{
			ZoneName: z.Name, ZoneID: z.ID, ZoneState: "available", OptInStatus: "opt-in-not-required",
			Messages: list[xmlZoneMessage](nil), RegionName: z.Region, GroupName: z.Region,
			NetworkBorderGroup: z.Region, ZoneType: "availability-zone",
		})
	}
	return describeAvailabilityZonesResponse{Zones: list(out)}, nil
}

package ecsapi

import (
	"context"
	"slices"
	"strconv"

	"strato/internal/core/catalog"
)

// Limits of the catalog describes.
const (
	maxImageIDs            = 100
	maxInstanceTypesFilter = 10
	maxInstanceTypesPage   = 1600
	defaultInstanceTypes   = 250
)

// describeImages lists the built-in ECS images: DescribeImages. Filters:
// ImageId (comma-separated), ImageName, ImageOwnerAlias, OSType,
// Architecture, Status; PageNumber / PageSize.
func (h *Handler) describeImages(ctx context.Context, c *call) (any, error) {
	p := c.params
	ids := trimmedSplit(p.Get("ImageId"))
	if len(ids) > maxImageIDs {
		return nil, badParam("ImageId")
	}
	owner := p.Get("ImageOwnerAlias")
	switch owner {
	case "", "system", "self", "others", "marketplace":
	default:
		return nil, badParam("ImageOwnerAlias")
	}
	pageNo, err := intIn(p, "PageNumber", 1, 1<<30, 1)
	if err != nil {
		return nil, err
	}
	size, err := intIn(p, "PageSize", 1, maxPageSize, defaultPageSize)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	var all []ecsImage
	for _, im := range h.catalog.ECSImages() {
		osType, osName := osOf(im)
		e := ecsImage{ImageId: im.ID, ImageName: im.Name, ImageVersion: "1.0", ImageOwnerAlias: im.OwnerAlias,
			Description: im.Description, Architecture: im.Architecture, OSType: osType, OSName: osName, OSNameEn: osName,
			Platform: "Strato", Size: im.RootSizeGiB, Status: "Available", Progress: "100%", Usage: "instance", BootMode: "BIOS",
			CreationTime: im.CreationDate.UTC().Format("2006-01-02T15:04:05Z"), IsPublic: im.Public, IsSupportCloudinit: true,
			IsSupportIoOptimized: true,
			DiskDeviceMappings: diskDeviceMappings{DiskDeviceMapping: []diskDeviceMapping{{Device: im.RootDeviceName,
				Size: strconv.Itoa(im.RootSizeGiB), Type: "system"}}},
			Tags: instanceTags{Tag: []instanceTag{}}}
		switch {
		case len(ids) > 0 && !slices.Contains(ids, e.ImageId),
			p.Get("ImageName") != "" && p.Get("ImageName") != e.ImageName,
			owner != "" && owner != e.ImageOwnerAlias,
			p.Get("OSType") != "" && p.Get("OSType") != e.OSType,
			p.Get("Architecture") != "" && p.Get("Architecture") != e.Architecture,
			p.Get("Status") != "" && !slices.Contains(trimmedSplit(p.Get("Status")), e.Status):
			continue
		}
		all = append(all, e)
	}
	lo, hi, _ := page(len(all), (pageNo-1)*size, size)
	return describeImagesResponse{Images: imagesList{Image: append([]ecsImage{}, all[lo:hi]...)}, RegionId: h.region,
		TotalCount: len(all), PageNumber: pageNo, PageSize: size}, nil
}

// describeRegions lists the regions; this endpoint answers for each:
// DescribeRegions.
func (h *Handler) describeRegions(ctx context.Context, c *call) (any, error) {
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	out := describeRegionsResponse{Regions: regionsList{Region: []ecsRegion{}}}
	for _, r := range h.catalog.ECSRegions() {
		out.Regions.Region = append(out.Regions.Region, ecsRegion{RegionId: r.ID, LocalName: r.LocalName,
			RegionEndpoint: c.host, Status: "available"})
	}
	return out, nil
}

// localName of the served region, for zone names.
func (h *Handler) localName() string {
	for _, r := range h.catalog.ECSRegions() {
		if r.ID == h.region {
			return r.LocalName
		}
	}
	return h.region
}

// describeZones lists the served region's zones and what they offer:
// DescribeZones.
func (h *Handler) describeZones(ctx context.Context, c *call) (any, error) {
	if _, err := optBool(c.params, "Verbose"); err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	var types []string
	for _, t := range h.catalog.ECSInstanceTypes() {
		types = append(types, t.Name)
	}
	out := describeZonesResponse{Zones: zonesList{Zone: []ecsZone{}}}
	for _, z := range zoneIDs(h.catalog) {
		out.Zones.Zone = append(out.Zones.Zone, ecsZone{
			ZoneId: z, LocalName: h.localName() + " Zone " + string(z[len(z)-1]-'a'+'A'), ZoneType: "AvailabilityZone",
			AvailableResourceCreation: resourceTypes{ResourceTypes: []string{"Instance", "Disk", "VSwitch"}},
			AvailableInstanceTypes:    availableInstanceTypes{InstanceTypes: slices.Clone(types)},
			AvailableDiskCategories:   availableDiskCategories{DiskCategories: []string{"cloud_essd", "cloud_efficiency"}},
			AvailableVolumeCategories: availableVolumeCategories{VolumeCategories: []string{}},
		})
	}
	return out, nil
}

// describeInstanceTypes lists ECS instance types: DescribeInstanceTypes
// (InstanceTypes.N, InstanceTypeFamily, MaxResults / NextToken).
func (h *Handler) describeInstanceTypes(ctx context.Context, c *call) (any, error) {
	p := c.params
	names, err := p.List("InstanceTypes", maxInstanceTypesFilter)
	if err != nil {
		return nil, err
	}
	size, err := intIn(p, "MaxResults", 1, maxInstanceTypesPage, defaultInstanceTypes)
	if err != nil {
		return nil, err
	}
	off, err := parseToken(p.Get("NextToken"))
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	var all []ecsInstanceType
	for _, t := range h.catalog.ECSInstanceTypes() {
		if len(names) > 0 && !slices.Contains(names, t.Name) || p.Get("InstanceTypeFamily") != "" && p.Get("InstanceTypeFamily") != t.Family {
			continue
		}
		all = append(all, encodeType(t))
	}
	lo, hi, next := page(len(all), off, size)
	return describeInstanceTypesResponse{InstanceTypes: instanceTypesList{InstanceType: append([]ecsInstanceType{}, all[lo:hi]...)},
		NextToken: next}, nil
}

func encodeType(t catalog.ECSInstanceType) ecsInstanceType {
	e := ecsInstanceType{InstanceTypeId: t.Name, InstanceTypeFamily: t.Family, InstanceFamilyLevel: t.FamilyLevel,
		Generation: t.Generation, CpuCoreCount: t.VCPUs, MemorySize: float64(t.MemoryMiB) / 1024, CpuArchitecture: "X86",
		EniQuantity: 2, InstanceCategory: "General-purpose"}
	if t.InstanceStorageGiB > 0 {
		e.LocalStorageAmount, e.LocalStorageCapacity, e.LocalStorageCategory = 1, int64(t.InstanceStorageGiB), t.LocalStorageCategory
	}
	return e
}

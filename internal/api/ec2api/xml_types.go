package ec2api

import "time"

// The response shapes below follow botocore's EC2 model
// (data/ec2/2016-11-15/service-2.json): element names are the members'
// locationName, lists are wrapped in their locationName with one <item> per
// element. Lists that real EC2 always sends (even empty) use items[T], which
// always renders its wrapper so that clients see an empty list rather than a
// missing key; lists EC2 leaves out when empty are *items[T] with omitempty
// (encoding/xml renders the parent of an empty `wrapper>item` path anyway).

// items is a list that always renders its wrapper element.
type items[T any] struct {
	Items []T `xml:"item"`
}

// list makes an items from a slice.
func list[T any](v []T) items[T] { return items[T]{Items: v} }

// optList makes an *items that is omitted when v is empty.
func optList[T any](v []T) *items[T] {
	if len(v) == 0 {
		return nil
	}
	return &items[T]{Items: v}
}

// timeFormat is EC2's timestamp format: ISO 8601, UTC, milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

// ts formats t as EC2 does, "" for the zero time.
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

// returnResponse is the answer of operations whose model has no output shape.
type returnResponse struct {
	Return bool `xml:"return"`
}

type xmlInstanceState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type xmlStateChange struct {
	InstanceID    string           `xml:"instanceId"`
	CurrentState  xmlInstanceState `xml:"currentState"`
	PreviousState xmlInstanceState `xml:"previousState"`
}

// stateChangeResponse answers StartInstances, StopInstances and
// TerminateInstances (StartingInstances/StoppingInstances/TerminatingInstances,
// all with locationName instancesSet).
type stateChangeResponse struct {
	Instances items[xmlStateChange] `xml:"instancesSet"`
}

type xmlGroup struct {
	GroupID   string `xml:"groupId,omitempty"`
	GroupName string `xml:"groupName,omitempty"`
}

type xmlTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type xmlPlacement struct {
	AvailabilityZone   string `xml:"availabilityZone"`
	AvailabilityZoneID string `xml:"availabilityZoneId,omitempty"`
	GroupName          string `xml:"groupName"`
	Tenancy            string `xml:"tenancy"`
}

type xmlMonitoring struct {
	State string `xml:"state"`
}

type xmlStateReason struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type xmlEBSInstanceBlockDevice struct {
	VolumeID            string `xml:"volumeId"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime,omitempty"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

type xmlInstanceBlockDevice struct {
	DeviceName string                    `xml:"deviceName"`
	EBS        xmlEBSInstanceBlockDevice `xml:"ebs"`
}

type xmlProductCode struct {
	ProductCode string `xml:"productCode"`
	Type        string `xml:"type"`
}

type xmlHibernationOptions struct {
	Configured bool `xml:"configured"`
}

type xmlEnclaveOptions struct {
	Enabled bool `xml:"enabled"`
}

type xmlMetadataOptions struct {
	State                   string `xml:"state"`
	HTTPTokens              string `xml:"httpTokens"`
	HTTPPutResponseHopLimit int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint            string `xml:"httpEndpoint"`
	HTTPProtocolIPv6        string `xml:"httpProtocolIpv6"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags"`
}

type xmlCPUOptions struct {
	CoreCount      int `xml:"coreCount"`
	ThreadsPerCore int `xml:"threadsPerCore"`
}

// xmlInstance is EC2's Instance shape (the fields Strato can fill).
type xmlInstance struct {
	InstanceID           string                        `xml:"instanceId"`
	ImageID              string                        `xml:"imageId"`
	InstanceState        xmlInstanceState              `xml:"instanceState"`
	PrivateDNSName       string                        `xml:"privateDnsName"`
	DNSName              string                        `xml:"dnsName"`
	Reason               string                        `xml:"reason"`
	KeyName              string                        `xml:"keyName,omitempty"`
	AMILaunchIndex       int                           `xml:"amiLaunchIndex"`
	ProductCodes         items[xmlProductCode]         `xml:"productCodes"`
	InstanceType         string                        `xml:"instanceType"`
	LaunchTime           string                        `xml:"launchTime,omitempty"`
	Placement            xmlPlacement                  `xml:"placement"`
	Platform             string                        `xml:"platform,omitempty"`
	Monitoring           xmlMonitoring                 `xml:"monitoring"`
	PrivateIPAddress     string                        `xml:"privateIpAddress,omitempty"`
	IPAddress            string                        `xml:"ipAddress,omitempty"`
	StateReason          *xmlStateReason               `xml:"stateReason,omitempty"`
	Architecture         string                        `xml:"architecture"`
	RootDeviceType       string                        `xml:"rootDeviceType"`
	RootDeviceName       string                        `xml:"rootDeviceName,omitempty"`
	BlockDeviceMapping   items[xmlInstanceBlockDevice] `xml:"blockDeviceMapping"`
	InstanceLifecycle    string                        `xml:"instanceLifecycle,omitempty"`
	VirtualizationType   string                        `xml:"virtualizationType"`
	ClientToken          string                        `xml:"clientToken,omitempty"`
	Tags                 *items[xmlTag]                `xml:"tagSet,omitempty"`
	Hypervisor           string                        `xml:"hypervisor"`
	Groups               items[xmlGroup]               `xml:"groupSet"`
	EBSOptimized         bool                          `xml:"ebsOptimized"`
	ENASupport           bool                          `xml:"enaSupport"`
	CPUOptions           *xmlCPUOptions                `xml:"cpuOptions,omitempty"`
	HibernationOptions   xmlHibernationOptions         `xml:"hibernationOptions"`
	MetadataOptions      xmlMetadataOptions            `xml:"metadataOptions"`
	EnclaveOptions       xmlEnclaveOptions             `xml:"enclaveOptions"`
	BootMode             string                        `xml:"bootMode,omitempty"`
	PlatformDetails      string                        `xml:"platformDetails"`
	UsageOperation       string                        `xml:"usageOperation"`
	UsageOperationUpdate string                        `xml:"usageOperationUpdateTime,omitempty"`
	CurrentBootMode      string                        `xml:"currentInstanceBootMode,omitempty"`
	MaintenanceOptions   *xmlMaintenanceOptions        `xml:"maintenanceOptions,omitempty"`
	NetworkInterfaces    items[xmlNetworkInterface]    `xml:"networkInterfaceSet"`
}

type xmlMaintenanceOptions struct {
	AutoRecovery string `xml:"autoRecovery"`
}

// xmlNetworkInterface is a placeholder: Strato has no VPCs, so the
// network interface list is always empty.
type xmlNetworkInterface struct{}

// xmlReservation is EC2's Reservation shape; RunInstances answers with one.
type xmlReservation struct {
	ReservationID string             `xml:"reservationId"`
	OwnerID       string             `xml:"ownerId"`
	Groups        items[xmlGroup]    `xml:"groupSet"`
	Instances     items[xmlInstance] `xml:"instancesSet"`
}

type describeInstancesResponse struct {
	Reservations items[xmlReservation] `xml:"reservationSet"`
	NextToken    string                `xml:"nextToken,omitempty"`
}

type xmlStatusDetail struct {
	Name   string `xml:"name"`
	Status string `xml:"status"`
}

type xmlStatusSummary struct {
	Status  string                  `xml:"status"`
	Details *items[xmlStatusDetail] `xml:"details,omitempty"`
}

type xmlInstanceStatus struct {
	InstanceID         string           `xml:"instanceId"`
	AvailabilityZone   string           `xml:"availabilityZone"`
	AvailabilityZoneID string           `xml:"availabilityZoneId,omitempty"`
	InstanceState      xmlInstanceState `xml:"instanceState"`
	SystemStatus       xmlStatusSummary `xml:"systemStatus"`
	InstanceStatus     xmlStatusSummary `xml:"instanceStatus"`
	AttachedEBSStatus  xmlStatusSummary `xml:"attachedEbsStatus"`
}

type describeInstanceStatusResponse struct {
	InstanceStatuses items[xmlInstanceStatus] `xml:"instanceStatusSet"`
	NextToken        string                   `xml:"nextToken,omitempty"`
}

type xmlTagDescription struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

type describeTagsResponse struct {
	Tags      items[xmlTagDescription] `xml:"tagSet"`
	NextToken string                   `xml:"nextToken,omitempty"`
}

// xmlAttrValue is EC2's AttributeValue; Value nil renders an empty element.
type xmlAttrValue struct {
	Value *string `xml:"value,omitempty"`
}

// xmlAttrBool is EC2's AttributeBooleanValue.
type xmlAttrBool struct {
	Value bool `xml:"value"`
}

// describeInstanceAttributeResponse is EC2's InstanceAttribute: the instance
// id and the one attribute asked for.
type describeInstanceAttributeResponse struct {
	InstanceID            string                         `xml:"instanceId"`
	DisableAPIStop        *xmlAttrBool                   `xml:"disableApiStop,omitempty"`
	DisableAPITermination *xmlAttrBool                   `xml:"disableApiTermination,omitempty"`
	InstanceType          *xmlAttrValue                  `xml:"instanceType,omitempty"`
	UserData              *xmlAttrValue                  `xml:"userData,omitempty"`
	ShutdownBehavior      *xmlAttrValue                  `xml:"instanceInitiatedShutdownBehavior,omitempty"`
	Kernel                *xmlAttrValue                  `xml:"kernel,omitempty"`
	Ramdisk               *xmlAttrValue                  `xml:"ramdisk,omitempty"`
	RootDeviceName        *xmlAttrValue                  `xml:"rootDeviceName,omitempty"`
	SriovNetSupport       *xmlAttrValue                  `xml:"sriovNetSupport,omitempty"`
	SourceDestCheck       *xmlAttrBool                   `xml:"sourceDestCheck,omitempty"`
	EBSOptimized          *xmlAttrBool                   `xml:"ebsOptimized,omitempty"`
	ENASupport            *xmlAttrBool                   `xml:"enaSupport,omitempty"`
	EnclaveOptions        *xmlEnclaveOptions             `xml:"enclaveOptions,omitempty"`
	BlockDeviceMapping    *items[xmlInstanceBlockDevice] `xml:"blockDeviceMapping,omitempty"`
	ProductCodes          *items[xmlProductCode]         `xml:"productCodes,omitempty"`
	Groups                *items[xmlGroup]               `xml:"groupSet,omitempty"`
}

type getConsoleOutputResponse struct {
	InstanceID string `xml:"instanceId"`
	Timestamp  string `xml:"timestamp,omitempty"`
	Output     string `xml:"output"`
}

type xmlEBSBlockDevice struct {
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
	SnapshotID          string `xml:"snapshotId,omitempty"`
	VolumeSize          int    `xml:"volumeSize"`
	VolumeType          string `xml:"volumeType"`
	Encrypted           bool   `xml:"encrypted"`
}

type xmlBlockDeviceMapping struct {
	DeviceName  string             `xml:"deviceName"`
	VirtualName string             `xml:"virtualName,omitempty"`
	EBS         *xmlEBSBlockDevice `xml:"ebs,omitempty"`
}

type xmlImage struct {
	ImageID            string                       `xml:"imageId"`
	ImageLocation      string                       `xml:"imageLocation"`
	ImageState         string                       `xml:"imageState"`
	ImageOwnerID       string                       `xml:"imageOwnerId"`
	CreationDate       string                       `xml:"creationDate,omitempty"`
	IsPublic           bool                         `xml:"isPublic"`
	Architecture       string                       `xml:"architecture"`
	ImageType          string                       `xml:"imageType"`
	Platform           string                       `xml:"platform,omitempty"`
	PlatformDetails    string                       `xml:"platformDetails"`
	UsageOperation     string                       `xml:"usageOperation"`
	ImageOwnerAlias    string                       `xml:"imageOwnerAlias,omitempty"`
	Name               string                       `xml:"name"`
	Description        string                       `xml:"description,omitempty"`
	RootDeviceType     string                       `xml:"rootDeviceType"`
	RootDeviceName     string                       `xml:"rootDeviceName"`
	BlockDeviceMapping items[xmlBlockDeviceMapping] `xml:"blockDeviceMapping"`
	VirtualizationType string                       `xml:"virtualizationType"`
	Hypervisor         string                       `xml:"hypervisor"`
	ENASupport         bool                         `xml:"enaSupport"`
	BootMode           string                       `xml:"bootMode,omitempty"`
}

type describeImagesResponse struct {
	Images    items[xmlImage] `xml:"imagesSet"`
	NextToken string          `xml:"nextToken,omitempty"`
}

type xmlProcessorInfo struct {
	SupportedArchitectures items[string] `xml:"supportedArchitectures"`
	SustainedClockSpeedGHz float64       `xml:"sustainedClockSpeedInGhz"`
	Manufacturer           string        `xml:"manufacturer"`
}

type xmlVCPUInfo struct {
	DefaultVCPUs          int        `xml:"defaultVCpus"`
	DefaultCores          int        `xml:"defaultCores"`
	DefaultThreadsPerCore int        `xml:"defaultThreadsPerCore"`
	ValidCores            items[int] `xml:"validCores"`
	ValidThreadsPerCore   items[int] `xml:"validThreadsPerCore"`
}

type xmlMemoryInfo struct {
	SizeInMiB int64 `xml:"sizeInMiB"`
}

type xmlDiskInfo struct {
	SizeInGB int64  `xml:"sizeInGB"`
	Count    int    `xml:"count"`
	Type     string `xml:"type"`
}

type xmlInstanceStorageInfo struct {
	TotalSizeInGB     int64              `xml:"totalSizeInGB"`
	Disks             items[xmlDiskInfo] `xml:"disks"`
	NVMeSupport       string             `xml:"nvmeSupport"`
	EncryptionSupport string             `xml:"encryptionSupport"`
}

type xmlEBSInfo struct {
	EBSOptimizedSupport string `xml:"ebsOptimizedSupport"`
	EncryptionSupport   string `xml:"encryptionSupport"`
	NVMeSupport         string `xml:"nvmeSupport"`
}

type xmlNetworkInfo struct {
	NetworkPerformance       string `xml:"networkPerformance"`
	MaximumNetworkInterfaces int    `xml:"maximumNetworkInterfaces"`
	IPv4AddressesPerIface    int    `xml:"ipv4AddressesPerInterface"`
	IPv6AddressesPerIface    int    `xml:"ipv6AddressesPerInterface"`
	IPv6Supported            bool   `xml:"ipv6Supported"`
	ENASupport               string `xml:"enaSupport"`
	EFASupported             bool   `xml:"efaSupported"`
}

type xmlPlacementGroupInfo struct {
	SupportedStrategies items[string] `xml:"supportedStrategies"`
}

type xmlInstanceTypeInfo struct {
	InstanceType                  string                  `xml:"instanceType"`
	CurrentGeneration             bool                    `xml:"currentGeneration"`
	FreeTierEligible              bool                    `xml:"freeTierEligible"`
	SupportedUsageClasses         items[string]           `xml:"supportedUsageClasses"`
	SupportedRootDeviceTypes      items[string]           `xml:"supportedRootDeviceTypes"`
	SupportedVirtualizationTypes  items[string]           `xml:"supportedVirtualizationTypes"`
	BareMetal                     bool                    `xml:"bareMetal"`
	Hypervisor                    string                  `xml:"hypervisor"`
	ProcessorInfo                 xmlProcessorInfo        `xml:"processorInfo"`
	VCPUInfo                      xmlVCPUInfo             `xml:"vCpuInfo"`
	MemoryInfo                    xmlMemoryInfo           `xml:"memoryInfo"`
	InstanceStorageSupported      bool                    `xml:"instanceStorageSupported"`
	InstanceStorageInfo           *xmlInstanceStorageInfo `xml:"instanceStorageInfo,omitempty"`
	EBSInfo                       xmlEBSInfo              `xml:"ebsInfo"`
	NetworkInfo                   xmlNetworkInfo          `xml:"networkInfo"`
	PlacementGroupInfo            xmlPlacementGroupInfo   `xml:"placementGroupInfo"`
	HibernationSupported          bool                    `xml:"hibernationSupported"`
	BurstablePerformanceSupported bool                    `xml:"burstablePerformanceSupported"`
	DedicatedHostsSupported       bool                    `xml:"dedicatedHostsSupported"`
	AutoRecoverySupported         bool                    `xml:"autoRecoverySupported"`
	SupportedBootModes            items[string]           `xml:"supportedBootModes"`
}

type describeInstanceTypesResponse struct {
	InstanceTypes items[xmlInstanceTypeInfo] `xml:"instanceTypeSet"`
	NextToken     string                     `xml:"nextToken,omitempty"`
}

type xmlRegion struct {
	RegionName     string `xml:"regionName"`
	RegionEndpoint string `xml:"regionEndpoint"`
	OptInStatus    string `xml:"optInStatus"`
}

type describeRegionsResponse struct {
	Regions items[xmlRegion] `xml:"regionInfo"`
}

type xmlZoneMessage struct {
	Message string `xml:"message"`
}

type xmlAvailabilityZone struct {
	ZoneName           string                `xml:"zoneName"`
	ZoneID             string                `xml:"zoneId"`
	ZoneState          string                `xml:"zoneState"`
	OptInStatus        string                `xml:"optInStatus"`
	Messages           items[xmlZoneMessage] `xml:"messageSet"`
	RegionName         string                `xml:"regionName"`
	GroupName          string                `xml:"groupName"`
	NetworkBorderGroup string                `xml:"networkBorderGroup"`
	ZoneType           string                `xml:"zoneType"`
}

type describeAvailabilityZonesResponse struct {
	Zones items[xmlAvailabilityZone] `xml:"availabilityZoneInfo"`
}

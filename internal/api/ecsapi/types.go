package ecsapi

// Response shapes, member for member as Alibaba Cloud's ECS API reference
// and the Go SDK's response structs (services/ecs/struct_*.go) name them.
// Every type encodes to JSON and to XML: a list is a wrapper object with one
// array member, which XML writes as repeated elements
// (<Instances><Instance>…</Instance></Instances>). Lists are never nil, so
// JSON writes [] as ECS does.

// instanceIDSets is RunInstances' InstanceIdSets.
type instanceIDSets struct {
	InstanceIdSet []string `json:"InstanceIdSet" xml:"InstanceIdSet"`
}

type runInstancesResponse struct {
	InstanceIdSets instanceIDSets `json:"InstanceIdSets" xml:"InstanceIdSets"`
}

type createInstanceResponse struct {
	InstanceId string `json:"InstanceId" xml:"InstanceId"`
}

// ipList is an {"IpAddress": [...]} member.
type ipList struct {
	IpAddress []string `json:"IpAddress" xml:"IpAddress"`
}

type vpcAttributes struct {
	VpcId            string `json:"VpcId" xml:"VpcId"`
	VSwitchId        string `json:"VSwitchId" xml:"VSwitchId"`
	NatIpAddress     string `json:"NatIpAddress" xml:"NatIpAddress"`
	PrivateIpAddress ipList `json:"PrivateIpAddress" xml:"PrivateIpAddress"`
}

type eipAddress struct {
	AllocationId       string `json:"AllocationId" xml:"AllocationId"`
	IpAddress          string `json:"IpAddress" xml:"IpAddress"`
	InternetChargeType string `json:"InternetChargeType" xml:"InternetChargeType"`
	Bandwidth          int    `json:"Bandwidth" xml:"Bandwidth"`
}

type securityGroupIDs struct {
	SecurityGroupId []string `json:"SecurityGroupId" xml:"SecurityGroupId"`
}

// instanceTag is a tag as DescribeInstances writes it.
type instanceTag struct {
	TagKey   string `json:"TagKey" xml:"TagKey"`
	TagValue string `json:"TagValue" xml:"TagValue"`
}

type instanceTags struct {
	Tag []instanceTag `json:"Tag" xml:"Tag"`
}

type lockReason struct {
	LockReason string `json:"LockReason" xml:"LockReason"`
	LockMsg    string `json:"LockMsg,omitempty" xml:"LockMsg,omitempty"`
}

type operationLocks struct {
	LockReason []lockReason `json:"LockReason" xml:"LockReason"`
}

type hibernationOptions struct {
	Configured bool `json:"Configured" xml:"Configured"`
}

type cpuOptions struct {
	CoreCount      int    `json:"CoreCount" xml:"CoreCount"`
	ThreadsPerCore int    `json:"ThreadsPerCore" xml:"ThreadsPerCore"`
	Numa           string `json:"Numa" xml:"Numa"`
}

type metadataOptions struct {
	HttpEndpoint string `json:"HttpEndpoint" xml:"HttpEndpoint"`
	HttpTokens   string `json:"HttpTokens" xml:"HttpTokens"`
}

type privateIPSet struct {
	PrivateIpAddress string `json:"PrivateIpAddress" xml:"PrivateIpAddress"`
	Primary          bool   `json:"Primary" xml:"Primary"`
}

type privateIPSets struct {
	PrivateIpSet []privateIPSet `json:"PrivateIpSet" xml:"PrivateIpSet"`
}

type networkInterface struct {
	NetworkInterfaceId string        `json:"NetworkInterfaceId" xml:"NetworkInterfaceId"`
	Type               string        `json:"Type" xml:"Type"`
	MacAddress         string        `json:"MacAddress" xml:"MacAddress"`
	PrimaryIpAddress   string        `json:"PrimaryIpAddress" xml:"PrimaryIpAddress"`
	PrivateIpSets      privateIPSets `json:"PrivateIpSets" xml:"PrivateIpSets"`
}

type networkInterfaces struct {
	NetworkInterface []networkInterface `json:"NetworkInterface" xml:"NetworkInterface"`
}

// ecsInstance is one entry of DescribeInstances' Instances.Instance.
type ecsInstance struct {
	InstanceId              string             `json:"InstanceId" xml:"InstanceId"`
	InstanceName            string             `json:"InstanceName" xml:"InstanceName"`
	Description             string             `json:"Description" xml:"Description"`
	HostName                string             `json:"HostName" xml:"HostName"`
	ImageId                 string             `json:"ImageId" xml:"ImageId"`
	InstanceType            string             `json:"InstanceType" xml:"InstanceType"`
	InstanceTypeFamily      string             `json:"InstanceTypeFamily" xml:"InstanceTypeFamily"`
	Cpu                     int                `json:"Cpu" xml:"Cpu"`
	Memory                  int64              `json:"Memory" xml:"Memory"`
	Status                  string             `json:"Status" xml:"Status"`
	StoppedMode             string             `json:"StoppedMode" xml:"StoppedMode"`
	CreationTime            string             `json:"CreationTime" xml:"CreationTime"`
	StartTime               string             `json:"StartTime" xml:"StartTime"`
	ExpiredTime             string             `json:"ExpiredTime" xml:"ExpiredTime"`
	AutoReleaseTime         string             `json:"AutoReleaseTime" xml:"AutoReleaseTime"`
	RegionId                string             `json:"RegionId" xml:"RegionId"`
	ZoneId                  string             `json:"ZoneId" xml:"ZoneId"`
	InstanceNetworkType     string             `json:"InstanceNetworkType" xml:"InstanceNetworkType"`
	InstanceChargeType      string             `json:"InstanceChargeType" xml:"InstanceChargeType"`
	InternetChargeType      string             `json:"InternetChargeType" xml:"InternetChargeType"`
	InternetMaxBandwidthIn  int                `json:"InternetMaxBandwidthIn" xml:"InternetMaxBandwidthIn"`
	InternetMaxBandwidthOut int                `json:"InternetMaxBandwidthOut" xml:"InternetMaxBandwidthOut"`
	OSType                  string             `json:"OSType" xml:"OSType"`
	OSName                  string             `json:"OSName" xml:"OSName"`
	OSNameEn                string             `json:"OSNameEn" xml:"OSNameEn"`
	SerialNumber            string             `json:"SerialNumber" xml:"SerialNumber"`
	IoOptimized             bool               `json:"IoOptimized" xml:"IoOptimized"`
	DeletionProtection      bool               `json:"DeletionProtection" xml:"DeletionProtection"`
	DeviceAvailable         bool               `json:"DeviceAvailable" xml:"DeviceAvailable"`
	Recyclable              bool               `json:"Recyclable" xml:"Recyclable"`
	SpotStrategy            string             `json:"SpotStrategy" xml:"SpotStrategy"`
	KeyPairName             string             `json:"KeyPairName" xml:"KeyPairName"`
	CreditSpecification     string             `json:"CreditSpecification" xml:"CreditSpecification"`
	LocalStorageAmount      int                `json:"LocalStorageAmount" xml:"LocalStorageAmount"`
	LocalStorageCapacity    int64              `json:"LocalStorageCapacity" xml:"LocalStorageCapacity"`
	GPUAmount               int                `json:"GPUAmount" xml:"GPUAmount"`
	GPUSpec                 string             `json:"GPUSpec" xml:"GPUSpec"`
	VlanId                  string             `json:"VlanId" xml:"VlanId"`
	DeploymentSetId         string             `json:"DeploymentSetId" xml:"DeploymentSetId"`
	ResourceGroupId         string             `json:"ResourceGroupId" xml:"ResourceGroupId"`
	InnerIpAddress          ipList             `json:"InnerIpAddress" xml:"InnerIpAddress"`
	PublicIpAddress         ipList             `json:"PublicIpAddress" xml:"PublicIpAddress"`
	VpcAttributes           vpcAttributes      `json:"VpcAttributes" xml:"VpcAttributes"`
	EipAddress              eipAddress         `json:"EipAddress" xml:"EipAddress"`
	SecurityGroupIds        securityGroupIDs   `json:"SecurityGroupIds" xml:"SecurityGroupIds"`
	NetworkInterfaces       networkInterfaces  `json:"NetworkInterfaces" xml:"NetworkInterfaces"`
	Tags                    instanceTags       `json:"Tags" xml:"Tags"`
	OperationLocks          operationLocks     `json:"OperationLocks" xml:"OperationLocks"`
	HibernationOptions      hibernationOptions `json:"HibernationOptions" xml:"HibernationOptions"`
	CpuOptions              cpuOptions         `json:"CpuOptions" xml:"CpuOptions"`
	MetadataOptions         metadataOptions    `json:"MetadataOptions" xml:"MetadataOptions"`
}

type instancesList struct {
	Instance []ecsInstance `json:"Instance" xml:"Instance"`
}

type describeInstancesResponse struct {
	Instances  instancesList `json:"Instances" xml:"Instances"`
	TotalCount int           `json:"TotalCount" xml:"TotalCount"`
	PageNumber int           `json:"PageNumber" xml:"PageNumber"`
	PageSize   int           `json:"PageSize" xml:"PageSize"`
	NextToken  string        `json:"NextToken" xml:"NextToken"`
}

type instanceStatus struct {
	InstanceId string `json:"InstanceId" xml:"InstanceId"`
	Status     string `json:"Status" xml:"Status"`
}

type instanceStatuses struct {
	InstanceStatus []instanceStatus `json:"InstanceStatus" xml:"InstanceStatus"`
}

type describeInstanceStatusResponse struct {
	InstanceStatuses instanceStatuses `json:"InstanceStatuses" xml:"InstanceStatuses"`
	TotalCount       int              `json:"TotalCount" xml:"TotalCount"`
	PageNumber       int              `json:"PageNumber" xml:"PageNumber"`
	PageSize         int              `json:"PageSize" xml:"PageSize"`
}

// describeInstanceAttributeResponse is flat; note IoOptimized is a string
// here ("optimized"), a bool in DescribeInstances.
type describeInstanceAttributeResponse struct {
	InstanceId              string           `json:"InstanceId" xml:"InstanceId"`
	InstanceName            string           `json:"InstanceName" xml:"InstanceName"`
	Description             string           `json:"Description" xml:"Description"`
	HostName                string           `json:"HostName" xml:"HostName"`
	ImageId                 string           `json:"ImageId" xml:"ImageId"`
	InstanceType            string           `json:"InstanceType" xml:"InstanceType"`
	Cpu                     int              `json:"Cpu" xml:"Cpu"`
	Memory                  int64            `json:"Memory" xml:"Memory"`
	Status                  string           `json:"Status" xml:"Status"`
	StoppedMode             string           `json:"StoppedMode" xml:"StoppedMode"`
	CreationTime            string           `json:"CreationTime" xml:"CreationTime"`
	ExpiredTime             string           `json:"ExpiredTime" xml:"ExpiredTime"`
	RegionId                string           `json:"RegionId" xml:"RegionId"`
	ZoneId                  string           `json:"ZoneId" xml:"ZoneId"`
	InstanceNetworkType     string           `json:"InstanceNetworkType" xml:"InstanceNetworkType"`
	InstanceChargeType      string           `json:"InstanceChargeType" xml:"InstanceChargeType"`
	InternetChargeType      string           `json:"InternetChargeType" xml:"InternetChargeType"`
	InternetMaxBandwidthIn  int              `json:"InternetMaxBandwidthIn" xml:"InternetMaxBandwidthIn"`
	InternetMaxBandwidthOut int              `json:"InternetMaxBandwidthOut" xml:"InternetMaxBandwidthOut"`
	IoOptimized             string           `json:"IoOptimized" xml:"IoOptimized"`
	SerialNumber            string           `json:"SerialNumber" xml:"SerialNumber"`
	VlanId                  string           `json:"VlanId" xml:"VlanId"`
	ClusterId               string           `json:"ClusterId" xml:"ClusterId"`
	CreditSpecification     string           `json:"CreditSpecification" xml:"CreditSpecification"`
	EnableJumboFrame        bool             `json:"EnableJumboFrame" xml:"EnableJumboFrame"`
	SecurityGroupIds        securityGroupIDs `json:"SecurityGroupIds" xml:"SecurityGroupIds"`
	PublicIpAddress         ipList           `json:"PublicIpAddress" xml:"PublicIpAddress"`
	InnerIpAddress          ipList           `json:"InnerIpAddress" xml:"InnerIpAddress"`
	VpcAttributes           vpcAttributes    `json:"VpcAttributes" xml:"VpcAttributes"`
	EipAddress              eipAddress       `json:"EipAddress" xml:"EipAddress"`
	OperationLocks          operationLocks   `json:"OperationLocks" xml:"OperationLocks"`
}

// instanceResponse is one instance's outcome in a batch (StartInstances,
// StopInstances): Code "200" and Message "success" when it worked.
type instanceResponse struct {
	Code           string `json:"Code" xml:"Code"`
	Message        string `json:"Message" xml:"Message"`
	InstanceId     string `json:"InstanceId" xml:"InstanceId"`
	PreviousStatus string `json:"PreviousStatus" xml:"PreviousStatus"`
	CurrentStatus  string `json:"CurrentStatus" xml:"CurrentStatus"`
}

type instanceResponses struct {
	InstanceResponse []instanceResponse `json:"InstanceResponse" xml:"InstanceResponse"`
}

type batchResponse struct {
	InstanceResponses instanceResponses `json:"InstanceResponses" xml:"InstanceResponses"`
}

type consoleOutputResponse struct {
	InstanceId     string `json:"InstanceId" xml:"InstanceId"`
	ConsoleOutput  string `json:"ConsoleOutput" xml:"ConsoleOutput"`
	LastUpdateTime string `json:"LastUpdateTime" xml:"LastUpdateTime"`
}

type tagResource struct {
	ResourceId   string `json:"ResourceId" xml:"ResourceId"`
	ResourceType string `json:"ResourceType" xml:"ResourceType"`
	TagKey       string `json:"TagKey" xml:"TagKey"`
	TagValue     string `json:"TagValue" xml:"TagValue"`
}

type tagResources struct {
	TagResource []tagResource `json:"TagResource" xml:"TagResource"`
}

type listTagResourcesResponse struct {
	TagResources tagResources `json:"TagResources" xml:"TagResources"`
	NextToken    string       `json:"NextToken" xml:"NextToken"`
}

type diskDeviceMapping struct {
	Device string `json:"Device" xml:"Device"`
	Size   string `json:"Size" xml:"Size"`
	Type   string `json:"Type" xml:"Type"`
}

type diskDeviceMappings struct {
	DiskDeviceMapping []diskDeviceMapping `json:"DiskDeviceMapping" xml:"DiskDeviceMapping"`
}

type ecsImage struct {
	ImageId              string             `json:"ImageId" xml:"ImageId"`
	ImageName            string             `json:"ImageName" xml:"ImageName"`
	ImageFamily          string             `json:"ImageFamily" xml:"ImageFamily"`
	ImageVersion         string             `json:"ImageVersion" xml:"ImageVersion"`
	ImageOwnerAlias      string             `json:"ImageOwnerAlias" xml:"ImageOwnerAlias"`
	Description          string             `json:"Description" xml:"Description"`
	Architecture         string             `json:"Architecture" xml:"Architecture"`
	OSType               string             `json:"OSType" xml:"OSType"`
	OSName               string             `json:"OSName" xml:"OSName"`
	OSNameEn             string             `json:"OSNameEn" xml:"OSNameEn"`
	Platform             string             `json:"Platform" xml:"Platform"`
	Size                 int                `json:"Size" xml:"Size"`
	Status               string             `json:"Status" xml:"Status"`
	Progress             string             `json:"Progress" xml:"Progress"`
	Usage                string             `json:"Usage" xml:"Usage"`
	BootMode             string             `json:"BootMode" xml:"BootMode"`
	CreationTime         string             `json:"CreationTime" xml:"CreationTime"`
	IsPublic             bool               `json:"IsPublic" xml:"IsPublic"`
	IsSupportCloudinit   bool               `json:"IsSupportCloudinit" xml:"IsSupportCloudinit"`
	IsSupportIoOptimized bool               `json:"IsSupportIoOptimized" xml:"IsSupportIoOptimized"`
	IsCopied             bool               `json:"IsCopied" xml:"IsCopied"`
	IsSubscribed         bool               `json:"IsSubscribed" xml:"IsSubscribed"`
	DiskDeviceMappings   diskDeviceMappings `json:"DiskDeviceMappings" xml:"DiskDeviceMappings"`
	Tags                 instanceTags       `json:"Tags" xml:"Tags"`
}

type imagesList struct {
	Image []ecsImage `json:"Image" xml:"Image"`
}

type describeImagesResponse struct {
	Images     imagesList `json:"Images" xml:"Images"`
	RegionId   string     `json:"RegionId" xml:"RegionId"`
	TotalCount int        `json:"TotalCount" xml:"TotalCount"`
	PageNumber int        `json:"PageNumber" xml:"PageNumber"`
	PageSize   int        `json:"PageSize" xml:"PageSize"`
}

type ecsRegion struct {
	RegionId       string `json:"RegionId" xml:"RegionId"`
	LocalName      string `json:"LocalName" xml:"LocalName"`
	RegionEndpoint string `json:"RegionEndpoint" xml:"RegionEndpoint"`
	Status         string `json:"Status" xml:"Status"`
}

type regionsList struct {
	Region []ecsRegion `json:"Region" xml:"Region"`
}

type describeRegionsResponse struct {
	Regions regionsList `json:"Regions" xml:"Regions"`
}

type resourceTypes struct {
	ResourceTypes []string `json:"ResourceTypes" xml:"ResourceTypes"`
}

type availableInstanceTypes struct {
	InstanceTypes []string `json:"InstanceTypes" xml:"InstanceTypes"`
}

type availableDiskCategories struct {
	DiskCategories []string `json:"DiskCategories" xml:"DiskCategories"`
}

type availableVolumeCategories struct {
	VolumeCategories []string `json:"VolumeCategories" xml:"VolumeCategories"`
}

type ecsZone struct {
	ZoneId                    string                    `json:"ZoneId" xml:"ZoneId"`
	LocalName                 string                    `json:"LocalName" xml:"LocalName"`
	ZoneType                  string                    `json:"ZoneType" xml:"ZoneType"`
	AvailableResourceCreation resourceTypes             `json:"AvailableResourceCreation" xml:"AvailableResourceCreation"`
	AvailableInstanceTypes    availableInstanceTypes    `json:"AvailableInstanceTypes" xml:"AvailableInstanceTypes"`
	AvailableDiskCategories   availableDiskCategories   `json:"AvailableDiskCategories" xml:"AvailableDiskCategories"`
	AvailableVolumeCategories availableVolumeCategories `json:"AvailableVolumeCategories" xml:"AvailableVolumeCategories"`
}

type zonesList struct {
	Zone []ecsZone `json:"Zone" xml:"Zone"`
}

type describeZonesResponse struct {
	Zones zonesList `json:"Zones" xml:"Zones"`
}

type ecsInstanceType struct {
	InstanceTypeId       string  `json:"InstanceTypeId" xml:"InstanceTypeId"`
	InstanceTypeFamily   string  `json:"InstanceTypeFamily" xml:"InstanceTypeFamily"`
	InstanceFamilyLevel  string  `json:"InstanceFamilyLevel" xml:"InstanceFamilyLevel"`
	Generation           string  `json:"Generation" xml:"Generation"`
	CpuCoreCount         int     `json:"CpuCoreCount" xml:"CpuCoreCount"`
	MemorySize           float64 `json:"MemorySize" xml:"MemorySize"`
	CpuArchitecture      string  `json:"CpuArchitecture" xml:"CpuArchitecture"`
	LocalStorageAmount   int     `json:"LocalStorageAmount" xml:"LocalStorageAmount"`
	LocalStorageCapacity int64   `json:"LocalStorageCapacity" xml:"LocalStorageCapacity"`
	LocalStorageCategory string  `json:"LocalStorageCategory" xml:"LocalStorageCategory"`
	GPUAmount            int     `json:"GPUAmount" xml:"GPUAmount"`
	GPUSpec              string  `json:"GPUSpec" xml:"GPUSpec"`
	EniQuantity          int     `json:"EniQuantity" xml:"EniQuantity"`
	InstanceCategory     string  `json:"InstanceCategory" xml:"InstanceCategory"`
}

type instanceTypesList struct {
	InstanceType []ecsInstanceType `json:"InstanceType" xml:"InstanceType"`
}

type describeInstanceTypesResponse struct {
	InstanceTypes instanceTypesList `json:"InstanceTypes" xml:"InstanceTypes"`
	NextToken     string            `json:"NextToken" xml:"NextToken"`
}

package awsquery

import (
	"fmt"
	"time"
)

// Representative EC2 response shapes, as a frontend would declare them.

type tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type state struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type group struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type ebs struct {
	VolumeID            string    `xml:"volumeId"`
	Status              string    `xml:"status"`
	AttachTime          time.Time `xml:"attachTime"`
	DeleteOnTermination bool      `xml:"deleteOnTermination"`
}

type blockDevice struct {
	DeviceName string `xml:"deviceName"`
	Ebs        ebs    `xml:"ebs"`
}

type networkInterface struct {
	NetworkInterfaceID string  `xml:"networkInterfaceId"`
	SubnetID           string  `xml:"subnetId"`
	VpcID              string  `xml:"vpcId"`
	OwnerID            string  `xml:"ownerId"`
	Status             string  `xml:"status"`
	MacAddress         string  `xml:"macAddress"`
	PrivateIPAddress   string  `xml:"privateIpAddress"`
	SourceDestCheck    bool    `xml:"sourceDestCheck"`
	Groups             []group `xml:"groupSet>item"`
}

type instance struct {
	InstanceID            string             `xml:"instanceId"`
	ImageID               string             `xml:"imageId"`
	State                 state              `xml:"instanceState"`
	PrivateDNSName        string             `xml:"privateDnsName"`
	DNSName               string             `xml:"dnsName"`
	Reason                string             `xml:"reason,omitempty"`
	KeyName               string             `xml:"keyName,omitempty"`
	AmiLaunchIndex        int                `xml:"amiLaunchIndex"`
	InstanceType          string             `xml:"instanceType"`
	LaunchTime            time.Time          `xml:"launchTime"`
	AvailabilityZone      string             `xml:"placement>availabilityZone"`
	Tenancy               string             `xml:"placement>tenancy"`
	Monitoring            string             `xml:"monitoring>state"`
	SubnetID              string             `xml:"subnetId"`
	VpcID                 string             `xml:"vpcId"`
	PrivateIPAddress      string             `xml:"privateIpAddress"`
	PublicIPAddress       string             `xml:"ipAddress,omitempty"`
	SourceDestCheck       bool               `xml:"sourceDestCheck"`
	Groups                []group            `xml:"groupSet>item"`
	StateReasonCode       string             `xml:"stateReason>code,omitempty"`
	StateReasonMessage    string             `xml:"stateReason>message,omitempty"`
	Architecture          string             `xml:"architecture"`
	RootDeviceType        string             `xml:"rootDeviceType"`
	RootDeviceName        string             `xml:"rootDeviceName"`
	BlockDevices          []blockDevice      `xml:"blockDeviceMapping>item"`
	VirtualizationType    string             `xml:"virtualizationType"`
	ClientToken           string             `xml:"clientToken,omitempty"`
	Tags                  []tag              `xml:"tagSet>item"`
	Hypervisor            string             `xml:"hypervisor"`
	NetworkInterfaces     []networkInterface `xml:"networkInterfaceSet>item"`
	EbsOptimized          bool               `xml:"ebsOptimized"`
	CoreCount             int                `xml:"cpuOptions>coreCount"`
	ThreadsPerCore        int                `xml:"cpuOptions>threadsPerCore"`
	HibernationConfigured bool               `xml:"hibernationOptions>configured"`
	MetadataHTTPTokens    string             `xml:"metadataOptions>httpTokens"`
	MetadataState         string             `xml:"metadataOptions>state"`
	BootMode              string             `xml:"currentInstanceBootMode"`
}

type reservation struct {
	ReservationID string     `xml:"reservationId"`
	OwnerID       string     `xml:"ownerId"`
	Groups        []group    `xml:"groupSet>item"`
	Instances     []instance `xml:"instancesSet>item"`
}

type describeInstancesResult struct {
	Reservations []reservation `xml:"reservationSet>item"`
	NextToken    string        `xml:"nextToken,omitempty"`
}

type instanceChange struct {
	InstanceID    string `xml:"instanceId"`
	CurrentState  state  `xml:"currentState"`
	PreviousState state  `xml:"previousState"`
}

type stopInstancesResult struct {
	Changes []instanceChange `xml:"instancesSet>item"`
}

var launch = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func sampleInstance(i int) instance {
	id := fmt.Sprintf("i-%017x", i)
	return instance{
		InstanceID: id, ImageID: "ami-0abcdef1234567890", State: state{16, "running"},
		PrivateDNSName: "ip-172-31-0-1.ec2.internal", DNSName: "", KeyName: "my-key", InstanceType: "t3.micro",
		LaunchTime: launch, AvailabilityZone: "us-east-1a", Tenancy: "default", Monitoring: "disabled",
		SubnetID: "subnet-0123456789abcdef0", VpcID: "vpc-0123456789abcdef0", PrivateIPAddress: "172.31.0.1",
		PublicIPAddress: "198.18.0.1", SourceDestCheck: true, Groups: []group{{"sg-0123456789abcdef0", "default"}},
		Architecture: "x86_64", RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		BlockDevices:       []blockDevice{{"/dev/xvda", ebs{"vol-0123456789abcdef0", "attached", launch, true}}},
		VirtualizationType: "hvm", ClientToken: "token-" + id,
		Tags:       []tag{{"Name", "web <" + id + "> & co"}, {"env", "prod"}, {"team", "platform"}},
		Hypervisor: "xen",
		NetworkInterfaces: []networkInterface{{"eni-0123456789abcdef0", "subnet-0123456789abcdef0", "vpc-0123456789abcdef0",
			"123456789012", "in-use", "0a:00:00:00:00:01", "172.31.0.1", true, []group{{"sg-0123456789abcdef0", "default"}}}},
		CoreCount: 1, ThreadsPerCore: 2, MetadataHTTPTokens: "required", MetadataState: "applied", BootMode: "uefi",
	}
}

func sampleDescribe(n int) describeInstancesResult {
	var res describeInstancesResult
	for i := 0; i < n; i++ {
		res.Reservations = append(res.Reservations, reservation{
			ReservationID: fmt.Sprintf("r-%017x", i), OwnerID: "123456789012",
			Instances: []instance{sampleInstance(i)},
		})
	}
	return res
}

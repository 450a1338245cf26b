package ecsapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"strato/internal/core/catalog"
	"strato/internal/core/instance"
)

// ECS statuses.
const (
	statusPending  = "Pending"
	statusStarting = "Starting"
	statusRunning  = "Running"
	statusStopping = "Stopping"
	statusStopped  = "Stopped"
)

// statuses are the values DescribeInstances' Status filter accepts.
var statuses = []string{statusPending, statusRunning, statusStarting, statusStopping, statusStopped}

// stoppedModeNA is what ECS shows for an instance the choice does not apply
// to (running, or stopped without a mode).
const stoppedModeNA = "Not-applicable"

// Labels the frontend keeps on ECS instances (instance.Instance.Labels).
const (
	labelName        = "InstanceName"
	labelDescription = "Description"
	labelHostName    = "HostName"
)

// timeFormat is ECS's yyyy-MM-ddTHH:mmZ.
const timeFormat = "2006-01-02T15:04Z"

// ecsStatus maps a core state to ECS's vocabulary. A pending instance that
// ran before is Starting (a StartInstance); one that never ran is Pending.
// Released instances are gone in ECS, so they have no status ("").
func ecsStatus(in *instance.Instance) string {
	switch in.State {
	case instance.Pending:
		if in.EverRan {
			return statusStarting
		}
		return statusPending
	case instance.Running:
		return statusRunning
	case instance.Stopping:
		return statusStopping
	case instance.Stopped:
		return statusStopped
	}
	return ""
}

// stoppedMode is the StoppedMode DescribeInstances shows.
func stoppedMode(in *instance.Instance) string {
	if in.StoppedMode != "" && (in.State == instance.Stopping || in.State == instance.Stopped) {
		return in.StoppedMode
	}
	return stoppedModeNA
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

// derivedID returns a stable id of ECS's shape (prefix- + 20 lower-case
// alphanumerics) derived from seed, for resources Strato does not model
// (the VPC, vSwitch and security group every instance is shown in).
func derivedID(prefix, seed string) string {
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte(prefix + "\x00" + seed))
	b := make([]byte, 20)
	for i := range b {
		b[i] = alnum[int(sum[i])%len(alnum)]
	}
	return prefix + "-" + string(b)
}

// serialNumber is a stable UUID-shaped serial derived from the instance id.
func serialNumber(id string) string {
	s := sha256.Sum256([]byte("serial\x00" + id))
	h := hex.EncodeToString(s[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// label returns an instance label with a default.
func label(in *instance.Instance, key, def string) string {
	if v := in.Labels[key]; v != "" {
		return v
	}
	return def
}

// defaultHostName is ECS's iZ…Z host name.
func defaultHostName(id string) string {
	if len(id) > 2 {
		return "iZ" + id[2:] + "Z"
	}
	return id
}

// typeInfo returns the catalog entry of an ECS type (zero if unknown).
func (h *Handler) typeInfo(name string) catalog.ECSInstanceType {
	t, _ := h.catalog.ECSInstanceType(name)
	return t
}

// strs returns s, or an empty (not nil) list.
func strs(s ...string) []string {
	out := make([]string, 0, len(s))
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// network is what every instance shows of the network it is in: one VPC,
// one vSwitch per zone and one security group per account.
func (h *Handler) network(in *instance.Instance) (vpcAttributes, securityGroupIDs) {
	seed := in.AccountID + "/" + h.region
	return vpcAttributes{
			VpcId:            derivedID("vpc", seed),
			VSwitchId:        derivedID("vsw", seed+"/"+in.AvailabilityZone),
			PrivateIpAddress: ipList{IpAddress: strs(in.PrivateIP)},
		},
		securityGroupIDs{SecurityGroupId: []string{derivedID("sg", seed)}}
}

func locks(in *instance.Instance) operationLocks {
	out := operationLocks{LockReason: []lockReason{}}
	for _, l := range in.OperationLocks {
		out.LockReason = append(out.LockReason, lockReason{LockReason: l.Reason})
	}
	return out
}

func osOf(img catalog.Image) (typ, name string) {
	if img.Platform == "windows" {
		return "windows", img.Name
	}
	return "linux", img.Name
}

// encodeInstance renders DescribeInstances' entry for in.
func (h *Handler) encodeInstance(in *instance.Instance) ecsInstance {
	t := h.typeInfo(in.InstanceType)
	img, _ := h.catalog.ECSImage(in.ImageID)
	osType, osName := osOf(img)
	vpc, sgs := h.network(in)
	tags := instanceTags{Tag: make([]instanceTag, 0, len(in.Tags))}
	for _, tg := range in.Tags {
		tags.Tag = append(tags.Tag, instanceTag{TagKey: tg.Key, TagValue: tg.Value})
	}
	out := ecsInstance{
		InstanceId: in.ID, InstanceName: label(in, labelName, in.ID), Description: label(in, labelDescription, ""),
		HostName: label(in, labelHostName, defaultHostName(in.ID)), ImageId: in.ImageID, InstanceType: in.InstanceType,
		InstanceTypeFamily: t.Family, Cpu: t.VCPUs, Memory: t.MemoryMiB, Status: ecsStatus(in), StoppedMode: stoppedMode(in),
		CreationTime: ts(in.CreatedAt), StartTime: ts(in.LaunchTime), ExpiredTime: "2099-12-31T15:59Z",
		RegionId: in.Region, ZoneId: in.AvailabilityZone, InstanceNetworkType: "vpc", InstanceChargeType: "PostPaid",
		InternetChargeType: "PayByTraffic", InternetMaxBandwidthIn: 100, InternetMaxBandwidthOut: 100,
		OSType: osType, OSName: osName, OSNameEn: osName, SerialNumber: serialNumber(in.ID), IoOptimized: true,
		DeletionProtection: in.DisableAPITermination, DeviceAvailable: true, SpotStrategy: "NoSpot",
		KeyPairName: in.KeyName, InnerIpAddress: ipList{IpAddress: []string{}}, PublicIpAddress: ipList{IpAddress: strs(in.PublicIP)},
		VpcAttributes: vpc, SecurityGroupIds: sgs, Tags: tags, OperationLocks: locks(in),
		HibernationOptions: hibernationOptions{Configured: in.HibernationConfigured},
		CpuOptions:         cpuOptions{CoreCount: max(1, t.VCPUs/2), ThreadsPerCore: min(2, max(1, t.VCPUs)), Numa: ""},
		MetadataOptions:    metadataOptions{HttpEndpoint: "enabled", HttpTokens: "optional"},
		NetworkInterfaces: networkInterfaces{NetworkInterface: []networkInterface{{
			NetworkInterfaceId: derivedID("eni", in.ID), Type: "Primary", MacAddress: macOf(in.ID), PrimaryIpAddress: in.PrivateIP,
			PrivateIpSets: privateIPSets{PrivateIpSet: []privateIPSet{{PrivateIpAddress: in.PrivateIP, Primary: true}}},
		}}},
	}
	if t.BurstablePerformance {
		out.CreditSpecification = "Standard"
	}
	if t.InstanceStorageGiB > 0 {
		out.LocalStorageAmount, out.LocalStorageCapacity = 1, int64(t.InstanceStorageGiB)
	}
	return out
}

// macOf is a stable MAC address in Alibaba's 00:16:3e range.
func macOf(id string) string {
	s := sha256.Sum256([]byte("mac\x00" + id))
	return fmt.Sprintf("00:16:3e:%02x:%02x:%02x", s[0], s[1], s[2])
}

// encodeAttribute renders DescribeInstanceAttribute's answer for in.
func (h *Handler) encodeAttribute(in *instance.Instance) describeInstanceAttributeResponse {
	e := h.encodeInstance(in)
	return describeInstanceAttributeResponse{
		InstanceId: e.InstanceId, InstanceName: e.InstanceName, Description: e.Description, HostName: e.HostName,
		ImageId: e.ImageId, InstanceType: e.InstanceType, Cpu: e.Cpu, Memory: e.Memory, Status: e.Status,
		StoppedMode: e.StoppedMode, CreationTime: e.CreationTime, ExpiredTime: e.ExpiredTime, RegionId: e.RegionId,
		ZoneId: e.ZoneId, InstanceNetworkType: e.InstanceNetworkType, InstanceChargeType: e.InstanceChargeType,
		InternetChargeType: e.InternetChargeType, InternetMaxBandwidthIn: e.InternetMaxBandwidthIn,
		InternetMaxBandwidthOut: e.InternetMaxBandwidthOut, IoOptimized: "optimized", SerialNumber: e.SerialNumber,
		CreditSpecification: e.CreditSpecification, SecurityGroupIds: e.SecurityGroupIds, PublicIpAddress: e.PublicIpAddress,
		InnerIpAddress: e.InnerIpAddress, VpcAttributes: e.VpcAttributes, EipAddress: e.EipAddress, OperationLocks: e.OperationLocks,
	}
}

// stateResponse renders one instance's outcome in a batch. An instance
// that leaves Stopped for pending is Starting, as ECS shows a start.
func stateResponse(ch instance.StateChange, everRan bool) instanceResponse {
	prev := ecsStatus(&instance.Instance{State: ch.Previous, EverRan: everRan})
	cur := ecsStatus(&instance.Instance{State: ch.Current, EverRan: everRan})
	if ch.Previous == instance.Stopped && ch.Current == instance.Pending {
		cur = statusStarting
	}
	return instanceResponse{Code: "200", Message: "success", InstanceId: ch.InstanceID, PreviousStatus: prev, CurrentStatus: cur}
}

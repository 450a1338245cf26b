package ec2api

import (
	"strings"

	"strato/internal/core/instance"
)

// encodeState renders a state as EC2's InstanceState.
func encodeState(s instance.State) xmlInstanceState {
	return xmlInstanceState{Code: s.Code(), Name: string(s)}
}

// encodeStateChanges renders the core's transitions.
func encodeStateChanges(changes []instance.StateChange) stateChangeResponse {
	out := make([]xmlStateChange, 0, len(changes))
	for _, ch := range changes {
		out = append(out, xmlStateChange{
			InstanceID:    ch.InstanceID,
			CurrentState:  encodeState(ch.Current),
			PreviousState: encodeState(ch.Previous),
		})
	}
	return stateChangeResponse{Instances: list(out)}
}

// dashedIP turns 172.31.1.2 into 172-31-1-2 for DNS names.
func dashedIP(ip string) string { return strings.ReplaceAll(ip, ".", "-") }

// privateDNSName is EC2's ip-name hostname for a private address.
func privateDNSName(region, ip string) string {
	if ip == "" {
		return ""
	}
	if region == "us-east-1" {
		return "ip-" + dashedIP(ip) + ".ec2.internal"
	}
	return "ip-" + dashedIP(ip) + "." + region + ".compute.internal"
}

// publicDNSName is EC2's public hostname for a public address.
func publicDNSName(region, ip string) string {
	if ip == "" {
		return ""
	}
	if region == "us-east-1" {
		return "ec2-" + dashedIP(ip) + ".compute-1.amazonaws.com"
	}
	return "ec2-" + dashedIP(ip) + "." + region + ".compute.amazonaws.com"
}

// platformDetails is EC2's billing platform string.
func platformDetails(platform string) string {
	if platform == "windows" {
		return "Windows"
	}
	return "Linux/UNIX"
}

// usageOperation is EC2's billing code for the platform.
func usageOperation(platform string) string {
	if platform == "windows" {
		return "RunInstances:0002"
	}
	return "RunInstances"
}

// encodeTags renders tags in their stored order; no tags, no tagSet.
func encodeTags(in []instance.Tag) *items[xmlTag] {
	out := make([]xmlTag, len(in))
	for i, t := range in {
		out[i] = xmlTag{Key: t.Key, Value: t.Value}
	}
	return optList(out)
}

// encodeBlockDevices renders the instance's EBS volumes (instance-store
// scratch disks are not block device mappings of the instance).
func encodeBlockDevices(inst *instance.Instance) []xmlInstanceBlockDevice {
	var out []xmlInstanceBlockDevice
	for _, v := range inst.Volumes {
		if v.Scratch {
			continue
		}
		out = append(out, xmlInstanceBlockDevice{
			DeviceName: v.DeviceName,
			EBS: xmlEBSInstanceBlockDevice{
				VolumeID:            v.ID,
				Status:              "attached",
				AttachTime:          ts(v.AttachTime),
				DeleteOnTermination: v.DeleteOnTermination,
			},
		})
	}
	return out
}

// encodeInstance renders one instance as DescribeInstances and RunInstances
// show it.
func (h *Handler) encodeInstance(inst *instance.Instance) xmlInstance {
	region := inst.Region
	if region == "" {
		region = h.region
	}
	x := xmlInstance{
		InstanceID:         inst.ID,
		ImageID:            inst.ImageID,
		InstanceState:      encodeState(inst.State),
		PrivateDNSName:     privateDNSName(region, inst.PrivateIP),
		DNSName:            publicDNSName(region, inst.PublicIP),
		Reason:             inst.StateTransitionReason,
		KeyName:            inst.KeyName,
		AMILaunchIndex:     inst.LaunchIndex,
		ProductCodes:       list[xmlProductCode](nil),
		InstanceType:       inst.InstanceType,
		LaunchTime:         ts(inst.LaunchTime),
		Placement:          xmlPlacement{AvailabilityZone: inst.AvailabilityZone, Tenancy: "default"},
		Platform:           inst.Platform,
		Monitoring:         xmlMonitoring{State: "disabled"},
		PrivateIPAddress:   inst.PrivateIP,
		IPAddress:          inst.PublicIP,
		Architecture:       "x86_64",
		RootDeviceType:     inst.RootDeviceType,
		RootDeviceName:     inst.RootDeviceName,
		BlockDeviceMapping: list(encodeBlockDevices(inst)),
		VirtualizationType: "hvm",
		ClientToken:        inst.ClientToken,
		Tags:               encodeTags(inst.Tags),
		Hypervisor:         "xen",
		Groups:             list[xmlGroup](nil),
		EBSOptimized:       false,
		ENASupport:         true,
		HibernationOptions: xmlHibernationOptions{Configured: inst.HibernationConfigured},
		MetadataOptions: xmlMetadataOptions{
			State: "applied", HTTPTokens: "optional", HTTPPutResponseHopLimit: 1,
			HTTPEndpoint: "enabled", HTTPProtocolIPv6: "disabled", InstanceMetadataTags: "disabled",
		},
		EnclaveOptions:       xmlEnclaveOptions{Enabled: false},
		PlatformDetails:      platformDetails(inst.Platform),
		UsageOperation:       usageOperation(inst.Platform),
		UsageOperationUpdate: ts(inst.CreatedAt),
		CurrentBootMode:      "legacy-bios",
		MaintenanceOptions:   &xmlMaintenanceOptions{AutoRecovery: "default"},
		NetworkInterfaces:    list[xmlNetworkInterface](nil),
	}
	if z, ok := h.catalog.Zone(inst.AvailabilityZone); ok {
		x.Placement.AvailabilityZoneID = z.ID
	}
	if t, ok := h.catalog.InstanceType(inst.InstanceType); ok {
		cores, threads := coresAndThreads(t.VCPUs)
		x.CPUOptions = &xmlCPUOptions{CoreCount: cores, ThreadsPerCore: threads}
	}
	if inst.Spot {
		x.InstanceLifecycle = "spot"
	}
	if inst.StateReason != nil {
		x.StateReason = &xmlStateReason{Code: inst.StateReason.Code, Message: inst.StateReason.Message}
	}
	return x
}

// encodeReservations groups instances by reservation, in the order the first
// instance of each appears.
func (h *Handler) encodeReservations(insts []*instance.Instance) []xmlReservation {
	var out []xmlReservation
	index := map[string]int{}
	for _, inst := range insts {
		i, ok := index[inst.ReservationID]
		if !ok {
			i = len(out)
			index[inst.ReservationID] = i
			out = append(out, xmlReservation{
				ReservationID: inst.ReservationID,
				OwnerID:       inst.AccountID,
				Groups:        list[xmlGroup](nil),
			})
		}
		out[i].Instances.Items = append(out[i].Instances.Items, h.encodeInstance(inst))
	}
	return out
}

// coresAndThreads splits vCPUs the way EC2 describes x86 types: two threads
// per core, except single-vCPU types.
func coresAndThreads(vcpus int) (cores, threads int) {
	if vcpus <= 1 {
		return 1, 1
	}
	return vcpus / 2, 2
}

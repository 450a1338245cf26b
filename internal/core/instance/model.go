package instance

import (
	"maps"
	"time"

	"strato/internal/driver"
)

// State is an instance's lifecycle state. The codes are EC2's (seed 002);
// other frontends translate them into their own vocabulary.
type State string

// The states.
const (
	Pending      State = "pending"
	Running      State = "running"
	ShuttingDown State = "shutting-down"
	Terminated   State = "terminated"
	Stopping     State = "stopping"
	Stopped      State = "stopped"
)

// States lists every state in code order.
var States = []State{Pending, Running, ShuttingDown, Terminated, Stopping, Stopped}

// Code returns the state's 16-bit code; only the low byte carries meaning.
func (s State) Code() int {
	switch s {
	case Pending:
		return 0
	case Running:
		return 16
	case ShuttingDown:
		return 32
	case Terminated:
		return 48
	case Stopping:
		return 64
	case Stopped:
		return 80
	}
	return -1
}

// StateFromCode maps a code to its state, ignoring the high byte as clients must.
func StateFromCode(code int) (State, bool) {
	for _, s := range States {
		if s.Code() == code&0xff {
			return s, true
		}
	}
	return "", false
}

// Final reports whether no further transition can happen.
func (s State) Final() bool { return s == Terminated }

// Transitional reports whether the reconcile loop still has work to do.
func (s State) Transitional() bool {
	return s == Pending || s == Stopping || s == ShuttingDown
}

// Tag is a key/value pair on a resource.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Reason explains the last state change (EC2's StateReason).
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Well-known reasons (EC2's wording).
var (
	ReasonPending               = Reason{"pending", "pending"}
	ReasonUserShutdown          = Reason{"Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"}
	ReasonUserHibernate         = Reason{"Client.UserInitiatedHibernate", "Client.UserInitiatedHibernate: User initiated hibernate"}
	ReasonInstanceShutdown      = Reason{"Client.InstanceInitiatedShutdown", "Client.InstanceInitiatedShutdown: Instance initiated shutdown"}
	ReasonLaunchFailed          = Reason{"Server.InternalError", "Server.InternalError: Internal error on launch"}
	ReasonInsufficientCapacity  = Reason{"Server.InsufficientInstanceCapacity", "Server.InsufficientInstanceCapacity: Insufficient capacity to satisfy the request"}
	ReasonUnexpectedTermination = Reason{"Server.InternalError", "Server.InternalError: Internal error"}
)

// Volume is a volume attached to an instance.
type Volume struct {
	ID string `json:"id"`
	// DeviceName is the device ("/dev/xvda", "ephemeral0"), or, for an
	// extra volume of RunRequest.Volumes, its guest path (MountPath).
	DeviceName          string    `json:"deviceName"`
	SizeGiB             int       `json:"sizeGiB"`
	DeleteOnTermination bool      `json:"deleteOnTermination"`
	Scratch             bool      `json:"scratch,omitempty"` // instance store
	AttachTime          time.Time `json:"attachTime"`
	Tags                []Tag     `json:"tags,omitempty"`
	// Type is the volume type in the origin's words (EC2 "gp3", "io2" …);
	// empty in records made before types were kept: the origin's default.
	Type string `json:"type,omitempty"`
	// Iops and Throughput (MiB/s) are what the launch asked for; 0 means
	// the type's default, which the frontend reports.
	Iops       int `json:"iops,omitempty"`
	Throughput int `json:"throughput,omitempty"`
	// CreatedAt is when the volume was made; zero in older records, whose
	// volumes were made at their AttachTime.
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// Instance is the core's record of one instance. Values handed out by the
// Service are copies; mutate only through the Service.
type Instance struct {
	ID            string `json:"id"`
	AccountID     string `json:"accountId"`
	ReservationID string `json:"reservationId"`
	LaunchIndex   int    `json:"launchIndex"`

	ImageID          string `json:"imageId"`
	InstanceType     string `json:"instanceType"`
	Platform         string `json:"platform,omitempty"` // "" (Linux/UNIX) or "windows"
	AvailabilityZone string `json:"availabilityZone"`
	KeyName          string `json:"keyName,omitempty"`
	UserData         []byte `json:"userData,omitempty"`

	State State `json:"state"`
	// Version increases with every stored change (optimistic concurrency).
	Version int64 `json:"version"`
	// StateTransitionReason is EC2's free-text reason, e.g.
	// "User initiated (2026-11-22 20:30:00 GMT)".
	StateTransitionReason string  `json:"stateTransitionReason,omitempty"`
	StateReason           *Reason `json:"stateReason,omitempty"`

	CreatedAt    time.Time `json:"createdAt"`
	LaunchTime   time.Time `json:"launchTime"` // the last transition to pending by launch or start
	TerminatedAt time.Time `json:"terminatedAt,omitzero"`
	// EverRan is set once the instance first reached running.
	EverRan bool `json:"everRan,omitempty"`

	PrivateIP string `json:"privateIp"`
	PublicIP  string `json:"publicIp,omitempty"` // only while pending/running/stopping
	Region    string `json:"region"`

	RootDeviceType string   `json:"rootDeviceType"` // "ebs" or "instance-store"
	RootDeviceName string   `json:"rootDeviceName"`
	Volumes        []Volume `json:"volumes"`

	ShutdownBehavior      string `json:"shutdownBehavior"` // "stop" or "terminate"
	DisableAPIStop        bool   `json:"disableApiStop,omitempty"`
	DisableAPITermination bool   `json:"disableApiTermination,omitempty"`
	HibernationConfigured bool   `json:"hibernationConfigured,omitempty"`
	// Spot is set for spot instances; SpotType is "one-time" or "persistent".
	Spot     bool   `json:"spot,omitempty"`
	SpotType string `json:"spotType,omitempty"`

	ClientToken string `json:"clientToken,omitempty"`
	// RequestHash fingerprints the launch parameters, for ClientToken checks.
	RequestHash string `json:"requestHash,omitempty"`

	Tags []Tag `json:"tags,omitempty"`

	// Driver and Handle locate the workload.
	Driver string         `json:"driver"`
	Handle *driver.Handle `json:"handle,omitempty"`

	// Pending work for the reconcile loop while in a transitional state.
	StopForce  bool `json:"stopForce,omitempty"`
	Hibernate  bool `json:"hibernate,omitempty"`  // the current stop hibernates
	Hibernated bool `json:"hibernated,omitempty"` // stopped with RAM kept
	// GuestExitedAt is when the guest ended by itself, as the driver
	// recorded it: earlier than the daemon's noticing when that happened
	// while the daemon was down. Cleared by the next start.
	GuestExitedAt time.Time `json:"guestExitedAt,omitzero"`
	// ServingSince is when the current run's workload began to serve
	// (MarkServing); cleared by the next start.
	ServingSince time.Time `json:"servingSince,omitzero"`

	// Origin is the API the instance was created through (OriginEC2,
	// OriginECS); it picks the per-API rules of origin.go. Empty in records
	// made before origins existed, which are EC2's (see API).
	Origin string `json:"origin,omitempty"`
	// OperationLocks are operator locks (LockSecurity) that refuse some
	// operations; see locks_security.go.
	OperationLocks []Lock `json:"operationLocks,omitempty"`
	// StoppedMode says whether the current or last stop keeps the host
	// reservation (StoppedModeKeepCharging) or gives it back
	// (StoppedModeStopCharging); empty when the API has no such choice.
	StoppedMode string `json:"stoppedMode,omitempty"`
	// Labels are attributes a frontend keeps on the instance without the
	// core interpreting them (ECS: instance name, description, host name).
	Labels map[string]string `json:"labels,omitempty"`

	// Env, Files and APIEndpoint configure the guest at every boot (see
	// RunRequest; Reconfigure changes Env and Files while stopped). A
	// RunRequest's RootScratch is recorded as the root volume's Scratch.
	Env         map[string]string `json:"env,omitempty"`
	Files       []driver.File     `json:"files,omitempty"`
	APIEndpoint string            `json:"apiEndpoint,omitempty"`
	// Role is the instance profile's role (RunRequest.Role).
	Role *driver.Role `json:"role,omitempty"`
}

// Clone returns a deep copy.
func (i *Instance) Clone() *Instance {
	c := *i
	c.UserData = append([]byte(nil), i.UserData...)
	c.Tags = append([]Tag(nil), i.Tags...)
	c.Volumes = append([]Volume(nil), i.Volumes...)
	for k := range c.Volumes {
		c.Volumes[k].Tags = append([]Tag(nil), i.Volumes[k].Tags...)
	}
	if i.StateReason != nil {
		r := *i.StateReason
		c.StateReason = &r
	}
	if i.Handle != nil {
		h := *i.Handle
		h.Data = append([]byte(nil), i.Handle.Data...)
		c.Handle = &h
	}
	c.OperationLocks = append([]Lock(nil), i.OperationLocks...)
	c.Labels = maps.Clone(i.Labels)
	c.Env = maps.Clone(i.Env)
	c.Files = cloneFiles(i.Files)
	if i.Role != nil {
		r := *i.Role
		c.Role = &r
	}
	return &c
}

// cloneFiles deep-copies files; nil stays nil.
func cloneFiles(files []driver.File) []driver.File {
	if files == nil {
		return nil
	}
	out := make([]driver.File, len(files))
	for k, f := range files {
		out[k] = f
		out[k].Data = append([]byte(nil), f.Data...)
	}
	return out
}

// TagValue returns the value of tag key and whether it is set.
func (i *Instance) TagValue(key string) (string, bool) {
	for _, t := range i.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// RootVolume returns the root volume, if any.
func (i *Instance) RootVolume() *Volume {
	for k := range i.Volumes {
		if i.Volumes[k].DeviceName == i.RootDeviceName {
			return &i.Volumes[k]
		}
	}
	return nil
}

// Event is one entry of the lifecycle log. Every state change appends one in
// the same store transaction; metering and audit derive from the log.
type Event struct {
	Seq        int64     `json:"seq"` // assigned by the store
	Time       time.Time `json:"time"`
	InstanceID string    `json:"instanceId"`
	AccountID  string    `json:"accountId"`
	Type       string    `json:"type"` // EventState, EventCreated, ...
	From       State     `json:"from,omitempty"`
	To         State     `json:"to,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	// Detail carries facts derived consumers need (instance type, volume size).
	Detail map[string]string `json:"detail,omitempty"`
}

// Event types.
const (
	EventCreated = "created" // the instance record exists (state pending)
	EventState   = "state"   // a state change From → To
	EventDeleted = "deleted" // the record was purged after retention
	EventModify  = "modify"  // an attribute changed
	EventReboot  = "reboot"  // a reboot in place
	// EventServing: the running workload serves (a notebook's server
	// answers). Origins metered from serving rather than from running
	// (sagemaker) open compute here.
	EventServing = "serving"
)

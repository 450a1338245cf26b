package instance

import (
	"time"

	"strato/internal/driver"
)

// RunRequest asks for MinCount..MaxCount new instances.
type RunRequest struct {
	ImageID      string
	InstanceType string
	MinCount     int
	MaxCount     int
	UserData     []byte
	KeyName      string
	// AvailabilityZone, when empty, is the region's first zone.
	AvailabilityZone string
	// Tags go on the instances; VolumeTags on their volumes.
	Tags       []Tag
	VolumeTags []Tag
	// ShutdownBehavior is "stop" (default) or "terminate".
	ShutdownBehavior      string
	DisableAPIStop        bool
	DisableAPITermination bool
	Hibernation           bool
	// Spot requests a spot instance; SpotType is "one-time" (default) or "persistent".
	Spot     bool
	SpotType string
	// RootVolumeSizeGiB overrides the image's root size when > 0.
	RootVolumeSizeGiB int
	// RootDeleteOnTermination overrides the default (true) when not nil.
	RootDeleteOnTermination *bool
	// RootVolumeType is the root volume's type in the origin's words ("" =
	// the origin's default, EC2 gp3); RootIops and RootThroughput are kept
	// as asked (0 = the type's default). The frontend validates them.
	RootVolumeType string
	RootIops       int
	RootThroughput int

	ClientToken string
	DryRun      bool

	// Origin is the API making the request (OriginEC2 when empty): it
	// picks the catalog, the id shape and the per-API rules.
	Origin string
	// Stopped creates the instances stopped instead of booting them (ECS
	// CreateInstance); they hold no host capacity until started.
	Stopped bool
	// Labels are frontend-owned attributes stored with the instances.
	Labels map[string]string

	// The fields below configure the guest beyond what EC2's API can say;
	// the notebook service uses them. They are empty for EC2 and ECS
	// launches (omitted from the request's fingerprint when empty, so an
	// idempotent EC2 request keeps its hash), and guest.go validates them.

	// Volumes are extra EBS volumes made with the instances, after the root
	// volume: real volumes with vol- ids, listed with the instance and
	// billed as storage while they exist. They are attached in order.
	Volumes []VolumeRequest `json:",omitempty"`
	// RootScratch wipes the root volume at every stop: everything but the
	// extra Volumes is fresh at each start, as on a SageMaker notebook
	// instance. The root volume is then a scratch volume (Volume.Scratch):
	// not a volume of its own in listings or bills, deleted with the
	// instance. It excludes Hibernation and RootDeleteOnTermination false.
	RootScratch bool `json:",omitempty"`
	// Env is extra environment for the guest's init (driver.Spec.Env),
	// besides the STRATO_ variables the engine sets; names must be valid
	// environment variable names outside the STRATO_ prefix.
	Env map[string]string `json:",omitempty"`
	// Files are read-only files placed in the guest at every boot
	// (driver.Spec.Files): absolute, clean guest paths, outside /dev,
	// /proc and /sys, each at most once.
	Files []driver.File `json:",omitempty"`
	// APIEndpoint is the address ("ip:port") on the host that the guest
	// may call (driver.Spec.APIEndpoint), usually the daemon's own API.
	// Empty means Config.GuestAPIEndpoint for the origins whose guests
	// reach the API by default (SageMaker), none for the others.
	APIEndpoint string `json:",omitempty"`
	// Role is the instance profile's role whose credentials the guest's
	// metadata service hands out (driver.Identity.Role); nil for none.
	Role *driver.Role `json:",omitempty"`
}

// VolumeRequest asks for one extra EBS volume at launch (RunRequest.Volumes).
type VolumeRequest struct {
	// SizeGiB is the volume's size, 1 to MaxVolumeSizeGiB.
	SizeGiB int
	// MountPath is where the guest sees the volume: an absolute, clean
	// guest path outside /dev, e.g. "/home/ec2-user/SageMaker" (the
	// semantics of driver.Volume.MountPath; drivers may narrow where a
	// volume may go, and refuse the others at boot). It is the volume's
	// DeviceName in the instance's record. No two volumes of a launch may
	// share a path or lie one inside the other.
	MountPath string
	// DeleteOnTermination deletes the volume with the instance; otherwise
	// it outlives the instance as an available volume.
	DeleteOnTermination bool
}

// ReconfigureRequest changes what a stopped instance boots with next
// (Service.Reconfigure); nil fields are left as they are.
type ReconfigureRequest struct {
	// UserData replaces the user data (the origin's size limit applies).
	UserData *[]byte
	// Env, when not nil, replaces the extra guest environment whole (an
	// empty map clears it); RunRequest.Env's rules apply.
	Env map[string]string
	// Files replaces the files placed in the guest; RunRequest.Files'
	// rules apply.
	Files *[]driver.File
	// InstanceType changes the type, within the origin's catalog.
	InstanceType *string
	// Role replaces the instance profile's role (RunRequest.Role).
	Role *driver.Role
	// ExtraVolumeSizeGiB grows extra volumes (RunRequest.Volumes): the key
	// names a volume by its MountPath or its id, the value is its new
	// size. A volume never shrinks (a smaller size is InvalidArgument; the
	// same size changes nothing), and the root volume is not an extra
	// volume. The drivers' volumes are directories, so growing one is a
	// change of the record only.
	ExtraVolumeSizeGiB map[string]int
}

// Reservation is the result of one Run.
type Reservation struct {
	ID        string
	AccountID string
	Instances []*Instance
}

// StateChange reports one instance's transition, as StopInstances answers.
type StateChange struct {
	InstanceID string
	Previous   State
	Current    State
}

// StopRequest tunes Stop.
type StopRequest struct {
	Force     bool
	Hibernate bool
	DryRun    bool
	// ConfirmStop confirms the stop of an instance whose type requires it
	// (ECS's I1 family, whose local disks the stop wipes); ignored for
	// other types.
	ConfirmStop bool
	// StoppedMode is StoppedModeKeepCharging or StoppedModeStopCharging for
	// origins that offer the choice ("" = the origin's default); it must
	// be empty for the others.
	StoppedMode string
}

// TerminateRequest tunes TerminateWith.
type TerminateRequest struct {
	// Force lets origins that release only stopped instances release a
	// running one too (ECS DeleteInstance Force=true), cutting its power.
	Force  bool
	DryRun bool
}

// Field names something a Filter compares.
type Field int

// Filterable fields. Frontends map their filter names onto these.
const (
	FieldID Field = iota + 1
	FieldState
	FieldStateCode
	FieldInstanceType
	FieldImageID
	FieldAvailabilityZone
	FieldTag    // Key names the tag
	FieldTagKey // values are tag keys
	FieldReservationID
	FieldPrivateIP
	FieldPublicIP
)

// Filter keeps instances whose field matches any of Values; values may use
// the * and ? wildcards. Filters are ANDed.
type Filter struct {
	Field  Field
	Key    string // the tag key for FieldTag
	Values []string
}

// Query selects instances of one account. IDs, when given, must all exist
// (NotFound names the missing ones); Filters narrow further.
type Query struct {
	// Origin selects the API whose instances are listed; empty means
	// OriginEC2, so that EC2 never sees another API's instances.
	Origin     string
	IDs        []string
	Filters    []Filter
	MaxResults int    // 0 = all
	NextToken  string // from a previous page
}

// Attributes changes instance attributes; nil fields are left alone.
type Attributes struct {
	DisableAPIStop        *bool
	DisableAPITermination *bool
	InstanceType          *string // only while stopped
	UserData              *[]byte // only while stopped
	ShutdownBehavior      *string
	// Labels sets (or, with an empty value, removes) frontend-owned labels.
	Labels map[string]string
}

// TagRef names a tag to delete: Value nil deletes the key whatever its value.
type TagRef struct {
	Key   string
	Value *string
}

// TagDescription is one tag on one resource, as DescribeTags lists them.
type TagDescription struct {
	ResourceID   string
	ResourceType string // "instance" or "volume"
	Key          string
	Value        string
}

// TagFilter fields for DescribeTags.
type TagFilter struct {
	Field  string // "resource-id", "resource-type", "key", "value"
	Values []string
}

// ConsoleOutput is the tail of an instance's console.
type ConsoleOutput struct {
	InstanceID string
	Output     []byte
	Timestamp  time.Time
}

package instance

import "time"

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

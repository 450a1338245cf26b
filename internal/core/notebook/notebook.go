// Package notebook is Strato's notebook instance service — managed Jupyter
// servers with a persistent ML storage volume, as Amazon SageMaker defines
// them (seed 000) — and the types it shares with its frontends: the records,
// the request and query structs a frontend hands the service, the ARN
// helpers, validation helpers and error constructors with SageMaker's
// wording.
//
// The same service runs Huawei Cloud ModelArts's notebooks (modelarts.go):
// each notebook has a Kind, each API sees only its own kind, and the
// transition table has per-kind rows where the clouds differ. ModelArts's
// notebooks may carry an auto-stop lease, which the reconcile loop enforces.
//
// The Service (service.go) implements what internal/api/sagemakerapi and
// internal/api/modelartsapi need of it. It keeps notebooks and lifecycle configurations in a Store and runs
// their workloads through a Runtime, both declared here and injected by
// cmd/strato. Lifecycle calls return at once with the transitional status
// (Pending, Stopping, Updating, Deleting); a per-notebook reconcile worker
// finishes the work against the Runtime and records the outcome, one store
// write per status change (reconcile.go). transitions.go is the only place
// that says which status may follow which.
//
// Metering: a notebook is not metered here. Its workload runs as an
// instance of the instance engine, whose lifecycle events (tagged with the
// SageMaker origin by the Runtime's implementation) meter compute while the
// workload runs — that is, while the notebook is InService — and the ML
// storage volume while it exists. This package emits no events of its own.
package notebook

import "time"

// Status is a notebook instance's status, spelled as SageMaker spells it.
type Status string

// The statuses (botocore model, shape NotebookInstanceStatus).
const (
	Pending   Status = "Pending"
	InService Status = "InService"
	Stopping  Status = "Stopping"
	Stopped   Status = "Stopped"
	Failed    Status = "Failed"
	Deleting  Status = "Deleting"
	Updating  Status = "Updating"
)

// Statuses lists every status in the model's order.
var Statuses = []Status{Pending, InService, Stopping, Stopped, Failed, Deleting, Updating}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Kind says which API a notebook belongs to. Each API sees only its own
// notebooks; the service runs them all alike.
type Kind string

// The kinds.
const (
	// KindSageMaker is Amazon SageMaker's notebook instances, named and
	// keyed by their names. Records made before kinds existed are
	// SageMaker's.
	KindSageMaker Kind = ""
	// KindModelArts is Huawei Cloud ModelArts's notebooks, keyed by a UUID
	// (ID); their names need not be unique.
	KindModelArts Kind = "modelarts"
)

// Tag is a key-value pair on a notebook instance or lifecycle configuration.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Notebook is a notebook instance as the service reports it and the Store
// keeps it. Records are keyed by (AccountID, NameKey(Name)).
type Notebook struct {
	// Kind is the API the notebook belongs to.
	Kind Kind `json:"kind,omitempty"`
	// ID is a ModelArts notebook's UUID (its key); "" for SageMaker's.
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	ARN       string `json:"arn"`
	AccountID string `json:"accountId"`
	Status    Status `json:"status"`
	// FailureReason says why the notebook is Failed ("" otherwise).
	FailureReason string `json:"failureReason,omitempty"`
	// URL is where the notebook's Jupyter server is reached (host and path,
	// no scheme, as SageMaker reports it).
	URL            string   `json:"url,omitempty"`
	InstanceType   string   `json:"instanceType"`
	IPAddressType  string   `json:"ipAddressType,omitempty"`
	SubnetID       string   `json:"subnetId,omitempty"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	RoleARN        string   `json:"roleArn"`
	KMSKeyID       string   `json:"kmsKeyId,omitempty"`
	// NetworkInterfaceID is the notebook's network interface, when it has one.
	NetworkInterfaceID   string    `json:"networkInterfaceId,omitempty"`
	CreationTime         time.Time `json:"creationTime"`
	LastModifiedTime     time.Time `json:"lastModifiedTime"`
	LifecycleConfigName  string    `json:"lifecycleConfigName,omitempty"`
	DirectInternetAccess string    `json:"directInternetAccess,omitempty"`
	// VolumeSizeInGB is the size of the ML storage volume.
	VolumeSizeInGB             int      `json:"volumeSizeInGB"`
	AcceleratorTypes           []string `json:"acceleratorTypes,omitempty"`
	DefaultCodeRepository      string   `json:"defaultCodeRepository,omitempty"`
	AdditionalCodeRepositories []string `json:"additionalCodeRepositories,omitempty"`
	RootAccess                 string   `json:"rootAccess,omitempty"`
	PlatformIdentifier         string   `json:"platformIdentifier,omitempty"`
	// MinimumIMDSVersion is InstanceMetadataServiceConfiguration's
	// MinimumInstanceMetadataServiceVersion ("1" or "2"; "" = not set).
	MinimumIMDSVersion string `json:"minimumImdsVersion,omitempty"`
	Tags               []Tag  `json:"tags,omitempty"`

	// ModelArts's settings (Kind KindModelArts).

	Description string `json:"description,omitempty"`
	// ImageID is the image the notebook runs (a ModelArts image UUID).
	ImageID string `json:"imageId,omitempty"`
	// VolumeCategory is the storage kind of the work volume ("EVS").
	VolumeCategory string `json:"volumeCategory,omitempty"`
	// ProfileID is a DevEnviron instance's profile (its engine and image
	// family, as named at creation).
	ProfileID string `json:"profileId,omitempty"`
	// AutoStop, when set, stops the notebook once it has run for its
	// Duration (ModelArts's lease); each start may renew it.
	AutoStop *AutoStop `json:"autoStop,omitempty"`

	// The fields below are the service's bookkeeping; frontends ignore them.

	// Version is the record's version for the Store's optimistic
	// concurrency control: an update must carry the stored version.
	Version int64 `json:"version"`
	// Issued is the status whose Runtime call (Boot for Pending, Halt for
	// Stopping, Remove for Deleting) has been made and returned, so that
	// the reconcile loop only reads progress with Check; "" until then.
	// Every status change clears it.
	Issued Status `json:"issued,omitempty"`
	// Launched reports that the workload has been booted once: later
	// boots do not run the OnCreate script.
	Launched bool `json:"launched,omitempty"`
	// Served reports that the notebook has been InService at least once;
	// Started that a user has started it since its creation. ModelArts
	// says CREATING for a boot before either, STARTING after.
	Served  bool `json:"served,omitempty"`
	Started bool `json:"started,omitempty"`
	// FailedBy is the operation that made the notebook Failed (OpBootFailed
	// or OpLost); "" when it is not Failed.
	FailedBy Op `json:"failedBy,omitempty"`
}

// AutoStop is a notebook's lease: it runs for Duration from Since (the
// start that began or renewed it), then the service stops it.
type AutoStop struct {
	Duration time.Duration `json:"duration"`
	Since    time.Time     `json:"since"`
}

// At is when the lease runs out.
func (a *AutoStop) At() time.Time { return a.Since.Add(a.Duration) }

// Key is the notebook's key in its account and kind: the NameKey of a
// SageMaker notebook's name, a ModelArts notebook's ID (either API's).
func (n *Notebook) Key() string {
	if IsModelArts(n.Kind) {
		return n.ID
	}
	return NameKey(n.Name)
}

// StoreKey is the key under which a store keeps the notebook of kind whose
// Key() is key, unique within an account: a SageMaker notebook's NameKey
// (key in any case), or the kind and the key ("modelarts/ID"; "/" is in no
// SageMaker name). Stores made before kinds existed need no change.
func StoreKey(kind Kind, key string) string {
	if kind == KindSageMaker {
		return NameKey(key)
	}
	return string(kind) + "/" + key
}

// PathKey is the notebook's segment in proxy paths (see SessionPath): its
// Key, marked for ModelArts notebooks with a prefix that no SageMaker name
// can have, so that the two kinds never share a path.
func (n *Notebook) PathKey() string {
	if IsModelArts(n.Kind) {
		return modelArtsPathPrefix + n.ID
	}
	return NameKey(n.Name)
}

// modelArtsPathPrefix starts the proxy path segment of a ModelArts notebook;
// "_" is not in SageMaker's NamePattern.
const modelArtsPathPrefix = "modelarts_"

// Hook is one lifecycle script: base64-encoded shell script content, as
// received (the Runtime decodes it when it runs it).
type Hook struct {
	Content string `json:"content"`
}

// LifecycleConfig is a notebook instance lifecycle configuration: an OnCreate
// script run once when a notebook is created and an OnStart script run at
// every start (each a list of at most one Hook). Records are keyed by
// (AccountID, NameKey(Name)).
type LifecycleConfig struct {
	Name             string    `json:"name"`
	ARN              string    `json:"arn"`
	AccountID        string    `json:"accountId"`
	OnCreate         []Hook    `json:"onCreate,omitempty"`
	OnStart          []Hook    `json:"onStart,omitempty"`
	CreationTime     time.Time `json:"creationTime"`
	LastModifiedTime time.Time `json:"lastModifiedTime"`
	Tags             []Tag     `json:"tags,omitempty"`
	// Version is the record's version for the Store's optimistic
	// concurrency control.
	Version int64 `json:"version"`
}

// CreateRequest asks for a new notebook instance. Empty optional fields take
// the service's defaults (DefaultVolumeSizeInGB, DefaultDirectInternetAccess,
// DefaultRootAccess).
type CreateRequest struct {
	Name                       string
	InstanceType               string
	SubnetID                   string
	SecurityGroupIDs           []string
	IPAddressType              string
	RoleARN                    string
	KMSKeyID                   string
	Tags                       []Tag
	LifecycleConfigName        string
	DirectInternetAccess       string
	VolumeSizeInGB             int // 0 = DefaultVolumeSizeInGB
	AcceleratorTypes           []string
	DefaultCodeRepository      string
	AdditionalCodeRepositories []string
	RootAccess                 string
	PlatformIdentifier         string
	MinimumIMDSVersion         string
}

// UpdateRequest changes a stopped notebook instance. A nil field is left as
// it is; the Disassociate flags clear the matching setting.
type UpdateRequest struct {
	Name                                   string
	InstanceType                           *string
	IPAddressType                          *string
	PlatformIdentifier                     *string
	RoleARN                                *string
	LifecycleConfigName                    *string
	DisassociateLifecycleConfig            bool
	VolumeSizeInGB                         *int
	DefaultCodeRepository                  *string
	AdditionalCodeRepositories             *[]string
	AcceleratorTypes                       *[]string
	DisassociateAcceleratorTypes           bool
	DisassociateDefaultCodeRepository      bool
	DisassociateAdditionalCodeRepositories bool
	RootAccess                             *string
	MinimumIMDSVersion                     *string
}

// SortOrder orders list results.
type SortOrder string

// The sort orders.
const (
	Ascending  SortOrder = "Ascending"
	Descending SortOrder = "Descending"
)

// SortKey names the field list results are sorted by.
type SortKey string

// The sort keys. Notebook lists sort by Name, CreationTime or Status;
// lifecycle configuration lists by Name, CreationTime or LastModifiedTime.
const (
	SortByName             SortKey = "Name"
	SortByCreationTime     SortKey = "CreationTime"
	SortByStatus           SortKey = "Status"
	SortByLastModifiedTime SortKey = "LastModifiedTime"
)

// ListQuery selects and orders notebook instances for ListNotebookInstances.
// Zero values do not filter; an empty SortBy or SortOrder is the service's
// default, a zero MaxResults its default page size. Time bounds are
// exclusive (SageMaker's Before and After).
type ListQuery struct {
	NameContains                   string
	StatusEquals                   Status
	CreationTimeBefore             time.Time
	CreationTimeAfter              time.Time
	LastModifiedTimeBefore         time.Time
	LastModifiedTimeAfter          time.Time
	LifecycleConfigNameContains    string
	DefaultCodeRepositoryContains  string
	AdditionalCodeRepositoryEquals string
	SortBy                         SortKey
	SortOrder                      SortOrder
	MaxResults                     int
	NextToken                      string
}

// LifecycleConfigRequest creates or updates a lifecycle configuration. For
// an update, a nil OnCreate or OnStart is left as it is and Tags are ignored.
type LifecycleConfigRequest struct {
	Name     string
	OnCreate []Hook
	OnStart  []Hook
	Tags     []Tag
}

// LifecycleConfigQuery selects and orders lifecycle configurations, with
// ListQuery's conventions.
type LifecycleConfigQuery struct {
	NameContains           string
	CreationTimeBefore     time.Time
	CreationTimeAfter      time.Time
	LastModifiedTimeBefore time.Time
	LastModifiedTimeAfter  time.Time
	SortBy                 SortKey
	SortOrder              SortOrder
	MaxResults             int
	NextToken              string
}

// Defaults SageMaker documents for omitted request members.
const (
	DefaultVolumeSizeInGB       = 5
	DefaultDirectInternetAccess = "Enabled"
	DefaultRootAccess           = "Enabled"
	// DefaultSessionExpiration is a presigned URL's session length when the
	// request names none (SessionExpirationDurationInSeconds, 12 hours).
	DefaultSessionExpiration = 12 * time.Hour
)

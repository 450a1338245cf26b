// Package notebook is Strato's notebook instance service — managed Jupyter
// servers with a persistent ML storage volume, as Amazon SageMaker defines
// them (seed 000) — and the types it shares with its frontends: the records,
// the request and query structs a frontend hands the service, the ARN
// helpers, validation helpers and error constructors with SageMaker's
// wording.
//
// The Service (service.go) implements what internal/api/sagemakerapi needs
// of it. It keeps notebooks and lifecycle configurations in a Store and runs
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

// Tag is a key-value pair on a notebook instance or lifecycle configuration.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Notebook is a notebook instance as the service reports it and the Store
// keeps it. Records are keyed by (AccountID, NameKey(Name)).
type Notebook struct {
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
}

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

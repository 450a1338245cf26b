// Package notebook holds the types of Strato's notebook instances — managed
// Jupyter servers with a persistent ML storage volume, as Amazon SageMaker
// defines them (seed 000) — and of their lifecycle configurations: the
// records, the request and query structs a frontend hands the service, the
// ARN helpers, and pure validation helpers and error constructors the
// service reuses.
//
// The service itself (states driven by the reconcile loop over the sandbox
// driver, the ML storage volume, lifecycle scripts, the presigned-URL proxy,
// metering events) comes next; this package has no behaviour beyond types,
// ARNs and validation. A frontend (internal/api/sagemakerapi) declares the
// methods it needs of that service in terms of these types.
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
	Key   string
	Value string
}

// Notebook is a notebook instance as the service reports it.
type Notebook struct {
	Name      string
	ARN       string
	AccountID string
	Status    Status
	// FailureReason says why the notebook is Failed ("" otherwise).
	FailureReason string
	// URL is where the notebook's Jupyter server is reached (host and path,
	// no scheme, as SageMaker reports it).
	URL            string
	InstanceType   string
	IPAddressType  string
	SubnetID       string
	SecurityGroups []string
	RoleARN        string
	KMSKeyID       string
	// NetworkInterfaceID is the notebook's network interface, when it has one.
	NetworkInterfaceID   string
	CreationTime         time.Time
	LastModifiedTime     time.Time
	LifecycleConfigName  string
	DirectInternetAccess string
	// VolumeSizeInGB is the size of the ML storage volume.
	VolumeSizeInGB             int
	AcceleratorTypes           []string
	DefaultCodeRepository      string
	AdditionalCodeRepositories []string
	RootAccess                 string
	PlatformIdentifier         string
	// MinimumIMDSVersion is InstanceMetadataServiceConfiguration's
	// MinimumInstanceMetadataServiceVersion ("1" or "2"; "" = not set).
	MinimumIMDSVersion string
	Tags               []Tag
}

// Hook is one lifecycle script: base64-encoded shell script content, as
// received (the service decodes it when it runs it).
type Hook struct {
	Content string
}

// LifecycleConfig is a notebook instance lifecycle configuration: an OnCreate
// script run once when a notebook is created and an OnStart script run at
// every start (each a list of at most one Hook).
type LifecycleConfig struct {
	Name             string
	ARN              string
	AccountID        string
	OnCreate         []Hook
	OnStart          []Hook
	CreationTime     time.Time
	LastModifiedTime time.Time
	Tags             []Tag
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

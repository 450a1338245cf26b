package sagemakerapi

import (
	"time"

	"strato/internal/core/notebook"
	"strato/internal/wire/awsjson"
)

// The input and output shapes of the served operations, named and ordered
// as in the SageMaker API model. Inputs use pointers so that an absent
// member and an empty one differ; outputs leave out empty members.

type tagShape struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

type hookShape struct {
	Content *string `json:"Content"`
}

type imdsShape struct {
	MinimumInstanceMetadataServiceVersion *string `json:"MinimumInstanceMetadataServiceVersion"`
}

type nameInput struct {
	NotebookInstanceName *string `json:"NotebookInstanceName"`
}

type createNotebookInstanceInput struct {
	NotebookInstanceName                 *string    `json:"NotebookInstanceName"`
	InstanceType                         *string    `json:"InstanceType"`
	SubnetID                             *string    `json:"SubnetId"`
	SecurityGroupIDs                     []string   `json:"SecurityGroupIds"`
	IPAddressType                        *string    `json:"IpAddressType"`
	RoleARN                              *string    `json:"RoleArn"`
	KMSKeyID                             *string    `json:"KmsKeyId"`
	Tags                                 []tagShape `json:"Tags"`
	LifecycleConfigName                  *string    `json:"LifecycleConfigName"`
	DirectInternetAccess                 *string    `json:"DirectInternetAccess"`
	VolumeSizeInGB                       *int32     `json:"VolumeSizeInGB"`
	AcceleratorTypes                     []string   `json:"AcceleratorTypes"`
	DefaultCodeRepository                *string    `json:"DefaultCodeRepository"`
	AdditionalCodeRepositories           []string   `json:"AdditionalCodeRepositories"`
	RootAccess                           *string    `json:"RootAccess"`
	PlatformIdentifier                   *string    `json:"PlatformIdentifier"`
	InstanceMetadataServiceConfiguration *imdsShape `json:"InstanceMetadataServiceConfiguration"`
}

type updateNotebookInstanceInput struct {
	NotebookInstanceName                   *string    `json:"NotebookInstanceName"`
	InstanceType                           *string    `json:"InstanceType"`
	IPAddressType                          *string    `json:"IpAddressType"`
	PlatformIdentifier                     *string    `json:"PlatformIdentifier"`
	RoleARN                                *string    `json:"RoleArn"`
	LifecycleConfigName                    *string    `json:"LifecycleConfigName"`
	DisassociateLifecycleConfig            *bool      `json:"DisassociateLifecycleConfig"`
	VolumeSizeInGB                         *int32     `json:"VolumeSizeInGB"`
	DefaultCodeRepository                  *string    `json:"DefaultCodeRepository"`
	AdditionalCodeRepositories             []string   `json:"AdditionalCodeRepositories"`
	AcceleratorTypes                       []string   `json:"AcceleratorTypes"`
	DisassociateAcceleratorTypes           *bool      `json:"DisassociateAcceleratorTypes"`
	DisassociateDefaultCodeRepository      *bool      `json:"DisassociateDefaultCodeRepository"`
	DisassociateAdditionalCodeRepositories *bool      `json:"DisassociateAdditionalCodeRepositories"`
	RootAccess                             *string    `json:"RootAccess"`
	InstanceMetadataServiceConfiguration   *imdsShape `json:"InstanceMetadataServiceConfiguration"`
}

type listNotebookInstancesInput struct {
	NextToken                                   *string    `json:"NextToken"`
	MaxResults                                  *int32     `json:"MaxResults"`
	SortBy                                      *string    `json:"SortBy"`
	SortOrder                                   *string    `json:"SortOrder"`
	NameContains                                *string    `json:"NameContains"`
	CreationTimeBefore                          *time.Time `json:"CreationTimeBefore"`
	CreationTimeAfter                           *time.Time `json:"CreationTimeAfter"`
	LastModifiedTimeBefore                      *time.Time `json:"LastModifiedTimeBefore"`
	LastModifiedTimeAfter                       *time.Time `json:"LastModifiedTimeAfter"`
	StatusEquals                                *string    `json:"StatusEquals"`
	NotebookInstanceLifecycleConfigNameContains *string    `json:"NotebookInstanceLifecycleConfigNameContains"`
	DefaultCodeRepositoryContains               *string    `json:"DefaultCodeRepositoryContains"`
	AdditionalCodeRepositoryEquals              *string    `json:"AdditionalCodeRepositoryEquals"`
}

type createPresignedURLInput struct {
	NotebookInstanceName               *string `json:"NotebookInstanceName"`
	SessionExpirationDurationInSeconds *int32  `json:"SessionExpirationDurationInSeconds"`
}

type createLifecycleConfigInput struct {
	NotebookInstanceLifecycleConfigName *string     `json:"NotebookInstanceLifecycleConfigName"`
	OnCreate                            []hookShape `json:"OnCreate"`
	OnStart                             []hookShape `json:"OnStart"`
	Tags                                []tagShape  `json:"Tags"`
}

// updateLifecycleConfigInput has no Tags: the service ignores the member.
type updateLifecycleConfigInput struct {
	NotebookInstanceLifecycleConfigName *string     `json:"NotebookInstanceLifecycleConfigName"`
	OnCreate                            []hookShape `json:"OnCreate"`
	OnStart                             []hookShape `json:"OnStart"`
}

type lifecycleConfigNameInput struct {
	NotebookInstanceLifecycleConfigName *string `json:"NotebookInstanceLifecycleConfigName"`
}

type listLifecycleConfigsInput struct {
	NextToken              *string    `json:"NextToken"`
	MaxResults             *int32     `json:"MaxResults"`
	SortBy                 *string    `json:"SortBy"`
	SortOrder              *string    `json:"SortOrder"`
	NameContains           *string    `json:"NameContains"`
	CreationTimeBefore     *time.Time `json:"CreationTimeBefore"`
	CreationTimeAfter      *time.Time `json:"CreationTimeAfter"`
	LastModifiedTimeBefore *time.Time `json:"LastModifiedTimeBefore"`
	LastModifiedTimeAfter  *time.Time `json:"LastModifiedTimeAfter"`
}

type addTagsInput struct {
	ResourceARN *string    `json:"ResourceArn"`
	Tags        []tagShape `json:"Tags"`
}

type deleteTagsInput struct {
	ResourceARN *string  `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsInput struct {
	ResourceARN *string `json:"ResourceArn"`
	NextToken   *string `json:"NextToken"`
	MaxResults  *int32  `json:"MaxResults"`
}

// Outputs.

type tagOut struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type hookOut struct {
	Content string `json:"Content,omitempty"`
}

type imdsOut struct {
	MinimumInstanceMetadataServiceVersion string `json:"MinimumInstanceMetadataServiceVersion"`
}

type createNotebookInstanceOutput struct {
	NotebookInstanceArn string `json:"NotebookInstanceArn"`
}

type describeNotebookInstanceOutput struct {
	NotebookInstanceArn                  string             `json:"NotebookInstanceArn,omitempty"`
	NotebookInstanceName                 string             `json:"NotebookInstanceName,omitempty"`
	NotebookInstanceStatus               string             `json:"NotebookInstanceStatus,omitempty"`
	FailureReason                        string             `json:"FailureReason,omitempty"`
	URL                                  string             `json:"Url,omitempty"`
	InstanceType                         string             `json:"InstanceType,omitempty"`
	IPAddressType                        string             `json:"IpAddressType,omitempty"`
	SubnetID                             string             `json:"SubnetId,omitempty"`
	SecurityGroups                       []string           `json:"SecurityGroups,omitempty"`
	RoleARN                              string             `json:"RoleArn,omitempty"`
	KMSKeyID                             string             `json:"KmsKeyId,omitempty"`
	NetworkInterfaceID                   string             `json:"NetworkInterfaceId,omitempty"`
	LastModifiedTime                     *awsjson.Timestamp `json:"LastModifiedTime,omitempty"`
	CreationTime                         *awsjson.Timestamp `json:"CreationTime,omitempty"`
	NotebookInstanceLifecycleConfigName  string             `json:"NotebookInstanceLifecycleConfigName,omitempty"`
	DirectInternetAccess                 string             `json:"DirectInternetAccess,omitempty"`
	VolumeSizeInGB                       int                `json:"VolumeSizeInGB,omitempty"`
	AcceleratorTypes                     []string           `json:"AcceleratorTypes,omitempty"`
	DefaultCodeRepository                string             `json:"DefaultCodeRepository,omitempty"`
	AdditionalCodeRepositories           []string           `json:"AdditionalCodeRepositories,omitempty"`
	RootAccess                           string             `json:"RootAccess,omitempty"`
	PlatformIdentifier                   string             `json:"PlatformIdentifier,omitempty"`
	InstanceMetadataServiceConfiguration *imdsOut           `json:"InstanceMetadataServiceConfiguration,omitempty"`
}

type notebookSummary struct {
	NotebookInstanceName                string             `json:"NotebookInstanceName"`
	NotebookInstanceArn                 string             `json:"NotebookInstanceArn"`
	NotebookInstanceStatus              string             `json:"NotebookInstanceStatus,omitempty"`
	URL                                 string             `json:"Url,omitempty"`
	InstanceType                        string             `json:"InstanceType,omitempty"`
	CreationTime                        *awsjson.Timestamp `json:"CreationTime,omitempty"`
	LastModifiedTime                    *awsjson.Timestamp `json:"LastModifiedTime,omitempty"`
	NotebookInstanceLifecycleConfigName string             `json:"NotebookInstanceLifecycleConfigName,omitempty"`
	DefaultCodeRepository               string             `json:"DefaultCodeRepository,omitempty"`
	AdditionalCodeRepositories          []string           `json:"AdditionalCodeRepositories,omitempty"`
}

type listNotebookInstancesOutput struct {
	NextToken         string            `json:"NextToken,omitempty"`
	NotebookInstances []notebookSummary `json:"NotebookInstances"`
}

type createPresignedURLOutput struct {
	AuthorizedURL string `json:"AuthorizedUrl"`
}

type createLifecycleConfigOutput struct {
	NotebookInstanceLifecycleConfigArn string `json:"NotebookInstanceLifecycleConfigArn"`
}

type describeLifecycleConfigOutput struct {
	NotebookInstanceLifecycleConfigArn  string             `json:"NotebookInstanceLifecycleConfigArn,omitempty"`
	NotebookInstanceLifecycleConfigName string             `json:"NotebookInstanceLifecycleConfigName,omitempty"`
	OnCreate                            []hookOut          `json:"OnCreate,omitempty"`
	OnStart                             []hookOut          `json:"OnStart,omitempty"`
	LastModifiedTime                    *awsjson.Timestamp `json:"LastModifiedTime,omitempty"`
	CreationTime                        *awsjson.Timestamp `json:"CreationTime,omitempty"`
}

type lifecycleConfigSummary struct {
	NotebookInstanceLifecycleConfigName string             `json:"NotebookInstanceLifecycleConfigName"`
	NotebookInstanceLifecycleConfigArn  string             `json:"NotebookInstanceLifecycleConfigArn"`
	CreationTime                        *awsjson.Timestamp `json:"CreationTime,omitempty"`
	LastModifiedTime                    *awsjson.Timestamp `json:"LastModifiedTime,omitempty"`
}

type listLifecycleConfigsOutput struct {
	NextToken                        string                   `json:"NextToken,omitempty"`
	NotebookInstanceLifecycleConfigs []lifecycleConfigSummary `json:"NotebookInstanceLifecycleConfigs"`
}

type tagsOutput struct {
	Tags []tagOut `json:"Tags"`
}

type listTagsOutput struct {
	Tags      []tagOut `json:"Tags"`
	NextToken string   `json:"NextToken,omitempty"`
}

// Conversions between the shapes and the notebook service's types.

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func tagsIn(tags []tagShape) []notebook.Tag {
	if tags == nil {
		return nil
	}
	out := make([]notebook.Tag, len(tags))
	for i, t := range tags {
		out[i] = notebook.Tag{Key: deref(t.Key), Value: deref(t.Value)}
	}
	return out
}

func tagsOut(tags []notebook.Tag) []tagOut {
	out := make([]tagOut, len(tags))
	for i, t := range tags {
		out[i] = tagOut{Key: t.Key, Value: t.Value}
	}
	return out
}

func hooksIn(hooks []hookShape) []notebook.Hook {
	if hooks == nil {
		return nil
	}
	out := make([]notebook.Hook, len(hooks))
	for i, hk := range hooks {
		out[i] = notebook.Hook{Content: deref(hk.Content)}
	}
	return out
}

func hooksOut(hooks []notebook.Hook) []hookOut {
	if len(hooks) == 0 {
		return nil
	}
	out := make([]hookOut, len(hooks))
	for i, hk := range hooks {
		out[i] = hookOut{Content: hk.Content}
	}
	return out
}

func describeNotebook(n *notebook.Notebook) describeNotebookInstanceOutput {
	out := describeNotebookInstanceOutput{
		NotebookInstanceArn:                 n.ARN,
		NotebookInstanceName:                n.Name,
		NotebookInstanceStatus:              string(n.Status),
		FailureReason:                       n.FailureReason,
		URL:                                 n.URL,
		InstanceType:                        n.InstanceType,
		IPAddressType:                       n.IPAddressType,
		SubnetID:                            n.SubnetID,
		SecurityGroups:                      n.SecurityGroups,
		RoleARN:                             n.RoleARN,
		KMSKeyID:                            n.KMSKeyID,
		NetworkInterfaceID:                  n.NetworkInterfaceID,
		LastModifiedTime:                    awsjson.Time(n.LastModifiedTime),
		CreationTime:                        awsjson.Time(n.CreationTime),
		NotebookInstanceLifecycleConfigName: n.LifecycleConfigName,
		DirectInternetAccess:                n.DirectInternetAccess,
		VolumeSizeInGB:                      n.VolumeSizeInGB,
		AcceleratorTypes:                    n.AcceleratorTypes,
		DefaultCodeRepository:               n.DefaultCodeRepository,
		AdditionalCodeRepositories:          n.AdditionalCodeRepositories,
		RootAccess:                          n.RootAccess,
		PlatformIdentifier:                  n.PlatformIdentifier,
	}
	if n.MinimumIMDSVersion != "" {
		out.InstanceMetadataServiceConfiguration = &imdsOut{MinimumInstanceMetadataServiceVersion: n.MinimumIMDSVersion}
	}
	return out
}

func summarizeNotebook(n *notebook.Notebook) notebookSummary {
	return notebookSummary{
		NotebookInstanceName:                n.Name,
		NotebookInstanceArn:                 n.ARN,
		NotebookInstanceStatus:              string(n.Status),
		URL:                                 n.URL,
		InstanceType:                        n.InstanceType,
		CreationTime:                        awsjson.Time(n.CreationTime),
		LastModifiedTime:                    awsjson.Time(n.LastModifiedTime),
		NotebookInstanceLifecycleConfigName: n.LifecycleConfigName,
		DefaultCodeRepository:               n.DefaultCodeRepository,
		AdditionalCodeRepositories:          n.AdditionalCodeRepositories,
	}
}

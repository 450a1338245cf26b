package sagemakerapi

import (
	"context"
	"time"

	"strato/internal/core/notebook"
)

// createNotebookInstance: CreateNotebookInstance.
func (h *Handler) createNotebookInstance(ctx context.Context, c *call) (any, error) {
	var in createNotebookInstanceInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.str("notebookInstanceName", in.NotebookInstanceName, true, ruleNotebookName)
	v.str("instanceType", in.InstanceType, true, ruleInstanceType)
	v.str("subnetId", in.SubnetID, false, ruleSubnetID)
	v.strList("securityGroupIds", in.SecurityGroupIDs, false, listSecurityGroups, ruleSecurityGroupID)
	v.str("ipAddressType", in.IPAddressType, false, ruleIPAddressType)
	v.str("roleArn", in.RoleARN, true, ruleRoleARN)
	v.str("kmsKeyId", in.KMSKeyID, false, ruleKMSKeyID)
	v.tags("tags", in.Tags, false)
	v.str("lifecycleConfigName", in.LifecycleConfigName, false, ruleLifecycleConfigName)
	v.str("directInternetAccess", in.DirectInternetAccess, false, ruleDirectInternet)
	v.integer("volumeSizeInGB", in.VolumeSizeInGB, false, ruleVolumeSize)
	v.strList("acceleratorTypes", in.AcceleratorTypes, false, listAccelerators, ruleAcceleratorType)
	v.str("defaultCodeRepository", in.DefaultCodeRepository, false, ruleCodeRepository)
	v.strList("additionalCodeRepositories", in.AdditionalCodeRepositories, false, listCodeRepos, ruleCodeRepository)
	v.str("rootAccess", in.RootAccess, false, ruleRootAccess)
	v.str("platformIdentifier", in.PlatformIdentifier, false, rulePlatformIdentifier)
	v.imds("instanceMetadataServiceConfiguration", in.InstanceMetadataServiceConfiguration)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := *in.NotebookInstanceName
	if err := h.authorize(c, h.notebookARN(c, name)); err != nil {
		return nil, err
	}
	req := notebook.CreateRequest{
		Name:                       name,
		InstanceType:               *in.InstanceType,
		SubnetID:                   deref(in.SubnetID),
		SecurityGroupIDs:           in.SecurityGroupIDs,
		IPAddressType:              deref(in.IPAddressType),
		RoleARN:                    *in.RoleARN,
		KMSKeyID:                   deref(in.KMSKeyID),
		Tags:                       tagsIn(in.Tags),
		LifecycleConfigName:        deref(in.LifecycleConfigName),
		DirectInternetAccess:       deref(in.DirectInternetAccess),
		VolumeSizeInGB:             int(deref(in.VolumeSizeInGB)),
		AcceleratorTypes:           in.AcceleratorTypes,
		DefaultCodeRepository:      deref(in.DefaultCodeRepository),
		AdditionalCodeRepositories: in.AdditionalCodeRepositories,
		RootAccess:                 deref(in.RootAccess),
		PlatformIdentifier:         deref(in.PlatformIdentifier),
	}
	if in.InstanceMetadataServiceConfiguration != nil {
		req.MinimumIMDSVersion = deref(in.InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion)
	}
	n, err := h.core.CreateNotebook(ctx, c.account(), req)
	if err != nil {
		return nil, err
	}
	return createNotebookInstanceOutput{NotebookInstanceArn: n.ARN}, nil
}

// notebookName decodes an input whose only member is NotebookInstanceName,
// validates it and authorizes the caller on the notebook.
func (h *Handler) notebookName(c *call) (string, error) {
	var in nameInput
	if err := c.req.Decode(&in); err != nil {
		return "", err
	}
	var v violations
	v.str("notebookInstanceName", in.NotebookInstanceName, true, ruleNotebookName)
	if err := v.err(); err != nil {
		return "", err
	}
	name := *in.NotebookInstanceName
	if err := h.authorize(c, h.notebookARN(c, name)); err != nil {
		return "", err
	}
	return name, nil
}

// describeNotebookInstance: DescribeNotebookInstance.
func (h *Handler) describeNotebookInstance(ctx context.Context, c *call) (any, error) {
	name, err := h.notebookName(c)
	if err != nil {
		return nil, err
	}
	n, err := h.core.DescribeNotebook(ctx, c.account(), name)
	if err != nil {
		return nil, err
	}
	return describeNotebook(n), nil
}

// startNotebookInstance: StartNotebookInstance; an empty body on success.
func (h *Handler) startNotebookInstance(ctx context.Context, c *call) (any, error) {
	name, err := h.notebookName(c)
	if err != nil {
		return nil, err
	}
	return nil, h.core.StartNotebook(ctx, c.account(), name)
}

// stopNotebookInstance: StopNotebookInstance; an empty body on success (seed 000).
func (h *Handler) stopNotebookInstance(ctx context.Context, c *call) (any, error) {
	name, err := h.notebookName(c)
	if err != nil {
		return nil, err
	}
	return nil, h.core.StopNotebook(ctx, c.account(), name)
}

// deleteNotebookInstance: DeleteNotebookInstance; an empty body on success.
func (h *Handler) deleteNotebookInstance(ctx context.Context, c *call) (any, error) {
	name, err := h.notebookName(c)
	if err != nil {
		return nil, err
	}
	return nil, h.core.DeleteNotebook(ctx, c.account(), name)
}

// updateNotebookInstance: UpdateNotebookInstance; an empty body on success.
func (h *Handler) updateNotebookInstance(ctx context.Context, c *call) (any, error) {
	var in updateNotebookInstanceInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.str("notebookInstanceName", in.NotebookInstanceName, true, ruleNotebookName)
	v.str("instanceType", in.InstanceType, false, ruleInstanceType)
	v.str("ipAddressType", in.IPAddressType, false, ruleIPAddressType)
	v.str("platformIdentifier", in.PlatformIdentifier, false, rulePlatformIdentifier)
	v.str("roleArn", in.RoleARN, false, ruleRoleARN)
	v.str("lifecycleConfigName", in.LifecycleConfigName, false, ruleLifecycleConfigName)
	v.integer("volumeSizeInGB", in.VolumeSizeInGB, false, ruleVolumeSize)
	v.str("defaultCodeRepository", in.DefaultCodeRepository, false, ruleCodeRepository)
	v.strList("additionalCodeRepositories", in.AdditionalCodeRepositories, false, listCodeRepos, ruleCodeRepository)
	v.strList("acceleratorTypes", in.AcceleratorTypes, false, listAccelerators, ruleAcceleratorType)
	v.str("rootAccess", in.RootAccess, false, ruleRootAccess)
	v.imds("instanceMetadataServiceConfiguration", in.InstanceMetadataServiceConfiguration)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := *in.NotebookInstanceName
	if err := h.authorize(c, h.notebookARN(c, name)); err != nil {
		return nil, err
	}
	req := notebook.UpdateRequest{
		Name:                                   name,
		InstanceType:                           in.InstanceType,
		IPAddressType:                          in.IPAddressType,
		PlatformIdentifier:                     in.PlatformIdentifier,
		RoleARN:                                in.RoleARN,
		LifecycleConfigName:                    in.LifecycleConfigName,
		DisassociateLifecycleConfig:            deref(in.DisassociateLifecycleConfig),
		DefaultCodeRepository:                  in.DefaultCodeRepository,
		DisassociateAcceleratorTypes:           deref(in.DisassociateAcceleratorTypes),
		DisassociateDefaultCodeRepository:      deref(in.DisassociateDefaultCodeRepository),
		DisassociateAdditionalCodeRepositories: deref(in.DisassociateAdditionalCodeRepositories),
		RootAccess:                             in.RootAccess,
	}
	if in.VolumeSizeInGB != nil {
		size := int(*in.VolumeSizeInGB)
		req.VolumeSizeInGB = &size
	}
	if in.AdditionalCodeRepositories != nil {
		req.AdditionalCodeRepositories = &in.AdditionalCodeRepositories
	}
	if in.AcceleratorTypes != nil {
		req.AcceleratorTypes = &in.AcceleratorTypes
	}
	if in.InstanceMetadataServiceConfiguration != nil {
		req.MinimumIMDSVersion = in.InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion
	}
	return nil, h.core.UpdateNotebook(ctx, c.account(), req)
}

// listNotebookInstances: ListNotebookInstances.
func (h *Handler) listNotebookInstances(ctx context.Context, c *call) (any, error) {
	var in listNotebookInstancesInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.str("nextToken", in.NextToken, false, ruleNextToken)
	v.integer("maxResults", in.MaxResults, false, ruleMaxResults)
	v.str("sortBy", in.SortBy, false, ruleSortKey)
	v.str("sortOrder", in.SortOrder, false, ruleSortOrder)
	v.str("nameContains", in.NameContains, false, ruleNameContains)
	v.str("statusEquals", in.StatusEquals, false, ruleStatus)
	v.str("notebookInstanceLifecycleConfigNameContains", in.NotebookInstanceLifecycleConfigNameContains, false, ruleLifecycleConfigName)
	v.str("defaultCodeRepositoryContains", in.DefaultCodeRepositoryContains, false, ruleCodeRepoContains)
	v.str("additionalCodeRepositoryEquals", in.AdditionalCodeRepositoryEquals, false, ruleCodeRepository)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := h.authorize(c, "*"); err != nil {
		return nil, err
	}
	q := notebook.ListQuery{
		NameContains:                   deref(in.NameContains),
		StatusEquals:                   notebook.Status(deref(in.StatusEquals)),
		CreationTimeBefore:             timeOf(in.CreationTimeBefore),
		CreationTimeAfter:              timeOf(in.CreationTimeAfter),
		LastModifiedTimeBefore:         timeOf(in.LastModifiedTimeBefore),
		LastModifiedTimeAfter:          timeOf(in.LastModifiedTimeAfter),
		LifecycleConfigNameContains:    deref(in.NotebookInstanceLifecycleConfigNameContains),
		DefaultCodeRepositoryContains:  deref(in.DefaultCodeRepositoryContains),
		AdditionalCodeRepositoryEquals: deref(in.AdditionalCodeRepositoryEquals),
		SortBy:                         notebook.SortKey(deref(in.SortBy)),
		SortOrder:                      notebook.SortOrder(deref(in.SortOrder)),
		MaxResults:                     int(deref(in.MaxResults)),
		NextToken:                      deref(in.NextToken),
	}
	nbs, next, err := h.core.ListNotebooks(ctx, c.account(), q)
	if err != nil {
		return nil, err
	}
	out := listNotebookInstancesOutput{NextToken: next, NotebookInstances: make([]notebookSummary, 0, len(nbs))}
	for _, n := range nbs {
		out.NotebookInstances = append(out.NotebookInstances, summarizeNotebook(n))
	}
	return out, nil
}

// createPresignedNotebookInstanceURL: CreatePresignedNotebookInstanceUrl.
func (h *Handler) createPresignedNotebookInstanceURL(ctx context.Context, c *call) (any, error) {
	var in createPresignedURLInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.str("notebookInstanceName", in.NotebookInstanceName, true, ruleNotebookName)
	v.integer("sessionExpirationDurationInSeconds", in.SessionExpirationDurationInSeconds, false, ruleSessionExpiration)
	if err := v.err(); err != nil {
		return nil, err
	}
	name := *in.NotebookInstanceName
	if err := h.authorize(c, h.notebookARN(c, name)); err != nil {
		return nil, err
	}
	session := time.Duration(deref(in.SessionExpirationDurationInSeconds)) * time.Second
	url, err := h.core.PresignedURL(ctx, c.account(), name, session)
	if err != nil {
		return nil, err
	}
	return createPresignedURLOutput{AuthorizedURL: url}, nil
}

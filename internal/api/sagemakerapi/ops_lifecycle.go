package sagemakerapi

import (
	"context"

	"strato/internal/core/notebook"
	"strato/internal/wire/awsjson"
)

// lifecycleConfigRequest validates the members of
// CreateNotebookInstanceLifecycleConfig or (with nil tags, a member it does
// not have) UpdateNotebookInstanceLifecycleConfig, and authorizes the caller
// on the configuration.
func (h *Handler) lifecycleConfigRequest(c *call, name *string, onCreate, onStart []hookShape, tags []tagShape) (notebook.LifecycleConfigRequest, error) {
	var v violations
	v.str("notebookInstanceLifecycleConfigName", name, true, ruleLifecycleConfigName)
	v.hooks("onCreate", onCreate)
	v.hooks("onStart", onStart)
	v.tags("tags", tags, false)
	if err := v.err(); err != nil {
		return notebook.LifecycleConfigRequest{}, err
	}
	if err := h.authorize(c, h.lifecycleConfigARN(c, *name)); err != nil {
		return notebook.LifecycleConfigRequest{}, err
	}
	return notebook.LifecycleConfigRequest{Name: *name, OnCreate: hooksIn(onCreate), OnStart: hooksIn(onStart), Tags: tagsIn(tags)}, nil
}

// createLifecycleConfig: CreateNotebookInstanceLifecycleConfig.
func (h *Handler) createLifecycleConfig(ctx context.Context, c *call) (any, error) {
	var in createLifecycleConfigInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	req, err := h.lifecycleConfigRequest(c, in.NotebookInstanceLifecycleConfigName, in.OnCreate, in.OnStart, in.Tags)
	if err != nil {
		return nil, err
	}
	cfg, err := h.core.CreateLifecycleConfig(ctx, c.account(), req)
	if err != nil {
		return nil, err
	}
	return createLifecycleConfigOutput{NotebookInstanceLifecycleConfigArn: cfg.ARN}, nil
}

// updateLifecycleConfig: UpdateNotebookInstanceLifecycleConfig; an empty
// body on success.
func (h *Handler) updateLifecycleConfig(ctx context.Context, c *call) (any, error) {
	var in updateLifecycleConfigInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	req, err := h.lifecycleConfigRequest(c, in.NotebookInstanceLifecycleConfigName, in.OnCreate, in.OnStart, nil)
	if err != nil {
		return nil, err
	}
	return nil, h.core.UpdateLifecycleConfig(ctx, c.account(), req)
}

// lifecycleConfigName decodes an input whose only member is
// NotebookInstanceLifecycleConfigName, validates it and authorizes the caller.
func (h *Handler) lifecycleConfigName(c *call) (string, error) {
	var in lifecycleConfigNameInput
	if err := c.req.Decode(&in); err != nil {
		return "", err
	}
	var v violations
	v.str("notebookInstanceLifecycleConfigName", in.NotebookInstanceLifecycleConfigName, true, ruleLifecycleConfigName)
	if err := v.err(); err != nil {
		return "", err
	}
	name := *in.NotebookInstanceLifecycleConfigName
	if err := h.authorize(c, h.lifecycleConfigARN(c, name)); err != nil {
		return "", err
	}
	return name, nil
}

// describeLifecycleConfig: DescribeNotebookInstanceLifecycleConfig.
func (h *Handler) describeLifecycleConfig(ctx context.Context, c *call) (any, error) {
	name, err := h.lifecycleConfigName(c)
	if err != nil {
		return nil, err
	}
	cfg, err := h.core.DescribeLifecycleConfig(ctx, c.account(), name)
	if err != nil {
		return nil, err
	}
	return describeLifecycleConfigOutput{
		NotebookInstanceLifecycleConfigArn:  cfg.ARN,
		NotebookInstanceLifecycleConfigName: cfg.Name,
		OnCreate:                            hooksOut(cfg.OnCreate),
		OnStart:                             hooksOut(cfg.OnStart),
		LastModifiedTime:                    awsjson.Time(cfg.LastModifiedTime),
		CreationTime:                        awsjson.Time(cfg.CreationTime),
	}, nil
}

// deleteLifecycleConfig: DeleteNotebookInstanceLifecycleConfig; an empty
// body on success.
func (h *Handler) deleteLifecycleConfig(ctx context.Context, c *call) (any, error) {
	name, err := h.lifecycleConfigName(c)
	if err != nil {
		return nil, err
	}
	return nil, h.core.DeleteLifecycleConfig(ctx, c.account(), name)
}

// listLifecycleConfigs: ListNotebookInstanceLifecycleConfigs.
func (h *Handler) listLifecycleConfigs(ctx context.Context, c *call) (any, error) {
	var in listLifecycleConfigsInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	var v violations
	v.str("nextToken", in.NextToken, false, ruleNextToken)
	v.integer("maxResults", in.MaxResults, false, ruleMaxResults)
	v.str("sortBy", in.SortBy, false, ruleConfigSortKey)
	v.str("sortOrder", in.SortOrder, false, ruleConfigSortOrder)
	v.str("nameContains", in.NameContains, false, ruleConfigNameContains)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := h.authorize(c, "*"); err != nil {
		return nil, err
	}
	q := notebook.LifecycleConfigQuery{
		NameContains:           deref(in.NameContains),
		CreationTimeBefore:     timeOf(in.CreationTimeBefore),
		CreationTimeAfter:      timeOf(in.CreationTimeAfter),
		LastModifiedTimeBefore: timeOf(in.LastModifiedTimeBefore),
		LastModifiedTimeAfter:  timeOf(in.LastModifiedTimeAfter),
		SortBy:                 notebook.SortKey(deref(in.SortBy)),
		SortOrder:              notebook.SortOrder(deref(in.SortOrder)),
		MaxResults:             int(deref(in.MaxResults)),
		NextToken:              deref(in.NextToken),
	}
	cfgs, next, err := h.core.ListLifecycleConfigs(ctx, c.account(), q)
	if err != nil {
		return nil, err
	}
	out := listLifecycleConfigsOutput{NextToken: next, NotebookInstanceLifecycleConfigs: make([]lifecycleConfigSummary, 0, len(cfgs))}
	for _, cfg := range cfgs {
		out.NotebookInstanceLifecycleConfigs = append(out.NotebookInstanceLifecycleConfigs, lifecycleConfigSummary{
			NotebookInstanceLifecycleConfigName: cfg.Name,
			NotebookInstanceLifecycleConfigArn:  cfg.ARN,
			CreationTime:                        awsjson.Time(cfg.CreationTime),
			LastModifiedTime:                    awsjson.Time(cfg.LastModifiedTime),
		})
	}
	return out, nil
}

package ecsapi

import (
	"context"
	"errors"
	"strings"

	"strato/internal/core/instance"
	"strato/internal/errdefs"
	"strato/internal/wire/acsrpc"
)

// listTagPageSize is how many tag-resource pairs ListTagResources returns
// per page (ECS: 50).
const listTagPageSize = 50

// resourceType checks the required ResourceType; only instance is served.
func resourceType(p acsrpc.Params) error {
	switch rt := p.Get("ResourceType"); {
	case rt == "":
		return acsrpc.Missing("ResourceType")
	case !strings.EqualFold(rt, "instance"):
		return errdefs.New(errdefs.InvalidArgument, resResourceType, rt, "")
	}
	return nil
}

// resourceIDs reads ResourceId.N (1..50); required or not.
func resourceIDs(p acsrpc.Params, required bool) ([]string, error) {
	ids, err := p.List("ResourceId", maxTagResourceIDs)
	if err != nil {
		return nil, err
	}
	if required && len(ids) == 0 {
		return nil, acsrpc.Missing("ResourceId")
	}
	for _, id := range ids {
		if !instanceIDRE.MatchString(id) {
			return nil, errdefs.New(errdefs.NotFound, errdefs.ResNone, id, "")
		}
	}
	return ids, nil
}

// resourcesNotFound turns an unknown instance into ECS's answer of the tag
// operations, InvalidResourceId.NotFound.
func resourcesNotFound(err error) error {
	var e *errdefs.Error
	if errors.As(err, &e) && e.Kind == errdefs.NotFound && e.Resource == errdefs.ResInstance {
		return errdefs.New(errdefs.NotFound, errdefs.ResNone, e.ID, "")
	}
	return err
}

// tagResources adds or overwrites tags on instances: TagResources.
func (h *Handler) tagResources(ctx context.Context, c *call) (any, error) {
	if err := resourceType(c.params); err != nil {
		return nil, err
	}
	ids, err := resourceIDs(c.params, true)
	if err != nil {
		return nil, err
	}
	tg, err := tags(c.params)
	if err != nil {
		return nil, err
	}
	if len(tg) == 0 {
		return nil, acsrpc.Missing("Tag")
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	return nil, resourcesNotFound(h.core.CreateTags(ctx, c.account(), ids, tg, c.dryRun))
}

// untagResources removes tags by key, or every tag with All=true:
// UntagResources. With neither, nothing changes.
func (h *Handler) untagResources(ctx context.Context, c *call) (any, error) {
	if err := resourceType(c.params); err != nil {
		return nil, err
	}
	ids, err := resourceIDs(c.params, true)
	if err != nil {
		return nil, err
	}
	keys, err := c.params.List("TagKey", maxTagsPerCall)
	if err != nil {
		return nil, errdefs.New(errdefs.InvalidArgument, resTagCount, "", "")
	}
	all, err := optBool(c.params, "All")
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.instanceARNs(c, ids)...); err != nil {
		return nil, err
	}
	if len(keys) == 0 && !all {
		if c.dryRun {
			return nil, errDryRun
		}
		// Nothing to remove; the instances must exist all the same.
		_, _, err := h.core.Describe(ctx, c.account(), instance.Query{Origin: instance.OriginECS, IDs: ids})
		return nil, resourcesNotFound(err)
	}
	refs := make([]instance.TagRef, 0, len(keys))
	for _, k := range keys {
		refs = append(refs, instance.TagRef{Key: k})
	}
	return nil, resourcesNotFound(h.core.DeleteTags(ctx, c.account(), ids, refs, c.dryRun))
}

// listTagResources lists the tags of the caller's instances, selected by
// ResourceId.N and/or Tag.N, 50 pairs a page: ListTagResources.
func (h *Handler) listTagResources(ctx context.Context, c *call) (any, error) {
	if err := resourceType(c.params); err != nil {
		return nil, err
	}
	ids, err := resourceIDs(c.params, false)
	if err != nil {
		return nil, err
	}
	groups, err := c.params.Indexed("Tag", maxTagsPerCall)
	if err != nil {
		return nil, errdefs.New(errdefs.InvalidArgument, resTagCount, "", "")
	}
	off, err := parseToken(c.params.Get("NextToken"))
	if err != nil {
		return nil, err
	}
	q := instance.Query{Origin: instance.OriginECS}
	if len(ids) > 0 {
		q.Filters = append(q.Filters, instance.Filter{Field: instance.FieldID, Values: ids})
	}
	for _, g := range groups {
		if g["Key"] == "" {
			return nil, errdefs.New(errdefs.InvalidArgument, resTagKey, "", "")
		}
		if v, ok := g["Value"]; ok {
			q.Filters = append(q.Filters, instance.Filter{Field: instance.FieldTag, Key: g["Key"], Values: []string{v}})
		} else {
			q.Filters = append(q.Filters, instance.Filter{Field: instance.FieldTagKey, Values: []string{g["Key"]}})
		}
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	found, _, err := h.core.Describe(ctx, c.account(), q)
	if err != nil {
		return nil, err
	}
	var pairs []tagResource
	for _, in := range found {
		for _, t := range in.Tags {
			pairs = append(pairs, tagResource{ResourceId: in.ID, ResourceType: "instance", TagKey: t.Key, TagValue: t.Value})
		}
	}
	lo, hi, next := page(len(pairs), off, listTagPageSize)
	out := listTagResourcesResponse{TagResources: tagResources{TagResource: append([]tagResource{}, pairs[lo:hi]...)}, NextToken: next}
	return out, nil
}

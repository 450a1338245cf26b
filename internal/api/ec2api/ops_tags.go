package ec2api

import (
	"context"

	"strato/internal/core/instance"
	"strato/internal/wire/awsquery"
)

// resourceIDs reads and validates the required ResourceId.N list.
func resourceIDs(p awsquery.Params) ([]string, error) {
	ids, err := idList(p, "ResourceId", true)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := checkResourceID(id); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// resourceARNs returns the ARNs of the caller's resources ids.
func (h *Handler) resourceARNs(c *call, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = h.resourceARN(c, id)
	}
	return out
}

// createTags adds or overwrites tags: CreateTags.
func (h *Handler) createTags(ctx context.Context, c *call) (any, error) {
	ids, err := resourceIDs(c.params)
	if err != nil {
		return nil, err
	}
	tagList, err := tags(c.params, "Tag")
	if err != nil {
		return nil, err
	}
	if len(tagList) == 0 {
		return nil, missing("Tag")
	}
	if err := h.authorize(c, h.resourceARNs(c, ids)...); err != nil {
		return nil, err
	}
	if err := h.core.CreateTags(ctx, c.account(), ids, tagList, c.dryRun); err != nil {
		return nil, err
	}
	return returnResponse{Return: true}, nil
}

// decodeTagRefs reads DeleteTags' Tag.N: a Value that is present, even
// empty, must match; an absent Value deletes the key whatever its value.
// No Tag.N at all deletes every tag of the resources (nil refs).
func decodeTagRefs(p awsquery.Params) ([]instance.TagRef, error) {
	structs, err := p.Structs("Tag")
	if err != nil {
		return nil, err
	}
	var refs []instance.TagRef
	for _, s := range structs {
		key := s.String("Key")
		if key == "" {
			return nil, missing("Tag.Key")
		}
		ref := instance.TagRef{Key: key}
		if has(s, "Value") {
			v := s.String("Value")
			ref.Value = &v
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// deleteTags removes tags: DeleteTags.
func (h *Handler) deleteTags(ctx context.Context, c *call) (any, error) {
	ids, err := resourceIDs(c.params)
	if err != nil {
		return nil, err
	}
	refs, err := decodeTagRefs(c.params)
	if err != nil {
		return nil, err
	}
	if err := h.authorize(c, h.resourceARNs(c, ids)...); err != nil {
		return nil, err
	}
	if err := h.core.DeleteTags(ctx, c.account(), ids, refs, c.dryRun); err != nil {
		return nil, err
	}
	return returnResponse{Return: true}, nil
}

// tagFilterNames are the DescribeTags filters served.
var tagFilterNames = map[string]bool{"resource-id": true, "resource-type": true, "key": true, "value": true}

// describeTags lists tags: DescribeTags.
func (h *Handler) describeTags(ctx context.Context, c *call) (any, error) {
	fs, err := filters(c.params)
	if err != nil {
		return nil, err
	}
	tfs := make([]instance.TagFilter, 0, len(fs))
	for _, f := range fs {
		if !tagFilterNames[f.name] {
			return nil, unknownFilter(f.name)
		}
		if len(f.values) == 0 {
			return nil, invalidValue("The filter '%s' must have at least one value.", f.name)
		}
		tfs = append(tfs, instance.TagFilter{Field: f.name, Values: f.values})
	}
	limit, err := maxResults(c.params, 5, 1000)
	if err != nil {
		return nil, err
	}
	if err := h.readOnly(c); err != nil {
		return nil, err
	}
	descs, next, err := h.core.DescribeTags(ctx, c.account(), tfs, limit, c.params.String("NextToken"))
	if err != nil {
		return nil, err
	}
	out := make([]xmlTagDescription, 0, len(descs))
	for _, d := range descs {
		out = append(out, xmlTagDescription{ResourceID: d.ResourceID, ResourceType: d.ResourceType, Key: d.Key, Value: d.Value})
	}
	return describeTagsResponse{Tags: list(out), NextToken: next}, nil
}

package sagemakerapi

import "context"

// taggedResource validates a tagging call: its ResourceArn, then the other
// members through more (in the model's member order), and authorizes the
// caller on the resource.
func (h *Handler) taggedResource(c *call, arn *string, more func(v *violations)) (string, error) {
	var v violations
	v.str("resourceArn", arn, true, ruleResourceARN)
	more(&v)
	if err := v.err(); err != nil {
		return "", err
	}
	if err := h.authorize(c, *arn); err != nil {
		return "", err
	}
	return *arn, nil
}

// addTags: AddTags.
func (h *Handler) addTags(ctx context.Context, c *call) (any, error) {
	var in addTagsInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	arn, err := h.taggedResource(c, in.ResourceARN, func(v *violations) { v.tags("tags", in.Tags, true) })
	if err != nil {
		return nil, err
	}
	added, err := h.core.AddTags(ctx, c.account(), arn, tagsIn(in.Tags))
	if err != nil {
		return nil, err
	}
	return tagsOutput{Tags: tagsOut(added)}, nil
}

// deleteTags: DeleteTags; an empty body on success.
func (h *Handler) deleteTags(ctx context.Context, c *call) (any, error) {
	var in deleteTagsInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	arn, err := h.taggedResource(c, in.ResourceARN, func(v *violations) {
		v.strList("tagKeys", in.TagKeys, true, listTagKeys, ruleTagKey)
	})
	if err != nil {
		return nil, err
	}
	return nil, h.core.DeleteTags(ctx, c.account(), arn, in.TagKeys)
}

// listTags: ListTags.
func (h *Handler) listTags(ctx context.Context, c *call) (any, error) {
	var in listTagsInput
	if err := c.req.Decode(&in); err != nil {
		return nil, err
	}
	arn, err := h.taggedResource(c, in.ResourceARN, func(v *violations) {
		v.str("nextToken", in.NextToken, false, ruleNextToken)
		v.integer("maxResults", in.MaxResults, false, ruleListTagsMax)
	})
	if err != nil {
		return nil, err
	}
	tags, next, err := h.core.ListTags(ctx, c.account(), arn, int(deref(in.MaxResults)), deref(in.NextToken))
	if err != nil {
		return nil, err
	}
	return listTagsOutput{Tags: tagsOut(tags), NextToken: next}, nil
}

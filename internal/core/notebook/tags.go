package notebook

import (
	"context"
	"slices"
	"strings"

	"strato/internal/errdefs"
)

// MaxTags is the most tags a notebook instance or lifecycle configuration
// may have (the AWS limit per resource).
const MaxTags = 50

// DefaultTagPageSize is ListTags' page size when the caller names none
// (ListTagsMaxResults' minimum, 50).
const DefaultTagPageSize = 50

// reservedTagPrefix starts tag keys AWS keeps for itself.
const reservedTagPrefix = "aws:"

// mergeTags returns cur with add applied: a key already there gets the new
// value in place, a new key is appended. Keys with the reserved aws: prefix
// and a result of more than MaxTags tags are refused, as ValidationException.
func mergeTags(arn string, cur, add []Tag) ([]Tag, error) {
	out := slices.Clone(cur)
	for _, t := range add {
		if strings.HasPrefix(strings.ToLower(t.Key), reservedTagPrefix) {
			return nil, invalid(arn, "Tag keys beginning with '%s' are reserved for system use: %s", reservedTagPrefix, errdefs.Clip(t.Key, 128))
		}
		if i := slices.IndexFunc(out, func(o Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
			continue
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, invalid(arn, "Too many tags for resource (%s): a resource can have at most %d tags, this request would give it %d.",
			arn, MaxTags, len(out))
	}
	return out, nil
}

// tagged is the resource a tagging call names: a notebook or a lifecycle
// configuration of the caller, found by its ARN.
type tagged struct {
	r   ref
	arn string
}

// resolveTagged parses arn and checks that it names a notebook instance or
// lifecycle configuration of account in this region; anything else is
// TaggedResourceNotFound.
func (s *Service) resolveTagged(account, arn string) (tagged, error) {
	a, ok := ParseARN(arn)
	if !ok || a.AccountID != account || a.Region != s.cfg.Region || !ValidName(a.Name) {
		return tagged{}, TaggedResourceNotFound(arn)
	}
	switch a.Type {
	case ARNTypeNotebook:
		return tagged{notebookRef(account, a.Name), arn}, nil
	case ARNTypeLifecycleConfig:
		return tagged{configRef(account, a.Name), arn}, nil
	}
	return tagged{}, TaggedResourceNotFound(arn)
}

// editTags changes the tags of the resource arn names under its operation
// lock, in one store write, and returns the resulting tags.
func (s *Service) editTags(ctx context.Context, account, arn string, edit func(cur []Tag) ([]Tag, error)) ([]Tag, error) {
	t, err := s.resolveTagged(account, arn)
	if err != nil {
		return nil, err
	}
	unlock := s.locks.Lock(t.r)
	defer unlock()
	notFound := func(err error) error {
		if errdefs.KindOf(err) == errdefs.NotFound {
			return TaggedResourceNotFound(arn)
		}
		return err
	}
	if t.r.kind == refNotebook {
		nb, err := s.get(ctx, t.r)
		if err != nil {
			return nil, notFound(err)
		}
		if nb.Tags, err = edit(nb.Tags); err != nil {
			return nil, err
		}
		if err := s.save(ctx, nb); err != nil {
			return nil, err
		}
		return slices.Clone(nb.Tags), nil
	}
	c, err := s.store.GetLifecycleConfig(ctx, account, t.r.name)
	if err != nil {
		return nil, notFound(err)
	}
	if c.Tags, err = edit(c.Tags); err != nil {
		return nil, err
	}
	if err := s.saveConfig(ctx, c); err != nil {
		return nil, err
	}
	return slices.Clone(c.Tags), nil
}

// AddTags adds or overwrites tags of the notebook instance or lifecycle
// configuration resourceARN names and returns the resource's tags after the
// change, as SageMaker does.
func (s *Service) AddTags(ctx context.Context, account, resourceARN string, tags []Tag) ([]Tag, error) {
	return s.editTags(ctx, account, resourceARN, func(cur []Tag) ([]Tag, error) {
		return mergeTags(resourceARN, cur, tags)
	})
}

// DeleteTags removes the tags with the given keys; keys the resource does
// not have are ignored.
func (s *Service) DeleteTags(ctx context.Context, account, resourceARN string, keys []string) error {
	_, err := s.editTags(ctx, account, resourceARN, func(cur []Tag) ([]Tag, error) {
		return slices.DeleteFunc(cur, func(t Tag) bool { return slices.Contains(keys, t.Key) }), nil
	})
	return err
}

// ListTags returns one page of a resource's tags, in the order they were
// added, and the next page's token ("" after the last page). maxResults 0
// means DefaultTagPageSize.
func (s *Service) ListTags(ctx context.Context, account, resourceARN string, maxResults int, nextToken string) ([]Tag, string, error) {
	t, err := s.resolveTagged(account, resourceARN)
	if err != nil {
		return nil, "", err
	}
	var tags []Tag
	if t.r.kind == refNotebook {
		nb, err := s.get(ctx, t.r)
		if err != nil {
			if errdefs.KindOf(err) == errdefs.NotFound {
				return nil, "", TaggedResourceNotFound(resourceARN)
			}
			return nil, "", err
		}
		tags = nb.Tags
	} else {
		c, err := s.store.GetLifecycleConfig(ctx, account, t.r.name)
		if err != nil {
			if errdefs.KindOf(err) == errdefs.NotFound {
				return nil, "", TaggedResourceNotFound(resourceARN)
			}
			return nil, "", err
		}
		tags = c.Tags
	}
	if maxResults <= 0 {
		maxResults = DefaultTagPageSize
	}
	// Tags keep the order they were added in: a page token carries the
	// offset of the next page (a resource has at most MaxTags tags, fewer
	// than the smallest page).
	return pageAt(s, "tags\x00"+resourceARN, tags, maxResults, nextToken)
}

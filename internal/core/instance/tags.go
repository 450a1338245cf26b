package instance

import (
	"context"
	"slices"
	"strings"

	"strato/internal/errdefs"
)

// Tag limits, as EC2 enforces them.
const (
	MaxTagsPerResource = 50
	MaxTagKeyLen       = 128
	MaxTagValueLen     = 256
)

// validateTags checks tag keys and values.
func validateTags(tags []Tag) error {
	if len(tags) > MaxTagsPerResource {
		return errdefs.Newf(errdefs.LimitExceeded, errdefs.ResTag, "", "The maximum number of tags per resource is %d.", MaxTagsPerResource)
	}
	for _, t := range tags {
		switch {
		case t.Key == "":
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "", "Tag keys must not be empty.")
		case len(t.Key) > MaxTagKeyLen:
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
				"Tag key exceeds the maximum length of %d characters", MaxTagKeyLen)
		case len(t.Value) > MaxTagValueLen:
			return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResParameter, "",
				"Tag value exceeds the maximum length of %d characters", MaxTagValueLen)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return errdefs.New(errdefs.InvalidArgument, errdefs.ResParameter, "",
				"Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return nil
}

// setTags merges add into tags, overwriting values of existing keys.
func setTags(tags, add []Tag) []Tag {
	out := slices.Clone(tags)
	for _, t := range add {
		i := slices.IndexFunc(out, func(x Tag) bool { return x.Key == t.Key })
		if i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	return out
}

// dropTags removes the referenced tags (a nil value matches any value).
func dropTags(tags []Tag, refs []TagRef) []Tag {
	return slices.DeleteFunc(slices.Clone(tags), func(t Tag) bool {
		for _, r := range refs {
			if r.Key == t.Key && (r.Value == nil || *r.Value == t.Value) {
				return true
			}
		}
		return false
	})
}

// tagTarget finds the instance that owns a resource id (an instance or one
// of its volumes) in the account, among those unscoped calls reach.
func (s *Service) tagTarget(account, id string) *Instance {
	if strings.HasPrefix(id, "i-") {
		return s.lookup("", account, id)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, iid := range s.accounts[account] {
		in := s.byID[iid]
		if !reachable(in, "") {
			continue
		}
		for _, v := range in.Volumes {
			if v.ID == id && !v.Scratch && in.State != Terminated {
				return in
			}
		}
	}
	return nil
}

// retag applies change to the tags of every resource in ids, all or nothing
// at validation; unknown resources are NotFound.
func (s *Service) retag(ctx context.Context, account string, ids []string, dryRun bool, change func([]Tag) []Tag) error {
	if len(ids) == 0 {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "ResourceId", "The request must contain the parameter ResourceId")
	}
	owners := map[string]string{}
	var instIDs []string
	for _, id := range ids {
		in := s.tagTarget(account, id)
		if in == nil {
			if strings.HasPrefix(id, "i-") {
				return notFound([]string{id})
			}
			return errdefs.Newf(errdefs.NotFound, errdefs.ResVolume, id, "The volume '%s' does not exist.", id)
		}
		owners[id] = in.ID
		instIDs = append(instIDs, in.ID)
	}
	unlock := s.opLocks.LockAll(instIDs)
	defer unlock()
	// Validate the outcome for every resource before writing any.
	for _, id := range ids {
		in := s.current(owners[id])
		if err := validateTags(change(resourceTags(in, id))); err != nil {
			return err
		}
	}
	if dryRun {
		return errDryRun()
	}
	for _, id := range ids {
		in := s.current(owners[id])
		if _, err := s.update(ctx, in, func(n *Instance) {
			if n.ID == id {
				n.Tags = change(n.Tags)
				return
			}
			for k := range n.Volumes {
				if n.Volumes[k].ID == id {
					n.Volumes[k].Tags = change(n.Volumes[k].Tags)
				}
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

func resourceTags(in *Instance, id string) []Tag {
	if in.ID == id {
		return in.Tags
	}
	for _, v := range in.Volumes {
		if v.ID == id {
			return v.Tags
		}
	}
	return nil
}

// CreateTags adds or overwrites tags on instances and volumes.
func (s *Service) CreateTags(ctx context.Context, account string, resourceIDs []string, tags []Tag, dryRun bool) error {
	if len(tags) == 0 {
		return errdefs.New(errdefs.InvalidArgument, errdefs.ResMissing, "Tag", "The request must contain the parameter Tag")
	}
	if err := validateTags(tags); err != nil {
		return err
	}
	return s.retag(ctx, account, resourceIDs, dryRun, func(t []Tag) []Tag { return setTags(t, tags) })
}

// DeleteTags removes tags from instances and volumes; with no tags given it
// removes them all, as EC2 does.
func (s *Service) DeleteTags(ctx context.Context, account string, resourceIDs []string, tags []TagRef, dryRun bool) error {
	return s.retag(ctx, account, resourceIDs, dryRun, func(t []Tag) []Tag {
		if len(tags) == 0 {
			return nil
		}
		return dropTags(t, tags)
	})
}

// DescribeTags lists the tags of the account's resources, filtered, ordered
// by resource id and key.
func (s *Service) DescribeTags(ctx context.Context, account string, filters []TagFilter, maxResults int, nextToken string) ([]TagDescription, string, error) {
	for _, f := range filters {
		switch f.Field {
		case "resource-id", "resource-type", "key", "value":
		default:
			return nil, "", errdefs.Newf(errdefs.InvalidArgument, errdefs.ResFilter, f.Field, "The filter '%s' is invalid", f.Field)
		}
	}
	var all []TagDescription
	s.mu.RLock()
	for _, iid := range s.accounts[account] {
		in := s.byID[iid]
		if in.State == Terminated || in.API() != OriginEC2 { // EC2's DescribeTags: EC2's resources only
			continue
		}
		for _, t := range in.Tags {
			all = append(all, TagDescription{ResourceID: in.ID, ResourceType: "instance", Key: t.Key, Value: t.Value})
		}
		for _, v := range in.Volumes {
			for _, t := range v.Tags {
				all = append(all, TagDescription{ResourceID: v.ID, ResourceType: "volume", Key: t.Key, Value: t.Value})
			}
		}
	}
	s.mu.RUnlock()
	out := all[:0]
	for _, d := range all {
		if tagMatches(d, filters) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b TagDescription) int {
		if c := strings.Compare(a.ResourceID, b.ResourceID); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	start, err := decodeOffset(nextToken)
	if err != nil {
		return nil, "", err
	}
	if start > len(out) {
		start = len(out)
	}
	out = out[start:]
	next := ""
	if maxResults > 0 && len(out) > maxResults {
		out = out[:maxResults]
		next = encodeOffset(start + maxResults)
	}
	return out, next, nil
}

func tagMatches(d TagDescription, filters []TagFilter) bool {
	for _, f := range filters {
		var v string
		switch f.Field {
		case "resource-id":
			v = d.ResourceID
		case "resource-type":
			v = d.ResourceType
		case "key":
			v = d.Key
		case "value":
			v = d.Value
		}
		if !anyMatch(f.Values, v) {
			return false
		}
	}
	return true
}

package instance

// Volumes as resources of their own: the view EC2's DescribeVolumes (and
// ECS's DescribeDisks) lists.
//
// One place holds each fact. A volume attached to an instance lives in the
// instance's record (Instance.Volumes), and its view is derived from that
// record: in-use, with one attachment. When the instance terminates, the
// volumes it deletes (DeleteOnTermination) are gone with it, and each volume
// it keeps becomes a DetachedVolume — available, with no attachment — that
// the VolumeStore writes in the same transaction as the instance's change to
// terminated. The instance record is purged after its retention; the
// DetachedVolume stays. A table mirroring the attached volumes as well would
// have to follow every instance write (tags, sizes, states) to say nothing
// new. Instance-store (scratch) volumes are not resources of their own: EC2
// does not list them.

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// VolumeState is a volume's state, in EC2's words.
type VolumeState string

// The volume states the view shows. A volume made at launch is attached at
// once (EC2's "creating" does not show), and a volume deleted with its
// instance is gone (EC2's "deleting" and "deleted" do not show).
const (
	VolumeInUse     VolumeState = "in-use"    // attached to an instance that is not terminated
	VolumeAvailable VolumeState = "available" // outlived its instance
)

// Attachment states, in EC2's words.
const (
	AttachmentAttached  = "attached"
	AttachmentDetaching = "detaching" // the instance is shutting down
)

// DetachedVolume is the stored record of a volume that outlived its
// instance: its instance terminated while it was not DeleteOnTermination.
type DetachedVolume struct {
	ID               string    `json:"id"`
	AccountID        string    `json:"accountId"`
	Origin           string    `json:"origin,omitempty"` // as Instance.Origin
	AvailabilityZone string    `json:"availabilityZone"`
	SizeGiB          int       `json:"sizeGiB"`
	Type             string    `json:"type,omitempty"`
	Iops             int       `json:"iops,omitempty"`
	Throughput       int       `json:"throughput,omitempty"`
	CreatedAt        time.Time `json:"createdAt"`
	Tags             []Tag     `json:"tags,omitempty"`
	// InstanceID and DeviceName say where the volume was attached last,
	// DetachedAt until when.
	InstanceID string    `json:"instanceId"`
	DeviceName string    `json:"deviceName"`
	DetachedAt time.Time `json:"detachedAt"`
}

// API returns the volume's origin, as Instance.API does.
func (v *DetachedVolume) API() string { return cmp.Or(v.Origin, OriginEC2) }

// Clone returns a deep copy.
func (v *DetachedVolume) Clone() *DetachedVolume {
	c := *v
	c.Tags = slices.Clone(v.Tags)
	return &c
}

// VolumeInfo is one volume as DescribeVolumes shows it.
type VolumeInfo struct {
	ID               string
	AccountID        string
	Origin           string
	AvailabilityZone string
	SizeGiB          int
	// Type is never empty: records without one get the origin's default.
	Type string
	// Iops and Throughput are what the launch asked for (0 = the type's
	// default, which the frontend knows).
	Iops        int
	Throughput  int
	CreatedAt   time.Time
	State       VolumeState
	Tags        []Tag
	Attachments []VolumeAttachment
}

// VolumeAttachment is a volume's attachment to an instance.
type VolumeAttachment struct {
	InstanceID          string
	Device              string
	State               string // AttachmentAttached or AttachmentDetaching
	AttachTime          time.Time
	DeleteOnTermination bool
}

// VolumeField names something a VolumeFilter compares.
type VolumeField int

// Filterable volume fields. Frontends map their filter names onto these.
const (
	VolumeFieldID VolumeField = iota + 1
	VolumeFieldState
	VolumeFieldType
	VolumeFieldSize
	VolumeFieldZone
	VolumeFieldCreateTime // FilterTimeFormat
	VolumeFieldEncrypted  // "true" / "false"; volumes are not encrypted
	VolumeFieldMultiAttach
	VolumeFieldTag    // Key names the tag
	VolumeFieldTagKey // values are tag keys
	VolumeFieldAttachInstance
	VolumeFieldAttachDevice
	VolumeFieldAttachState
	VolumeFieldAttachDeleteOnTermination // "true" / "false"
	VolumeFieldAttachTime                // FilterTimeFormat
)

// FilterTimeFormat is how time fields compare in filters: EC2's
// timestamps, UTC with milliseconds.
const FilterTimeFormat = "2006-01-02T15:04:05.000Z"

// VolumeFilter keeps volumes whose field matches any of Values, with the *
// and ? wildcards; a volume matches an attachment field when one of its
// attachments does. Filters are ANDed.
type VolumeFilter struct {
	Field  VolumeField
	Key    string // the tag key for VolumeFieldTag
	Values []string
}

// VolumeQuery selects volumes of one account. IDs, when given, must all
// exist (NotFound names the missing ones); Filters narrow further.
type VolumeQuery struct {
	// Origin selects the API whose volumes are listed; empty means
	// OriginEC2.
	Origin     string
	IDs        []string
	Filters    []VolumeFilter
	MaxResults int    // 0 = all
	NextToken  string // from a previous page
}

// DescribeVolumes returns the account's volumes that match q, ordered by id
// (an order that survives a volume's change from in-use to available, so a
// page never repeats or skips a volume that exists throughout), with the
// token of the next page ("" on the last page).
func (s *Service) DescribeVolumes(ctx context.Context, account string, q VolumeQuery) ([]*VolumeInfo, string, error) {
	after, err := decodeVolumeToken(q.NextToken)
	if err != nil {
		return nil, "", err
	}
	all := s.volumesOf(account, cmp.Or(q.Origin, OriginEC2))
	if len(q.IDs) > 0 {
		var missing []string
		want := make(map[string]bool, len(q.IDs))
		for _, id := range q.IDs {
			if _, ok := all[id]; !ok {
				missing = append(missing, id)
			}
			want[id] = true
		}
		if len(missing) > 0 {
			return nil, "", volumeNotFound(missing)
		}
		for id := range all {
			if !want[id] {
				delete(all, id)
			}
		}
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range all {
			if id > after && !yield(id) {
				return
			}
		}
	})
	var out []*VolumeInfo
	for _, id := range ids {
		v := all[id]
		if !matchesVolume(v, q.Filters) {
			continue
		}
		if q.MaxResults > 0 && len(out) == q.MaxResults {
			return out, encodeVolumeToken(out[len(out)-1].ID), nil
		}
		out = append(out, v)
	}
	return out, "", nil
}

// volumesOf builds the views of every volume of account under origin: the
// EBS volumes of its instances that are not terminated, and its detached
// volumes.
func (s *Service) volumesOf(account, origin string) map[string]*VolumeInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]*VolumeInfo{}
	for _, iid := range s.accounts[account] {
		in := s.byID[iid]
		if in.API() != origin || in.State == Terminated {
			continue
		}
		att := AttachmentAttached
		if in.State == ShuttingDown {
			att = AttachmentDetaching
		}
		for _, v := range in.Volumes {
			if v.Scratch {
				continue
			}
			out[v.ID] = &VolumeInfo{
				ID: v.ID, AccountID: in.AccountID, Origin: in.API(), AvailabilityZone: in.AvailabilityZone,
				SizeGiB: v.SizeGiB, Type: cmp.Or(v.Type, policyFor(in.API()).defaultVolumeType),
				Iops: v.Iops, Throughput: v.Throughput, CreatedAt: cmp.Or(v.CreatedAt, v.AttachTime),
				State: VolumeInUse, Tags: slices.Clone(v.Tags),
				Attachments: []VolumeAttachment{{InstanceID: in.ID, Device: v.DeviceName, State: att,
					AttachTime: v.AttachTime, DeleteOnTermination: v.DeleteOnTermination}},
			}
		}
	}
	for _, v := range s.detached[account] {
		if v.API() != origin {
			continue
		}
		out[v.ID] = &VolumeInfo{
			ID: v.ID, AccountID: v.AccountID, Origin: v.API(), AvailabilityZone: v.AvailabilityZone,
			SizeGiB: v.SizeGiB, Type: cmp.Or(v.Type, policyFor(v.API()).defaultVolumeType),
			Iops: v.Iops, Throughput: v.Throughput, CreatedAt: v.CreatedAt,
			State: VolumeAvailable, Tags: slices.Clone(v.Tags),
		}
	}
	return out
}

// keptVolumes returns the volumes that outlive the instance when the change
// from cur to next terminates it: its EBS volumes that are not
// DeleteOnTermination. They are stored with that change (commitVolumes).
func (s *Service) keptVolumes(cur, next *Instance) []*DetachedVolume {
	if next.State != Terminated || cur.State == Terminated {
		return nil
	}
	at := cmp.Or(next.TerminatedAt, s.clk.Now())
	var out []*DetachedVolume
	for _, v := range next.Volumes {
		if v.Scratch || v.DeleteOnTermination {
			continue
		}
		out = append(out, &DetachedVolume{
			ID: v.ID, AccountID: next.AccountID, Origin: next.Origin, AvailabilityZone: next.AvailabilityZone,
			SizeGiB: v.SizeGiB, Type: cmp.Or(v.Type, policyFor(next.API()).defaultVolumeType),
			Iops: v.Iops, Throughput: v.Throughput, CreatedAt: cmp.Or(v.CreatedAt, v.AttachTime),
			Tags: slices.Clone(v.Tags), InstanceID: next.ID, DeviceName: v.DeviceName, DetachedAt: at,
		})
	}
	return out
}

// putVolumeLocked caches a stored detached volume. s.mu must be held.
func (s *Service) putVolumeLocked(v *DetachedVolume) {
	m := s.detached[v.AccountID]
	if m == nil {
		m = map[string]*DetachedVolume{}
		s.detached[v.AccountID] = m
	}
	m[v.ID] = v.Clone()
}

// matchesVolume reports whether v passes every filter.
func matchesVolume(v *VolumeInfo, filters []VolumeFilter) bool {
	for _, f := range filters {
		if !matchVolumeField(v, f) {
			return false
		}
	}
	return true
}

func matchVolumeField(v *VolumeInfo, f VolumeFilter) bool {
	switch f.Field {
	case VolumeFieldID:
		return anyMatch(f.Values, v.ID)
	case VolumeFieldState:
		return anyMatch(f.Values, string(v.State))
	case VolumeFieldType:
		return anyMatch(f.Values, v.Type)
	case VolumeFieldSize:
		return anyMatch(f.Values, strconv.Itoa(v.SizeGiB))
	case VolumeFieldZone:
		return anyMatch(f.Values, v.AvailabilityZone)
	case VolumeFieldCreateTime:
		return anyMatch(f.Values, v.CreatedAt.UTC().Format(FilterTimeFormat))
	case VolumeFieldEncrypted, VolumeFieldMultiAttach:
		return anyMatch(f.Values, "false")
	case VolumeFieldTag:
		for _, t := range v.Tags {
			if t.Key == f.Key && anyMatch(f.Values, t.Value) {
				return true
			}
		}
		return false
	case VolumeFieldTagKey:
		for _, t := range v.Tags {
			if anyMatch(f.Values, t.Key) {
				return true
			}
		}
		return false
	}
	for _, a := range v.Attachments {
		if matchAttachment(a, f) {
			return true
		}
	}
	return false
}

func matchAttachment(a VolumeAttachment, f VolumeFilter) bool {
	switch f.Field {
	case VolumeFieldAttachInstance:
		return anyMatch(f.Values, a.InstanceID)
	case VolumeFieldAttachDevice:
		return anyMatch(f.Values, a.Device)
	case VolumeFieldAttachState:
		return anyMatch(f.Values, a.State)
	case VolumeFieldAttachDeleteOnTermination:
		return anyMatch(f.Values, strconv.FormatBool(a.DeleteOnTermination))
	case VolumeFieldAttachTime:
		return anyMatch(f.Values, a.AttachTime.UTC().Format(FilterTimeFormat))
	}
	return false
}

// volumeNotFound reports missing volume ids, naming them all.
func volumeNotFound(ids []string) error {
	if len(ids) == 1 {
		return errdefs.Newf(errdefs.NotFound, errdefs.ResVolume, ids[0], "The volume '%s' does not exist.", ids[0])
	}
	id := joinIDs(ids)
	return errdefs.Newf(errdefs.NotFound, errdefs.ResVolume, id, "The volumes '%s' do not exist.", id)
}

// Volume page tokens are opaque to clients: base64 of "v:<last volume id>".
const volumeTokenPrefix = "v:"

func encodeVolumeToken(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(volumeTokenPrefix + id))
}

func decodeVolumeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	id, ok := strings.CutPrefix(string(b), volumeTokenPrefix)
	if err != nil || !ok || id == "" {
		return "", badToken(tok)
	}
	return id, nil
}

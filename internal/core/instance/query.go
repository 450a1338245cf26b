package instance

import (
	"context"
	"encoding/base64"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"strato/internal/errdefs"
)

// Describe returns the account's instances that match q, in creation order,
// as copies, with the token of the next page ("" on the last page). Ids that
// do not exist in the account are NotFound, all named.
func (s *Service) Describe(ctx context.Context, account string, q Query) ([]*Instance, string, error) {
	after, err := decodeSeq(q.NextToken)
	if err != nil {
		return nil, "", err
	}
	now := s.clk.Now()
	origin := q.Origin
	if origin == "" {
		origin = OriginEC2
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var want map[string]bool
	if len(q.IDs) > 0 {
		want = make(map[string]bool, len(q.IDs))
		var missing []string
		for _, id := range q.IDs {
			in := s.byID[id]
			if in == nil || in.AccountID != account || s.expired(in, now) || in.API() != origin {
				missing = append(missing, id)
			}
			want[id] = true
		}
		if len(missing) > 0 {
			return nil, "", notFound(missing)
		}
	}
	list := s.accounts[account]
	if want != nil {
		// Only the named instances, in creation order: no scan of the account.
		list = make([]string, 0, len(want))
		for id := range want {
			list = append(list, id)
		}
		sort.Slice(list, func(i, j int) bool { return s.seq[list[i]] < s.seq[list[j]] })
	}
	// Resume after the last instance of the previous page.
	start := sort.Search(len(list), func(i int) bool { return s.seq[list[i]] > after })
	var out []*Instance
	next := ""
	for _, id := range list[start:] {
		in := s.byID[id]
		if s.expired(in, now) || in.API() != origin || !matches(in, q.Filters) {
			continue
		}
		if q.MaxResults > 0 && len(out) == q.MaxResults {
			next = encodeSeq(s.seq[out[len(out)-1].ID])
			break
		}
		out = append(out, in.Clone())
	}
	return out, next, nil
}

// expired reports a terminated instance past its retention (the purge may
// not have run yet), or a released one its origin no longer shows (hidden).
func (s *Service) expired(in *Instance, now time.Time) bool {
	return in.State == Terminated && now.Sub(in.TerminatedAt) >= s.cfg.TerminatedRetention || hidden(in)
}

// Get returns one instance of the account, or NotFound; it is unscoped
// (see reachable): an instance of a managed origin is found through
// Service.Scope only.
func (s *Service) Get(ctx context.Context, account, id string) (*Instance, error) {
	return s.getIn("", account, id)
}

func (s *Service) getIn(scope, account, id string) (*Instance, error) {
	in := s.lookup(scope, account, id)
	if in == nil {
		return nil, notFound([]string{id})
	}
	return in.Clone(), nil
}

// matches reports whether in passes every filter.
func matches(in *Instance, filters []Filter) bool {
	for _, f := range filters {
		if !matchField(in, f) {
			return false
		}
	}
	return true
}

func matchField(in *Instance, f Filter) bool {
	switch f.Field {
	case FieldID:
		return anyMatch(f.Values, in.ID)
	case FieldState:
		return anyMatch(f.Values, string(in.State))
	case FieldStateCode:
		for _, v := range f.Values {
			if c, err := strconv.Atoi(v); err == nil && c&0xff == in.State.Code() {
				return true
			}
		}
		return false
	case FieldInstanceType:
		return anyMatch(f.Values, in.InstanceType)
	case FieldImageID:
		return anyMatch(f.Values, in.ImageID)
	case FieldAvailabilityZone:
		return anyMatch(f.Values, in.AvailabilityZone)
	case FieldReservationID:
		return anyMatch(f.Values, in.ReservationID)
	case FieldPrivateIP:
		return anyMatch(f.Values, in.PrivateIP)
	case FieldPublicIP:
		return in.PublicIP != "" && anyMatch(f.Values, in.PublicIP)
	case FieldTag:
		v, ok := in.TagValue(f.Key)
		return ok && anyMatch(f.Values, v)
	case FieldTagKey:
		for _, t := range in.Tags {
			if anyMatch(f.Values, t.Key) {
				return true
			}
		}
		return false
	}
	return false
}

// anyMatch reports whether v matches one of the patterns; * and ? are
// wildcards, as in EC2 filters.
func anyMatch(patterns []string, v string) bool {
	for _, p := range patterns {
		if !strings.ContainsAny(p, "*?[\\") {
			if p == v {
				return true
			}
			continue
		}
		// path.Match treats [ and \ specially; EC2 does not, so escape them.
		esc := strings.NewReplacer(`\`, `\\`, `[`, `\[`).Replace(p)
		if ok, err := path.Match(esc, v); err == nil && ok {
			return true
		}
	}
	return false
}

// Page tokens are opaque to clients: base64 of "s:<seq>" or "o:<offset>".
func encodeSeq(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("s:" + strconv.FormatUint(seq, 10)))
}

func decodeSeq(tok string) (uint64, error) {
	if tok == "" {
		return 0, nil
	}
	v, err := decodeToken(tok, "s:")
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(v, 10, 64)
}

func encodeOffset(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(off)))
}

func decodeOffset(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	v, err := decodeToken(tok, "o:")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badToken(tok)
	}
	return n, nil
}

func decodeToken(tok, prefix string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", badToken(tok)
	}
	v := strings.TrimPrefix(string(b), prefix)
	if _, err := strconv.ParseUint(v, 10, 64); err != nil {
		return "", badToken(tok)
	}
	return v, nil
}

func badToken(tok string) error {
	return errdefs.Newf(errdefs.InvalidArgument, errdefs.ResPageToken, tok, "Invalid pagination token: %s", tok)
}

package notebook

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultPageSize is the page size of ListNotebooks and
// ListLifecycleConfigs when the query names none.
const DefaultPageSize = 10

// Default sort orders. SageMaker documents the default sort keys (Name for
// notebook instances, CreationTime for lifecycle configurations) but not
// the default orders: notebooks list by name ascending, configurations
// newest first, as SageMaker's other CreationTime-sorted lists do.
const (
	defaultNotebookSort = SortByName
	defaultNotebookDir  = Ascending
	defaultConfigSort   = SortByCreationTime
	defaultConfigDir    = Descending
)

// ListNotebooks returns one page of the caller's notebook instances that
// match every filter of q, in q's order, and the next page's token ("" after
// the last page). Name and code repository filters match without regard to
// case; time bounds are exclusive. A token from another query is refused.
func (s *Service) ListNotebooks(ctx context.Context, account string, q ListQuery) ([]*Notebook, string, error) {
	by, dir := q.SortBy, q.SortOrder
	if by == "" {
		by = defaultNotebookSort
	}
	if dir == "" {
		dir = defaultNotebookDir
	}
	if by != SortByName && by != SortByCreationTime && by != SortByStatus {
		return nil, "", invalid(string(by), "Invalid SortBy %q: must be one of Name, CreationTime, Status.", by)
	}
	if dir != Ascending && dir != Descending {
		return nil, "", invalid(string(dir), "Invalid SortOrder %q: must be Ascending or Descending.", dir)
	}
	all, err := s.store.ListNotebooks(ctx, account)
	if err != nil {
		return nil, "", err
	}
	var match []*Notebook
	for _, nb := range all {
		if q.matches(nb) {
			match = append(match, nb)
		}
	}
	keyOf := func(nb *Notebook) pageKey {
		k := pageKey{Name: NameKey(nb.Name)}
		switch by {
		case SortByName:
			k.Primary = nb.Name
		case SortByCreationTime:
			k.Primary = sortableTime(nb.CreationTime)
		case SortByStatus:
			k.Primary = string(nb.Status)
		}
		return k
	}
	fp := fmt.Sprintf("notebooks\x00%s\x00%q\x00%s\x00%s\x00%s\x00%s\x00%s\x00%q\x00%q\x00%q\x00%s\x00%s", account,
		q.NameContains, q.StatusEquals, sortableTime(q.CreationTimeBefore), sortableTime(q.CreationTimeAfter),
		sortableTime(q.LastModifiedTimeBefore), sortableTime(q.LastModifiedTimeAfter), q.LifecycleConfigNameContains,
		q.DefaultCodeRepositoryContains, q.AdditionalCodeRepositoryEquals, by, dir)
	return pageSorted(s, fp, match, keyOf, dir, q.MaxResults, q.NextToken)
}

// matches reports whether nb passes every filter of q.
func (q *ListQuery) matches(nb *Notebook) bool {
	return nb.Kind == KindSageMaker && containsFold(nb.Name, q.NameContains) &&
		(q.StatusEquals == "" || nb.Status == q.StatusEquals) &&
		inWindow(nb.CreationTime, q.CreationTimeAfter, q.CreationTimeBefore) &&
		inWindow(nb.LastModifiedTime, q.LastModifiedTimeAfter, q.LastModifiedTimeBefore) &&
		(q.LifecycleConfigNameContains == "" || nb.LifecycleConfigName != "" && containsFold(nb.LifecycleConfigName, q.LifecycleConfigNameContains)) &&
		(q.DefaultCodeRepositoryContains == "" || nb.DefaultCodeRepository != "" && containsFold(nb.DefaultCodeRepository, q.DefaultCodeRepositoryContains)) &&
		(q.AdditionalCodeRepositoryEquals == "" || slices.Contains(nb.AdditionalCodeRepositories, q.AdditionalCodeRepositoryEquals))
}

// ListLifecycleConfigs returns one page of the caller's lifecycle
// configurations that match q, in q's order, and the next page's token.
func (s *Service) ListLifecycleConfigs(ctx context.Context, account string, q LifecycleConfigQuery) ([]*LifecycleConfig, string, error) {
	by, dir := q.SortBy, q.SortOrder
	if by == "" {
		by = defaultConfigSort
	}
	if dir == "" {
		dir = defaultConfigDir
	}
	if by != SortByName && by != SortByCreationTime && by != SortByLastModifiedTime {
		return nil, "", invalid(string(by), "Invalid SortBy %q: must be one of Name, CreationTime, LastModifiedTime.", by)
	}
	if dir != Ascending && dir != Descending {
		return nil, "", invalid(string(dir), "Invalid SortOrder %q: must be Ascending or Descending.", dir)
	}
	all, err := s.store.ListLifecycleConfigs(ctx, account)
	if err != nil {
		return nil, "", err
	}
	var match []*LifecycleConfig
	for _, c := range all {
		if containsFold(c.Name, q.NameContains) &&
			inWindow(c.CreationTime, q.CreationTimeAfter, q.CreationTimeBefore) &&
			inWindow(c.LastModifiedTime, q.LastModifiedTimeAfter, q.LastModifiedTimeBefore) {
			match = append(match, c)
		}
	}
	keyOf := func(c *LifecycleConfig) pageKey {
		k := pageKey{Name: NameKey(c.Name)}
		switch by {
		case SortByName:
			k.Primary = c.Name
		case SortByCreationTime:
			k.Primary = sortableTime(c.CreationTime)
		case SortByLastModifiedTime:
			k.Primary = sortableTime(c.LastModifiedTime)
		}
		return k
	}
	fp := fmt.Sprintf("configs\x00%s\x00%q\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", account, q.NameContains,
		sortableTime(q.CreationTimeBefore), sortableTime(q.CreationTimeAfter),
		sortableTime(q.LastModifiedTimeBefore), sortableTime(q.LastModifiedTimeAfter), by, dir)
	return pageSorted(s, fp, match, keyOf, dir, q.MaxResults, q.NextToken)
}

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	return sub == "" || strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// inWindow reports whether after < t < before, a zero bound not counting.
func inWindow(t, after, before time.Time) bool {
	return (after.IsZero() || t.After(after)) && (before.IsZero() || t.Before(before))
}

// sortableTime renders t so that strings sort as times do ("" for zero).
func sortableTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// pageKey places an item in a sorted list: its sort field, then its name
// key, which is unique and breaks ties.
type pageKey struct {
	Primary string `json:"p"`
	Name    string `json:"n"`
}

func comparePageKeys(a, b pageKey) int {
	if c := cmp.Compare(a.Primary, b.Primary); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// pageToken is the payload of a NextToken: the query it belongs to (a
// digest) and where the next page starts — after the item with After
// (sorted lists, so that the boundary survives items added or removed
// meanwhile), or at Offset.
type pageToken struct {
	Query  string   `json:"q"`
	After  *pageKey `json:"a,omitempty"`
	Offset int      `json:"o,omitempty"`
}

// pageSorted sorts items by keyOf in dir and returns the page that token
// (issued for the query fingerprint fp) starts, of at most max items
// (0 = DefaultPageSize), and the token of the next page.
func pageSorted[T any](s *Service, fp string, items []T, keyOf func(T) pageKey, dir SortOrder, max int, token string) ([]T, string, error) {
	order := func(a, b pageKey) int {
		if dir == Descending {
			return -comparePageKeys(a, b)
		}
		return comparePageKeys(a, b)
	}
	slices.SortStableFunc(items, func(a, b T) int { return order(keyOf(a), keyOf(b)) })
	start := 0
	if token != "" {
		t, err := s.readPageToken(fp, token)
		if err != nil || t.After == nil {
			return nil, "", InvalidPageToken()
		}
		start = len(items)
		for i, it := range items {
			if order(keyOf(it), *t.After) > 0 {
				start = i
				break
			}
		}
	}
	if max <= 0 {
		max = DefaultPageSize
	}
	end := min(start+max, len(items))
	page := items[start:end]
	if end == len(items) {
		return page, "", nil
	}
	last := keyOf(items[end-1])
	return page, s.pageToken(fp, pageToken{After: &last}), nil
}

// pageAt returns the page of items (in their order) that token starts, by
// offset, and the next page's token.
func pageAt[T any](s *Service, fp string, items []T, max int, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		t, err := s.readPageToken(fp, token)
		if err != nil || t.After != nil || t.Offset <= 0 {
			return nil, "", InvalidPageToken()
		}
		start = min(t.Offset, len(items))
	}
	end := min(start+max, len(items))
	page := slices.Clone(items[start:end])
	if end == len(items) {
		return page, "", nil
	}
	return page, s.pageToken(fp, pageToken{Offset: end}), nil
}

// Page tokens are base64url(JSON) "." base64url(HMAC): opaque, and refused
// when tampered with or used with another query.
const pageTokenPurpose = "strato notebook page token"

func (s *Service) pageToken(fp string, t pageToken) string {
	t.Query = digest(fp)
	b, _ := json.Marshal(t) // a struct of strings and ints
	return s.seal(pageTokenPurpose, b)
}

func (s *Service) readPageToken(fp, token string) (pageToken, error) {
	var t pageToken
	b, err := s.open(pageTokenPurpose, token)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, err
	}
	if !hmac.Equal([]byte(t.Query), []byte(digest(fp))) {
		return t, fmt.Errorf("token of another query")
	}
	return t, nil
}

// digest is a short fingerprint of s.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// seal returns base64url(payload) "." base64url(HMAC-SHA256(purpose, payload)).
func (s *Service) seal(purpose string, payload []byte) string {
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, p))
}

// open checks a sealed token and returns its payload.
func (s *Service) open(purpose, token string) ([]byte, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return nil, fmt.Errorf("malformed token")
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(purpose, p)) {
		return nil, fmt.Errorf("bad token signature")
	}
	return base64.RawURLEncoding.DecodeString(p)
}

func (s *Service) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)
}

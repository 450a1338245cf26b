package notebook_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

func names[T any](items []T, name func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}

func nbName(n *notebook.Notebook) string         { return n.Name }
func cfgName(c *notebook.LifecycleConfig) string { return c.Name }

// listRig holds notebooks created a minute apart, in several statuses:
//
//	name       created  status     config  default repo            additional
//	gamma      t0       InService  on-a    https://h/team/alpha    repo-x
//	Alpha      t0+1m    Stopped    -       -                       -
//	beta-2     t0+2m    Failed     on-b    https://h/other          repo-x, repo-y
//	delta      t0+3m    Pending    -       -                       -
func listRig(t *testing.T) *rig {
	r := newRig(t)
	for _, n := range []string{"on-a", "on-b"} {
		if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	r.seed("gamma", notebook.InService, func(n *notebook.Notebook) {
		n.LifecycleConfigName, n.DefaultCodeRepository, n.AdditionalCodeRepositories = "on-a", "https://h/team/alpha", []string{"repo-x"}
	})
	r.clk.Advance(time.Minute)
	r.seed("Alpha", notebook.Stopped)
	r.clk.Advance(time.Minute)
	r.seed("beta-2", notebook.Failed, func(n *notebook.Notebook) {
		n.LifecycleConfigName, n.DefaultCodeRepository, n.AdditionalCodeRepositories = "on-b", "https://h/other", []string{"repo-x", "repo-y"}
		n.LastModifiedTime = n.LastModifiedTime.Add(time.Hour)
	})
	r.clk.Advance(time.Minute)
	r.seed("delta", notebook.Pending)
	r.seed("elsewhere", notebook.InService, func(n *notebook.Notebook) { n.AccountID = other })
	return r
}

func TestListNotebooks(t *testing.T) {
	r := listRig(t)
	tests := []struct {
		name string
		q    notebook.ListQuery
		want []string
	}{
		{"defaults: name ascending", notebook.ListQuery{}, []string{"Alpha", "beta-2", "delta", "gamma"}},
		{"name descending", notebook.ListQuery{SortBy: notebook.SortByName, SortOrder: notebook.Descending}, []string{"gamma", "delta", "beta-2", "Alpha"}},
		{"creation time", notebook.ListQuery{SortBy: notebook.SortByCreationTime}, []string{"gamma", "Alpha", "beta-2", "delta"}},
		{"creation time descending", notebook.ListQuery{SortBy: notebook.SortByCreationTime, SortOrder: notebook.Descending},
			[]string{"delta", "beta-2", "Alpha", "gamma"}},
		{"status", notebook.ListQuery{SortBy: notebook.SortByStatus}, []string{"beta-2", "gamma", "delta", "Alpha"}},
		{"name contains, any case", notebook.ListQuery{NameContains: "ALP"}, []string{"Alpha"}},
		{"name contains a hyphen", notebook.ListQuery{NameContains: "a-2"}, []string{"beta-2"}},
		{"status equals", notebook.ListQuery{StatusEquals: notebook.Stopped}, []string{"Alpha"}},
		{"created after (exclusive)", notebook.ListQuery{CreationTimeAfter: t0.Add(time.Minute)}, []string{"beta-2", "delta"}},
		{"created before (exclusive)", notebook.ListQuery{CreationTimeBefore: t0.Add(time.Minute)}, []string{"gamma"}},
		{"created between", notebook.ListQuery{CreationTimeAfter: t0, CreationTimeBefore: t0.Add(3 * time.Minute)}, []string{"Alpha", "beta-2"}},
		{"modified after", notebook.ListQuery{LastModifiedTimeAfter: t0.Add(time.Hour)}, []string{"beta-2"}},
		{"modified before", notebook.ListQuery{LastModifiedTimeBefore: t0.Add(2 * time.Minute)}, []string{"Alpha", "gamma"}},
		{"config name contains", notebook.ListQuery{LifecycleConfigNameContains: "ON-"}, []string{"beta-2", "gamma"}},
		{"config name contains b", notebook.ListQuery{LifecycleConfigNameContains: "b"}, []string{"beta-2"}},
		{"default repository contains", notebook.ListQuery{DefaultCodeRepositoryContains: "team"}, []string{"gamma"}},
		{"additional repository equals", notebook.ListQuery{AdditionalCodeRepositoryEquals: "repo-y"}, []string{"beta-2"}},
		{"additional repository equals, two match", notebook.ListQuery{AdditionalCodeRepositoryEquals: "repo-x"}, []string{"beta-2", "gamma"}},
		{"filters combine", notebook.ListQuery{NameContains: "a", StatusEquals: notebook.InService}, []string{"gamma"}},
		{"nothing matches", notebook.ListQuery{NameContains: "zzz"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := r.svc.ListNotebooks(ctx, acct, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(names(got, nbName), tt.want); d != "" || next != "" {
				t.Errorf("ListNotebooks (-got +want):\n%s (next %q)", d, next)
			}
		})
	}
}

// pages lists every page of q with page size 1..n and returns the names in
// order; it fails on a page longer than the size.
func pages[T any](t *testing.T, list func(token string) ([]T, string, error), size int, name func(T) string) []string {
	t.Helper()
	out := []string{}
	token := ""
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("too many pages")
		}
		items, next, err := list(token)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if len(items) > size {
			t.Fatalf("page %d has %d items, want at most %d", i, len(items), size)
		}
		out = append(out, names(items, name)...)
		if next == "" {
			return out
		}
		token = next
	}
}

func TestListNotebooksPaging(t *testing.T) {
	r := listRig(t)
	for _, q := range []notebook.ListQuery{
		{},
		{SortBy: notebook.SortByCreationTime, SortOrder: notebook.Descending},
		{SortBy: notebook.SortByStatus, SortOrder: notebook.Descending},
		{NameContains: "a"},
	} {
		all, _, err := r.svc.ListNotebooks(ctx, acct, q)
		if err != nil {
			t.Fatal(err)
		}
		for size := 1; size <= 4; size++ {
			t.Run(fmt.Sprintf("%s %s %q by %d", q.SortBy, q.SortOrder, q.NameContains, size), func(t *testing.T) {
				got := pages(t, func(token string) ([]*notebook.Notebook, string, error) {
					q := q
					q.MaxResults, q.NextToken = size, token
					return r.svc.ListNotebooks(ctx, acct, q)
				}, size, nbName)
				if d := cmp.Diff(got, names(all, nbName)); d != "" {
					t.Errorf("pages (-got +want):\n%s", d)
				}
			})
		}
	}

	// A page boundary survives a notebook added or removed meanwhile.
	first, token, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{MaxResults: 2})
	if err != nil || len(first) != 2 || token == "" {
		t.Fatalf("first page: %v, %q, %v", names(first, nbName), token, err)
	}
	r.seed("aardvark", notebook.Stopped) // sorts before the boundary: not seen
	r.seed("epsilon", notebook.Stopped)  // after it: seen
	rest, next, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{MaxResults: 10, NextToken: token})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(names(rest, nbName), []string{"delta", "epsilon", "gamma"}); d != "" || next != "" {
		t.Errorf("second page (-got +want):\n%s (next %q)", d, next)
	}

	// The default page size is 10.
	for i := range 12 {
		r.seed(fmt.Sprintf("many-%02d", i), notebook.Stopped)
	}
	page, next, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{})
	if err != nil || len(page) != notebook.DefaultPageSize || next == "" {
		t.Errorf("default page: %d notebooks, next %q, %v", len(page), next, err)
	}
}

func TestListTokens(t *testing.T) {
	r := listRig(t)
	_, token, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{MaxResults: 1})
	if err != nil || token == "" {
		t.Fatalf("no token: %v", err)
	}
	_, cfgToken, err := r.svc.ListLifecycleConfigs(ctx, acct, notebook.LifecycleConfigQuery{MaxResults: 1})
	if err != nil || cfgToken == "" {
		t.Fatalf("no config token: %v", err)
	}
	other := newRig(t) // same signing key, other service: tokens still name their query
	tamper := []byte(token)
	tamper[3] ^= 1
	tests := []struct {
		name string
		call func() error
	}{
		{"garbage", func() error {
			_, _, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{NextToken: "garbage"})
			return err
		}},
		{"tampered", func() error {
			_, _, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{NextToken: string(tamper)})
			return err
		}},
		{"other filters", func() error {
			_, _, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{NextToken: token, NameContains: "a"})
			return err
		}},
		{"other sort order", func() error {
			_, _, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{NextToken: token, SortOrder: notebook.Descending})
			return err
		}},
		{"other account", func() error {
			_, _, err := r.svc.ListNotebooks(ctx, other2, notebook.ListQuery{NextToken: token})
			return err
		}},
		{"a configuration list's token", func() error {
			_, _, err := r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{NextToken: cfgToken})
			return err
		}},
		{"a notebook list's token for configurations", func() error {
			_, _, err := r.svc.ListLifecycleConfigs(ctx, acct, notebook.LifecycleConfigQuery{NextToken: token})
			return err
		}},
		{"another key", func() error {
			o := newRig(t, func(c *notebook.Config) { c.SigningKey = []byte("other key") })
			_, _, err := o.svc.ListNotebooks(ctx, acct, notebook.ListQuery{NextToken: token})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantErr(t, err, errdefs.InvalidArgument, "Invalid pagination token.")
			if e := errdefs.As(err); e.Resource != errdefs.ResPageToken {
				t.Errorf("resource %q", e.Resource)
			}
		})
	}
	// The same query on another service with the same key takes the token.
	if _, _, err := other.svc.ListNotebooks(ctx, acct, notebook.ListQuery{NextToken: token}); err != nil {
		t.Errorf("token on a service with the same key: %v", err)
	}
	_, _, err = r.svc.ListNotebooks(ctx, acct, notebook.ListQuery{SortBy: "LastModifiedTime"})
	wantErr(t, err, errdefs.InvalidArgument, `Invalid SortBy "LastModifiedTime": must be one of Name, CreationTime, Status.`)
}

// other2 is a third account.
const other2 = "777788889999"

func TestListLifecycleConfigs(t *testing.T) {
	r := newRig(t)
	for _, n := range []string{"zeta", "Alpha", "mid-one"} {
		if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
		r.clk.Advance(time.Minute)
	}
	if _, err := r.svc.CreateLifecycleConfig(ctx, other, notebook.LifecycleConfigRequest{Name: "theirs"}); err != nil {
		t.Fatal(err)
	}
	// zeta is modified last.
	if err := r.svc.UpdateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "zeta", OnStart: []notebook.Hook{}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    notebook.LifecycleConfigQuery
		want []string
	}{
		{"defaults: newest first", notebook.LifecycleConfigQuery{}, []string{"mid-one", "Alpha", "zeta"}},
		{"creation time ascending", notebook.LifecycleConfigQuery{SortOrder: notebook.Ascending}, []string{"zeta", "Alpha", "mid-one"}},
		{"name", notebook.LifecycleConfigQuery{SortBy: notebook.SortByName, SortOrder: notebook.Ascending}, []string{"Alpha", "mid-one", "zeta"}},
		{"last modified", notebook.LifecycleConfigQuery{SortBy: notebook.SortByLastModifiedTime, SortOrder: notebook.Descending},
			[]string{"zeta", "mid-one", "Alpha"}},
		{"name contains", notebook.LifecycleConfigQuery{NameContains: "E"}, []string{"mid-one", "zeta"}},
		{"created after", notebook.LifecycleConfigQuery{CreationTimeAfter: t0}, []string{"mid-one", "Alpha"}},
		{"created before", notebook.LifecycleConfigQuery{CreationTimeBefore: t0.Add(time.Minute)}, []string{"zeta"}},
		{"modified after", notebook.LifecycleConfigQuery{LastModifiedTimeAfter: t0.Add(2 * time.Minute)}, []string{"zeta"}},
		{"modified before", notebook.LifecycleConfigQuery{LastModifiedTimeBefore: t0.Add(2 * time.Minute)}, []string{"Alpha"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := r.svc.ListLifecycleConfigs(ctx, acct, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(names(got, cfgName), tt.want); d != "" || next != "" {
				t.Errorf("(-got +want):\n%s (next %q)", d, next)
			}
			for size := 1; size <= 2; size++ {
				got := pages(t, func(token string) ([]*notebook.LifecycleConfig, string, error) {
					q := tt.q
					q.MaxResults, q.NextToken = size, token
					return r.svc.ListLifecycleConfigs(ctx, acct, q)
				}, size, cfgName)
				if d := cmp.Diff(got, tt.want); d != "" {
					t.Errorf("pages of %d (-got +want):\n%s", size, d)
				}
			}
		})
	}
	_, _, err := r.svc.ListLifecycleConfigs(ctx, acct, notebook.LifecycleConfigQuery{SortBy: notebook.SortByStatus})
	wantErr(t, err, errdefs.InvalidArgument, `Invalid SortBy "Status": must be one of Name, CreationTime, LastModifiedTime.`)
}

package notebook_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

func TestTags(t *testing.T) {
	r := newRig(t)
	r.create("nb", func(q *notebook.CreateRequest) { q.Tags = []notebook.Tag{{Key: "team", Value: "ml"}} })
	if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "cfg"}); err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{arnOf("nb"), cfgARN("cfg")} {
		t.Run(arn, func(t *testing.T) {
			steps := []struct {
				name string
				do   func() ([]notebook.Tag, error)
				want []notebook.Tag // the resource's tags after the step
			}{
				{"add", func() ([]notebook.Tag, error) {
					return r.svc.AddTags(ctx, acct, arn, []notebook.Tag{{Key: "env", Value: "dev"}, {Key: "owner", Value: "ana"}})
				}, nil},
				{"overwrite keeps the place", func() ([]notebook.Tag, error) {
					return r.svc.AddTags(ctx, acct, arn, []notebook.Tag{{Key: "env", Value: "prod"}})
				}, nil},
				{"delete, ignoring unknown keys", func() ([]notebook.Tag, error) {
					return nil, r.svc.DeleteTags(ctx, acct, arn, []string{"owner", "nope"})
				}, nil},
			}
			base := []notebook.Tag{}
			if arn == arnOf("nb") {
				base = []notebook.Tag{{Key: "team", Value: "ml"}}
			}
			wants := [][]notebook.Tag{
				append(append([]notebook.Tag{}, base...), notebook.Tag{Key: "env", Value: "dev"}, notebook.Tag{Key: "owner", Value: "ana"}),
				append(append([]notebook.Tag{}, base...), notebook.Tag{Key: "env", Value: "prod"}, notebook.Tag{Key: "owner", Value: "ana"}),
				append(append([]notebook.Tag{}, base...), notebook.Tag{Key: "env", Value: "prod"}),
			}
			for i, st := range steps {
				got, err := st.do()
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if got != nil {
					if d := cmp.Diff(got, wants[i]); d != "" {
						t.Errorf("%s returned (-got +want):\n%s", st.name, d)
					}
				}
				list, next, err := r.svc.ListTags(ctx, acct, arn, 0, "")
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(list, wants[i], cmpEmpty); d != "" || next != "" {
					t.Errorf("%s: ListTags (-got +want):\n%s (next %q)", st.name, d, next)
				}
			}
		})
	}
	// Tags changed while the notebook works do not disturb its status.
	nb := r.waitStatus("nb", notebook.InService)
	if len(nb.Tags) != 2 {
		t.Errorf("tags after reconcile: %v", nb.Tags)
	}
}

func TestTagErrors(t *testing.T) {
	r := newRig(t)
	r.create("nb")
	var tags []notebook.Tag
	for i := range 49 {
		tags = append(tags, notebook.Tag{Key: fmt.Sprintf("k%02d", i)})
	}
	if _, err := r.svc.AddTags(ctx, acct, arnOf("nb"), tags); err != nil {
		t.Fatal(err)
	}
	theirs := notebook.NotebookARN(region, other, "nb")
	tests := []struct {
		name string
		call func() error
		kind errdefs.Kind
		msg  string
	}{
		{"the 51st tag", func() error {
			_, err := r.svc.AddTags(ctx, acct, arnOf("nb"), []notebook.Tag{{Key: "a"}, {Key: "b"}})
			return err
		}, errdefs.InvalidArgument, "Too many tags for resource (" + arnOf("nb") + "): a resource can have at most 50 tags, this request would give it 51."},
		{"reserved prefix", func() error {
			_, err := r.svc.AddTags(ctx, acct, arnOf("nb"), []notebook.Tag{{Key: "aws:cloudformation:stack"}})
			return err
		}, errdefs.InvalidArgument, "Tag keys beginning with 'aws:' are reserved for system use: aws:cloudformation:stack"},
		{"unknown notebook", func() error {
			_, err := r.svc.AddTags(ctx, acct, arnOf("nope"), []notebook.Tag{{Key: "a"}})
			return err
		}, errdefs.NotFound, "Resource does not exist"},
		{"another account's ARN", func() error { _, _, err := r.svc.ListTags(ctx, acct, theirs, 0, ""); return err },
			errdefs.NotFound, "Resource does not exist"},
		{"another region", func() error {
			_, _, err := r.svc.ListTags(ctx, acct, notebook.NotebookARN("eu-west-1", acct, "nb"), 0, "")
			return err
		}, errdefs.NotFound, "Resource does not exist"},
		{"another resource type", func() error {
			return r.svc.DeleteTags(ctx, acct, "arn:aws:sagemaker:us-east-1:"+acct+":training-job/nb", []string{"a"})
		}, errdefs.NotFound, "Resource does not exist"},
		{"unknown configuration", func() error { _, _, err := r.svc.ListTags(ctx, acct, cfgARN("nope"), 0, ""); return err },
			errdefs.NotFound, "Resource does not exist"},
		{"not an ARN", func() error { _, _, err := r.svc.ListTags(ctx, acct, "nb", 0, ""); return err },
			errdefs.NotFound, "Resource does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.call(), tt.kind, tt.msg) })
	}
	// Overwriting at the limit is fine.
	if _, err := r.svc.AddTags(ctx, acct, arnOf("nb"), []notebook.Tag{{Key: "k00", Value: "v"}, {Key: "last"}}); err != nil {
		t.Errorf("AddTags up to the limit: %v", err)
	}
}

func TestListTagsPaging(t *testing.T) {
	r := newRig(t)
	r.create("nb")
	var want []string
	var tags []notebook.Tag
	for i := range 50 {
		k := fmt.Sprintf("k%02d", 49-i)
		tags = append(tags, notebook.Tag{Key: k})
		want = append(want, k)
	}
	if _, err := r.svc.AddTags(ctx, acct, arnOf("nb"), tags); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 7, 50} {
		got := pages(t, func(token string) ([]notebook.Tag, string, error) {
			return r.svc.ListTags(ctx, acct, arnOf("nb"), size, token)
		}, size, func(tg notebook.Tag) string { return tg.Key })
		if d := cmp.Diff(got, want); d != "" {
			t.Errorf("pages of %d (-got +want):\n%s", size, d)
		}
	}
	_, tok, err := r.svc.ListTags(ctx, acct, arnOf("nb"), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	r.create("nb-2")
	_, _, err = r.svc.ListTags(ctx, acct, arnOf("nb-2"), 1, tok)
	wantErr(t, err, errdefs.InvalidArgument, "Invalid pagination token.")
}

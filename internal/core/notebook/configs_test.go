package notebook_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

func cfgARN(name string) string { return notebook.LifecycleConfigARN(region, acct, name) }

var ignoreConfigVersion = cmpopts.IgnoreFields(notebook.LifecycleConfig{}, "Version")

func TestLifecycleConfigs(t *testing.T) {
	r := newRig(t)
	onCreate := []notebook.Hook{{Content: "ZWNobyBjcmVhdGU="}}
	onStart := []notebook.Hook{{Content: "ZWNobyBzdGFydA=="}}
	got, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "Setup", OnCreate: onCreate, OnStart: onStart,
		Tags: []notebook.Tag{{Key: "team", Value: "ml"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := notebook.LifecycleConfig{Name: "Setup", ARN: cfgARN("setup"), AccountID: acct, OnCreate: onCreate, OnStart: onStart,
		CreationTime: t0, LastModifiedTime: t0, Tags: []notebook.Tag{{Key: "team", Value: "ml"}}}
	if d := cmp.Diff(*got, want, ignoreConfigVersion); d != "" {
		t.Errorf("CreateLifecycleConfig (-got +want):\n%s", d)
	}
	desc, err := r.svc.DescribeLifecycleConfig(ctx, acct, "SETUP")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(*desc, want, ignoreConfigVersion); d != "" {
		t.Errorf("DescribeLifecycleConfig (-got +want):\n%s", d)
	}

	// An update replaces the lists it names and keeps the others.
	r.clk.Advance(time.Minute)
	newStart := []notebook.Hook{{Content: "ZWNobyBhZ2Fpbg==\n"}} // base64(1) wraps its lines
	if err := r.svc.UpdateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "setup", OnStart: newStart}); err != nil {
		t.Fatal(err)
	}
	want.OnStart, want.LastModifiedTime = newStart, t0.Add(time.Minute)
	desc, _ = r.svc.DescribeLifecycleConfig(ctx, acct, "setup")
	if d := cmp.Diff(*desc, want, ignoreConfigVersion); d != "" {
		t.Errorf("after UpdateLifecycleConfig (-got +want):\n%s", d)
	}

	// A notebook uses it; deleting it is allowed, and the notebook then
	// boots without it.
	r.stopped("nb", func(q *notebook.CreateRequest) { q.LifecycleConfigName = "setup" })
	if err := r.svc.DeleteLifecycleConfig(ctx, acct, "Setup"); err != nil {
		t.Fatalf("DeleteLifecycleConfig of a configuration in use: %v", err)
	}
	r.rt.takeCalls()
	if err := r.svc.StartNotebook(ctx, acct, "nb"); err != nil {
		t.Fatal(err)
	}
	r.waitStatus("nb", notebook.InService)
	if d := cmp.Diff(r.rt.takeCalls(), []string{"Boot nb first=false lc=- type=ml.t3.medium"}); d != "" {
		t.Errorf("runtime calls (-got +want):\n%s", d)
	}
	if got := r.get("nb").LifecycleConfigName; got != "setup" {
		t.Errorf("the notebook lost its configuration name: %q", got)
	}
}

func TestLifecycleConfigErrors(t *testing.T) {
	r := newRig(t)
	if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "taken"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		kind errdefs.Kind
		msg  string
	}{
		{"create a duplicate", func() error {
			_, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "TAKEN"})
			return err
		}, errdefs.AlreadyExists, "Unable to create Notebook Instance Lifecycle Config " + cfgARN("taken") +
			". (Details: Notebook Instance Lifecycle Config already exists.)"},
		{"describe a missing one", func() error {
			_, err := r.svc.DescribeLifecycleConfig(ctx, acct, "nope")
			return err
		}, errdefs.NotFound, "Unable to describe Notebook Instance Lifecycle Config '" + cfgARN("nope") +
			"'. (Details: Notebook Instance Lifecycle Config does not exist.)"},
		{"update a missing one", func() error {
			return r.svc.UpdateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "nope"})
		}, errdefs.NotFound, "Unable to update Notebook Instance Lifecycle Config '" + cfgARN("nope") +
			"'. (Details: Notebook Instance Lifecycle Config does not exist.)"},
		{"delete a missing one", func() error { return r.svc.DeleteLifecycleConfig(ctx, acct, "nope") },
			errdefs.NotFound, "Unable to delete Notebook Instance Lifecycle Config '" + cfgARN("nope") +
				"'. (Details: Notebook Instance Lifecycle Config does not exist.)"},
		{"another account's", func() error {
			_, err := r.svc.DescribeLifecycleConfig(ctx, other, "taken")
			return err
		}, errdefs.NotFound, "Unable to describe Notebook Instance Lifecycle Config '" +
			notebook.LifecycleConfigARN(region, other, "taken") + "'. (Details: Notebook Instance Lifecycle Config does not exist.)"},
		{"create with a script that is not base64", func() error {
			_, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "bad",
				OnStart: []notebook.Hook{{Content: "echo hello"}}})
			return err
		}, errdefs.InvalidArgument, "The OnStart script of Notebook Instance Lifecycle Config (" + cfgARN("bad") + ") is not valid base64 content."},
		{"update with a script that is not base64", func() error {
			return r.svc.UpdateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "taken",
				OnCreate: []notebook.Hook{{Content: "#!/bin/sh"}}})
		}, errdefs.InvalidArgument, "The OnCreate script of Notebook Instance Lifecycle Config (" + cfgARN("taken") + ") is not valid base64 content."},
		{"reserved tag", func() error {
			_, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "t", Tags: []notebook.Tag{{Key: "aws:k"}}})
			return err
		}, errdefs.InvalidArgument, "Tag keys beginning with 'aws:' are reserved for system use: aws:k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.call(), tt.kind, tt.msg) })
	}
	// Unpadded base64 and empty hooks are accepted.
	if _, err := r.svc.CreateLifecycleConfig(ctx, acct, notebook.LifecycleConfigRequest{Name: "ok",
		OnCreate: []notebook.Hook{{Content: "ZWNobw"}}, OnStart: []notebook.Hook{{}}}); err != nil {
		t.Errorf("CreateLifecycleConfig: %v", err)
	}
}

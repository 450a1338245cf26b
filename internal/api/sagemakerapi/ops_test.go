package sagemakerapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
	"strato/internal/wire/awsjson"
)

var (
	created  = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	modified = time.Date(2026, 11, 22, 10, 4, 31, 125_000_000, time.UTC)
	nbARN    = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-1"
	cfgARN   = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/on-start"
)

// goldenNotebook is an InService notebook with every member set.
func goldenNotebook() *notebook.Notebook {
	return &notebook.Notebook{
		Name: "nb-1", ARN: nbARN, AccountID: testAccount, Status: notebook.InService,
		URL: "nb-1.notebook.us-east-1.sagemaker.aws", InstanceType: "ml.t3.medium", IPAddressType: "ipv4",
		SubnetID: "subnet-0123456789abcdef0", SecurityGroups: []string{"sg-0123456789abcdef0"},
		RoleARN: testRole, KMSKeyID: "arn:aws:kms:us-east-1:123456789012:key/abcd", NetworkInterfaceID: "eni-0123456789abcdef0",
		CreationTime: created, LastModifiedTime: modified, LifecycleConfigName: "on-start",
		DirectInternetAccess: "Enabled", VolumeSizeInGB: 20, AcceleratorTypes: []string{"ml.eia2.medium"},
		DefaultCodeRepository: "https://github.com/example/notebooks.git", AdditionalCodeRepositories: []string{"my-repo"},
		RootAccess: "Disabled", PlatformIdentifier: "notebook-al2-v3", MinimumIMDSVersion: "2",
	}
}

// failedNotebook is a Failed notebook with only the members a minimal
// creation sets.
func failedNotebook() *notebook.Notebook {
	return &notebook.Notebook{
		Name: "nb-2", ARN: "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-2", Status: notebook.Failed,
		FailureReason: "Lifecycle Configuration script on-start failed: exit status 1 <see the log>", InstanceType: "ml.t3.medium",
		RoleARN: testRole, CreationTime: created, LastModifiedTime: modified, DirectInternetAccess: "Enabled",
		VolumeSizeInGB: 5, RootAccess: "Enabled",
	}
}

func goldenConfig() *notebook.LifecycleConfig {
	return &notebook.LifecycleConfig{
		Name: "on-start", ARN: cfgARN, AccountID: testAccount,
		OnCreate: []notebook.Hook{{Content: "ZWNobyBjcmVhdGU="}}, OnStart: []notebook.Hook{{Content: "ZWNobyBzdGFydA=="}},
		CreationTime: created, LastModifiedTime: modified,
	}
}

// opCase is one successful call: the request, the service's canned state,
// the call the handler must make and the golden response ("" = empty body).
type opCase struct {
	name      string
	operation string
	body      string
	core      func(f *fakeCore)
	wantCall  coreCall
	golden    string
}

func opCases() []opCase {
	return []opCase{
		{name: "CreateNotebookInstance minimal", operation: "CreateNotebookInstance",
			body:     `{"NotebookInstanceName":"nb-1","InstanceType":"ml.t3.medium","RoleArn":"` + testRole + `"}`,
			wantCall: coreCall{"CreateNotebook", testAccount, notebook.CreateRequest{Name: "nb-1", InstanceType: "ml.t3.medium", RoleARN: testRole}},
			golden:   "CreateNotebookInstance.json"},
		{name: "CreateNotebookInstance with every member", operation: "CreateNotebookInstance",
			body: `{"NotebookInstanceName":"My-Notebook","InstanceType":"ml.m5.xlarge","SubnetId":"subnet-1","SecurityGroupIds":["sg-1","sg-2"],
				"IpAddressType":"dualstack","RoleArn":"` + testRole + `","KmsKeyId":"alias/my-key","Tags":[{"Key":"team","Value":"ml"},{"Key":"cost center","Value":""}],
				"LifecycleConfigName":"on-start","DirectInternetAccess":"Disabled","VolumeSizeInGB":16384,"AcceleratorTypes":["ml.eia1.medium"],
				"DefaultCodeRepository":"https://example.com/repo.git","AdditionalCodeRepositories":["repo-a","https://example.com/b.git"],
				"RootAccess":"Disabled","PlatformIdentifier":"notebook-al2023-v1","InstanceMetadataServiceConfiguration":{"MinimumInstanceMetadataServiceVersion":"2"}}`,
			wantCall: coreCall{"CreateNotebook", testAccount, notebook.CreateRequest{
				Name: "My-Notebook", InstanceType: "ml.m5.xlarge", SubnetID: "subnet-1", SecurityGroupIDs: []string{"sg-1", "sg-2"},
				IPAddressType: "dualstack", RoleARN: testRole, KMSKeyID: "alias/my-key",
				Tags:                []notebook.Tag{{Key: "team", Value: "ml"}, {Key: "cost center", Value: ""}},
				LifecycleConfigName: "on-start", DirectInternetAccess: "Disabled", VolumeSizeInGB: 16384, AcceleratorTypes: []string{"ml.eia1.medium"},
				DefaultCodeRepository: "https://example.com/repo.git", AdditionalCodeRepositories: []string{"repo-a", "https://example.com/b.git"},
				RootAccess: "Disabled", PlatformIdentifier: "notebook-al2023-v1", MinimumIMDSVersion: "2"}},
			golden: "CreateNotebookInstanceMixedCase.json"},
		{name: "DescribeNotebookInstance in service", operation: "DescribeNotebookInstance", body: `{"NotebookInstanceName":"nb-1"}`,
			core:     func(f *fakeCore) { f.notebook = goldenNotebook() },
			wantCall: coreCall{"DescribeNotebook", testAccount, "nb-1"}, golden: "DescribeNotebookInstance.json"},
		{name: "DescribeNotebookInstance failed", operation: "DescribeNotebookInstance", body: `{"NotebookInstanceName":"nb-2"}`,
			core:     func(f *fakeCore) { f.notebook = failedNotebook() },
			wantCall: coreCall{"DescribeNotebook", testAccount, "nb-2"}, golden: "DescribeNotebookInstanceFailed.json"},
		{name: "ListNotebookInstances with every filter", operation: "ListNotebookInstances",
			body: `{"NextToken":"page-2","MaxResults":100,"SortBy":"CreationTime","SortOrder":"Descending","NameContains":"nb-",
				"CreationTimeBefore":1795399200,"CreationTimeAfter":1795341600.5,"LastModifiedTimeBefore":1.7953992E9,"LastModifiedTimeAfter":1,
				"StatusEquals":"InService","NotebookInstanceLifecycleConfigNameContains":"on-start","DefaultCodeRepositoryContains":"notebooks",
				"AdditionalCodeRepositoryEquals":"my-repo"}`,
			core: func(f *fakeCore) {
				f.notebooks = []*notebook.Notebook{goldenNotebook(), failedNotebook()}
				f.next = "page-3"
			},
			wantCall: coreCall{"ListNotebooks", testAccount, notebook.ListQuery{
				NameContains: "nb-", StatusEquals: notebook.InService,
				CreationTimeBefore: time.Unix(1795399200, 0).UTC(), CreationTimeAfter: time.Unix(1795341600, 500_000_000).UTC(),
				LastModifiedTimeBefore: time.Unix(1795399200, 0).UTC(), LastModifiedTimeAfter: time.Unix(1, 0).UTC(),
				LifecycleConfigNameContains: "on-start", DefaultCodeRepositoryContains: "notebooks", AdditionalCodeRepositoryEquals: "my-repo",
				SortBy: notebook.SortByCreationTime, SortOrder: notebook.Descending, MaxResults: 100, NextToken: "page-2"}},
			golden: "ListNotebookInstances.json"},
		{name: "ListNotebookInstances empty", operation: "ListNotebookInstances", body: ``,
			wantCall: coreCall{"ListNotebooks", testAccount, notebook.ListQuery{}}, golden: "ListNotebookInstancesEmpty.json"},
		{name: "StartNotebookInstance", operation: "StartNotebookInstance", body: `{"NotebookInstanceName":"nb-1"}`,
			wantCall: coreCall{"StartNotebook", testAccount, "nb-1"}},
		{name: "StopNotebookInstance answers an empty body", operation: "StopNotebookInstance", body: `{"NotebookInstanceName":"nb-1"}`,
			wantCall: coreCall{"StopNotebook", testAccount, "nb-1"}},
		{name: "DeleteNotebookInstance", operation: "DeleteNotebookInstance", body: `{"NotebookInstanceName":"nb-1"}`,
			wantCall: coreCall{"DeleteNotebook", testAccount, "nb-1"}},
		{name: "UpdateNotebookInstance with every member", operation: "UpdateNotebookInstance",
			body: `{"NotebookInstanceName":"nb-1","InstanceType":"ml.t3.large","IpAddressType":"ipv4","PlatformIdentifier":"notebook-al2-v2",
				"RoleArn":"` + testRole + `","LifecycleConfigName":"on-start","VolumeSizeInGB":50,"DefaultCodeRepository":"repo",
				"AdditionalCodeRepositories":[],"AcceleratorTypes":["ml.eia2.large"],"RootAccess":"Enabled",
				"InstanceMetadataServiceConfiguration":{"MinimumInstanceMetadataServiceVersion":"1"}}`,
			wantCall: coreCall{"UpdateNotebook", testAccount, notebook.UpdateRequest{
				Name: "nb-1", InstanceType: ptr("ml.t3.large"), IPAddressType: ptr("ipv4"), PlatformIdentifier: ptr("notebook-al2-v2"),
				RoleARN: ptr(testRole), LifecycleConfigName: ptr("on-start"), VolumeSizeInGB: ptr(50), DefaultCodeRepository: ptr("repo"),
				AdditionalCodeRepositories: &[]string{}, AcceleratorTypes: &[]string{"ml.eia2.large"}, RootAccess: ptr("Enabled"),
				MinimumIMDSVersion: ptr("1")}}},
		{name: "UpdateNotebookInstance disassociations", operation: "UpdateNotebookInstance",
			body: `{"NotebookInstanceName":"nb-1","DisassociateLifecycleConfig":true,"DisassociateAcceleratorTypes":true,
				"DisassociateDefaultCodeRepository":true,"DisassociateAdditionalCodeRepositories":false}`,
			wantCall: coreCall{"UpdateNotebook", testAccount, notebook.UpdateRequest{Name: "nb-1", DisassociateLifecycleConfig: true,
				DisassociateAcceleratorTypes: true, DisassociateDefaultCodeRepository: true}}},
		{name: "CreatePresignedNotebookInstanceUrl", operation: "CreatePresignedNotebookInstanceUrl",
			body: `{"NotebookInstanceName":"nb-1","SessionExpirationDurationInSeconds":1800}`,
			core: func(f *fakeCore) {
				f.url = "https://nb-1.notebook.us-east-1.sagemaker.aws?authToken=eyJhbGciOi.x-y_z&v=1"
			},
			wantCall: coreCall{"PresignedURL", testAccount, presignArgs{Name: "nb-1", Session: 30 * time.Minute}},
			golden:   "CreatePresignedNotebookInstanceUrl.json"},
		{name: "CreatePresignedNotebookInstanceUrl default session", operation: "CreatePresignedNotebookInstanceUrl",
			body: `{"NotebookInstanceName":"nb-1"}`, core: func(f *fakeCore) { f.url = "https://example/x" },
			wantCall: coreCall{"PresignedURL", testAccount, presignArgs{Name: "nb-1"}}, golden: "CreatePresignedNotebookInstanceUrlDefault.json"},
		{name: "CreateNotebookInstanceLifecycleConfig", operation: "CreateNotebookInstanceLifecycleConfig",
			body: `{"NotebookInstanceLifecycleConfigName":"on-start","OnCreate":[{"Content":"ZWNobyBjcmVhdGU="}],"OnStart":[{"Content":"ZWNobyBzdGFydA=="}],
				"Tags":[{"Key":"team","Value":"ml"}]}`,
			wantCall: coreCall{"CreateLifecycleConfig", testAccount, notebook.LifecycleConfigRequest{Name: "on-start",
				OnCreate: []notebook.Hook{{Content: "ZWNobyBjcmVhdGU="}}, OnStart: []notebook.Hook{{Content: "ZWNobyBzdGFydA=="}},
				Tags: []notebook.Tag{{Key: "team", Value: "ml"}}}},
			golden: "CreateNotebookInstanceLifecycleConfig.json"},
		{name: "CreateNotebookInstanceLifecycleConfig without scripts", operation: "CreateNotebookInstanceLifecycleConfig",
			body:     `{"NotebookInstanceLifecycleConfigName":"empty","OnCreate":[],"OnStart":[{}]}`,
			wantCall: coreCall{"CreateLifecycleConfig", testAccount, notebook.LifecycleConfigRequest{Name: "empty", OnCreate: []notebook.Hook{}, OnStart: []notebook.Hook{{}}}},
			golden:   "CreateNotebookInstanceLifecycleConfigEmpty.json"},
		{name: "DescribeNotebookInstanceLifecycleConfig", operation: "DescribeNotebookInstanceLifecycleConfig",
			body: `{"NotebookInstanceLifecycleConfigName":"on-start"}`, core: func(f *fakeCore) { f.config = goldenConfig() },
			wantCall: coreCall{"DescribeLifecycleConfig", testAccount, "on-start"}, golden: "DescribeNotebookInstanceLifecycleConfig.json"},
		{name: "ListNotebookInstanceLifecycleConfigs", operation: "ListNotebookInstanceLifecycleConfigs",
			body: `{"MaxResults":1,"SortBy":"LastModifiedTime","SortOrder":"Ascending","NameContains":"on","CreationTimeAfter":1795341600,
				"LastModifiedTimeBefore":1795399200,"NextToken":"t1"}`,
			core: func(f *fakeCore) { f.configs = []*notebook.LifecycleConfig{goldenConfig()}; f.next = "t2" },
			wantCall: coreCall{"ListLifecycleConfigs", testAccount, notebook.LifecycleConfigQuery{NameContains: "on",
				CreationTimeAfter: time.Unix(1795341600, 0).UTC(), LastModifiedTimeBefore: time.Unix(1795399200, 0).UTC(),
				SortBy: notebook.SortByLastModifiedTime, SortOrder: notebook.Ascending, MaxResults: 1, NextToken: "t1"}},
			golden: "ListNotebookInstanceLifecycleConfigs.json"},
		{name: "UpdateNotebookInstanceLifecycleConfig", operation: "UpdateNotebookInstanceLifecycleConfig",
			body: `{"NotebookInstanceLifecycleConfigName":"on-start","OnStart":[{"Content":"ZWNobyBhZ2Fpbg=="}],"Tags":"not a member of the update"}`,
			wantCall: coreCall{"UpdateLifecycleConfig", testAccount, notebook.LifecycleConfigRequest{Name: "on-start",
				OnStart: []notebook.Hook{{Content: "ZWNobyBhZ2Fpbg=="}}}}},
		{name: "DeleteNotebookInstanceLifecycleConfig", operation: "DeleteNotebookInstanceLifecycleConfig",
			body:     `{"NotebookInstanceLifecycleConfigName":"on-start"}`,
			wantCall: coreCall{"DeleteLifecycleConfig", testAccount, "on-start"}},
		{name: "AddTags", operation: "AddTags",
			body: `{"ResourceArn":"` + nbARN + `","Tags":[{"Key":"env","Value":"dev"},{"Key":"owner","Value":"ana@example.com"}]}`,
			wantCall: coreCall{"AddTags", testAccount, tagArgs{ARN: nbARN,
				Tags: []notebook.Tag{{Key: "env", Value: "dev"}, {Key: "owner", Value: "ana@example.com"}}}},
			golden: "AddTags.json"},
		{name: "DeleteTags", operation: "DeleteTags", body: `{"ResourceArn":"` + cfgARN + `","TagKeys":["env","owner"]}`,
			wantCall: coreCall{"DeleteTags", testAccount, tagArgs{ARN: cfgARN, Keys: []string{"env", "owner"}}}},
		{name: "ListTags", operation: "ListTags", body: `{"ResourceArn":"` + nbARN + `","MaxResults":50,"NextToken":"x"}`,
			core:     func(f *fakeCore) { f.tags = []notebook.Tag{{Key: "env", Value: "dev"}}; f.next = "y" },
			wantCall: coreCall{"ListTags", testAccount, listTagArgs{ARN: nbARN, Max: 50, Token: "x"}}, golden: "ListTags.json"},
		{name: "ListTags empty", operation: "ListTags", body: `{"ResourceArn":"` + nbARN + `"}`,
			wantCall: coreCall{"ListTags", testAccount, listTagArgs{ARN: nbARN}}, golden: "ListTagsEmpty.json"},
	}
}

func TestOperations(t *testing.T) {
	for _, tt := range opCases() {
		t.Run(tt.name, func(t *testing.T) {
			core := &fakeCore{}
			if tt.core != nil {
				tt.core(core)
			}
			w := do(t, newTestHandler(t, core), tt.operation, tt.body)
			if w.Code != 200 {
				t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
			}
			if got := []string{w.Header().Get("Content-Type"), w.Header().Get("x-amzn-RequestId")}; !cmp.Equal(got, []string{awsjson.ContentType, testReqID}) {
				t.Errorf("headers %q", got)
			}
			got := core.lastCall()
			if got == nil {
				t.Fatal("the notebook service was not called")
			}
			if d := cmp.Diff(*got, tt.wantCall); d != "" {
				t.Errorf("service call (-got +want):\n%s", d)
			}
			if tt.golden == "" {
				if w.Body.Len() != 0 {
					t.Errorf("body %q, want an empty body", w.Body.String())
				}
				return
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("body is not JSON: %s", w.Body.String())
			}
			checkGolden(t, tt.golden, w.Body.Bytes())
		})
	}
}

// TestEveryOperationIsTested keeps TestOperations complete.
func TestEveryOperationIsTested(t *testing.T) {
	tested := map[string]bool{}
	for _, c := range opCases() {
		tested[c.operation] = true
	}
	for _, o := range opTable {
		if !tested[o.name] {
			t.Errorf("operation %s has no case in TestOperations", o.name)
		}
		if !strings.HasPrefix(o.iamAction, "sagemaker:") || strings.TrimPrefix(o.iamAction, "sagemaker:") != o.name {
			t.Errorf("operation %s has IAM action %q", o.name, o.iamAction)
		}
	}
}

package notebook

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"strato/internal/errdefs"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"letters", "nb", true},
		{"one character", "a", true},
		{"digits first", "1nb", true},
		{"mixed case", "MyNotebook", true},
		{"inner hyphens", "my--note-book", true},
		{"63 characters", strings.Repeat("a", 63), true},
		{"64 characters", strings.Repeat("a", 64), false},
		{"empty", "", false},
		{"leading hyphen", "-nb", false},
		{"trailing hyphen", "nb-", false},
		{"underscore", "my_nb", false},
		{"slash", "/testtest", false},
		{"dot", "nb.1", false},
		{"space", "nb 1", false},
		{"non-ASCII", "café", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidName(tt.in); got != tt.want {
				t.Errorf("ValidName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if !MatchesNamePattern(strings.Repeat("a", 100)) {
		t.Error("MatchesNamePattern must not check the length")
	}
}

func TestARNs(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"notebook", NotebookARN("us-east-1", "123456789012", "nb-1"), "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-1"},
		{"notebook name is lower-cased", NotebookARN("eu-west-1", "123456789012", "My-Notebook"),
			"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/my-notebook"},
		{"lifecycle config", LifecycleConfigARN("us-east-1", "123456789012", "OnStartScript"),
			"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/onstartscript"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func TestParseARN(t *testing.T) {
	tests := []struct {
		in     string
		want   ARN
		wantOK bool
	}{
		{"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-1",
			ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: ARNTypeNotebook, Name: "nb-1"}, true},
		{"arn:aws-cn:sagemaker:cn-north-1:123456789012:notebook-instance-lifecycle-config/cfg",
			ARN{Partition: "aws-cn", Region: "cn-north-1", AccountID: "123456789012", Type: ARNTypeLifecycleConfig, Name: "cfg"}, true},
		{"arn:aws:sagemaker:us-east-1:123456789012:app/d-1/user/kernelgateway/x",
			ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: "app", Name: "d-1/user/kernelgateway/x"}, true},
		{"arn:aws:ec2:us-east-1:123456789012:instance/i-1", ARN{}, false},
		{"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance", ARN{}, false},
		{"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/", ARN{}, false},
		{"arn:aws:sagemaker:us-east-1", ARN{}, false},
		{"nb-1", ARN{}, false},
		{"", ARN{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseARN(tt.in)
			if d := cmp.Diff([]any{got, ok}, []any{tt.want, tt.wantOK}); d != "" {
				t.Errorf("ParseARN (-got +want):\n%s", d)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	arn := NotebookARN("us-east-1", "123456789012", "nb")
	cfg := LifecycleConfigARN("us-east-1", "123456789012", "cfg")
	tests := []struct {
		name     string
		err      *errdefs.Error
		wantKind errdefs.Kind
		wantRes  errdefs.Resource
		wantID   string
		wantMsg  string
	}{
		{"not found", NotFound("nb"), errdefs.NotFound, ResNotebook, "nb", "RecordNotFound"},
		{"duplicate", Duplicate(arn), errdefs.AlreadyExists, ResNotebook, arn,
			"Cannot create a duplicate Notebook Instance (arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb)"},
		{"delete while in service", TransitionError(arn, InService, []Status{Stopped, Failed}, Deleting), errdefs.IncorrectState, ResNotebook, arn,
			"Status (InService) not in ([Stopped, Failed]). Unable to transition to (Deleting) for Notebook Instance (arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb)"},
		{"stop while stopped", TransitionError(arn, Stopped, []Status{InService}, Stopping), errdefs.IncorrectState, ResNotebook, arn,
			"Status (Stopped) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb)"},
		{"config not found", LifecycleConfigNotFound("describe", cfg), errdefs.NotFound, ResLifecycleConfig, cfg,
			"Unable to describe Notebook Instance Lifecycle Config 'arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/cfg'. (Details: Notebook Instance Lifecycle Config does not exist.)"},
		{"config exists", LifecycleConfigExists(cfg), errdefs.AlreadyExists, ResLifecycleConfig, cfg,
			"Unable to create Notebook Instance Lifecycle Config arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/cfg. (Details: Notebook Instance Lifecycle Config already exists.)"},
		{"tagged resource", TaggedResourceNotFound(arn), errdefs.NotFound, ResTaggedResource, arn, "Resource does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []any{tt.err.Kind, tt.err.Resource, tt.err.ID, tt.err.Public}
			want := []any{tt.wantKind, tt.wantRes, tt.wantID, tt.wantMsg}
			if d := cmp.Diff(got, want); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

func TestStatuses(t *testing.T) {
	for _, s := range Statuses {
		if !s.Valid() {
			t.Errorf("%s is not valid", s)
		}
	}
	if Status("Running").Valid() || Status("").Valid() {
		t.Error("an unknown status is valid")
	}
}

// modelEnums prints the enumerations this package copies from the SageMaker
// model that ships with botocore.
const modelEnums = `
import json, botocore.session
m = botocore.session.get_session().get_service_model("sagemaker")
names = ["InstanceType", "NotebookInstanceStatus", "DirectInternetAccess", "RootAccess", "IPAddressType",
         "NotebookInstanceAcceleratorType"]
out = {n: m.shape_for(n).enum for n in names}
out["PlatformIdentifier"] = m.shape_for("PlatformIdentifier").metadata.get("pattern", "")
print(json.dumps(out))
`

// TestEnumsMatchModel fails when this package's copies of the model's
// enumerations drift from the model botocore ships.
func TestEnumsMatchModel(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	out, err := exec.Command(py, "-c", modelEnums).Output()
	if err != nil {
		t.Skipf("botocore's SageMaker model is not available: %v", err)
	}
	var model map[string]any
	if err := json.Unmarshal(out, &model); err != nil {
		t.Fatal(err)
	}
	strs := func(v any) []string {
		var s []string
		for _, x := range v.([]any) {
			s = append(s, x.(string))
		}
		return s
	}
	var statuses []string
	for _, s := range Statuses {
		statuses = append(statuses, string(s))
	}
	got := map[string]any{
		"InstanceType": InstanceTypes, "NotebookInstanceStatus": statuses, "DirectInternetAccess": DirectInternetAccessValues,
		"RootAccess": RootAccessValues, "IPAddressType": IPAddressTypes, "NotebookInstanceAcceleratorType": AcceleratorTypes,
		"PlatformIdentifier": "(" + strings.Join(PlatformIdentifiers, "|") + ")",
	}
	want := map[string]any{
		"InstanceType": strs(model["InstanceType"]), "NotebookInstanceStatus": strs(model["NotebookInstanceStatus"]),
		"DirectInternetAccess": strs(model["DirectInternetAccess"]), "RootAccess": strs(model["RootAccess"]),
		"IPAddressType": strs(model["IPAddressType"]), "NotebookInstanceAcceleratorType": strs(model["NotebookInstanceAcceleratorType"]),
		"PlatformIdentifier": model["PlatformIdentifier"],
	}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("enumerations differ from the model (-got +want):\n%s", d)
	}
	for _, it := range InstanceTypes {
		if !ValidInstanceType(it) {
			t.Errorf("ValidInstanceType(%q) = false", it)
		}
	}
	if ValidInstanceType("t3.micro") || ValidInstanceType("") {
		t.Error("ValidInstanceType accepts a type outside the model")
	}
}

package sagemakerapi

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"strato/internal/clock"
	"strato/internal/core/notebook"
	"strato/internal/errdefs"
)

// requireBotocore returns python3, skipping the test where it cannot import
// botocore (this machine and the CI image can).
func requireBotocore(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	if out, err := exec.Command(py, "-c", "import botocore.session").CombinedOutput(); err != nil {
		t.Skipf("botocore not importable: %v: %s", err, out)
	}
	return py
}

// runPython runs script with args in a hermetic environment and decodes
// the JSON it prints.
func runPython(t *testing.T, py, script string, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	none := filepath.Join(t.TempDir(), "none") // no shared config or credentials
	cmd.Env = append(cmd.Env, "TZ=UTC", "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none,
		"AWS_EC2_METADATA_DISABLED=true")
	b, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("python: %v", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// plainPython turns botocore's parsed values into JSON: datetimes become
// epoch seconds.
const plainPython = `
import datetime
def plain(v):
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v
`

// parseGoldens feeds each golden response to botocore's parser with the
// SageMaker model's output shape of its operation, as the SDK does.
const parseGoldens = plainPython + `
import json, sys
import botocore.session
from botocore.parsers import create_parser
model = botocore.session.get_session().get_service_model("sagemaker")
parser = create_parser(model.metadata["protocol"])
out = {}
for c in json.load(open(sys.argv[1])):
    shape = model.operation_model(c["op"]).output_shape
    body = open(c["path"], "rb").read()
    parsed = parser.parse({"body": body, "headers": {"x-amzn-requestid": "req"}, "status_code": 200}, shape)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req"
    out[c["name"]] = plain(parsed)
print(json.dumps(out))
`

// TestGoldensParseWithBotocore checks that botocore reads every member of
// every golden response: a member the model does not have, or a value of
// the wrong type, would be dropped or mangled and show in the diff.
func TestGoldensParseWithBotocore(t *testing.T) {
	py := requireBotocore(t)
	type pcase struct {
		Name string `json:"name"`
		Op   string `json:"op"`
		Path string `json:"path"`
	}
	var cases []pcase
	want := map[string]any{}
	for _, c := range opCases() {
		if c.golden == "" {
			continue
		}
		path, err := filepath.Abs(filepath.Join("testdata", c.golden))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", c.golden, err)
		}
		want[c.golden] = doc
		cases = append(cases, pcase{Name: c.golden, Op: c.operation, Path: path})
	}
	spec := filepath.Join(t.TempDir(), "cases.json")
	data, _ := json.Marshal(cases)
	if err := os.WriteFile(spec, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	runPython(t, py, parseGoldens, &got, spec)
	if d := cmp.Diff(got, want, cmpopts.EquateApprox(0, 1e-6)); d != "" {
		t.Errorf("golden responses as botocore parses them (-got +want):\n%s", d)
	}
}

// modelRules prints the constraints of the model's shapes.
const modelRules = `
import json, sys
import botocore.session
model = botocore.session.get_session().get_service_model("sagemaker")
out = {}
for name in json.loads(sys.argv[1]):
    s = model.shape_for(name)
    out[name] = {"type": s.type_name, "min": s.metadata.get("min", 0), "max": s.metadata.get("max", 0),
                 "pattern": s.metadata.get("pattern", ""), "enum": getattr(s, "enum", None) or None}
print(json.dumps(out))
`

// TestRulesMatchModel fails when a validation rule drifts from the SageMaker
// model that ships with botocore. Names keep seed 000's leading ^.
func TestRulesMatchModel(t *testing.T) {
	py := requireBotocore(t)
	type rule struct {
		Type    string   `json:"type"`
		Min     int64    `json:"min"`
		Max     int64    `json:"max"`
		Pattern string   `json:"pattern"`
		Enum    []string `json:"enum"`
	}
	mine := map[string]rule{}
	for _, r := range []strRule{ruleNotebookName, ruleLifecycleConfigName, ruleInstanceType, ruleSubnetID, ruleSecurityGroupID,
		ruleIPAddressType, ruleRoleARN, ruleKMSKeyID, ruleTagKey, ruleTagValue, ruleDirectInternet, ruleAcceleratorType,
		ruleCodeRepository, ruleRootAccess, rulePlatformIdentifier, ruleIMDSVersion, ruleNextToken, ruleSortKey, ruleSortOrder,
		ruleNameContains, ruleStatus, ruleCodeRepoContains, ruleConfigSortKey, ruleConfigSortOrder, ruleConfigNameContains,
		ruleHookContent, ruleResourceARN} {
		pattern := r.pattern
		if r.shape == "NotebookInstanceName" || r.shape == "NotebookInstanceLifecycleConfigName" {
			pattern = strings.TrimPrefix(pattern, "^")
		}
		mine[r.shape] = rule{Type: "string", Min: int64(r.min), Max: int64(r.max), Pattern: pattern, Enum: r.enum}
	}
	for _, r := range []intRule{ruleVolumeSize, ruleMaxResults, ruleSessionExpiration, ruleListTagsMax} {
		mine[r.shape] = rule{Type: "integer", Min: r.min, Max: r.max}
	}
	for _, r := range []listRule{listSecurityGroups, listTags, listCodeRepos, listAccelerators, listHooks, listTagKeys} {
		mine[r.shape] = rule{Type: "list", Min: int64(r.min), Max: int64(r.max)}
	}
	var names []string
	for n := range mine {
		names = append(names, n)
	}
	arg, _ := json.Marshal(names)
	var model map[string]rule
	runPython(t, py, modelRules, &model, string(arg))
	if d := cmp.Diff(mine, model, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("validation rules differ from the model (-mine +model):\n%s", d)
	}
}

// clientScript drives the handler with botocore's own SageMaker client, the
// way boto3 and the aws command line do, and prints each call's parsed
// answer or error.
const clientScript = plainPython + `
import json, sys, datetime
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
session = botocore.session.get_session()
c = session.create_client("sagemaker", region_name="us-east-1", endpoint_url=sys.argv[1],
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
    config=Config(retries={"max_attempts": 1}))
role = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole"
out = {}
def call(name, fn):
    try:
        r = fn()
        if r is None:
            out[name] = {"ok": None}
            return
        meta = r.pop("ResponseMetadata")
        out[name] = {"ok": plain(r), "status": meta["HTTPStatusCode"]}
    except ClientError as e:
        out[name] = {"error": e.response["Error"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                     "class": type(e).__name__, "requestId": bool(e.response["ResponseMetadata"].get("RequestId"))}
call("create", lambda: c.create_notebook_instance(NotebookInstanceName="nb-1", InstanceType="ml.t3.medium", RoleArn=role,
    VolumeSizeInGB=10, Tags=[{"Key": "team", "Value": "ml"}]))
call("describe", lambda: c.describe_notebook_instance(NotebookInstanceName="nb-1"))
call("list", lambda: c.list_notebook_instances(SortBy="CreationTime", SortOrder="Descending", MaxResults=10,
    CreationTimeAfter=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), StatusEquals="InService"))
call("stop", lambda: c.stop_notebook_instance(NotebookInstanceName="nb-1"))
call("start", lambda: c.start_notebook_instance(NotebookInstanceName="nb-1"))
call("update", lambda: c.update_notebook_instance(NotebookInstanceName="nb-1", VolumeSizeInGB=20))
call("badName", lambda: c.describe_notebook_instance(NotebookInstanceName="nb_1"))
call("missing", lambda: c.describe_notebook_instance(NotebookInstanceName="gone"))
call("presigned", lambda: c.create_presigned_notebook_instance_url(NotebookInstanceName="nb-1", SessionExpirationDurationInSeconds=1800))
call("createConfig", lambda: c.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="on-start",
    OnStart=[{"Content": "ZWNobyBoaQ=="}]))
call("describeConfig", lambda: c.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="on-start"))
call("listConfigs", lambda: c.list_notebook_instance_lifecycle_configs())
call("addTags", lambda: c.add_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-1",
    Tags=[{"Key": "env", "Value": "dev"}]))
call("listTags", lambda: c.list_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-1"))
call("deleteTags", lambda: c.delete_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-1", TagKeys=["env"]))
call("delete", lambda: c.delete_notebook_instance(NotebookInstanceName="nb-1"))
def wait(name, **kw):
    c.get_waiter(name).wait(WaiterConfig={"Delay": 0, "MaxAttempts": 1}, **kw)
call("waitInService", lambda: wait("notebook_instance_in_service", NotebookInstanceName="nb-1"))
call("waitDeleted", lambda: wait("notebook_instance_deleted", NotebookInstanceName="gone"))
print(json.dumps(out))
`

func TestBotocoreClient(t *testing.T) {
	py := requireBotocore(t)
	nbARN := notebook.NotebookARN(testRegion, testAccount, "nb-1")
	core := &fakeCore{
		notebook:  goldenNotebook(),
		notebooks: []*notebook.Notebook{goldenNotebook()},
		config:    goldenConfig(),
		configs:   []*notebook.LifecycleConfig{goldenConfig()},
		tags:      []notebook.Tag{{Key: "env", Value: "dev"}},
		url:       "https://nb-1.notebook.us-east-1.sagemaker.aws?authToken=abc",
		errFor: map[string]error{
			"StartNotebook": errdefs.New(errdefs.LimitExceeded, errdefs.ResNone, "", "The account-level service limit is 1 Notebook Instances."),
			"DeleteNotebook": notebook.TransitionError(nbARN, notebook.InService,
				[]notebook.Status{notebook.Stopped, notebook.Failed}, notebook.Deleting),
		},
		missing: "gone",
	}
	h := newTestHandler(t, core)
	h.clock = clock.Real{} // botocore signs with the current time
	srv := httptest.NewServer(h)
	defer srv.Close()

	var got map[string]map[string]any
	runPython(t, py, clientScript, &got, srv.URL, testKey, testSecret)

	ok := func(v any) map[string]any { return map[string]any{"ok": v, "status": 200.0} }
	failed := func(code, class, msg string) map[string]any {
		return map[string]any{"error": map[string]any{"Code": code, "Message": msg}, "status": 400.0, "class": class, "requestId": true}
	}
	summary := map[string]any{
		"NotebookInstanceName": "nb-1", "NotebookInstanceArn": nbARN, "NotebookInstanceStatus": "InService",
		"Url": "nb-1.notebook.us-east-1.sagemaker.aws", "InstanceType": "ml.t3.medium",
		"CreationTime": float64(created.Unix()), "LastModifiedTime": float64(modified.UnixMilli()) / 1000,
		"NotebookInstanceLifecycleConfigName": "on-start", "DefaultCodeRepository": "https://github.com/example/notebooks.git",
		"AdditionalCodeRepositories": []any{"my-repo"},
	}
	var described any
	b, _ := os.ReadFile(filepath.Join("testdata", "DescribeNotebookInstance.json"))
	if err := json.Unmarshal(b, &described); err != nil {
		t.Fatal(err)
	}
	cfgARN := notebook.LifecycleConfigARN(testRegion, testAccount, "on-start")
	want := map[string]map[string]any{
		"create":   ok(map[string]any{"NotebookInstanceArn": nbARN}),
		"describe": ok(described),
		"list":     ok(map[string]any{"NotebookInstances": []any{summary}}),
		"stop":     ok(map[string]any{}),
		"start":    failed("ResourceLimitExceeded", "ResourceLimitExceeded", "The account-level service limit is 1 Notebook Instances."),
		"update":   ok(map[string]any{}),
		"badName": failed("ValidationException", "ClientError",
			"1 validation error detected: Value 'nb_1' at 'notebookInstanceName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*"),
		"missing":      failed("ValidationException", "ClientError", "RecordNotFound"),
		"presigned":    ok(map[string]any{"AuthorizedUrl": "https://nb-1.notebook.us-east-1.sagemaker.aws?authToken=abc"}),
		"createConfig": ok(map[string]any{"NotebookInstanceLifecycleConfigArn": cfgARN}),
		"describeConfig": ok(map[string]any{"NotebookInstanceLifecycleConfigArn": cfgARN, "NotebookInstanceLifecycleConfigName": "on-start",
			"OnCreate": []any{map[string]any{"Content": "ZWNobyBjcmVhdGU="}}, "OnStart": []any{map[string]any{"Content": "ZWNobyBzdGFydA=="}},
			"CreationTime": float64(created.Unix()), "LastModifiedTime": float64(modified.UnixMilli()) / 1000}),
		"listConfigs": ok(map[string]any{"NotebookInstanceLifecycleConfigs": []any{map[string]any{
			"NotebookInstanceLifecycleConfigName": "on-start", "NotebookInstanceLifecycleConfigArn": cfgARN,
			"CreationTime": float64(created.Unix()), "LastModifiedTime": float64(modified.UnixMilli()) / 1000}}}),
		"addTags":    ok(map[string]any{"Tags": []any{map[string]any{"Key": "env", "Value": "dev"}}}),
		"listTags":   ok(map[string]any{"Tags": []any{map[string]any{"Key": "env", "Value": "dev"}}}),
		"deleteTags": ok(map[string]any{}),
		"delete": failed("ValidationException", "ClientError",
			"Status (InService) not in ([Stopped, Failed]). Unable to transition to (Deleting) for Notebook Instance ("+nbARN+")"),
		"waitInService": {"ok": nil},
		"waitDeleted":   {"ok": nil},
	}
	if d := cmp.Diff(got, want, cmpopts.EquateApprox(0, 1e-6)); d != "" {
		t.Errorf("botocore client results (-got +want):\n%s", d)
	}

	// The calls reached the service with the decoded inputs.
	var methods []string
	for _, c := range core.calls {
		methods = append(methods, c.Method)
	}
	wantMethods := []string{"CreateNotebook", "DescribeNotebook", "ListNotebooks", "StopNotebook", "StartNotebook", "UpdateNotebook",
		"DescribeNotebook", "PresignedURL", "CreateLifecycleConfig", "DescribeLifecycleConfig", "ListLifecycleConfigs",
		"AddTags", "ListTags", "DeleteTags", "DeleteNotebook", "DescribeNotebook", "DescribeNotebook"}
	if d := cmp.Diff(methods, wantMethods); d != "" {
		t.Errorf("service calls (-got +want):\n%s", d)
	}
	if d := cmp.Diff(core.calls[0].Arg, notebook.CreateRequest{Name: "nb-1", InstanceType: "ml.t3.medium",
		RoleARN: "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole", VolumeSizeInGB: 10,
		Tags: []notebook.Tag{{Key: "team", Value: "ml"}}}); d != "" {
		t.Errorf("create request (-got +want):\n%s", d)
	}
	q := core.calls[2].Arg.(notebook.ListQuery)
	if q.CreationTimeAfter.Unix() != 1767225600 || q.SortBy != notebook.SortByCreationTime || q.MaxResults != 10 || q.StatusEquals != notebook.InService {
		t.Errorf("list query %+v", q)
	}
}

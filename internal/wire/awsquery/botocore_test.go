package awsquery

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// botocoreParse feeds each response body to botocore's EC2 parser with the
// real ec2 service model and returns what the SDK would hand a caller.
const botocoreParse = `
import json, sys
import botocore.session
from botocore.parsers import create_parser
model = botocore.session.get_session().get_service_model('ec2')
parser = create_parser('ec2')
out = {}
for c in json.load(open(sys.argv[1])):
    body = open(c['path'], 'rb').read()
    shape = model.operation_model(c['op']).output_shape
    parsed = parser.parse({'body': body, 'headers': {}, 'status_code': c['status']}, shape)
    parsed.get('ResponseMetadata', {}).pop('HTTPHeaders', None)
    out[c['name']] = parsed
print(json.dumps(out, default=str, sort_keys=True))
`

// TestBotocoreParses runs only where python3 can import botocore (this
// machine and the CI image can).
func TestBotocoreParses(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	if out, err := exec.Command(py, "-c", "import botocore").CombinedOutput(); err != nil {
		t.Skipf("botocore not importable: %v: %s", err, out)
	}
	dir := t.TempDir()
	type pcase struct {
		Name   string `json:"name"`
		Op     string `json:"op"`
		Status int    `json:"status"`
		Path   string `json:"path"`
	}
	var cases []pcase
	add := func(name, op string, status int, body []byte) {
		p := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, pcase{name, op, status, p})
	}

	w := httptest.NewRecorder()
	WriteError(w, 400, "InvalidInstanceID.NotFound", "The instance ID 'i-0123<&>' does not exist", "req-err")
	add("error", "StopInstances", 400, w.Body.Bytes())

	w = httptest.NewRecorder()
	stop := stopInstancesResult{Changes: []instanceChange{{"i-1", state{64, "stopping"}, state{16, "running"}}}}
	if err := WriteResponse(w, "StopInstances", "req-stop", stop); err != nil {
		t.Fatal(err)
	}
	add("stop", "StopInstances", 200, w.Body.Bytes())

	w = httptest.NewRecorder()
	desc := sampleDescribe(2)
	desc.NextToken = "tok"
	if err := WriteResponse(w, "DescribeInstances", "req-desc", &desc); err != nil {
		t.Fatal(err)
	}
	add("describe", "DescribeInstances", 200, w.Body.Bytes())

	spec := filepath.Join(dir, "cases.json")
	data, _ := json.Marshal(cases)
	if err := os.WriteFile(spec, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", botocoreParse, spec).Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}

	wantErr := map[string]any{
		"Error":            map[string]any{"Code": "InvalidInstanceID.NotFound", "Message": "The instance ID 'i-0123<&>' does not exist"},
		"ResponseMetadata": map[string]any{"RequestId": "req-err", "HTTPStatusCode": 400.0},
	}
	if diff := cmp.Diff(got["error"], wantErr); diff != "" {
		t.Errorf("error as botocore parses it (-got +want):\n%s", diff)
	}

	wantStop := map[string]any{
		"StoppingInstances": []any{map[string]any{
			"InstanceId":    "i-1",
			"CurrentState":  map[string]any{"Code": 64.0, "Name": "stopping"},
			"PreviousState": map[string]any{"Code": 16.0, "Name": "running"},
		}},
		"ResponseMetadata": map[string]any{"RequestId": "req-stop", "HTTPStatusCode": 200.0},
	}
	if diff := cmp.Diff(got["stop"], wantStop); diff != "" {
		t.Errorf("StopInstances as botocore parses it (-got +want):\n%s", diff)
	}

	d := got["describe"]
	if d["NextToken"] != "tok" || d["ResponseMetadata"].(map[string]any)["RequestId"] != "req-desc" {
		t.Errorf("describe envelope = %v", d)
	}
	res := d["Reservations"].([]any)
	if len(res) != 2 {
		t.Fatalf("reservations = %d, want 2", len(res))
	}
	r0 := res[0].(map[string]any)
	inst := r0["Instances"].([]any)[0].(map[string]any)
	pick := map[string]any{
		"ReservationId":    r0["ReservationId"],
		"OwnerId":          r0["OwnerId"],
		"InstanceId":       inst["InstanceId"],
		"State":            inst["State"],
		"LaunchTime":       inst["LaunchTime"],
		"Placement":        inst["Placement"],
		"Tags":             inst["Tags"],
		"Ebs":              inst["BlockDeviceMappings"].([]any)[0].(map[string]any)["Ebs"],
		"CpuOptions":       inst["CpuOptions"],
		"Hibernation":      inst["HibernationOptions"],
		"SourceDestCheck":  inst["SourceDestCheck"],
		"PublicIpAddress":  inst["PublicIpAddress"],
		"SecurityGroups":   inst["SecurityGroups"],
		"NetworkInterface": inst["NetworkInterfaces"].([]any)[0].(map[string]any)["NetworkInterfaceId"],
	}
	wantPick := map[string]any{
		"ReservationId": "r-00000000000000000",
		"OwnerId":       "123456789012",
		"InstanceId":    "i-00000000000000000",
		"State":         map[string]any{"Code": 16.0, "Name": "running"},
		"LaunchTime":    "2026-11-22 10:00:00+00:00",
		"Placement":     map[string]any{"AvailabilityZone": "us-east-1a", "Tenancy": "default"},
		"Tags": []any{
			map[string]any{"Key": "Name", "Value": "web <i-00000000000000000> & co"},
			map[string]any{"Key": "env", "Value": "prod"},
			map[string]any{"Key": "team", "Value": "platform"},
		},
		"Ebs": map[string]any{"VolumeId": "vol-0123456789abcdef0", "Status": "attached",
			"AttachTime": "2026-11-22 10:00:00+00:00", "DeleteOnTermination": true},
		"CpuOptions":       map[string]any{"CoreCount": 1.0, "ThreadsPerCore": 2.0},
		"Hibernation":      map[string]any{"Configured": false},
		"SourceDestCheck":  true,
		"PublicIpAddress":  "198.18.0.1",
		"SecurityGroups":   []any{map[string]any{"GroupId": "sg-0123456789abcdef0", "GroupName": "default"}},
		"NetworkInterface": "eni-0123456789abcdef0",
	}
	if diff := cmp.Diff(pick, wantPick); diff != "" {
		t.Errorf("DescribeInstances as botocore parses it (-got +want):\n%s", diff)
	}
}

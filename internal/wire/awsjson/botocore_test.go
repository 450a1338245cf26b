package awsjson

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// botocoreParse feeds each recorded response to botocore's parser for the
// "json" protocol, with a small service model that has every type this
// package encodes, and prints what the SDK would hand a caller. For an error
// it also adds the modeled error's members, as botocore's endpoint does.
const botocoreParse = `
import json, sys
from botocore.model import ServiceModel
from botocore.parsers import create_parser
model = ServiceModel({
  "metadata": {"protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Test", "serviceId": "Test",
               "endpointPrefix": "test", "signatureVersion": "v4", "apiVersion": "2017-07-24"},
  "operations": {
    "Describe": {"name": "Describe", "http": {"method": "POST", "requestUri": "/"},
                 "output": {"shape": "Out"}, "errors": [{"shape": "ResourceLimitExceeded"}]},
    "Stop": {"name": "Stop", "http": {"method": "POST", "requestUri": "/"}},
  },
  "shapes": {
    "Out": {"type": "structure", "members": {
      "Name": {"shape": "S"}, "Count": {"shape": "I"}, "When": {"shape": "T"},
      "Data": {"shape": "B"}, "Names": {"shape": "L"}, "On": {"shape": "Bool"}}},
    "ResourceLimitExceeded": {"type": "structure", "members": {"Message": {"shape": "S"}}, "exception": True},
    "S": {"type": "string"}, "I": {"type": "integer"}, "T": {"type": "timestamp"},
    "B": {"type": "blob"}, "L": {"type": "list", "member": {"shape": "S"}}, "Bool": {"type": "boolean"},
  },
})
parser = create_parser("json")
out = {}
for c in json.load(open(sys.argv[1])):
    op = model.operation_model(c["op"])
    resp = {"body": open(c["path"], "rb").read(), "headers": c["headers"], "status_code": c["status"]}
    parsed = parser.parse(resp, op.output_shape)
    code = parsed.get("Error", {}).get("Code")
    if code:
        shape = model.shape_for_error_code(code)
        if shape is not None:
            parsed.update(parser.parse(resp, shape))
    out[c["name"]] = parsed
print(json.dumps(out, default=str, sort_keys=True))
`

// requireBotocore skips the test where python3 cannot import botocore.
func requireBotocore(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	if out, err := exec.Command(py, "-c", "import botocore").CombinedOutput(); err != nil {
		t.Skipf("botocore not importable: %v: %s", err, out)
	}
	return py
}

func TestBotocoreParses(t *testing.T) {
	py := requireBotocore(t)
	dir := t.TempDir()
	type pcase struct {
		Name    string            `json:"name"`
		Op      string            `json:"op"`
		Status  int               `json:"status"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
	}
	var cases []pcase
	add := func(name, op string, w *httptest.ResponseRecorder) {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, w.Body.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		h := map[string]string{}
		for k := range w.Header() {
			h[strings.ToLower(k)] = w.Header().Get(k)
		}
		cases = append(cases, pcase{name, op, w.Code, p, h})
	}

	when := time.Date(2026, 11, 22, 20, 30, 0, 250_000_000, time.UTC)
	type out struct {
		Name  string     `json:"Name"`
		Count int        `json:"Count"`
		When  *Timestamp `json:"When"`
		Data  []byte     `json:"Data"`
		Names []string   `json:"Names"`
		On    bool       `json:"On"`
	}
	w := httptest.NewRecorder()
	if err := WriteResponse(w, "req-ok", out{Name: `nb "1" <&>`, Count: 3, When: Time(when), Data: []byte{0, 1, 0xfe},
		Names: []string{"a", "é"}, On: true}); err != nil {
		t.Fatal(err)
	}
	add("success", "Describe", w)

	w = httptest.NewRecorder()
	if err := WriteResponse(w, "req-empty", nil); err != nil {
		t.Fatal(err)
	}
	add("empty", "Stop", w)

	w = httptest.NewRecorder()
	WriteError(w, 400, "ValidationException", "RecordNotFound", "req-err")
	add("validation", "Describe", w)

	w = httptest.NewRecorder()
	WriteError(w, 400, "ResourceLimitExceeded", "The account-level service limit is 1.", "req-limit")
	add("modeled", "Describe", w)

	w = httptest.NewRecorder()
	WriteError(w, 500, "InternalFailure", msgInternal, "req-500")
	add("internal", "Stop", w)

	spec := filepath.Join(dir, "cases.json")
	data, _ := json.Marshal(cases)
	if err := os.WriteFile(spec, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", botocoreParse, spec)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	outb, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("botocore: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("botocore: %v", err)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("decode %s: %v", outb, err)
	}
	meta := func(id string, status float64) map[string]any {
		return map[string]any{"RequestId": id, "HTTPStatusCode": status}
	}
	want := map[string]map[string]any{
		"success": {"Name": `nb "1" <&>`, "Count": 3.0, "When": "2026-11-22 20:30:00.250000+00:00",
			"Data": "b'\\x00\\x01\\xfe'", "Names": []any{"a", "é"}, "On": true, "ResponseMetadata": meta("req-ok", 200)},
		"empty":      {"ResponseMetadata": meta("req-empty", 200)},
		"validation": {"Error": map[string]any{"Code": "ValidationException", "Message": "RecordNotFound"}, "ResponseMetadata": meta("req-err", 400)},
		"modeled": {"Error": map[string]any{"Code": "ResourceLimitExceeded", "Message": "The account-level service limit is 1."},
			"ResponseMetadata": meta("req-limit", 400)},
		"internal": {"Error": map[string]any{"Code": "InternalFailure", "Message": msgInternal}, "ResponseMetadata": meta("req-500", 500)},
	}
	for name := range got {
		if md, ok := got[name]["ResponseMetadata"].(map[string]any); ok {
			delete(md, "HTTPHeaders")
			delete(md, "RetryAttempts")
		}
	}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("responses as botocore parses them (-got +want):\n%s", d)
	}
}

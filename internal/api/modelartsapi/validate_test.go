package modelartsapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
)

// deBody and nbBody are valid create requests with one member replaced:
// the key's value (raw JSON), or removed when the value is "-".
func deBody(replace map[string]string) string {
	return body(map[string]string{
		"name": `"nb"`, "profile_id": `"Multi-Engine 2.0 (python3)"`, "flavor": `"modelarts.vm.cpu.2u"`,
		"spec": `{"storage":{"type":"evs","location":{"volume_size":5}},"auto_stop":{"enable":true,"duration":3600}}`,
	}, replace)
}

func nbBody(replace map[string]string) string {
	return body(map[string]string{
		"name": `"nb"`, "flavor": `"modelarts.vm.cpu.2u"`, "image_id": `"` + imageID + `"`,
		"volume": `{"category":"EVS","ownership":"MANAGED","capacity":5}`,
	}, replace)
}

func body(base, replace map[string]string) string {
	for k, v := range replace {
		if v == "-" {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	var parts []string
	for _, k := range []string{"name", "description", "profile_id", "flavor", "image_id", "spec", "volume", "lease", "duration", "workspace", "workspace_id"} {
		if v, ok := base[k]; ok {
			parts = append(parts, `"`+k+`":`+v)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// serviceCodes are the codes of errors the service raises; the others are
// the frontend's own, raised before the service is called.
var serviceCodes = map[string]bool{"ModelArts.6301": true, "ModelArts.6305": true, "ModelArts.6307": true,
	"ModelArts.6309": true, "ModelArts.6404": true}

func TestValidation(t *testing.T) {
	long := func(n int) string { return `"` + strings.Repeat("a", n) + `"` }
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		// DevEnviron create.
		{"de: malformed JSON", "POST", dePath, `{"name":`, 400, "ModelArts.6400", "Invalid request payload (malformed JSON), please check."},
		{"de: syntax error", "POST", dePath, `{"name" "x"}`, 400, "ModelArts.6400", "Invalid request payload (malformed JSON at offset 9), please check."},
		{"de: wrong type", "POST", dePath, deBody(map[string]string{"name": `5`}), 400, "ModelArts.6400",
			"Invalid request payload ('name' must be of the 'string' type), please check."},
		{"de: nested wrong type", "POST", dePath, deBody(map[string]string{"spec": `{"auto_stop":{"duration":"1h"}}`}), 400, "ModelArts.6400",
			"Invalid request payload ('spec.auto_stop.duration' must be of the 'integer' type), please check."},
		{"de: not an object", "POST", dePath, `[1]`, 400, "ModelArts.6400", "Invalid request payload (the body must be a JSON object), please check."},
		{"de: empty body", "POST", dePath, ``, 400, "ModelArts.6400", "Invalid request payload (the body is empty), please check."},
		{"de: trailing data", "POST", dePath, deBody(nil) + `{}`, 400, "ModelArts.6400", "Invalid request payload (unexpected data after the JSON document), please check."},
		{"de: name missing", "POST", dePath, deBody(map[string]string{"name": "-"}), 400, "ModelArts.6335", "'name' is a required property."},
		{"de: name empty", "POST", dePath, deBody(map[string]string{"name": `""`}), 400, "ModelArts.6335", "'name' is a required property."},
		{"de: name too long", "POST", dePath, deBody(map[string]string{"name": long(65)}), 400, "ModelArts.6336", "'name' property value is incorrect."},
		{"de: name at the limit", "POST", dePath, deBody(map[string]string{"name": long(64)}), 200, "", ""},
		{"de: name character", "POST", dePath, deBody(map[string]string{"name": `"my notebook"`}), 400, "ModelArts.6334",
			"Invalid value for name or description. The character ` ` is not allowed."},
		{"de: description character", "POST", dePath, deBody(map[string]string{"description": `"a/b"`}), 400, "ModelArts.6334",
			"Invalid value for name or description. The character `/` is not allowed."},
		{"de: description too long", "POST", dePath, deBody(map[string]string{"description": long(513)}), 400, "ModelArts.6336", "'description' property value is incorrect."},
		{"de: profile missing", "POST", dePath, deBody(map[string]string{"profile_id": "-"}), 400, "ModelArts.6335", "'profile_id' is a required property."},
		{"de: flavor missing", "POST", dePath, deBody(map[string]string{"flavor": "-"}), 400, "ModelArts.6335", "'flavor' is a required property."},
		{"de: flavor unknown", "POST", dePath, deBody(map[string]string{"flavor": `"modelarts.vm.gpu.v100"`}), 400, "ModelArts.6323", "The flavor is not supported, please check it."},
		{"de: spec missing", "POST", dePath, deBody(map[string]string{"spec": "-"}), 400, "ModelArts.6335", "'spec' is a required property."},
		{"de: storage missing", "POST", dePath, deBody(map[string]string{"spec": `{}`}), 400, "ModelArts.6316",
			"The param 'storage' is needed for creating notebook instance."},
		{"de: storage type missing", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{}}`}), 400, "ModelArts.6335", "'type' is a required property."},
		{"de: obs storage", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"obs","location":{"path":"/b/d/"}}}`}), 400, "ModelArts.6324",
			"This location type is not supported. Please check it."},
		{"de: volume too small", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"evs","location":{"volume_size":4}}}`}), 400,
			"ModelArts.6331", "The evs volume size ranges from 5 GB to 4096 GB."},
		{"de: volume too large", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"evs","location":{"volume_size":4097}}}`}), 400,
			"ModelArts.6331", "The evs volume size ranges from 5 GB to 4096 GB."},
		{"de: auto stop without duration", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"evs"},"auto_stop":{"enable":true}}`}), 400,
			"ModelArts.6348", "The 'duration' parameter is mandatory for enabling auto stop."},
		{"de: auto stop too short", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"evs"},"auto_stop":{"enable":true,"duration":3599}}`}), 400,
			"ModelArts.6349", "The 'duration' parameter is incorrect. The value ranges from 3600 to 86400."},
		{"de: auto stop too long", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"evs"},"auto_stop":{"enable":true,"duration":86401}}`}), 400,
			"ModelArts.6349", "The 'duration' parameter is incorrect. The value ranges from 3600 to 86400."},
		{"de: disabled auto stop ignores the duration", "POST", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"evs"},"auto_stop":{"enable":false,"duration":1}}`}), 200, "", ""},
		{"de: other workspace", "POST", dePath, deBody(map[string]string{"workspace": `{"id":"abc"}`}), 400, "ModelArts.7005", "workspace:abc not existed"},

		// DevEnviron list and action.
		{"de list: de_type missing", "GET", dePath, "", 400, "ModelArts.6335", "'de_type' is a required property."},
		{"de list: de_type wrong", "GET", dePath + "?de_type=notebook", "", 400, "ModelArts.6336", "'de_type' property value is incorrect."},
		{"de list: status unknown", "GET", dePath + "?de_type=Notebook&status=running", "", 400, "ModelArts.6336", "'status' property value is incorrect."},
		{"de list: sortby", "GET", dePath + "?de_type=Notebook&sortby=flavor", "", 400, "ModelArts.6303", "The field does not support sorting."},
		{"de list: order", "GET", dePath + "?de_type=Notebook&order=up", "", 400, "ModelArts.6336", "'order' property value is incorrect."},
		{"de list: offset", "GET", dePath + "?de_type=Notebook&offset=-1", "", 400, "ModelArts.6336", "'offset' property value is incorrect."},
		{"de list: limit", "GET", dePath + "?de_type=Notebook&limit=x", "", 400, "ModelArts.6336", "'limit' property value is incorrect."},
		{"de list: provision type", "GET", dePath + "?de_type=Notebook&provision_type=VM", "", 400, "ModelArts.6336", "'provision_type' property value is incorrect."},
		{"de action: action missing", "POST", dePath + "/DE-1/action", `{}`, 400, "ModelArts.6335", "'action' is a required property."},
		{"de action: wrong type", "POST", dePath + "/DE-1/action", `{"action":1}`, 400, "ModelArts.6400",
			"Invalid request payload ('action' must be of the 'string' type), please check."},
		{"de show: unknown", "GET", dePath + "/DE-nope", "", 400, "ModelArts.6309", "The instance does not exist."},
		{"de delete: unknown", "DELETE", dePath + "/DE-nope", "", 400, "ModelArts.6309", "The instance does not exist."},

		// Notebook API create.
		{"nb: malformed JSON", "POST", nbPath, `{`, 400, "ModelArts.6400", "Invalid request payload (malformed JSON), please check."},
		{"nb: name missing", "POST", nbPath, nbBody(map[string]string{"name": "-"}), 400, "ModelArts.6335", "'name' is a required property."},
		{"nb: name at the limit", "POST", nbPath, nbBody(map[string]string{"name": long(128)}), 200, "", ""},
		{"nb: name too long", "POST", nbPath, nbBody(map[string]string{"name": long(129)}), 400, "ModelArts.6336", "'name' property value is incorrect."},
		{"nb: name character", "POST", nbPath, nbBody(map[string]string{"name": `"nb.1"`}), 400, "ModelArts.6334",
			"Invalid value for name or description. The character `.` is not allowed."},
		{"nb: description character", "POST", nbPath, nbBody(map[string]string{"description": `"a&b"`}), 400, "ModelArts.6334",
			"Invalid value for name or description. The character `&` is not allowed."},
		{"nb: flavor missing", "POST", nbPath, nbBody(map[string]string{"flavor": "-"}), 400, "ModelArts.6335", "'flavor' is a required property."},
		{"nb: flavor unknown", "POST", nbPath, nbBody(map[string]string{"flavor": `"modelarts.vm.cpu.64u"`}), 400, "ModelArts.6323", "The flavor is not supported, please check it."},
		{"nb: image missing", "POST", nbPath, nbBody(map[string]string{"image_id": "-"}), 400, "ModelArts.6335", "'image_id' is a required property."},
		{"nb: image unknown", "POST", nbPath, nbBody(map[string]string{"image_id": `"e1a07296-22a8-4f05-8bc8-e936c8e54090"`}), 400, "ModelArts.6797",
			"Specified image e1a07296-22a8-4f05-8bc8-e936c8e54090 cannot be found."},
		{"nb: category missing", "POST", nbPath, nbBody(map[string]string{"volume": `{"ownership":"MANAGED"}`}), 400, "ModelArts.6335", "'category' is a required property."},
		{"nb: OBS volume", "POST", nbPath, nbBody(map[string]string{"volume": `{"category":"OBS","ownership":"MANAGED"}`}), 400, "ModelArts.6324",
			"This location type is not supported. Please check it."},
		{"nb: EFS volume", "POST", nbPath, nbBody(map[string]string{"volume": `{"category":"EFS","ownership":"DEDICATED"}`}), 400, "ModelArts.6324",
			"This location type is not supported. Please check it."},
		{"nb: dedicated EVS", "POST", nbPath, nbBody(map[string]string{"volume": `{"category":"EVS","ownership":"DEDICATED"}`}), 400, "ModelArts.6336",
			"'ownership' property value is incorrect."},
		{"nb: capacity too small", "POST", nbPath, nbBody(map[string]string{"volume": `{"category":"EVS","ownership":"MANAGED","capacity":1}`}), 400,
			"ModelArts.6331", "The evs volume size ranges from 5 GB to 4096 GB."},
		{"nb: capacity too large", "POST", nbPath, nbBody(map[string]string{"volume": `{"category":"EVS","ownership":"MANAGED","capacity":5000}`}), 400,
			"ModelArts.6331", "The evs volume size ranges from 5 GB to 4096 GB."},
		{"nb: capacity not an integer", "POST", nbPath, nbBody(map[string]string{"volume": `{"category":"EVS","ownership":"MANAGED","capacity":5.5}`}), 400,
			"ModelArts.6400", "Invalid request payload ('volume.capacity' must be of the 'integer' type), please check."},
		{"nb: lease too short", "POST", nbPath, nbBody(map[string]string{"lease": `{"duration":3599999}`}), 400,
			"ModelArts.6349", "The 'duration' parameter is incorrect. The value ranges from 3600000 to 259200000."},
		{"nb: duration too long", "POST", nbPath, nbBody(map[string]string{"duration": `259200001`}), 400,
			"ModelArts.6349", "The 'duration' parameter is incorrect. The value ranges from 3600000 to 259200000."},
		{"nb: idle lease", "POST", nbPath, nbBody(map[string]string{"lease": `{"duration":3600000,"type":"idle"}`}), 400,
			"ModelArts.6336", "'type' property value is incorrect."},
		{"nb: other workspace", "POST", nbPath, nbBody(map[string]string{"workspace_id": `"0123456789abcdef0123456789abcdef"`}), 400,
			"ModelArts.7005", "workspace:0123456789abcdef0123456789abcdef not existed"},

		// Notebook API list, start and unknown notebooks.
		{"nb list: limit 0", "GET", nbPath + "?limit=0", "", 400, "ModelArts.6336", "'limit' property value is incorrect."},
		{"nb list: limit too large", "GET", nbPath + "?limit=1001", "", 400, "ModelArts.6336", "'limit' property value is incorrect."},
		{"nb list: offset", "GET", nbPath + "?offset=x", "", 400, "ModelArts.6336", "'offset' property value is incorrect."},
		{"nb list: sort key", "GET", nbPath + "?sort_key=flavor", "", 400, "ModelArts.6303", "The field does not support sorting."},
		{"nb list: sort dir", "GET", nbPath + "?sort_dir=UP", "", 400, "ModelArts.6336", "'sort_dir' property value is incorrect."},
		{"nb list: status", "GET", nbPath + "?status=InService", "", 400, "ModelArts.6336", "'status' property value is incorrect."},
		{"nb start: duration not a number", "POST", nbPath + "/nb-stopped/start?duration=1h", "", 400, "ModelArts.6336", "'duration' property value is incorrect."},
		{"nb start: duration out of range", "POST", nbPath + "/nb-stopped/start?duration=1000", "", 400, "ModelArts.6349",
			"The 'duration' parameter is incorrect. The value ranges from 3600000 to 259200000."},
		{"nb start: idle", "POST", nbPath + "/nb-stopped/start?type=idle", "", 400, "ModelArts.6336", "'type' property value is incorrect."},
		{"nb start: running", "POST", nbPath + "/nb-running/start", "", 400, "ModelArts.6305", "The instance is already running."},
		{"nb stop: stopped", "POST", nbPath + "/nb-stopped/stop", "", 400, "ModelArts.6307", "The instance has already been stopped."},
		{"nb show: unknown", "GET", nbPath + "/nope", "", 400, "ModelArts.6404", "The instance does not exist."},
		{"nb delete: unknown", "DELETE", nbPath + "/nope", "", 400, "ModelArts.6404", "The instance does not exist."},
		{"nb start: unknown", "POST", nbPath + "/nope/start", "", 400, "ModelArts.6404", "The instance does not exist."},
		{"nb: a DevEnviron id is unknown here", "GET", nbPath + "/DE-1", "", 400, "ModelArts.6404", "The instance does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.put(notebook.KindDevEnviron, "DE-1", "de", notebook.Stopped, nil)
			r.put(notebook.KindModelArts, "nb-stopped", "s", notebook.Stopped, nil)
			r.put(notebook.KindModelArts, "nb-running", "r", notebook.InService, nil)
			calls := len(r.core.calls)
			w := r.do(t, tt.method, tt.path, tt.body)
			if tt.wantCode == "" {
				if w.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body.String())
				}
				return
			}
			e := parseError(t, w)
			if d := cmp.Diff([]any{w.Code, e.Code, e.text()}, []any{tt.wantStatus, tt.wantCode, tt.wantMsg}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
			// The DevEnviron API answers error_message, the Notebook API error_msg.
			if strings.Contains(tt.path, "demanager") != (e.Message != "") {
				t.Errorf("wrong error document for %s: %s", tt.path, w.Body.String())
			}
			// A request refused by validation never reaches the service.
			if !serviceCodes[tt.wantCode] && len(r.core.calls) != calls {
				t.Errorf("the service was called: %+v", r.core.lastCall())
			}
		})
	}
}

// TestMinAutoStop: Config.MinAutoStop lowers the smallest duration of both
// APIs, and the messages say the effective range.
func TestMinAutoStop(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MinAutoStop = 90 * time.Second })
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantMsg          string
	}{
		{"devenviron accepts the lower bound", dePath, deBody(map[string]string{"spec": `{"storage":{"type":"evs"},"auto_stop":{"enable":true,"duration":90}}`}), 200, ""},
		{"devenviron below it", dePath, deBody(map[string]string{"name": `"b"`, "spec": `{"storage":{"type":"evs"},"auto_stop":{"enable":true,"duration":89}}`}), 400,
			"The 'duration' parameter is incorrect. The value ranges from 90 to 86400."},
		{"notebook accepts the lower bound", nbPath, nbBody(map[string]string{"duration": `90000`}), 200, ""},
		{"notebook below it", nbPath, nbBody(map[string]string{"lease": `{"duration":89999}`}), 400,
			"The 'duration' parameter is incorrect. The value ranges from 90000 to 259200000."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := r.do(t, http.MethodPost, tt.path, tt.body)
			if tt.wantStatus == 200 {
				if w.Code != 200 {
					t.Fatalf("status %d: %s", w.Code, w.Body.String())
				}
				return
			}
			e := parseError(t, w)
			if d := cmp.Diff([]any{w.Code, e.Code, e.text()}, []any{tt.wantStatus, "ModelArts.6349", tt.wantMsg}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

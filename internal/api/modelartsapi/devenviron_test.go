package modelartsapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
)

const dePath = "/v1/{p}/demanager/instances"

func TestDevEnvironCreate(t *testing.T) {
	r := newRig(t)
	body := `{"name":"notebook-c6fd","description":"","profile_id":"Multi-Engine 1.0 (python3)-cpu","flavor":"modelarts.vm.cpu.2u",
		"spec":{"storage":{"location":{"volume_size":10},"type":"evs"},"auto_stop":{"enable":true,"duration":7200,"prompt":true}},
		"workspace":{"id":"0"}}`
	w := r.do(t, http.MethodPost, dePath, body)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	want := jsonValue(t, `{
		"id": "DE-00000000-0000-4000-8000-000000000001",
		"name": "notebook-c6fd", "description": "", "status": "CREATING",
		"creation_timestamp": "1795379400000", "latest_update_timestamp": "1795379400000",
		"profile": {"id": "Multi-Engine 1.0 (python3)-cpu", "name": "Multi-Engine 1.0 (python3)-cpu",
			"de_type": "Notebook", "flavor_type": "CPU", "provision": {"type": "Docker"}},
		"flavor": "modelarts.vm.cpu.2u",
		"flavor_details": {"name": "modelarts.vm.cpu.2u", "params": {"CPU": 2, "GPU": 0, "memory": "8GiB"}, "status": "onSale", "type": "CPU"},
		"spec": {
			"storage": {"type": "evs", "location": {"path": "/home/ma-user/work", "volume_size": 10, "volume_unit": "GB"}},
			"auto_stop": {"enable": true, "duration": 7200},
			"annotations": {"target_domain": "https://strato.example:8773", "url": ""},
			"failed_reasons": null
		},
		"workspace": {"id": "0"}
	}`)
	if d := cmp.Diff(decode(t, w), want); d != "" {
		t.Errorf("create (-got +want):\n%s", d)
	}
	got := r.core.lastCall()
	wantCall := &coreCall{Method: "CreateModelArts", Kind: notebook.KindDevEnviron, Account: r.account(), Arg: notebook.ModelArtsCreateRequest{
		Kind: notebook.KindDevEnviron, Name: "notebook-c6fd", Flavor: flavor2u, ImageID: imageID,
		VolumeCategory: "EVS", VolumeSizeGB: 10, AutoStop: 2 * time.Hour, ProfileID: "Multi-Engine 1.0 (python3)-cpu"}}
	if d := cmp.Diff(got, wantCall); d != "" {
		t.Errorf("core call (-got +want):\n%s", d)
	}
	if h := w.Header().Get("X-Request-Id"); h != testReqID {
		t.Errorf("X-Request-Id %q, want %q", h, testReqID)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}

	// A second instance of the name is ModelArts.6301.
	w = r.do(t, http.MethodPost, dePath, body)
	e := parseError(t, w)
	if d := cmp.Diff([]any{w.Code, e}, []any{400, errorDoc{Code: "ModelArts.6301", Message: "The instance already exists."}}); d != "" {
		t.Errorf("duplicate (-got +want):\n%s", d)
	}
}

func TestDevEnvironCreateDefaults(t *testing.T) {
	r := newRig(t)
	w := r.do(t, http.MethodPost, dePath, `{"name":"n","profile_id":"p","flavor":"modelarts.vm.cpu.8u","spec":{"storage":{"type":"evs"}}}`)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	want := notebook.ModelArtsCreateRequest{Kind: notebook.KindDevEnviron, Name: "n", Flavor: "modelarts.vm.cpu.8u", ImageID: imageID,
		VolumeCategory: "EVS", VolumeSizeGB: 5, ProfileID: "p"}
	if d := cmp.Diff(r.core.lastCall().Arg, any(want)); d != "" {
		t.Errorf("request (-got +want):\n%s", d)
	}
	m := decode(t, w)
	spec := m["spec"].(map[string]any)
	if d := cmp.Diff(spec["auto_stop"], any(map[string]any{"enable": false})); d != "" {
		t.Errorf("auto_stop (-got +want):\n%s", d)
	}
}

func TestDevEnvironShow(t *testing.T) {
	r := newRig(t)
	r.put(notebook.KindDevEnviron, "DE-run", "running", notebook.InService, func(nb *notebook.Notebook) {
		nb.AutoStop = &notebook.AutoStop{Duration: time.Hour, Since: testNow.Add(-10 * time.Minute)}
	})
	r.put(notebook.KindDevEnviron, "DE-bad", "broken", notebook.Failed, func(nb *notebook.Notebook) {
		nb.FailureReason, nb.FailedBy = "The notebook server did not start.", notebook.OpBootFailed
	})
	stop := testNow.Add(50 * time.Minute).UnixMilli()
	tests := []struct {
		name string
		id   string
		want map[string]any // members of spec to compare, and status
	}{
		{"running: url, stop time, remaining seconds", "DE-run", map[string]any{
			"status": "RUNNING",
			"auto_stop": map[string]any{"enable": true, "duration": float64(3600),
				"stop_timestamp": float64(stop), "remain_time": float64(3000)},
			"annotations":    map[string]any{"target_domain": "https://strato.example:8773", "url": testURL + "token-DE-run"},
			"failed_reasons": nil,
		}},
		{"failed: reasons", "DE-bad", map[string]any{
			"status":         "ERROR",
			"auto_stop":      map[string]any{"enable": false},
			"annotations":    map[string]any{"target_domain": "https://strato.example:8773", "url": ""},
			"failed_reasons": map[string]any{"code": "ModelArts.6361", "message": "The notebook server did not start."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := r.do(t, http.MethodGet, dePath+"/"+tt.id, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			m := decode(t, w)
			spec := m["spec"].(map[string]any)
			got := map[string]any{"status": m["status"], "auto_stop": spec["auto_stop"], "annotations": spec["annotations"],
				"failed_reasons": spec["failed_reasons"]}
			if d := cmp.Diff(got, tt.want); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
			if _, ok := m["profile"].(map[string]any)["id"]; ok {
				t.Errorf("profile.id is answered, but the service does not keep it")
			}
		})
	}
}

func TestDevEnvironList(t *testing.T) {
	r := newRig(t)
	for i, s := range []struct {
		name   string
		status notebook.Status
	}{{"charlie", notebook.InService}, {"alpha", notebook.Stopped}, {"bravo", notebook.Stopped}} {
		r.put(notebook.KindDevEnviron, "DE-"+s.name, s.name, s.status, func(nb *notebook.Notebook) {
			nb.CreationTime = testNow.Add(time.Duration(i) * time.Minute)
		})
	}
	r.put(notebook.KindModelArts, "nb-1", "zulu", notebook.Stopped, nil) // the other API's
	tests := []struct {
		name      string
		query     string
		wantNames []string
		wantTotal float64
	}{
		{"default: by name, ascending, all", "?de_type=Notebook", []string{"alpha", "bravo", "charlie"}, 3},
		{"by creation, descending", "?de_type=Notebook&sortby=creation_timestamp&order=desc", []string{"bravo", "alpha", "charlie"}, 3},
		{"status filter", "?de_type=Notebook&status=STOPPED", []string{"alpha", "bravo"}, 2},
		{"offset and limit", "?de_type=Notebook&offset=1&limit=1", []string{"bravo"}, 3},
		{"offset past the end", "?de_type=Notebook&offset=5", []string{}, 3},
		{"provision type and workspace", "?de_type=Notebook&provision_type=Docker&workspace_id=0", []string{"alpha", "bravo", "charlie"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := r.do(t, http.MethodGet, dePath+tt.query, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			var out struct {
				Instances []struct {
					Name string `json:"name"`
				} `json:"instances"`
				TotalCount *float64 `json:"total_count"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Instances == nil || out.TotalCount == nil {
				t.Fatalf("bad list %v: %s", err, w.Body.String())
			}
			names := []string{}
			for _, i := range out.Instances {
				names = append(names, i.Name)
			}
			if d := cmp.Diff([]any{names, *out.TotalCount}, []any{tt.wantNames, tt.wantTotal}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

func TestDevEnvironDelete(t *testing.T) {
	r := newRig(t)
	r.put(notebook.KindDevEnviron, "DE-stopped", "s", notebook.Stopped, nil)
	r.put(notebook.KindDevEnviron, "DE-running", "r", notebook.InService, nil)

	w := r.do(t, http.MethodDelete, dePath+"/DE-stopped", "")
	if d := cmp.Diff([]any{w.Code, decode(t, w)}, []any{200, map[string]any{"instance_id": "DE-stopped"}}); d != "" {
		t.Errorf("delete (-got +want):\n%s", d)
	}
	w = r.do(t, http.MethodDelete, dePath+"/DE-running", "")
	if d := cmp.Diff([]any{w.Code, parseError(t, w)}, []any{400, errorDoc{Code: "ModelArts.6304", Message: "Please stop the instance before deleting."}}); d != "" {
		t.Errorf("delete running (-got +want):\n%s", d)
	}
}

// TestSeed004Action replays the samples of seed 004 ("Managing a
// Development Environment Instance") member by member.
func TestSeed004Action(t *testing.T) {
	r := newRig(t)
	r.put(notebook.KindDevEnviron, "6fa459ea-ee8a-3ca4-894e-db77e160355e", "nb", notebook.Stopped, nil)

	w := r.do(t, http.MethodPost, dePath+"/6fa459ea-ee8a-3ca4-894e-db77e160355e/action", `{ "action": "start" }`)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if d := cmp.Diff(decode(t, w), jsonValue(t, `{ "current_status": "STARTING", "previous_state": "STOPPED" }`)); d != "" {
		t.Errorf("successful sample (-got +want):\n%s", d)
	}
	if d := cmp.Diff(w.Body.String(), `{"current_status":"STARTING","previous_state":"STOPPED"}`); d != "" {
		t.Errorf("body (-got +want):\n%s", d)
	}

	w = r.do(t, http.MethodPost, dePath+"/6fa459ea-0000-0000-0000-000000000000/action", `{ "action": "start" }`)
	if w.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", w.Code)
	}
	if d := cmp.Diff(decode(t, w), jsonValue(t, `{ "error_message": "The instance does not exist.", "error_code": "ModelArts.6309" }`)); d != "" {
		t.Errorf("failed sample (-got +want):\n%s", d)
	}
}

func TestDevEnvironActions(t *testing.T) {
	tests := []struct {
		name       string
		status     notebook.Status
		served     bool
		action     string
		wantStatus int
		want       string // the response body
	}{
		{"stop a running instance", notebook.InService, true, "stop", 200, `{"current_status":"STOPPING","previous_state":"RUNNING"}`},
		{"start a failed instance", notebook.Failed, false, "start", 200, `{"current_status":"CREATING","previous_state":"ERROR"}`},
		{"start a running instance", notebook.InService, true, "start", 400,
			`{"error_code":"ModelArts.6305","error_message":"The instance is already running."}`},
		{"start a starting instance", notebook.Pending, true, "start", 400,
			`{"error_code":"ModelArts.6306","error_message":"The instance is starting."}`},
		{"stop a stopped instance", notebook.Stopped, true, "stop", 400,
			`{"error_code":"ModelArts.6307","error_message":"The instance has already been stopped."}`},
		{"stop a stopping instance", notebook.Stopping, true, "stop", 400,
			`{"error_code":"ModelArts.6308","error_message":"The instance is stopping."}`},
		{"stop a creating instance", notebook.Pending, false, "stop", 400,
			`{"error_code":"ModelArts.6357","error_message":"The operation is not allowed because another operation is being performed on the instance or the instance is in the target state."}`},
		{"unknown action", notebook.Stopped, true, "restart", 400,
			`{"error_code":"ModelArts.6336","error_message":"'action' property value is incorrect."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.put(notebook.KindDevEnviron, "DE-1", "nb", tt.status, func(nb *notebook.Notebook) { nb.Served = tt.served })
			w := r.do(t, http.MethodPost, dePath+"/DE-1/action", `{"action":"`+tt.action+`"}`)
			if d := cmp.Diff([]any{w.Code, w.Body.String()}, []any{tt.wantStatus, tt.want}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

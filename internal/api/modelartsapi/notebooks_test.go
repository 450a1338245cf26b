package modelartsapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"strato/internal/core/notebook"
)

const nbPath = "/v1/{p}/notebooks"

func TestNotebookCreate(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantLease time.Duration
		wantGB    int
	}{
		{"the SDK's request with defaults", `{"name":"notebooks_test","description":"api-test","flavor":"modelarts.vm.cpu.2u",
			"image_id":"` + imageID + `","volume":null,"feature":"NOTEBOOK"}`, time.Hour, 5},
		{"volume and lease", `{"name":"nb","flavor":"modelarts.vm.cpu.2u","image_id":"` + imageID + `",
			"volume":{"category":"EVS","ownership":"MANAGED","capacity":50},"lease":{"duration":7200000,"type":"timing"}}`, 2 * time.Hour, 50},
		{"top-level duration wins over the lease", `{"name":"nb","flavor":"modelarts.vm.cpu.2u","image_id":"` + imageID + `",
			"volume":{"category":"EVS","ownership":"MANAGED"},"lease":{"duration":1},"duration":259200000}`, 72 * time.Hour, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			w := r.do(t, http.MethodPost, nbPath, tt.body)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			arg := r.core.lastCall().Arg.(notebook.ModelArtsCreateRequest)
			if d := cmp.Diff([]any{arg.AutoStop, arg.VolumeSizeGB, arg.VolumeCategory}, []any{tt.wantLease, tt.wantGB, "EVS"}); d != "" {
				t.Errorf("request (-got +want):\n%s", d)
			}
		})
	}

	// The whole answer to the first request.
	r := newRig(t)
	w := r.do(t, http.MethodPost, nbPath, tests[0].body)
	since := float64(testNow.UnixMilli())
	want := map[string]any{
		"id": "00000000-0000-4000-8000-000000000001", "name": "notebooks_test", "description": "api-test",
		"status": "CREATING", "flavor": "modelarts.vm.cpu.2u",
		"image":        map[string]any{"id": imageID, "name": "strato-notebook-python3", "type": "BUILD_IN", "arch": "X86_64"},
		"volume":       map[string]any{"category": "EVS", "ownership": "MANAGED", "capacity": float64(5), "mount_path": "/home/ma-user/work", "status": "MOUNTED"},
		"lease":        map[string]any{"create_at": since, "duration": float64(3600000), "enable": true, "type": "TIMING", "update_at": since},
		"workspace_id": "0", "feature": "NOTEBOOK", "billing_items": []any{"STORAGE", "COMPUTE"},
	}
	if d := cmp.Diff(decode(t, w), want); d != "" {
		t.Errorf("create (-got +want):\n%s", d)
	}
}

func TestNotebookLifecycle(t *testing.T) {
	r := newRig(t)
	r.put(notebook.KindModelArts, "nb-stopped", "s", notebook.Stopped, func(nb *notebook.Notebook) {
		nb.AutoStop = &notebook.AutoStop{Duration: time.Hour, Since: testNow.Add(-5 * time.Hour)}
	})
	r.put(notebook.KindModelArts, "nb-running", "r", notebook.InService, nil)
	r.put(notebook.KindModelArts, "nb-doomed", "d", notebook.InService, nil)
	r.put(notebook.KindModelArts, "nb-failed", "f", notebook.Failed, func(nb *notebook.Notebook) {
		nb.FailedBy, nb.FailureReason = notebook.OpBootFailed, "The notebook server did not start."
	})
	tests := []struct {
		name     string
		method   string
		path     string
		want     map[string]any // members compared
		wantCall *coreCall
	}{
		{"show a running notebook: its url", http.MethodGet, "/nb-running",
			map[string]any{"status": "RUNNING", "url": testURL + "token-nb-running", "fail_reason": nil, "lease": map[string]any{"enable": false}},
			&coreCall{Method: "GetModelArts", Kind: notebook.KindModelArts, Arg: "nb-running"}},
		{"show a failed notebook: its reason", http.MethodGet, "/nb-failed",
			map[string]any{"status": "START_FAILED", "url": nil, "fail_reason": "The notebook server did not start.", "lease": map[string]any{"enable": false}},
			&coreCall{Method: "GetModelArts", Kind: notebook.KindModelArts, Arg: "nb-failed"}},
		{"start with a new lease", http.MethodPost, "/nb-stopped/start?duration=7200000",
			map[string]any{"status": "STARTING", "url": nil, "fail_reason": nil, "lease": map[string]any{
				"create_at": float64(testNow.UnixMilli()), "update_at": float64(testNow.UnixMilli()),
				"duration": float64(7200000), "enable": true, "type": "TIMING"}},
			&coreCall{Method: "StartModelArts", Kind: notebook.KindModelArts, Arg: startArgs{ID: "nb-stopped", AutoStop: 2 * time.Hour}}},
		{"stop", http.MethodPost, "/nb-running/stop",
			map[string]any{"status": "STOPPING", "url": nil, "fail_reason": nil, "lease": map[string]any{"enable": false}},
			&coreCall{Method: "StopModelArts", Kind: notebook.KindModelArts, Arg: "nb-running"}},
		{"delete a running notebook", http.MethodDelete, "/nb-doomed",
			map[string]any{"status": "DELETING", "url": nil, "fail_reason": nil, "lease": map[string]any{"enable": false}},
			&coreCall{Method: "DeleteModelArts", Kind: notebook.KindModelArts, Arg: "nb-doomed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := r.do(t, tt.method, nbPath+tt.path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			m := decode(t, w)
			got := map[string]any{}
			for k := range tt.want {
				got[k] = m[k]
			}
			if d := cmp.Diff(got, tt.want); d != "" {
				t.Errorf("answer (-got +want):\n%s", d)
			}
			tt.wantCall.Account = r.account()
			if d := cmp.Diff(r.core.lastCall(), tt.wantCall); d != "" {
				t.Errorf("core call (-got +want):\n%s", d)
			}
		})
	}
}

func TestNotebookStartWithoutDuration(t *testing.T) {
	r := newRig(t)
	r.put(notebook.KindModelArts, "nb", "s", notebook.Stopped, nil)
	if w := r.do(t, http.MethodPost, nbPath+"/nb/start", ""); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if d := cmp.Diff(r.core.lastCall().Arg, any(startArgs{ID: "nb"})); d != "" {
		t.Errorf("(-got +want):\n%s", d)
	}
}

func TestNotebookList(t *testing.T) {
	r := newRig(t)
	for i, s := range []struct {
		name   string
		status notebook.Status
	}{{"train-b", notebook.InService}, {"eval", notebook.Stopped}, {"train-a", notebook.Stopped}} {
		r.put(notebook.KindModelArts, "nb-"+s.name, s.name, s.status, func(nb *notebook.Notebook) {
			nb.CreationTime = testNow.Add(time.Duration(i) * time.Minute)
		})
	}
	r.put(notebook.KindDevEnviron, "DE-x", "train-x", notebook.Stopped, nil) // the other API's
	tests := []struct {
		name      string
		query     string
		wantNames []string
		wantPage  []int // current, pages, size, total
	}{
		{"default: newest first, 10 a page", "", []string{"train-a", "eval", "train-b"}, []int{0, 1, 10, 3}},
		{"by name ascending", "?sort_key=name&sort_dir=ASC", []string{"eval", "train-a", "train-b"}, []int{0, 1, 10, 3}},
		{"name contains", "?name=train", []string{"train-a", "train-b"}, []int{0, 1, 10, 2}},
		{"status", "?status=RUNNING", []string{"train-b"}, []int{0, 1, 10, 1}},
		{"second page", "?limit=2&offset=1", []string{"train-b"}, []int{1, 2, 2, 3}},
		{"page past the end", "?limit=2&offset=7", []string{}, []int{7, 2, 2, 3}},
		{"huge page index", "?limit=1000&offset=2147483647", []string{}, []int{2147483647, 1, 1000, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := r.do(t, http.MethodGet, nbPath+tt.query, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			var out struct {
				Current, Pages, Size, Total int
				Data                        []struct {
					Name string `json:"name"`
				} `json:"data"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Data == nil {
				t.Fatalf("bad list %v: %s", err, w.Body.String())
			}
			names := []string{}
			for _, d := range out.Data {
				names = append(names, d.Name)
			}
			if d := cmp.Diff([]any{names, []int{out.Current, out.Pages, out.Size, out.Total}}, []any{tt.wantNames, tt.wantPage}); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

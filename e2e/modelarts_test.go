package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	hcconfig "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/impl"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	modelarts "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/modelarts/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/modelarts/v1/model"
)

// modelArtsImage is Strato's built-in ModelArts notebook image (DescribeImages
// of the catalog; README's ModelArts walkthrough names it).
const modelArtsImage = "5e5a3d1f-5c1e-4f4a-9d3e-7a1b2c3d4e5f"

// env returns a variable of the server's `strato env`.
func (s *Server) env(name string) string {
	for _, v := range s.Env {
		if v.Name == name {
			return v.Value
		}
	}
	return ""
}

// hwCredentials are the SDK credentials of key in project.
func hwCredentials(t testing.TB, k Key, project string) *basic.Credentials {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(k.AccessKeyID).WithSk(k.SecretAccessKey).WithProjectId(project).SafeBuild()
	if err != nil {
		t.Fatalf("Huawei Cloud credentials: %v", err)
	}
	return cred
}

// modelArts returns a ModelArts client of key (the default account's when
// zero) in project (the key's account's, from `strato env`, when "").
func (s *Server) modelArts(t testing.TB, k Key, project string) *modelarts.ModelArtsClient {
	t.Helper()
	if k == (Key{}) {
		k = Key{AccessKeyID: s.env("HUAWEICLOUD_SDK_AK"), SecretAccessKey: s.env("HUAWEICLOUD_SDK_SK")}
	}
	if project == "" {
		project = s.env("HUAWEICLOUD_SDK_PROJECT_ID")
	}
	hc, err := modelarts.ModelArtsClientBuilder().
		WithEndpoint(s.Endpoint).
		WithCredential(hwCredentials(t, k, project)).
		WithHttpConfig(hcconfig.DefaultHttpConfig().WithTimeout(30 * time.Second)).
		SafeBuild()
	if err != nil {
		t.Fatalf("ModelArts client: %v", err)
	}
	return modelarts.NewModelArtsClient(hc)
}

// wantHWError checks err is the SDK's error with HTTP status, code and a
// message containing msgPart.
func wantHWError(t *testing.T, what string, err error, status int, code, msgPart string) {
	t.Helper()
	var e *sdkerr.ServiceResponseError
	if !errors.As(err, &e) {
		t.Errorf("%s: err = %v (%T), want a *sdkerr.ServiceResponseError", what, err, err)
		return
	}
	if e.StatusCode != status || e.ErrorCode != code || !strings.Contains(e.ErrorMessage, msgPart) || e.RequestId == "" {
		t.Errorf("%s: HTTP %d %s %q (request id %q); want HTTP %d %s containing %q and a request id",
			what, e.StatusCode, e.ErrorCode, e.ErrorMessage, e.RequestId, status, code, msgPart)
	}
}

func strp(s string) *string { return &s }

// waitModelArts polls ShowNotebook until the notebook's status is want.
func waitModelArts(t *testing.T, ma *modelarts.ModelArtsClient, id, want string) *model.ShowNotebookResponse {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	var last string
	for time.Now().Before(deadline) {
		out, err := ma.ShowNotebook(&model.ShowNotebookRequest{Id: id})
		if err != nil {
			t.Fatalf("ShowNotebook(%s): %v", id, err)
		}
		last = out.Status.Value()
		if last == want {
			return out
		}
		if strings.HasSuffix(last, "FAILED") || last == "ERROR" {
			t.Fatalf("notebook %s is %s (%s), want %s", id, last, deref(out.FailReason), want)
		}
		time.Sleep(waitMin)
	}
	t.Fatalf("notebook %s is %s after %v, want %s", id, last, waitFor, want)
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func createModelArts(t *testing.T, ma *modelarts.ModelArtsClient, name string, mod func(*model.NotebookCreateRequest)) *model.CreateNotebookResponse {
	t.Helper()
	body := &model.NotebookCreateRequest{Name: name, ImageId: modelArtsImage, Flavor: strp("modelarts.vm.cpu.2u"),
		Volume: &model.VolumeMountRequest{Category: volumeCategory("EVS"), Ownership: model.GetVolumeMountRequestOwnershipEnum().MANAGED}}
	if mod != nil {
		mod(body)
	}
	out, err := ma.CreateNotebook(&model.CreateNotebookRequest{Body: body})
	if err != nil {
		t.Fatalf("CreateNotebook(%s): %v", name, err)
	}
	return out
}

// volumeCategory makes a VolumeMountRequestCategory of any value (the SDK's
// enum lacks EVS, which ModelArts documents and the SDK sends as a string).
func volumeCategory(v string) model.VolumeMountRequestCategory {
	var c model.VolumeMountRequestCategory
	if err := c.UnmarshalJSON([]byte(`"` + v + `"`)); err != nil {
		panic(err)
	}
	return c
}

// TestModelArtsWalkthrough is issue 6's walkthrough with
// huaweicloud-sdk-go-v3: create → RUNNING → a file written into the work
// volume through the notebook's URL and one elsewhere → stop → start → the
// first is there, the second gone → delete.
func TestModelArtsWalkthrough(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	ma := s.modelArts(t, Key{}, "")
	created := createModelArts(t, ma, "walkthrough_1", nil)
	id := deref(created.Id)
	if len(id) != 36 || created.Status.Value() != "CREATING" || deref(created.Name) != "walkthrough_1" ||
		created.Lease == nil || deref64(created.Lease.Duration) != 3600000 || created.Lease.Enable == nil || !*created.Lease.Enable {
		t.Fatalf("CreateNotebook answered id %q status %v name %q lease %+v", id, created.Status, deref(created.Name), created.Lease)
	}
	running := waitModelArts(t, ma, id, "RUNNING")
	if running.Volume == nil || deref(running.Volume.MountPath) != "/home/ma-user/work" || (running.Volume.Capacity == nil || *running.Volume.Capacity != 5) {
		t.Errorf("volume %+v; want 5 GB at /home/ma-user/work", running.Volume)
	}
	j := openURL(t, deref(running.Url))
	if code, body := j.do("PUT", "api/contents/kept.txt", map[string]string{"type": "file", "format": "text", "content": "in the work volume"}); code != 201 {
		t.Fatalf("write kept.txt: %d %s", code, body)
	}
	if out := j.run("open('/home/ma-user/elsewhere.txt','w').write('x'); import os; print(os.path.exists('/home/ma-user/elsewhere.txt'), os.path.exists('/home/ma-user/work/kept.txt'))"); out != "True True\n" {
		t.Fatalf("kernel in the notebook: %q", out)
	}

	stopped, err := ma.StopNotebook(&model.StopNotebookRequest{Id: id})
	if err != nil {
		t.Fatalf("StopNotebook: %v", err)
	}
	if stopped.Status.Value() != "STOPPING" {
		t.Errorf("StopNotebook answered status %v, want STOPPING", stopped.Status)
	}
	waitModelArts(t, ma, id, "STOPPED")
	started, err := ma.StartNotebook(&model.StartNotebookRequest{Id: id})
	if err != nil {
		t.Fatalf("StartNotebook: %v", err)
	}
	if started.Status.Value() != "STARTING" {
		t.Errorf("StartNotebook answered status %v, want STARTING", started.Status)
	}
	running = waitModelArts(t, ma, id, "RUNNING")
	j = openURL(t, deref(running.Url))
	if code, body := j.do("GET", "api/contents/kept.txt", nil); code != 200 || !strings.Contains(string(body), "in the work volume") {
		t.Errorf("kept.txt after stop and start: %d %s", code, body)
	}
	if out := j.run("import os; print(os.path.exists('/home/ma-user/elsewhere.txt'))"); out != "False\n" {
		t.Errorf("a file outside the work volume survived stop and start: %q", out)
	}

	list, err := ma.ListNotebooks(&model.ListNotebooksRequest{})
	if err != nil || list.Data == nil || len(*list.Data) != 1 || deref((*list.Data)[0].Id) != id || deref64(list.Total) != 1 {
		t.Errorf("ListNotebooks = %+v, %v; want the one notebook", list, err)
	}
	deleted, err := ma.DeleteNotebook(&model.DeleteNotebookRequest{Id: id})
	if err != nil {
		t.Fatalf("DeleteNotebook: %v", err)
	}
	if deleted.Status.Value() != "DELETING" {
		t.Errorf("DeleteNotebook answered status %v, want DELETING", deleted.Status)
	}
	deadline := time.Now().Add(waitFor)
	for {
		_, err := ma.ShowNotebook(&model.ShowNotebookRequest{Id: id})
		var e *sdkerr.ServiceResponseError
		if errors.As(err, &e) && e.ErrorCode == "ModelArts.6404" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deleted notebook is still there: %v", err)
		}
		time.Sleep(waitMin)
	}
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestModelArtsAutoStop: a notebook started with a duration stops itself
// when it runs out, and the answer says when that will be. The server's
// lower bound of durations is lowered from ModelArts's hour for the test.
func TestModelArtsAutoStop(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{Args: []string{"--modelarts-min-duration", "10s"}})
	ma := s.modelArts(t, Key{}, "")
	created := createModelArts(t, ma, "leased", func(r *model.NotebookCreateRequest) {
		d := int32(3600000)
		r.Duration = &d
	})
	id := deref(created.Id)
	waitModelArts(t, ma, id, "RUNNING")
	if _, err := ma.StopNotebook(&model.StopNotebookRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	waitModelArts(t, ma, id, "STOPPED")
	const lease = 25 * time.Second
	before := time.Now()
	started, err := ma.StartNotebook(&model.StartNotebookRequest{Id: id, Duration: int64p(lease.Milliseconds())})
	if err != nil {
		t.Fatalf("StartNotebook with a duration: %v", err)
	}
	l := started.Lease
	if l == nil || l.Enable == nil || !*l.Enable || deref64(l.Duration) != lease.Milliseconds() {
		t.Fatalf("lease after the start: %+v; want %v, enabled", l, lease)
	}
	ends := time.UnixMilli(deref64(l.CreateAt) + deref64(l.Duration))
	if ends.Before(before.Add(lease-time.Second)) || ends.After(time.Now().Add(lease+time.Second)) {
		t.Errorf("the lease ends at %v; want about %v from the start", ends, lease)
	}
	waitModelArts(t, ma, id, "RUNNING")
	waitModelArts(t, ma, id, "STOPPED")
	if stoppedAt := time.Now(); stoppedAt.Before(ends) {
		t.Errorf("stopped at %v, before its lease ended at %v", stoppedAt, ends)
	}
}

func int64p(v int64) *int64 { return &v }

func TestModelArtsErrors(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	ma := s.modelArts(t, Key{}, "")
	_, err := ma.ShowNotebook(&model.ShowNotebookRequest{Id: "0f6a1c2e-1111-2222-3333-444455556666"})
	wantHWError(t, "unknown notebook", err, 400, "ModelArts.6404", "")

	bad := []struct {
		what      string
		mod       func(*model.NotebookCreateRequest)
		code, msg string
	}{
		{"bad name", func(r *model.NotebookCreateRequest) { r.Name = "no spaces" }, "ModelArts.6334", "name"},
		{"long name", func(r *model.NotebookCreateRequest) { r.Name = strings.Repeat("a", 129) }, "", "name"},
		{"unknown flavor", func(r *model.NotebookCreateRequest) { r.Flavor = strp("modelarts.vm.gpu.p100") }, "ModelArts.6323", "flavor"},
		{"unknown image", func(r *model.NotebookCreateRequest) { r.ImageId = "11111111-2222-3333-4444-555555555555" }, "ModelArts.6797", "11111111-2222-3333-4444-555555555555"},
		{"duration too short", func(r *model.NotebookCreateRequest) { d := int32(60000); r.Duration = &d }, "ModelArts.6349", "3600000"},
		{"volume too big", func(r *model.NotebookCreateRequest) { c := int32(5000); r.Volume.Capacity = &c }, "ModelArts.6331", "4096"},
	}
	for _, tt := range bad {
		body := &model.NotebookCreateRequest{Name: "ok", ImageId: modelArtsImage, Flavor: strp("modelarts.vm.cpu.2u"),
			Volume: &model.VolumeMountRequest{Category: volumeCategory("EVS"), Ownership: model.GetVolumeMountRequestOwnershipEnum().MANAGED}}
		tt.mod(body)
		_, err := ma.CreateNotebook(&model.CreateNotebookRequest{Body: body})
		var e *sdkerr.ServiceResponseError
		if !errors.As(err, &e) || e.StatusCode != 400 || (tt.code != "" && e.ErrorCode != tt.code) ||
			!strings.HasPrefix(e.ErrorCode, "ModelArts.") || !strings.Contains(e.ErrorMessage, tt.msg) {
			t.Errorf("%s: %v; want HTTP 400 %s mentioning %q", tt.what, err, tt.code, tt.msg)
		}
	}

	created := createModelArts(t, ma, "errors", nil)
	id := deref(created.Id)
	_, err = ma.StartNotebook(&model.StartNotebookRequest{Id: id})
	wantHWError(t, "start while creating", err, 400, "ModelArts.6357", "another operation")
	waitModelArts(t, ma, id, "RUNNING")
	_, err = ma.StartNotebook(&model.StartNotebookRequest{Id: id})
	wantHWError(t, "start while running", err, 400, "ModelArts.6305", "")
	_, err = ma.StartNotebook(&model.StartNotebookRequest{Id: id, Duration: int64p(1000)})
	wantHWError(t, "start with a short duration", err, 400, "ModelArts.6349", "3600000")
	if _, err := ma.StopNotebook(&model.StopNotebookRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	waitModelArts(t, ma, id, "STOPPED")
	_, err = ma.StopNotebook(&model.StopNotebookRequest{Id: id})
	wantHWError(t, "stop while stopped", err, 400, "ModelArts.6307", "")

	// Another project than the caller's, and a wrong secret.
	other := s.modelArts(t, Key{}, strings.Repeat("0", 32))
	_, err = other.ShowNotebook(&model.ShowNotebookRequest{Id: id})
	wantHWError(t, "another project", err, 403, "ModelArts.0210", "project id")
	forged := s.modelArts(t, Key{AccessKeyID: s.Key.AccessKeyID, SecretAccessKey: "not-the-secret"}, "")
	_, err = forged.ShowNotebook(&model.ShowNotebookRequest{Id: id})
	var e *sdkerr.ServiceResponseError
	if !errors.As(err, &e) || e.StatusCode != 401 || !strings.HasPrefix(e.ErrorCode, "APIG") {
		t.Errorf("a wrong secret: %v; want HTTP 401 with an APIG code", err)
	}
	// Another account's key sees nothing of this account's project.
	k := s.CreateKey(t, "--account", s.CreateAccount(t, "other"))
	_, err = s.modelArts(t, k, s.env("HUAWEICLOUD_SDK_PROJECT_ID")).ShowNotebook(&model.ShowNotebookRequest{Id: id})
	wantHWError(t, "another account's key in this project", err, 403, "ModelArts.0210", "project id")
}

// hwSigned sends a request signed by the Huawei SDK's own signer (the
// DevEnviron API has no SDK calls) and returns the status and raw body.
func (s *Server) hwSigned(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	k := Key{AccessKeyID: s.env("HUAWEICLOUD_SDK_AK"), SecretAccessKey: s.env("HUAWEICLOUD_SDK_SK")}
	path, query, _ := strings.Cut(path, "?")
	b := request.NewHttpRequestBuilder().WithEndpoint(s.Endpoint).WithPath(path).WithMethod(method).
		WithSigningAlgorithm(algorithm.GetDefaultSigningAlgorithm()).AddHeaderParam("Content-Type", "application/json")
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range q {
			b = b.AddQueryParam(k, reflect.ValueOf(vs[0])) // the SDK's requests carry reflect.Values
		}
	}
	if body != nil {
		b = b.WithBody("application/json", body)
	}
	req, err := hwCredentials(t, k, s.env("HUAWEICLOUD_SDK_PROJECT_ID")).
		ProcessAuthRequest(impl.NewDefaultHttpClient(hcconfig.DefaultHttpConfig()), b.Build())
	if err != nil {
		t.Fatalf("sign %s %s: %v", method, path, err)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		t.Fatalf("request %s %s: %v", method, path, err)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// jsonDiff describes how got differs from want ("" when equal).
func jsonDiff(got, want map[string]any) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return "got  " + string(g) + "\nwant " + string(w)
}

// decodeJSON decodes a JSON object.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %s", b)
	}
	return m
}

// TestDevEnvironSeed004 drives seed 004's DevEnviron API with requests
// signed by the SDK's signer and compares the answers field by field with
// the seed's samples.
func TestDevEnvironSeed004(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	const base = "/v1/{project_id}/demanager/instances"

	// The seed's failed sample: an unknown instance.
	code, body := s.hwSigned(t, "POST", base+"/6fa459ea-ee8a-3ca4-894e-db77e160355e/action", map[string]string{"action": "start"})
	if d := jsonDiff(decodeJSON(t, body), map[string]any{"error_message": "The instance does not exist.", "error_code": "ModelArts.6309"}); code != 400 || d != "" {
		t.Errorf("action on an unknown instance: HTTP %d (-got +want):\n%s", code, d)
	}

	code, body = s.hwSigned(t, "POST", base, map[string]any{"name": "dev-1", "profile_id": "Multi-Engine 1.0 (python3)-cpu",
		"flavor": "modelarts.vm.cpu.2u", "spec": map[string]any{"storage": map[string]any{"type": "evs", "location": map[string]any{"volume_size": 5}}},
		"workspace": map[string]any{"id": "0"}})
	inst := decodeJSON(t, body)
	id, _ := inst["id"].(string)
	if code != 200 || !strings.HasPrefix(id, "DE-") || inst["status"] != "CREATING" || inst["name"] != "dev-1" {
		t.Fatalf("create: HTTP %d %s", code, body)
	}
	if code, body := s.hwSigned(t, "POST", base, map[string]any{"name": "dev-1", "profile_id": "p", "flavor": "modelarts.vm.cpu.2u",
		"spec": map[string]any{"storage": map[string]any{"type": "evs"}}}); code != 400 || decodeJSON(t, body)["error_code"] != "ModelArts.6301" {
		t.Errorf("a second instance of the name: HTTP %d %s; want 400 ModelArts.6301", code, body)
	}
	waitDE := func(want string) {
		t.Helper()
		deadline := time.Now().Add(waitFor)
		for {
			code, body := s.hwSigned(t, "GET", base+"/"+id, nil)
			got := decodeJSON(t, body)["status"]
			if code == 200 && got == want {
				return
			}
			if time.Now().After(deadline) || got == "ERROR" {
				t.Fatalf("instance is %v (HTTP %d %s), want %s", got, code, body, want)
			}
			time.Sleep(waitMin)
		}
	}
	waitDE("RUNNING")
	code, body = s.hwSigned(t, "GET", base+"/"+id, nil)
	if got := decodeJSON(t, body); code != 200 || got["profile"].(map[string]any)["id"] != "Multi-Engine 1.0 (python3)-cpu" ||
		got["spec"].(map[string]any)["annotations"].(map[string]any)["url"] == "" {
		t.Errorf("show of a running instance: HTTP %d %s; want its profile and URL", code, body)
	}
	code, body = s.hwSigned(t, "POST", base+"/"+id+"/action", map[string]string{"action": "stop"})
	if d := jsonDiff(decodeJSON(t, body), map[string]any{"current_status": "STOPPING", "previous_state": "RUNNING"}); code != 200 || d != "" {
		t.Errorf("stop: HTTP %d (-got +want):\n%s", code, d)
	}
	waitDE("STOPPED")
	// The seed's successful sample, field by field.
	code, body = s.hwSigned(t, "POST", base+"/"+id+"/action", map[string]string{"action": "start"})
	if d := jsonDiff(decodeJSON(t, body), map[string]any{"current_status": "STARTING", "previous_state": "STOPPED"}); code != 200 || d != "" {
		t.Errorf("start (the seed's sample): HTTP %d (-got +want):\n%s", code, d)
	}
	for _, tt := range []struct {
		what string
		body any
		code string
	}{
		{"unknown action", map[string]string{"action": "reboot"}, "ModelArts.6336"},
		{"malformed body", "{not json", "ModelArts.6400"},
		{"start while starting", map[string]string{"action": "start"}, "ModelArts.6306"},
	} {
		code, body := s.hwSigned(t, "POST", base+"/"+id+"/action", tt.body)
		if got := decodeJSON(t, body); code != 400 || got["error_code"] != tt.code || got["error_message"] == "" {
			t.Errorf("%s: HTTP %d %s; want 400 %s with a message", tt.what, code, body, tt.code)
		}
	}
	waitDE("RUNNING")
	if code, body := s.hwSigned(t, "DELETE", base+"/"+id, nil); code != 400 || decodeJSON(t, body)["error_code"] != "ModelArts.6304" {
		t.Errorf("delete while running: HTTP %d %s; want 400 ModelArts.6304", code, body)
	}
	code, body = s.hwSigned(t, "GET", base+"?de_type=Notebook", nil)
	if list := decodeJSON(t, body); code != 200 || list["total_count"] != float64(1) {
		t.Errorf("list: HTTP %d %s; want one instance", code, body)
	}
	s.hwSigned(t, "POST", base+"/"+id+"/action", map[string]string{"action": "stop"})
	waitDE("STOPPED")
	code, body = s.hwSigned(t, "DELETE", base+"/"+id, nil)
	if d := jsonDiff(decodeJSON(t, body), map[string]any{"instance_id": id}); code != 200 || d != "" {
		t.Errorf("delete: HTTP %d (-got +want):\n%s", code, d)
	}
}

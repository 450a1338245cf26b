package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// jupyterNotebook is Debian's notebook server, which scripts/setup
// installs. Its absolute path keeps any other python on PATH out of it.
const jupyterNotebook = "/usr/bin/jupyter-notebook"

// A host-image guest laid out as a SageMaker notebook instance runs
// Debian's Jupyter notebook server: the host reaches it at the guest's
// private address, its token is enforced, a file written through its
// contents API lands in the volume at /home/ec2-user/SageMaker, a python
// kernel starts, and the server serves the file again after stop and start.
func TestJupyterNotebookServer(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(jupyterNotebook); err != nil {
		t.Fatalf("%s is missing (scripts/setup installs Debian's jupyter-notebook): %v", jupyterNotebook, err)
	}
	const token = "s3cr3t-token"
	d := newTestDriver(t, newDataDir(t), nil)
	spec := notebookSpec("i-jupyter", KindShell, "exec "+jupyterNotebook+
		" --no-browser --ip=0.0.0.0 --port=8888 --allow-root --NotebookApp.token="+token+
		" --notebook-dir=/home/ec2-user/SageMaker\n")
	spec.VCPUs, spec.MemoryMiB = 2, 1024
	// The home is a fresh memory filesystem at every start: Jupyter's
	// runtime, data and configuration directories go there.
	spec.Env = map[string]string{"HOME": "/home/ec2-user"}
	startGuest(t, d, spec)

	base := "http://" + spec.PrivateIP + ":8888"
	call := func(method, path, tok, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctxT(t), method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if tok != "" {
			req.Header.Set("Authorization", "token "+tok)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// up waits for the server of the current boot.
	up := func() {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second) // a cold python start under the CPU quota
		for {
			code, body := call("GET", "/api/contents", token, "")
			if code == http.StatusOK {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the notebook server never answered (last: %d %s):\n%s", code, body, console(t, d, spec.ID))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	up()
	if code, _ := call("GET", "/api/contents", "", ""); code != http.StatusForbidden {
		t.Errorf("GET /api/contents without the token = %d, want 403", code)
	}
	if code, _ := call("GET", "/api/contents", "wrong", ""); code != http.StatusForbidden {
		t.Errorf("GET /api/contents with a wrong token = %d, want 403", code)
	}
	put, _ := json.Marshal(map[string]string{"type": "file", "format": "text", "content": "kept across stops\n"})
	if code, body := call("PUT", "/api/contents/notes.txt", token, string(put)); code != http.StatusCreated {
		t.Fatalf("PUT /api/contents/notes.txt = %d %s, want 201", code, body)
	}
	if b, err := os.ReadFile(filepath.Join(d.volumeDir(spec.ID+"-ml"), "notes.txt")); err != nil || string(b) != "kept across stops\n" {
		t.Errorf("the volume's directory on the host holds %q, %v", b, err)
	}

	// Opening a notebook starts a python kernel (Debian's ipykernel).
	if code, body := call("POST", "/api/kernels", token, `{"name":"python3"}`); code != http.StatusCreated {
		t.Errorf("POST /api/kernels = %d %s, want 201", code, body)
	}
	stopGuest(t, d, spec.ID, graceful)
	start(t, d, spec.ID)
	up()
	code, body := call("GET", "/api/contents/notes.txt", token, "")
	var file struct{ Content string }
	if err := json.Unmarshal([]byte(body), &file); code != http.StatusOK || err != nil || file.Content != "kept across stops\n" {
		t.Errorf("after stop and start, GET /api/contents/notes.txt = %d %s", code, body)
	}
}

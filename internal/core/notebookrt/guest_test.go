package notebookrt

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"strato/internal/core/notebook"
)

const (
	nbARN = "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/lab"
	lcARN = "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance-lifecycle-config/setup"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// runScript runs a rendered boot script with bash, poweroff and the Jupyter
// server replaced by stand-ins that say what they were asked, and returns
// the console.
func runScript(t *testing.T, b BootScript) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	stub := func(name, body string) string {
		p := filepath.Join(bin, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stub("poweroff", `echo "poweroff $*"; exit 0`)
	b.Jupyter = stub("jupyter", `echo "jupyter $*"`)
	b.Home = filepath.Join(dir, "home")
	b.Volume = filepath.Join(dir, "home", "SageMaker")
	script := filepath.Join(dir, "boot")
	if err := os.WriteFile(script, []byte(b.Render()), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/bash", script)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
	out, _ := cmd.CombinedOutput()
	return string(out)
}

func TestBootScript(t *testing.T) {
	for _, tc := range []struct {
		name    string
		b       BootScript
		want    []string
		notWant []string
		reason  string // FailureReason of the console
	}{
		{
			name: "first boot runs OnCreate then OnStart, then serves",
			b:    BootScript{NotebookARN: nbARN, LifecycleConfigARN: lcARN, OnCreate: b64("echo created"), OnStart: b64("echo started"), First: true, Token: "t0k", BaseURL: "/strato/notebooks/111122223333/lab/"},
			want: []string{"[OnCreate] created\n", "[OnStart] started\n", readyMarker, "--NotebookApp.token=t0k", "--NotebookApp.base_url=/strato/notebooks/111122223333/lab/"},
		},
		{
			name:    "later boots run OnStart only",
			b:       BootScript{NotebookARN: nbARN, LifecycleConfigARN: lcARN, OnCreate: b64("echo created"), OnStart: b64("echo started"), Token: "t"},
			want:    []string{"[OnStart] started\n", readyMarker},
			notWant: []string{"created"},
		},
		{
			name:    "a failing OnStart fails the boot with its status",
			b:       BootScript{NotebookARN: nbARN, LifecycleConfigARN: lcARN, OnStart: b64("echo about to fail; exit 3"), Token: "t"},
			want:    []string{"[OnStart] about to fail\n", "poweroff 1"},
			notWant: []string{readyMarker, "jupyter "},
			reason:  notebook.LifecycleFailedReason(lcARN, nbARN, "OnStart script exit status 3"),
		},
		{
			name:    "a script past its limit fails with SageMaker's words",
			b:       BootScript{NotebookARN: nbARN, LifecycleConfigARN: lcARN, OnCreate: b64("sleep 5"), First: true, Token: "t", LimitSeconds: 1},
			want:    []string{"poweroff 1"},
			notWant: []string{readyMarker},
			reason:  notebook.LifecycleTimeoutReason(lcARN, nbARN),
		},
		{
			name: "no lifecycle configuration: straight to the server",
			b:    BootScript{NotebookARN: nbARN, First: true, Token: "t"},
			want: []string{readyMarker},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := runScript(t, tc.b)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("console lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("console has %q:\n%s", w, out)
				}
			}
			if got := FailureReason(out); got != tc.reason {
				t.Errorf("FailureReason = %q\nwant %q", got, tc.reason)
			}
		})
	}
}

func TestResourceMetadata(t *testing.T) {
	if got := string(ResourceMetadata(nbARN, "lab")); got != `{"ResourceArn":"`+nbARN+`","ResourceName":"lab"}` {
		t.Errorf("resource metadata = %s", got)
	}
}

// The timeout's reason is SageMaker's own, word for word.
func TestTimeoutReasonIsSageMakers(t *testing.T) {
	want := "Notebook Instance Lifecycle Config '" + lcARN + "' for Notebook Instance '" + nbARN + "' took longer than 5 minutes. " +
		"Please check your CloudWatch logs for more details if your Notebook Instance has Internet access."
	if got := notebook.LifecycleTimeoutReason(lcARN, nbARN); got != want {
		t.Errorf("timeout reason:\n%s\nwant\n%s", got, want)
	}
}

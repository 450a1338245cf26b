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
	b.Cron = stub("cron", `echo "cron started"`)
	b.Home = filepath.Join(dir, "home")
	b.Volume = filepath.Join(dir, "home", "SageMaker")
	b.Hosts, b.CABundle, b.CA = filepath.Join(dir, "hosts"), filepath.Join(dir, "bundle.crt"), filepath.Join(dir, "ca.pem")
	b.AWSConfig = filepath.Join(dir, "root", ".aws", "config")
	for p, data := range map[string]string{b.Hosts: "127.0.0.1 localhost\n", b.CABundle: "SYSTEM CAS\n", b.CA: "STRATO CA\n"} {
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := filepath.Join(dir, "boot")
	if err := os.WriteFile(script, []byte(b.Render()), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/bash", script)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
	out, _ := cmd.CombinedOutput()
	// The files the script changes, after the console.
	for _, p := range []string{b.Hosts, b.CABundle, b.AWSConfig} {
		data, err := os.ReadFile(p)
		if err != nil {
			data = []byte("(none)\n")
		}
		out = append(out, "== "+filepath.Base(p)+"\n"...)
		out = append(out, data...)
	}
	return string(out)
}

// TestBootScriptLooksLikeSageMaker: before the lifecycle scripts run, AWS's
// endpoint names of the region resolve to the API's TLS address, the
// endpoint's CA is in the system bundle, root's AWS configuration names the
// region and cron runs; the server is Jupyter over HTTPS on 8443 with the
// configuration that lets localhost in without the token.
func TestBootScriptLooksLikeSageMaker(t *testing.T) {
	b := BootScript{NotebookARN: nbARN, LifecycleConfigARN: lcARN, First: true, Token: "t", BaseURL: "/b/",
		OnStart: b64("grep -c amazonaws.com \"$1\" /etc/hosts >/dev/null; echo on-start"), Region: "eu-west-1",
		APIHostsAddr: "169.254.169.254", APIHosts: ServiceHostnames("eu-west-1")}
	out := runScript(t, b)
	for _, want := range []string{
		"cron started\n",
		"== hosts\n127.0.0.1 localhost\n169.254.169.254 api.sagemaker.eu-west-1.amazonaws.com sagemaker.eu-west-1.amazonaws.com ec2.eu-west-1.amazonaws.com\n",
		"== bundle.crt\nSYSTEM CAS\nSTRATO CA\n",
		"== config\n[default]\nregion = eu-west-1\n",
		"--port=8443 ", "--certfile=" + JupyterCertFile + " ", "--keyfile=" + JupyterKeyFile + " ", "--config=" + JupyterConfigFile + " ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "cron started"), strings.Index(out, "[OnStart] on-start"); i < 0 || j < 0 || i > j {
		t.Errorf("cron must run before OnStart installs a crontab:\n%s", out)
	}

	// Without a TLS address nothing is mapped; without a region no
	// configuration is written.
	out = runScript(t, BootScript{NotebookARN: nbARN, Token: "t"})
	for _, want := range []string{"== hosts\n127.0.0.1 localhost\n== ", "== bundle.crt\nSYSTEM CAS\n== ", "== config\n(none)\n", "cron started\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
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

// Package notebookrt runs notebook instances' workloads on the instance
// engine: each notebook is an instance of the sagemaker origin running a
// real Jupyter server (Debian's, on the host image) with the ML storage
// volume at /home/ec2-user/SageMaker, everything else fresh at each start.
// It implements notebook.Runtime.
package notebookrt

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"strato/internal/core/notebook"
)

// Guest paths and ports, as on SageMaker.
const (
	HomeDir    = "/home/ec2-user"
	VolumePath = "/home/ec2-user/SageMaker"
	// ModelArts's: the work volume is at /home/ma-user/work.
	ModelArtsHomeDir    = "/home/ma-user"
	ModelArtsVolumePath = "/home/ma-user/work"
	MetadataFile        = "/opt/ml/metadata/resource-metadata.json"
	JupyterPort         = 8443                        // HTTPS, as on SageMaker
	jupyterBin          = "/usr/bin/jupyter-notebook" // Debian's, whatever python comes first on PATH
	failureMarker       = "STRATO-NOTEBOOK-FAILED: "
	readyMarker         = "STRATO-NOTEBOOK-SERVING"
	defaultHookLimit    = 300 // seconds: SageMaker's 5 minutes
	cronBin             = "/usr/sbin/cron"
	systemCABundle      = "/etc/ssl/certs/ca-certificates.crt" // Debian's, which Debian's botocore and requests use
	rootAWSConfig       = "/root/.aws/config"                  // root's (cron's) AWS configuration
)

// BootScript is the user data of a notebook's instance for one boot. It
// makes the instance look like SageMaker's to the scripts that run in it:
// AWS's endpoint names of the region resolve to APIHostsAddr (Strato's API
// over TLS) and the CA of their certificate is trusted system-wide, root's
// AWS configuration names the region (credentials come from the metadata
// service), and cron runs when the image has it. Then it runs the
// lifecycle configuration's OnCreate script (first boot only) and OnStart
// script as root, each bounded by limitSeconds, and serves Jupyter over
// HTTPS on JupyterPort under baseURL with token (requests from localhost
// need none). A script that fails or runs out of time leaves the failure
// reason on the console after failureMarker and powers the instance off,
// which the runtime reports as a failed boot.
type BootScript struct {
	NotebookARN        string
	LifecycleConfigARN string // "" when there is none
	OnCreate, OnStart  string // base64 contents, "" for none
	First              bool
	Token              string
	BaseURL            string // e.g. /strato/notebooks/ACCOUNT/NAME/
	LimitSeconds       int    // 0 = 300
	// Region is the AWS region of root's AWS configuration; "" writes none.
	Region string
	// APIHostsAddr, when set, is the address that APIHosts resolve to.
	APIHostsAddr string
	APIHosts     []string
	// Home, Volume, Jupyter, Cron, Hosts, CABundle, CAFile and AWSConfig
	// default to HomeDir, VolumePath, Debian's jupyter-notebook and cron,
	// /etc/hosts, the system's CA bundle, CAFile and root's AWS
	// configuration (tests point them elsewhere).
	Home, Volume, Jupyter, Cron, Hosts, CABundle, CA, AWSConfig string
}

// Render returns the script. Hook contents are checked base64 by the
// service; one that does not decode is reported as a failed hook.
func (b BootScript) Render() string {
	limit := b.LimitSeconds
	if limit <= 0 {
		limit = defaultHookLimit
	}
	home, volume, jupyter := or(b.Home, HomeDir), or(b.Volume, VolumePath), or(b.Jupyter, jupyterBin)
	var s strings.Builder
	s.WriteString("#!/bin/bash\n# Strato notebook instance " + b.NotebookARN + "\n")
	if b.APIHostsAddr != "" && len(b.APIHosts) > 0 {
		s.WriteString("# AWS's endpoint names of the region reach this cloud's API, over TLS with a certificate of its CA.\n")
		s.WriteString(fmt.Sprintf("echo %s >> %s || echo 'strato: cannot map the AWS endpoint names'\n",
			shQuote(b.APIHostsAddr+" "+strings.Join(b.APIHosts, " ")), shQuote(or(b.Hosts, "/etc/hosts"))))
		s.WriteString(fmt.Sprintf("cat %s >> %s || echo 'strato: cannot trust the endpoint CA'\n",
			shQuote(or(b.CA, CAFile)), shQuote(or(b.CABundle, systemCABundle))))
	}
	if b.Region != "" {
		cfg := or(b.AWSConfig, rootAWSConfig)
		s.WriteString(fmt.Sprintf("if [ ! -e %[1]s ]; then mkdir -p \"$(dirname %[1]s)\" && printf '[default]\\nregion = %%s\\n' %[2]s > %[1]s; fi\n",
			shQuote(cfg), shQuote(b.Region)))
	}
	cron := or(b.Cron, cronBin)
	s.WriteString(fmt.Sprintf("if [ -x %[1]s ]; then %[1]s || echo 'strato: cron did not start'; fi\n", shQuote(cron)))
	s.WriteString("export HOME=" + shQuote(home) + "\n")
	s.WriteString("mkdir -p " + shQuote(volume) + "\ncd \"$HOME\"\n")
	s.WriteString(fmt.Sprintf("fail() { echo %q\"$1\"; sync; poweroff 1; exit 1; }\n", failureMarker))
	hook := func(name, content string) {
		if content == "" {
			return
		}
		script, err := base64.StdEncoding.DecodeString(content)
		if err != nil {
			s.WriteString(fmt.Sprintf("fail %s\n", shQuote(b.hookFailed(name+" script content is not base64"))))
			return
		}
		path := "\"$HOME\"/." + name + "-lifecycle.sh"
		s.WriteString(fmt.Sprintf("base64 -d > %s <<'STRATO_EOF'\n%s\nSTRATO_EOF\n", path, base64.StdEncoding.EncodeToString(script)))
		s.WriteString(fmt.Sprintf("chmod 700 %s\n", path))
		s.WriteString(fmt.Sprintf("timeout %d /bin/bash %s 2>&1 | sed -u 's/^/[%s] /'\nrc=${PIPESTATUS[0]}\n", limit, path, name))
		s.WriteString(fmt.Sprintf("if [ \"$rc\" = 124 ]; then fail %s; fi\n",
			shQuote(notebook.LifecycleTimeoutReason(b.LifecycleConfigARN, b.NotebookARN))))
		// The exit status is the shell's to fill in.
		before, after, _ := strings.Cut(b.hookFailed(name+" script exit status "+statusSlot), statusSlot)
		s.WriteString(fmt.Sprintf("if [ \"$rc\" != 0 ]; then fail %s\"$rc\"%s; fi\n", shQuote(before), shQuote(after)))
	}
	if b.First {
		hook("OnCreate", b.OnCreate)
	}
	hook("OnStart", b.OnStart)
	s.WriteString("echo " + readyMarker + "\n")
	s.WriteString(fmt.Sprintf("exec %s --no-browser --allow-root --ip=0.0.0.0 --port=%d --notebook-dir=%s "+
		"--certfile=%s --keyfile=%s --config=%s "+
		"--NotebookApp.token=%s --NotebookApp.base_url=%s --NotebookApp.allow_origin='*' "+
		"--NotebookApp.disable_check_xsrf=True\n",
		jupyter, JupyterPort, shQuote(volume), JupyterCertFile, JupyterKeyFile, JupyterConfigFile,
		shQuote(b.Token), shQuote(b.BaseURL)))
	return s.String()
}

// statusSlot stands for a script's exit status in a reason the shell
// completes.
const statusSlot = "\x00status\x00"

// hookFailed is the FailureReason for a failed lifecycle script.
func (b BootScript) hookFailed(detail string) string {
	return notebook.LifecycleFailedReason(b.LifecycleConfigARN, b.NotebookARN, detail)
}

// FailureReason finds the failure a boot left on the console, "" if none.
func FailureReason(console string) string {
	i := strings.LastIndex(console, failureMarker)
	if i < 0 {
		return ""
	}
	line := console[i+len(failureMarker):]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return strings.TrimSpace(line)
}

// ResourceMetadata is /opt/ml/metadata/resource-metadata.json, as the
// well-known idle auto-stop script reads it (ResourceArn, ResourceName).
func ResourceMetadata(arn, name string) []byte {
	b, _ := json.Marshal(struct {
		ResourceArn  string `json:"ResourceArn"`
		ResourceName string `json:"ResourceName"`
	}{arn, name})
	return b
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

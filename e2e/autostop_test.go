package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// idleCheck is an idle auto-stop script written for this test after the
// pattern of AWS's published lifecycle sample: it reads the notebook's name
// from resource-metadata.json, asks the notebook server on
// https://localhost:8443 for its sessions without a token or certificate
// check, and, when every kernel has been idle for --time seconds (or, with
// no sessions, the notebook was last modified that long ago), stops its own
// notebook with Debian's boto3, which is given no endpoint, region or keys:
// it finds them as on SageMaker (root's AWS configuration, the instance
// metadata service's role credentials, "iam-role" to botocore, and AWS's
// endpoint name). It runs from cron, without any
// AWS_ variable. Its lines also go to the ML volume, for the test to read.
const idleCheck = `import argparse
import datetime
import json

import boto3
import requests
import urllib3

urllib3.disable_warnings()
parser = argparse.ArgumentParser()
parser.add_argument("--time", type=int, default=3600)
parser.add_argument("--ignore-connections", action="store_true")
args = parser.parse_args()


def log(*words):
    line = " ".join(str(w) for w in words)
    print(line, flush=True)
    with open("/home/ec2-user/SageMaker/autostop.log", "a") as f:
        f.write(line + "\n")


def idle_since(stamp):
    last = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fz")
    return (datetime.datetime.utcnow() - last).total_seconds() >= args.time


name = json.load(open("/opt/ml/metadata/resource-metadata.json"))["ResourceName"]
resp = requests.get("https://localhost:8443/api/sessions", verify=False)
resp.raise_for_status()
sessions = resp.json()
log("sessions", resp.status_code, len(sessions))
client = boto3.client("sagemaker")
idle = True
for s in sessions:
    k = s["kernel"]
    log("kernel", k["execution_state"], k["connections"], k["last_activity"])
    if k["execution_state"] == "busy" or not idle_since(k["last_activity"]):
        idle = False
    if not args.ignore_connections and k["connections"] > 0:
        idle = False
if not sessions:
    modified = client.describe_notebook_instance(NotebookInstanceName=name)["LastModifiedTime"]
    idle = idle_since(modified.strftime("%Y-%m-%dT%H:%M:%S.%fz"))
status = client.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
log("described", name, status, "region", client.meta.region_name, "endpoint", client.meta.endpoint_url,
    "credentials", boto3.Session().get_credentials().method)
if idle:
    log("stopping", name)
    client.stop_notebook_instance(NotebookInstanceName=name)
`

// TestNotebookIdleAutoStop: the well-known idle auto-stop pattern works
// unchanged. An OnStart script installs an idle check in root's crontab,
// every minute, with /usr/bin/python3; the notebook goes InService, a
// session's kernel stays idle, and the notebook ends Stopped on its own,
// stopped by the cron job through AWS's endpoint name with the credentials
// of the notebook's metadata service.
func TestNotebookIdleAutoStop(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	sm := s.sageMaker(t)
	const name, idleSeconds = "auto-stopping", 45
	onStart := `#!/bin/bash
set -e
# As AWS's auto-stop-idle sample does: the script next to this one, and a
# root crontab line that runs it with the system's python.
cat > /home/ec2-user/autostop.py <<'PY'
` + idleCheck + `PY
echo "* * * * * /usr/bin/python3 /home/ec2-user/autostop.py --time ` + strconv.Itoa(idleSeconds) + ` --ignore-connections >> /var/log/jupyter.log 2>&1" | crontab -
crontab -l
`
	if _, err := sm.CreateNotebookInstanceLifecycleConfig(t.Context(), &sagemaker.CreateNotebookInstanceLifecycleConfigInput{
		NotebookInstanceLifecycleConfigName: aws.String("auto-stop-idle"),
		OnStart:                             []smtypes.NotebookInstanceLifecycleHook{{Content: aws.String(base64.StdEncoding.EncodeToString([]byte(onStart)))}},
	}); err != nil {
		t.Fatalf("CreateNotebookInstanceLifecycleConfig: %v", err)
	}
	if _, err := sm.CreateNotebookInstance(t.Context(), &sagemaker.CreateNotebookInstanceInput{
		NotebookInstanceName: aws.String(name), InstanceType: smtypes.InstanceTypeMlT3Medium, RoleArn: aws.String(roleARN),
		LifecycleConfigName: aws.String("auto-stop-idle")}); err != nil {
		t.Fatalf("CreateNotebookInstance: %v", err)
	}
	waitNotebookOrDump(t, s, sm, name, smtypes.NotebookInstanceStatusInService)

	// A notebook session with a kernel, which then stays idle.
	j := openNotebook(t, sm, name)
	if status, body := j.do("POST", "api/sessions", map[string]any{"path": "idle.ipynb", "type": "notebook",
		"kernel": map[string]string{"name": "python3"}}); status != 201 {
		t.Fatalf("start a session: %d %s", status, body)
	}

	// Cron runs the check every minute; the kernel is idle long enough by
	// the second or third run.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		out, err := sm.DescribeNotebookInstance(t.Context(), &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if out.NotebookInstanceStatus == smtypes.NotebookInstanceStatusStopped {
			break
		}
		if out.NotebookInstanceStatus != smtypes.NotebookInstanceStatusInService && out.NotebookInstanceStatus != smtypes.NotebookInstanceStatusStopping {
			t.Fatalf("the notebook is %s (%q)", out.NotebookInstanceStatus, aws.ToString(out.FailureReason))
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notebook is still %s after 5 minutes; the idle check's log:\n%s", out.NotebookInstanceStatus, autostopLog(s))
		}
		time.Sleep(2 * time.Second)
	}

	// The cron job did it: it read the sessions over HTTPS on localhost,
	// saw the idle kernel, found its region, endpoint and credentials as on
	// SageMaker, and asked for the stop.
	log := autostopLog(s)
	wantRegion := "region " + s.Region + " endpoint https://api.sagemaker." + s.Region + ".amazonaws.com credentials iam-role\n"
	for _, want := range []string{"sessions 200 1\n", "\nkernel ", "described " + name + " InService " + wantRegion,
		"stopping " + name + "\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("the idle check's log lacks %q:\n%s", want, log)
		}
	}
}

// autostopLog is the idle check's log on the notebook's ML volume.
func autostopLog(s *Server) string {
	matches, _ := filepath.Glob(filepath.Join(s.DataDir, "sandbox", "volumes", "*", "autostop.log"))
	var b strings.Builder
	for _, m := range matches {
		data, _ := os.ReadFile(m)
		b.Write(data)
	}
	return b.String()
}

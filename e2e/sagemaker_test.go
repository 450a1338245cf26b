package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
	"golang.org/x/net/websocket"
)

// sageMaker returns a SageMaker client of the server's default account.
func (s *Server) sageMaker(t testing.TB) *sagemaker.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(s.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.Key.AccessKeyID, s.Key.SecretAccessKey, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatalf("load AWS config: %v", err)
	}
	return sagemaker.NewFromConfig(cfg, func(o *sagemaker.Options) {
		o.BaseEndpoint = aws.String(s.Endpoint)
		o.Retryer = connectionRetryer()
	})
}

const roleARN = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole"

func waitNotebook(t *testing.T, sm *sagemaker.Client, name string, status smtypes.NotebookInstanceStatus) {
	t.Helper()
	var err error
	in := &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(name)}
	switch status {
	case smtypes.NotebookInstanceStatusInService:
		err = sagemaker.NewNotebookInstanceInServiceWaiter(sm, func(o *sagemaker.NotebookInstanceInServiceWaiterOptions) {
			o.MinDelay, o.MaxDelay = waitMin, waitMax
		}).Wait(t.Context(), in, waitFor)
	case smtypes.NotebookInstanceStatusStopped:
		err = sagemaker.NewNotebookInstanceStoppedWaiter(sm, func(o *sagemaker.NotebookInstanceStoppedWaiterOptions) {
			o.MinDelay, o.MaxDelay = waitMin, waitMax
		}).Wait(t.Context(), in, waitFor)
	default:
		t.Fatalf("no waiter for %s", status)
	}
	if err != nil {
		out, _ := sm.DescribeNotebookInstance(t.Context(), in)
		if out != nil {
			t.Fatalf("waiting for %s: %v (status %s, reason %q)", status, err, out.NotebookInstanceStatus, aws.ToString(out.FailureReason))
		}
		t.Fatalf("waiting for %s: %v", status, err)
	}
}

// jupyter is a browser session of a notebook opened with its presigned URL.
type jupyter struct {
	t    *testing.T
	c    *http.Client
	base string // http://host/strato/notebooks/ACCOUNT/NAME/
}

func openNotebook(t *testing.T, sm *sagemaker.Client, name string) *jupyter {
	t.Helper()
	out, err := sm.CreatePresignedNotebookInstanceUrl(t.Context(), &sagemaker.CreatePresignedNotebookInstanceUrlInput{
		NotebookInstanceName: aws.String(name), SessionExpirationDurationInSeconds: aws.Int32(1800)})
	if err != nil {
		t.Fatalf("CreatePresignedNotebookInstanceUrl: %v", err)
	}
	return openURL(t, aws.ToString(out.AuthorizedUrl))
}

// openURL opens a notebook's authenticated URL in a new browser session.
func openURL(t *testing.T, authorized string) *jupyter {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(authorized)
	if err != nil {
		t.Fatalf("open the presigned URL: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasSuffix(resp.Request.URL.Path, "/tree") {
		t.Fatalf("presigned URL: %d at %s, want the notebook's tree", resp.StatusCode, resp.Request.URL)
	}
	u := *resp.Request.URL
	u.Path = strings.TrimSuffix(u.Path, "tree")
	return &jupyter{t: t, c: c, base: u.String()}
}

func (j *jupyter) do(method, path string, body any) (int, []byte) {
	j.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, j.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := j.c.Do(req)
	if err != nil {
		j.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// run executes Python code in a new kernel of the notebook server and
// returns what it printed.
func (j *jupyter) run(code string) string {
	j.t.Helper()
	status, body := j.do("POST", "api/kernels", map[string]string{"name": "python3"})
	if status != 201 {
		j.t.Fatalf("start a kernel: %d %s", status, body)
	}
	var k struct{ ID string }
	_ = json.Unmarshal(body, &k)
	defer j.do("DELETE", "api/kernels/"+k.ID, nil)
	u, _ := url.Parse(j.base + "api/kernels/" + k.ID + "/channels?session_id=e2e")
	origin := *u
	u.Scheme = "ws"
	wcfg, err := websocket.NewConfig(u.String(), origin.String())
	if err != nil {
		j.t.Fatal(err)
	}
	wcfg.Header = http.Header{}
	for _, ck := range j.c.Jar.Cookies(&origin) {
		wcfg.Header.Add("Cookie", ck.String())
	}
	ws, err := websocket.DialConfig(wcfg)
	if err != nil {
		j.t.Fatalf("kernel channels: %v", err)
	}
	defer ws.Close()
	msg := map[string]any{
		"header":        map[string]string{"msg_id": "e2e-1", "username": "e2e", "session": "e2e", "msg_type": "execute_request", "version": "5.3"},
		"parent_header": map[string]any{}, "metadata": map[string]any{}, "channel": "shell",
		"content": map[string]any{"code": code, "silent": false, "store_history": false, "user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true},
	}
	if err := websocket.JSON.Send(ws, msg); err != nil {
		j.t.Fatal(err)
	}
	_ = ws.SetDeadline(time.Now().Add(30 * time.Second))
	// The reply comes on the shell channel, the output on iopub, in no
	// set order: the output is complete once iopub says the kernel is idle
	// again after the request.
	var printed strings.Builder
	replied, idle := false, false
	for !replied || !idle {
		var m struct {
			Header struct {
				MsgType string `json:"msg_type"`
			}
			ParentHeader struct {
				MsgID string `json:"msg_id"`
			} `json:"parent_header"`
			Content struct {
				Text           string
				Status         string
				Ename          string
				Evalue         string
				ExecutionState string `json:"execution_state"`
			}
		}
		if err := websocket.JSON.Receive(ws, &m); err != nil {
			j.t.Fatalf("kernel: %v (printed so far %q)", err, printed.String())
		}
		if m.ParentHeader.MsgID != "e2e-1" {
			continue
		}
		switch m.Header.MsgType {
		case "stream":
			printed.WriteString(m.Content.Text)
		case "status":
			idle = idle || m.Content.ExecutionState == "idle"
		case "execute_reply":
			if m.Content.Status != "ok" {
				j.t.Fatalf("kernel: %s %s: %s", m.Content.Status, m.Content.Ename, m.Content.Evalue)
			}
			replied = true
		}
	}
	return printed.String()
}

// TestNotebookWalkthrough is issue 4's walkthrough with the SDK: create →
// InService → write a file in /home/ec2-user/SageMaker through the notebook
// server and one elsewhere → stop → start → the first is there, the second
// gone → delete.
func TestNotebookWalkthrough(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	sm := s.sageMaker(t)
	name := "walkthrough-1"
	created, err := sm.CreateNotebookInstance(t.Context(), &sagemaker.CreateNotebookInstanceInput{
		NotebookInstanceName: aws.String(name), InstanceType: smtypes.InstanceTypeMlT3Medium,
		RoleArn: aws.String(roleARN), VolumeSizeInGB: aws.Int32(5)})
	if err != nil {
		t.Fatalf("CreateNotebookInstance: %v", err)
	}
	if want := "arn:aws:sagemaker:" + s.Region + ":"; !strings.HasPrefix(aws.ToString(created.NotebookInstanceArn), want) ||
		!strings.HasSuffix(aws.ToString(created.NotebookInstanceArn), ":notebook-instance/"+name) {
		t.Errorf("ARN %s", aws.ToString(created.NotebookInstanceArn))
	}
	waitNotebook(t, sm, name, smtypes.NotebookInstanceStatusInService)

	j := openNotebook(t, sm, name)
	if status, body := j.do("PUT", "api/contents/kept.txt", map[string]string{"type": "file", "format": "text", "content": "on the ML volume"}); status != 201 {
		t.Fatalf("write kept.txt: %d %s", status, body)
	}
	if out := j.run("open('/home/ec2-user/elsewhere.txt','w').write('x'); import os; print(os.path.exists('/home/ec2-user/elsewhere.txt'), os.path.exists('/home/ec2-user/SageMaker/kept.txt'))"); out != "True True\n" {
		t.Fatalf("kernel in the notebook: %q", out)
	}

	if _, err := sm.StopNotebookInstance(t.Context(), &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: aws.String(name)}); err != nil {
		t.Fatalf("StopNotebookInstance: %v", err)
	}
	waitNotebook(t, sm, name, smtypes.NotebookInstanceStatusStopped)
	if _, err := sm.StartNotebookInstance(t.Context(), &sagemaker.StartNotebookInstanceInput{NotebookInstanceName: aws.String(name)}); err != nil {
		t.Fatalf("StartNotebookInstance: %v", err)
	}
	waitNotebook(t, sm, name, smtypes.NotebookInstanceStatusInService)

	j = openNotebook(t, sm, name)
	if status, body := j.do("GET", "api/contents/kept.txt", nil); status != 200 || !strings.Contains(string(body), "on the ML volume") {
		t.Errorf("kept.txt after stop and start: %d %s", status, body)
	}
	if out := j.run("import os; print(os.path.exists('/home/ec2-user/elsewhere.txt'))"); out != "False\n" {
		t.Errorf("a file outside the ML volume survived stop and start: %q", out)
	}

	if _, err := sm.StopNotebookInstance(t.Context(), &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	waitNotebook(t, sm, name, smtypes.NotebookInstanceStatusStopped)
	if _, err := sm.DeleteNotebookInstance(t.Context(), &sagemaker.DeleteNotebookInstanceInput{NotebookInstanceName: aws.String(name)}); err != nil {
		t.Fatalf("DeleteNotebookInstance: %v", err)
	}
	if err := sagemaker.NewNotebookInstanceDeletedWaiter(sm, func(o *sagemaker.NotebookInstanceDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = waitMin, waitMax
	}).Wait(t.Context(), &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(name)}, waitFor); err != nil {
		t.Fatalf("waiting for the deletion: %v", err)
	}
}

// wantSageMakerError checks the SDK's parsed error.
func wantSageMakerError(t *testing.T, what string, err error, code, msgPart string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: %v, want %s", what, err, code)
		return
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msgPart) {
		t.Errorf("%s: %s %q, want %s containing %q", what, ae.ErrorCode(), ae.ErrorMessage(), code, msgPart)
	}
}

// TestNotebookErrors: the errors of issue 4, from the SDK's parsed error.
func TestNotebookErrors(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	sm := s.sageMaker(t)
	_, err := sm.CreateNotebookInstance(t.Context(), &sagemaker.CreateNotebookInstanceInput{
		NotebookInstanceName: aws.String("bad_name"), InstanceType: smtypes.InstanceTypeMlT3Medium, RoleArn: aws.String(roleARN)})
	wantSageMakerError(t, "bad name", err, "ValidationException", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*")
	_, err = sm.DescribeNotebookInstance(t.Context(), &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String("nope")})
	wantSageMakerError(t, "unknown notebook", err, "ValidationException", "RecordNotFound")

	name := "errors-1"
	if _, err := sm.CreateNotebookInstance(t.Context(), &sagemaker.CreateNotebookInstanceInput{
		NotebookInstanceName: aws.String(name), InstanceType: smtypes.InstanceTypeMlT3Medium, RoleArn: aws.String(roleARN)}); err != nil {
		t.Fatal(err)
	}
	_, err = sm.CreateNotebookInstance(t.Context(), &sagemaker.CreateNotebookInstanceInput{
		NotebookInstanceName: aws.String(name), InstanceType: smtypes.InstanceTypeMlT3Medium, RoleArn: aws.String(roleARN)})
	wantSageMakerError(t, "duplicate", err, "ValidationException", "Cannot create a duplicate Notebook Instance")
	waitNotebook(t, sm, name, smtypes.NotebookInstanceStatusInService)
	_, err = sm.DeleteNotebookInstance(t.Context(), &sagemaker.DeleteNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
	wantSageMakerError(t, "delete while InService", err, "ValidationException", "Status (InService) not in ([Stopped, Failed])")
	_, err = sm.UpdateNotebookInstance(t.Context(), &sagemaker.UpdateNotebookInstanceInput{NotebookInstanceName: aws.String(name), InstanceType: smtypes.InstanceTypeMlT3Large})
	wantSageMakerError(t, "update while InService", err, "ValidationException", "Status (InService)")
	_, err = sm.StartNotebookInstance(t.Context(), &sagemaker.StartNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
	wantSageMakerError(t, "start while InService", err, "ValidationException", "Status (InService)")
}

// TestNotebookLifecycleScripts: a failing OnStart leaves the notebook
// Failed with a reason that says so; a script that stops its own notebook
// (through Strato's API, reachable from inside the guest, with the name
// from /opt/ml/metadata/resource-metadata.json) ends Stopped.
func TestNotebookLifecycleScripts(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	sm := s.sageMaker(t)
	mk := func(cfg, onStart string) {
		t.Helper()
		if _, err := sm.CreateNotebookInstanceLifecycleConfig(t.Context(), &sagemaker.CreateNotebookInstanceLifecycleConfigInput{
			NotebookInstanceLifecycleConfigName: aws.String(cfg),
			OnStart:                             []smtypes.NotebookInstanceLifecycleHook{{Content: aws.String(base64.StdEncoding.EncodeToString([]byte(onStart)))}},
		}); err != nil {
			t.Fatalf("CreateNotebookInstanceLifecycleConfig: %v", err)
		}
	}
	launch := func(name, cfg string) {
		t.Helper()
		if _, err := sm.CreateNotebookInstance(t.Context(), &sagemaker.CreateNotebookInstanceInput{
			NotebookInstanceName: aws.String(name), InstanceType: smtypes.InstanceTypeMlT3Medium, RoleArn: aws.String(roleARN),
			LifecycleConfigName: aws.String(cfg)}); err != nil {
			t.Fatalf("CreateNotebookInstance: %v", err)
		}
	}
	mk("fails", "#!/bin/bash\necho setting up\nexit 3\n")
	mk("stops-itself", `#!/bin/bash
name=$(python3 -c 'import json; print(json.load(open("/opt/ml/metadata/resource-metadata.json"))["ResourceName"])')
# As an idle auto-stop job does: ask until the notebook is InService and
# the stop is accepted.
(until curl -sSf -o /dev/null --aws-sigv4 "aws:amz:${AWS_REGION}:sagemaker" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -H 'X-Amz-Target: SageMaker.StopNotebookInstance' -H 'Content-Type: application/x-amz-json-1.1' \
  -d "{\"NotebookInstanceName\": \"$name\"}" "$AWS_ENDPOINT_URL/"; do sleep 1; done) >/dev/null 2>&1 &
`)
	launch("failing", "fails")
	launch("self-stopping", "stops-itself")

	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := sm.DescribeNotebookInstance(t.Context(), &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String("failing")})
		if err != nil {
			t.Fatal(err)
		}
		if out.NotebookInstanceStatus == smtypes.NotebookInstanceStatusFailed {
			if r := aws.ToString(out.FailureReason); !strings.Contains(r, "notebook-instance-lifecycle-config/fails") || !strings.Contains(r, "exit status 3") {
				t.Errorf("FailureReason = %q", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notebook with a failing OnStart is %s", out.NotebookInstanceStatus)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitNotebookOrDump(t, s, sm, "self-stopping", smtypes.NotebookInstanceStatusStopped)
	fmt.Fprintln(s.log, "e2e: the self-stopping notebook ended Stopped")
}

// waitNotebookOrDump is waitNotebook that shows the guests' consoles when
// the wait fails.
func waitNotebookOrDump(t *testing.T, s *Server, sm *sagemaker.Client, name string, status smtypes.NotebookInstanceStatus) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			matches, _ := filepath.Glob(filepath.Join(s.DataDir, "sandbox", "instances", "*", "console.log"))
			logs, _ := filepath.Glob(filepath.Join(s.DataDir, "sandbox", "volumes", "*", "*.log"))
			matches = append(matches, logs...)
			for _, m := range matches {
				b, _ := os.ReadFile(m)
				t.Logf("%s:\n%s", m, b)
			}
		}
	})
	waitNotebook(t, sm, name, status)
}

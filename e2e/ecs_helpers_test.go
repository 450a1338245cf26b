package e2e

// Helpers for the Alibaba Cloud ECS tests: the official Go SDK
// (github.com/aliyun/alibaba-cloud-sdk-go, services/ecs) pointed at the
// server, and hand-built requests signed per the signature version 1.0
// specification for what the SDK cannot send (form bodies, replays, stale
// timestamps).

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// ecsImage is the built-in ECS image (the shell guest on a cloud disk).
const ecsImage = "strato_shell_x64_20G_alibase_20260101.vhd"

// ECSClient returns an ECS client of the official SDK signed with the
// default account's key, talking plain HTTP to the server.
func (s *Server) ECSClient(t *testing.T) *ecs.Client {
	t.Helper()
	return s.ECSClientFor(t, s.Key)
}

// ECSClientFor returns an ECS client signed with k.
func (s *Server) ECSClientFor(t *testing.T, k Key) *ecs.Client {
	t.Helper()
	c, err := ecs.NewClientWithAccessKey(s.Region, k.AccessKeyID, k.SecretAccessKey)
	if err != nil {
		t.Fatalf("ecs.NewClientWithAccessKey: %v", err)
	}
	c.Domain = s.Addr // the SDK's scheme defaults to HTTP
	c.SetNoProxy(strings.Split(s.Addr, ":")[0])
	return c
}

// ecsRun launches n instances of typ (Amount n) and returns their ids.
func ecsRun(t *testing.T, c *ecs.Client, typ string, n int, mod func(*ecs.RunInstancesRequest)) []string {
	t.Helper()
	req := ecs.CreateRunInstancesRequest()
	req.ImageId, req.InstanceType, req.Amount = ecsImage, typ, requests.NewInteger(n)
	if mod != nil {
		mod(req)
	}
	resp, err := c.RunInstances(req)
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if got := len(resp.InstanceIdSets.InstanceIdSet); got != n {
		t.Fatalf("RunInstances made %d instances, want %d", got, n)
	}
	return resp.InstanceIdSets.InstanceIdSet
}

// ecsRunning launches n instances and waits until they run.
func ecsRunning(t *testing.T, c *ecs.Client, typ string, n int, mod func(*ecs.RunInstancesRequest)) []string {
	t.Helper()
	ids := ecsRun(t, c, typ, n, mod)
	for _, id := range ids {
		ecsWait(t, c, id, "Running")
	}
	return ids
}

// ecsDescribe returns one instance as DescribeInstances shows it.
func ecsDescribe(t *testing.T, c *ecs.Client, id string) ecs.Instance {
	t.Helper()
	req := ecs.CreateDescribeInstancesRequest()
	req.InstanceIds = `["` + id + `"]`
	resp, err := c.DescribeInstances(req)
	if err != nil {
		t.Fatalf("DescribeInstances %s: %v", id, err)
	}
	if len(resp.Instances.Instance) != 1 {
		t.Fatalf("DescribeInstances %s: %d instances", id, len(resp.Instances.Instance))
	}
	return resp.Instances.Instance[0]
}

// ecsWait polls DescribeInstanceStatus until the instance has status want.
func ecsWait(t *testing.T, c *ecs.Client, id, want string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	last := ""
	for time.Now().Before(deadline) {
		req := ecs.CreateDescribeInstanceStatusRequest()
		req.InstanceId = &[]string{id}
		resp, err := c.DescribeInstanceStatus(req)
		if err != nil {
			t.Fatalf("DescribeInstanceStatus %s: %v", id, err)
		}
		if len(resp.InstanceStatuses.InstanceStatus) == 1 {
			if last = resp.InstanceStatuses.InstanceStatus[0].Status; last == want {
				return
			}
		}
		time.Sleep(waitMin)
	}
	t.Fatalf("%s is %q after %v, want %s", id, last, waitFor, want)
}

func ecsStop(t *testing.T, c *ecs.Client, id string, mod func(*ecs.StopInstanceRequest)) {
	t.Helper()
	req := ecs.CreateStopInstanceRequest()
	req.InstanceId = id
	if mod != nil {
		mod(req)
	}
	if _, err := c.StopInstance(req); err != nil {
		t.Fatalf("StopInstance %s: %v", id, err)
	}
}

func ecsStart(t *testing.T, c *ecs.Client, id string) error {
	t.Helper()
	req := ecs.CreateStartInstanceRequest()
	req.InstanceId = id
	_, err := c.StartInstance(req)
	return err
}

// ecsConsole returns the instance's console output.
func ecsConsole(t *testing.T, c *ecs.Client, id string) string {
	t.Helper()
	req := ecs.CreateGetInstanceConsoleOutputRequest()
	req.InstanceId = id
	resp, err := c.GetInstanceConsoleOutput(req)
	if err != nil {
		t.Fatalf("GetInstanceConsoleOutput %s: %v", id, err)
	}
	b, err := base64.StdEncoding.DecodeString(resp.ConsoleOutput)
	if err != nil {
		t.Fatalf("console output is not base64: %v", err)
	}
	return string(b)
}

// ecsWaitConsole polls the console until it contains every want.
func ecsWaitConsole(t *testing.T, c *ecs.Client, id string, timeout time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := ecsConsole(t, c, id)
		missing := ""
		for _, w := range want {
			if !strings.Contains(got, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("console of %s lacks %q after %v:\n%s", id, missing, timeout, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wantECSError asserts err is the SDK's *errors.ServerError with code and
// HTTP status, and returns it.
func wantECSError(t *testing.T, err error, code string, status int) *sdkerrors.ServerError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got %v (%T), want a ServerError %s", err, err, code)
	}
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Errorf("ServerError %s (HTTP %d, %q), want %s (HTTP %d)", se.ErrorCode(), se.HttpStatus(), se.Message(), code, status)
	}
	if se.RequestId() == "" || se.HostId() == "" || se.Message() == "" {
		t.Errorf("%s: RequestId %q HostId %q Message %q must not be empty", code, se.RequestId(), se.HostId(), se.Message())
	}
	return se
}

// rpcRequest is a hand-built ECS request, signed per the spec.
type rpcRequest struct {
	Params map[string]string
	Method string
	InBody bool // the parameters go in a form body (other SDKs' way)
}

// newRPC returns the common parameters of an ECS call signed at now.
func newRPC(s *Server, action string, kv ...string) *rpcRequest {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	p := map[string]string{
		"Action": action, "Version": "2014-05-26", "Format": "JSON", "AccessKeyId": s.Key.AccessKeyID,
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureType": "",
		"SignatureNonce": hex.EncodeToString(nonce[:]), "Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"RegionId": s.Region,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return &rpcRequest{Params: p, Method: http.MethodPost, InBody: true}
}

// percentEncode is RFC 3986 as the signature wants it.
func percentEncode(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(e)
}

// sign computes the signature version 1.0 over the parameters with secret.
func (r *rpcRequest) sign(secret string) {
	delete(r.Params, "Signature")
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, percentEncode(k)+"="+percentEncode(r.Params[k]))
	}
	sts := r.Method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(parts, "&"))
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(sts))
	r.Params["Signature"] = base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// send sends the request as it is and decodes a JSON answer.
func (r *rpcRequest) send(t *testing.T, s *Server) (int, map[string]any, string) {
	t.Helper()
	v := url.Values{}
	for k, x := range r.Params {
		v.Set(k, x)
	}
	u := "http://" + s.Addr + "/"
	var body io.Reader
	if r.InBody {
		body = strings.NewReader(v.Encode())
	} else {
		u += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(t.Context(), r.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", r.Params["Action"], err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: answer is not JSON: %v\n%s", r.Params["Action"], err, raw)
		}
	}
	return resp.StatusCode, m, string(raw)
}

// call signs with the default key and sends.
func (r *rpcRequest) call(t *testing.T, s *Server) (int, map[string]any, string) {
	t.Helper()
	r.sign(s.Key.SecretAccessKey)
	return r.send(t, s)
}

// wantServerErrorStatus asserts err is a ServerError with the HTTP status
// (for XML errors, whose code the SDK does not parse).
func wantServerErrorStatus(t *testing.T, err error, status int) *sdkerrors.ServerError {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got %v (%T), want a ServerError", err, err)
	}
	if se.HttpStatus() != status {
		t.Errorf("HTTP status %d, want %d: %s", se.HttpStatus(), status, se.Message())
	}
	return se
}

package imds_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	sdkimds "github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/driver/sandbox/imds"
)

func roleHandler(c clock.Clock) http.Handler {
	return imds.New(testMeta(), nil, imds.Identity{AccountID: "123456789012"}, imds.Options{Clock: c, Role: &imds.Role{
		Name:               "SageMakerRole",
		InstanceProfileARN: "arn:aws:iam::123456789012:instance-profile/SageMakerRole",
		InstanceProfileID:  "AIPAEXAMPLE",
		AccessKeyID:        "AKIAEXAMPLE",
		SecretAccessKey:    "secret",
	}})
}

// TestRoleCredentials: the role's credentials are where the SDKs' default
// chain looks, stamped with the time of the request and valid for hours.
func TestRoleCredentials(t *testing.T) {
	c := clock.NewFake(t0)
	h := roleHandler(c)
	if got := do(h, "GET", "/latest/meta-data/iam/", nil).Body; got != "info\nsecurity-credentials/" {
		t.Errorf("iam/ lists %q", got)
	}
	if got := do(h, "GET", "/latest/meta-data/iam/security-credentials/", nil).Body; got != "SageMakerRole" {
		t.Errorf("security-credentials/ lists %q", got)
	}
	if got := do(h, "GET", "/latest/meta-data/", nil).Body; !slices.Contains(strings.Split(got, "\n"), "iam/") {
		t.Errorf("meta-data/ does not list iam/: %q", got)
	}
	c.Advance(time.Hour)
	r := do(h, "GET", "/latest/meta-data/iam/security-credentials/SageMakerRole", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("credentials: %d %s", r.Status, r.Body)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "secret", "Token": "",
		"LastUpdated": "2026-03-01T13:00:00Z", "Expiration": "2026-03-01T19:00:00Z",
	}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("credentials (-got +want):\n%s", d)
	}
	if r := do(h, "GET", "/latest/meta-data/iam/security-credentials/OtherRole", nil); r.Status != http.StatusNotFound {
		t.Errorf("another role's credentials: %d", r.Status)
	}
}

// TestRoleInfoSDK reads iam/info with the AWS SDK's client.
func TestRoleInfoSDK(t *testing.T) {
	srv := httptest.NewServer(roleHandler(clock.NewFake(t0)))
	defer srv.Close()
	out, err := sdkimds.New(sdkimds.Options{Endpoint: srv.URL}).GetIAMInfo(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.IAMInfo.InstanceProfileArn != "arn:aws:iam::123456789012:instance-profile/SageMakerRole" ||
		out.IAMInfo.InstanceProfileID != "AIPAEXAMPLE" || out.IAMInfo.Code != "Success" || !out.IAMInfo.LastUpdated.Equal(t0) {
		t.Errorf("iam info = %+v", out.IAMInfo)
	}
}

// TestNoRole: without a role there is no iam/ at all, as on an instance
// without a profile.
func TestNoRole(t *testing.T) {
	h, _ := newHandler(t, false, nil)
	if r := do(h, "GET", "/latest/meta-data/iam/info", nil); r.Status != http.StatusNotFound {
		t.Errorf("iam/info without a role: %d", r.Status)
	}
}

package imds_test

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	sdkimds "github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"strato/internal/clock"
	"strato/internal/driver/sandbox/imds"
)

// TestAWSSDKClient drives the handler with the AWS SDK's own IMDS client,
// which uses IMDSv2 session tokens; tokens are required here, so every
// answer proves the token flow works with a real client.
func TestAWSSDKClient(t *testing.T) {
	pending := time.Date(2026, 2, 1, 8, 30, 0, 0, time.UTC)
	h := imds.New(testMeta(), []byte("#cloud-config\n"), imds.Identity{AccountID: "123456789012", Architecture: "x86_64", PendingTime: pending},
		imds.Options{Clock: clock.NewFake(t0), TokensRequired: true})
	srv := httptest.NewServer(h)
	defer srv.Close()

	client := sdkimds.New(sdkimds.Options{Endpoint: srv.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("metadata", func(t *testing.T) {
		out, err := client.GetMetadata(ctx, &sdkimds.GetMetadataInput{Path: "instance-id"})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Content.Close()
		b, _ := io.ReadAll(out.Content)
		if string(b) != "i-0123456789abcdef0" {
			t.Errorf("instance-id = %q", b)
		}
	})
	t.Run("region", func(t *testing.T) {
		out, err := client.GetRegion(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out.Region != "us-west-2" {
			t.Errorf("region = %q, want us-west-2", out.Region)
		}
	})
	t.Run("identity document", func(t *testing.T) {
		out, err := client.GetInstanceIdentityDocument(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		doc := out.InstanceIdentityDocument
		if doc.InstanceID != "i-0123456789abcdef0" || doc.AccountID != "123456789012" || doc.Region != "us-west-2" ||
			doc.PrivateIP != "172.31.4.7" || doc.Version != "2017-09-30" || !doc.PendingTime.Equal(pending) {
			t.Errorf("identity document = %+v", doc)
		}
	})
	t.Run("user data", func(t *testing.T) {
		out, err := client.GetUserData(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Content.Close()
		b, _ := io.ReadAll(out.Content)
		if string(b) != "#cloud-config\n" {
			t.Errorf("user data = %q", b)
		}
	})
	t.Run("missing key is an error", func(t *testing.T) {
		if _, err := client.GetMetadata(ctx, &sdkimds.GetMetadataInput{Path: "no-such-key"}); err == nil {
			t.Error("GetMetadata(no-such-key) succeeded")
		}
	})
}

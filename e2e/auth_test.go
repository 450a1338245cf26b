package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const describeOnlyPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]
}`

// TestDryRun: DryRun answers DryRunOperation (412) to a caller allowed to do
// it and UnauthorizedOperation (403) to one who is not, and does nothing.
func TestDryRun(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)
	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})

	policy := filepath.Join(t.TempDir(), "describe-only.json")
	if err := os.WriteFile(policy, []byte(describeOnlyPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	reader := s.ClientFor(t, s.CreateKey(t, "--policy", policy, "--description", "describe only"))

	_, err := c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}, DryRun: aws.Bool(true)})
	wantAPIError(t, err, "DryRunOperation", 412)

	_, err = reader.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}, DryRun: aws.Bool(true)})
	wantAPIError(t, err, "UnauthorizedOperation", 403)

	// Parameters are validated before permissions.
	_, err = c.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{"bogus"}, DryRun: aws.Bool(true)})
	wantAPIError(t, err, "InvalidInstanceID.Malformed", 400)

	// Without DryRun the restricted key may describe but not stop.
	if _, err := reader.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Errorf("DescribeInstances with an ec2:Describe* key: %v", err)
	}
	_, err = reader.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantAPIError(t, err, "UnauthorizedOperation", 403)

	_, err = c.RunInstances(t.Context(), withLaunchDefaults(&ec2.RunInstancesInput{DryRun: aws.Bool(true)}))
	wantAPIError(t, err, "DryRunOperation", 412)

	// None of that touched the instance.
	time.Sleep(300 * time.Millisecond)
	checkState(t, "after the dry runs", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
}

// skewSigner signs every request as if the clock were off by skew.
type skewSigner struct {
	inner *v4.Signer
	skew  time.Duration
}

func (s skewSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, signingTime time.Time, optFns ...func(*v4.SignerOptions)) error {
	return s.inner.SignHTTP(ctx, creds, r, payloadHash, service, region, signingTime.Add(s.skew), optFns...)
}

// TestAuthErrors: the SigV4 check in its default (verify) mode.
func TestAuthErrors(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})

	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		c := s.ClientFor(t, Key{AccessKeyID: s.Key.AccessKeyID, SecretAccessKey: s.Key.SecretAccessKey + "x"})
		_, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
		wantAPIError(t, err, "SignatureDoesNotMatch", 403)
	})

	t.Run("unknown key", func(t *testing.T) {
		t.Parallel()
		c := s.ClientFor(t, Key{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
		_, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
		wantAPIError(t, err, "AuthFailure", 401)
	})

	for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
		t.Run("signed "+skew.String()+" off", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t, func(o *ec2.Options) {
				o.HTTPSignerV4 = skewSigner{inner: v4.NewSigner(), skew: skew}
				o.DisableClockSkewCorrection = true
			})
			_, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
			wantAPIError(t, err, "RequestExpired", 400)
		})
	}

	t.Run("signed 5m off is fine", func(t *testing.T) {
		t.Parallel()
		c := s.Client(t, func(o *ec2.Options) {
			o.HTTPSignerV4 = skewSigner{inner: v4.NewSigner(), skew: -5 * time.Minute}
			o.DisableClockSkewCorrection = true
		})
		if _, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{}); err != nil {
			t.Errorf("DescribeInstances signed 5 minutes ago: %v", err)
		}
	})
}

// TestAccountIsolation: instances of one account are invisible to another.
func TestAccountIsolation(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	c := s.Client(t)
	id := launchRunning(t, c, &ec2.RunInstancesInput{UserData: userData(idleGuest)})

	other := s.CreateAccount(t, "other")
	oc := s.ClientFor(t, s.CreateKey(t, "--account", other))

	_, err := oc.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
	_, err = oc.StopInstances(t.Context(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
	_, err = oc.TerminateInstances(t.Context(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)

	out, err := oc.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatalf("DescribeInstances as %s: %v", other, err)
	}
	if n := len(out.Reservations); n != 0 {
		t.Errorf("account %s sees %d reservations, want 0", other, n)
	}

	// The other account runs its own instance, owned by it.
	run, err := oc.RunInstances(t.Context(), withLaunchDefaults(&ec2.RunInstancesInput{UserData: userData(idleGuest)}))
	if err != nil {
		t.Fatalf("RunInstances as %s: %v", other, err)
	}
	if got := aws.ToString(run.OwnerId); got != other {
		t.Errorf("RunInstances as %s: OwnerId %q", other, got)
	}
	otherID := aws.ToString(run.Instances[0].InstanceId)
	_, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{otherID}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)

	checkState(t, "the first account's instance", ptr(stateOf(t, c, id)), types.InstanceStateNameRunning, codeRunning)
}

// TestAuthAny: --auth=any (for test rigs) accepts every key; a 12-digit key
// names its account, any other maps to the default account (--account-id).
func TestAuthAny(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{Args: []string{"--auth=any", "--account-id", "111122223333"}})

	anyKey := s.ClientFor(t, Key{AccessKeyID: "test", SecretAccessKey: "test"})
	run, err := anyKey.RunInstances(t.Context(), withLaunchDefaults(&ec2.RunInstancesInput{UserData: userData(idleGuest)}))
	if err != nil {
		t.Fatalf("RunInstances with key %q under --auth=any: %v", "test", err)
	}
	if got := aws.ToString(run.OwnerId); got != "111122223333" {
		t.Errorf("OwnerId %q, want the --account-id 111122223333", got)
	}
	id := aws.ToString(run.Instances[0].InstanceId)

	// Request time is not checked in this mode.
	skewed := s.ClientFor(t, Key{AccessKeyID: "111122223333", SecretAccessKey: "whatever"}, func(o *ec2.Options) {
		o.HTTPSignerV4 = skewSigner{inner: v4.NewSigner(), skew: -2 * time.Hour}
		o.DisableClockSkewCorrection = true
	})
	if _, err := skewed.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Errorf("DescribeInstances as account 111122223333 (signed 2h ago): %v", err)
	}

	stranger := s.ClientFor(t, Key{AccessKeyID: "444455556666", SecretAccessKey: "x"})
	_, err = stranger.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantAPIError(t, err, "InvalidInstanceID.NotFound", 400)
}

// TestPresignedQuery: a request signed in its query string (a presigned URL
// made with the SDK's SigV4 signer) is accepted; tampering with it is not.
func TestPresignedQuery(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	id := launchRunning(t, s.Client(t), &ec2.RunInstancesInput{UserData: userData(idleGuest)})

	presign := func(query string) string {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.Endpoint+"/?"+query+"&X-Amz-Expires=300", nil)
		if err != nil {
			t.Fatal(err)
		}
		creds := aws.Credentials{AccessKeyID: s.Key.AccessKeyID, SecretAccessKey: s.Key.SecretAccessKey}
		emptyHash := hex.EncodeToString(sha256.New().Sum(nil))
		u, _, err := v4.NewSigner().PresignHTTP(t.Context(), creds, req, emptyHash, "ec2", s.Region, time.Now())
		if err != nil {
			t.Fatalf("PresignHTTP: %v", err)
		}
		return u
	}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET presigned URL: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	u := presign("Action=DescribeInstances&Version=2016-11-15&InstanceId.1=" + id)
	status, body := get(u)
	if status != http.StatusOK || !strings.Contains(body, "<DescribeInstancesResponse") || !strings.Contains(body, id) {
		t.Errorf("GET presigned DescribeInstances: %d\n%s", status, body)
	}

	tampered := strings.Replace(u, "Action=DescribeInstances", "Action=StopInstances", 1)
	status, body = get(tampered)
	if code := xmlErrorCode(body); status != http.StatusForbidden || code != "SignatureDoesNotMatch" {
		t.Errorf("GET tampered presigned URL: %d %q, want 403 SignatureDoesNotMatch\n%s", status, code, body)
	}
	checkState(t, "after the tampered request", ptr(stateOf(t, s.Client(t), id)), types.InstanceStateNameRunning, codeRunning)
}

func xmlErrorCode(body string) string {
	m := regexp.MustCompile(`<Code>([^<]*)</Code>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestSecretsPrivate: every file under the data directory that holds the
// default key's secret is readable by its owner only.
func TestSecretsPrivate(t *testing.T) {
	t.Parallel()
	s := StartServer(t, Options{})
	// Make sure the server has written what it writes.
	if _, err := s.Client(t).DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{}); err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	secret := []byte(s.Key.SecretAccessKey)
	holders := 0
	err := filepath.WalkDir(s.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > 64<<20 {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, secret) {
			return nil
		}
		holders++
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s holds the secret key and has mode %v; want 0600", path, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d file(s) under the data directory hold the secret", holders)
}

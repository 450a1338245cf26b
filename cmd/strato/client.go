package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"strato/internal/api/adminapi"
)

// adminClient calls a running server's admin API, signed with SigV4 (service
// "strato") by the credentials `strato env` prints.
type adminClient struct {
	endpoint string
	creds    aws.Credentials
	region   string
	http     *http.Client
}

// newAdminClient reads AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_REGION (or AWS_DEFAULT_REGION).
func newAdminClient() (*adminClient, error) {
	c := &adminClient{
		endpoint: strings.TrimRight(os.Getenv("AWS_ENDPOINT_URL"), "/"),
		creds:    aws.Credentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY")},
		region:   os.Getenv("AWS_REGION"),
		http:     &http.Client{Timeout: 30 * time.Second},
	}
	if c.region == "" {
		c.region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.endpoint == "" || c.creds.AccessKeyID == "" || c.creds.SecretAccessKey == "" {
		return nil, fmt.Errorf("set AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY first: eval \"$(strato env)\"")
	}
	return c, nil
}

// apiError is an error answer of the admin API.
type apiError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d, request %s)", e.Code, e.Message, e.Status, e.RequestID)
}

// do sends method path?query with a JSON body (nil for none) and decodes the
// JSON answer into out (nil to discard).
func (c *adminClient) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	u := c.endpoint + adminapi.Prefix + strings.TrimPrefix(path, "/")
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256(payload)
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), adminapi.Service, c.region, time.Now()); err != nil {
		return err
	}
	return c.send(req, out)
}

// send sends a signed request and decodes the JSON answer into out (nil to
// discard); an error answer is an *apiError.
func (c *adminClient) send(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			RequestID string `json:"requestId"`
		}
		_ = json.Unmarshal(data, &e)
		return &apiError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message, RequestID: e.RequestID}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// cmdWhoami prints the account and key the environment's credentials name.
func cmdWhoami(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := newAdminClient()
	if err != nil {
		return err
	}
	var out map[string]string
	if err := c.do(ctx, http.MethodGet, "whoami", nil, nil, &out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "account %s, access key %s\n", out["account"], out["accessKeyId"])
	return nil
}

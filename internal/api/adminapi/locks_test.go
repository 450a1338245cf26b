package adminapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"strato/internal/clock"
	"strato/internal/core/catalog"
	"strato/internal/core/iam"
	"strato/internal/core/instance"
	"strato/internal/driver/fake"
	"strato/internal/errdefs"
	"strato/internal/store/memstore"
)

func TestLockRoutes(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC))
	st := memstore.New(memstore.WithClock(clk))
	ids := iam.NewService(st, clk, iam.Options{})
	acct, root, err := ids.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := instance.New(instance.Config{Store: st, Driver: fake.New(clk), Clock: clk, Catalog: catalog.New("us-east-1"),
		ResyncInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	other, _ := ids.CreateAccount(ctx, "team-b")
	otherKey, _ := ids.CreateKey(ctx, other.ID, "", nil)
	all, _ := iam.ParsePolicy([]byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	limited, _ := ids.CreateKey(ctx, acct.ID, "", all)
	res, err := svc.Run(ctx, other.ID, instance.RunRequest{Origin: instance.OriginECS, ImageID: catalog.ECSImageShell,
		InstanceType: "ecs.g6.large", MinCount: 1, MaxCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Instances[0].ID
	h := New(Config{IAM: ids, Instances: svc, Clock: clk, Region: "us-east-1"})

	send := func(method string, key iam.Key, id string) (int, map[string]any) {
		req := httptest.NewRequest(method, "http://strato.test"+Prefix+"instances/"+id+"/locks/security", nil)
		sum := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), Service, "us-east-1", clk.Now()); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var out map[string]any
		if err := json.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode(&out); err != nil {
			t.Fatalf("%s: not JSON: %s", method, w.Body)
		}
		return w.Code, out
	}
	for _, tc := range []struct {
		name   string
		method string
		key    iam.Key
		id     string
		status int
		code   string
		locks  []any
	}{
		{"the owner's full-rights key is not the operator", http.MethodPut, otherKey, id, 403, "AccessDenied", nil},
		{"a policy key of the default account is not the operator", http.MethodPut, limited, id, 403, "AccessDenied", nil},
		{"operator locks", http.MethodPut, root, id, 200, "", []any{map[string]any{"lockReason": "security"}}},
		{"locking again changes nothing", http.MethodPut, root, id, 200, "", []any{map[string]any{"lockReason": "security"}}},
		{"unknown instance", http.MethodPut, root, "i-zzzzzzzzzzzzzzzzzzzz", 404, "NotFound", nil},
		{"GET is no route", http.MethodGet, root, id, 404, "NotFound", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := send(tc.method, tc.key, tc.id)
			if status != tc.status || errCode(out) != tc.code {
				t.Fatalf("%d %q, want %d %q: %v", status, errCode(out), tc.status, tc.code, out)
			}
			if tc.status == 200 {
				if d := cmp.Diff(out["operationLocks"], any(tc.locks)); d != "" || out["instanceId"] != id {
					t.Errorf("answer (-got +want):\n%s %v", d, out)
				}
			}
		})
	}
	// The lock is the core's: the owner cannot stop the instance now.
	deadline := time.Now().Add(5 * time.Second)
	for in, _ := svc.Get(ctx, other.ID, id); in.State != instance.Running && time.Now().Before(deadline); in, _ = svc.Get(ctx, other.ID, id) {
		time.Sleep(time.Millisecond)
	}
	_, err = svc.Stop(ctx, other.ID, []string{id}, instance.StopRequest{})
	if e := errdefs.As(err); e == nil || e.Resource != instance.ResSecurityLock {
		t.Errorf("stop of a locked instance = %v", err)
	}
	status, out := send(http.MethodDelete, root, id)
	if status != 200 || len(out["operationLocks"].([]any)) != 0 {
		t.Errorf("unlock = %d %v", status, out)
	}
	if _, err := svc.Stop(ctx, other.ID, []string{id}, instance.StopRequest{}); err != nil {
		t.Errorf("stop after unlock: %v", err)
	}
}
